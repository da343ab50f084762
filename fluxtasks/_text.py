"""Wording helpers shared by every message the library builds from user data."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

# Escaped in error lines: line breaks (one line per problem) and terminal control codes.
ESCAPED_IN_ERRORS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """`text` with line breaks and control characters escaped: one line per problem, and
    nothing from the config can drive the terminal."""
    return ESCAPED_IN_ERRORS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or "" when none is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def join_path(path: str, key: str) -> str:
    """A dotted path one key deeper: `spec` + `url` -> `spec.url`, "" + `flux` -> `flux`."""
    return f"{path}.{key}" if path else key
