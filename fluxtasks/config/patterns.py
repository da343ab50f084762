"""Regular expressions for the JSON Schema, from the loader's own rules.

They are written so that both Python (`jsonschema`) and the ECMA-262 engines of editors
read them alike: no inline flags, `[Xx]` classes for the case-insensitive kinds.
"""

from __future__ import annotations

import re

from ..flux import LABEL_RE, NAME_RE, SUBDOMAIN_RE

# The end of the text in both engines: Python's `$` also matches before a final newline.
END = r"$(?!\n)"
DURATION = r"^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)" + END
# Flux v2.0-v2.9: the loader reads the minor as a number, so v2.03.0 is v2.3.0.
VERSION = r"^v2\.0*[0-9]\.[0-9]+(-[0-9A-Za-z.-]+)?" + END


def before(minor: int) -> str:
    """A flux.version older than v2.`minor` (the loader reads the minor as a number)."""
    assert 1 <= minor <= 9
    return rf"^v2\.0*[0-{minor - 1}]\."


BEFORE_V2_7 = before(7)
ABSOLUTE = r"^(/|[A-Za-z]:[\\/])"
# ".", "..", "./..", "../x": what normalises to the base folder itself or climbs out first.
ESCAPES = rf"^((\.[/\\])*\.\.([/\\]|{END})|(\.([/\\]|{END}))+{END})"
CONTROL = r"[\x00-\x1f\x7f-\x9f]"


def inner(pattern: re.Pattern[str]) -> str:
    """A loader regex without its anchors, to embed in a larger one."""
    return pattern.pattern.removeprefix("^").removesuffix("$").removesuffix("\\Z")


NAME = inner(NAME_RE)
SUBDOMAIN = inner(SUBDOMAIN_RE)
LABEL = inner(LABEL_RE)
# A label key ([DNS-subdomain prefix/]name) and value; the 63-character limit of the name
# and the value is the loader's (lookaheads differ between the engines).
_LABEL_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_KEY = f"^({SUBDOMAIN}/)?{_LABEL_NAME}{END}"
LABEL_VALUE = f"^({_LABEL_NAME})?{END}"


def whole(pattern: str) -> str:
    return f"^{pattern}{END}"


def any_case(word: str) -> str:
    assert word.isalpha()
    return "".join(f"[{c.upper()}{c.lower()}]" for c in word)


def one_of(words: tuple[str, ...], *, any_case_: bool = True) -> str:
    return "(" + "|".join(any_case(w) if any_case_ else w for w in words) + ")"
