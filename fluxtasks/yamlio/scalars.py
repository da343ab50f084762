"""How yaml.v2 writes one string: its key order, its scalar style and its quoting.

* **Key order** -- yaml.v2 sorts mapping keys with a "natural" rune-wise compare
  (:func:`natural_key`).
* **Scalar style** -- a string is double-quoted when, left plain, yaml.v2's resolver
  would read it back as something other than a string (bool, null, int, float,
  timestamp, base-60 number); single-quoted when the emitter's scalar analysis forbids
  a plain scalar (indicators, ``": "``, ``" #"``, surrounding spaces ...); double-quoted
  with escapes when neither works (control characters, a line break next to a space
  ...); and a literal block when it contains a newline (:func:`scalar_info`).
* **JSON round trip of strings** -- a raw U+0085 (NEL) inside a JSON string is a line
  break to the YAML scanner and is folded the way the scanner folds it; characters the
  YAML reader rejects (DEL, C1 controls other than NEL, U+FFFE/U+FFFF) make the Go code
  fail, and raise :class:`ValueError` here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from .goresolve import can_use_plain, wrap_int64

# check_simple_key: longer keys (in UTF-8 bytes) are written with the "? " indicator.
_MAX_SIMPLE_KEY_BYTES: Final = 128
# The YAML scanner forgets a potential simple key after this many characters; a JSON
# object key whose quoted JSON text is longer makes JSONToYAML fail.
_MAX_JSON_KEY_CHARS: Final = 1024

# Scalar styles, in the order yaml.v2's select_scalar_style degrades them.
PLAIN: Final = 0
SINGLE: Final = 1
DOUBLE: Final = 2
LITERAL: Final = 3

# Fold offsets: "a space at this text offset could be folded".  _NEVER means no space
# can fold; _ALWAYS forces the exact (character by character) writer.
_NEVER: Final = -(10**9)
_ALWAYS: Final = 10**9


# ---------------------------------------------------------------------------
# Key order (sorter.go: keyList.Less for two string keys)
# ---------------------------------------------------------------------------


def _go_less(a: str, b: str) -> bool:
    """yaml.v2's comparison of two string map keys (rune by rune, natural digits)."""
    la, lb = len(a), len(b)
    for i in range(min(la, lb)):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return ca < cb
        if al or bl:
            # A letter sorts after anything that is not a letter.
            return bl
        an = bn = 0
        if ca == "0" or cb == "0":
            # A zero inside a number that already has a non-zero digit: compare the
            # rest of the runs as if prefixed by 1 so "105" > "17" holds.
            j = i - 1
            while j >= 0 and a[j].isdecimal():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < la and a[ai].isdecimal():
            an = an * 10 + ord(a[ai]) - 48
            ai += 1
        bi = i
        while bi < lb and b[bi].isdecimal():
            bn = bn * 10 + ord(b[bi]) - 48
            bi += 1
        an, bn = wrap_int64(an), wrap_int64(bn)
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ca < cb
    return la < lb


class NaturalKey:
    """Sort key wrapping a string; ``<`` is yaml.v2's key comparison."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __lt__(self, other: NaturalKey) -> bool:
        return _go_less(self.value, other.value)

    def __gt__(self, other: NaturalKey) -> bool:
        return _go_less(other.value, self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NaturalKey) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __repr__(self) -> str:
        return f"NaturalKey({self.value!r})"


def natural_key(s: str) -> NaturalKey:
    """Sort key giving yaml.v2's mapping key order: ``sorted(keys, key=natural_key)``.

    Rune by rune: two letters compare by code point (so upper case sorts first); a
    letter sorts after any non-letter (``_``, ``-``, ``.``, digits ...); runs of
    digits compare by numeric value (``a9`` < ``a10``); a prefix sorts first.

    The Go comparison is not a total order for some contrived key sets (e.g.
    ``a1b``, ``a2``, ``a10`` form a cycle); Go's own output then depends on map
    iteration order, so no single answer exists.
    """
    return NaturalKey(s)


@lru_cache(maxsize=4096)
def ordered_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The emit order of a mapping's (already string) keys, after JSON normalisation.

    Keys whose normalised text collides keep the later one, as decoding the JSON
    object would.  Raises TypeError for a non-str key (the caller converts them).
    """
    by_norm: dict[str, str] = {}
    for key in keys:
        if type(key) is not str:
            raise TypeError("not a str key")  # mapping() converts and retries
        _check_key(key)
        by_norm[scalar_info(key)[4]] = key
    if len(by_norm) == 1:
        return tuple(by_norm.values())
    return tuple(by_norm[n] for n in sorted(by_norm, key=NaturalKey))


# ---------------------------------------------------------------------------
# Emitter scalar analysis (yaml_emitter_analyze_scalar) and style selection
# ---------------------------------------------------------------------------

BREAKS: Final = frozenset("\n\r\x85\u2028\u2029")
_BLANKZ: Final = frozenset(" \t\0\n\r\x85\u2028\u2029")
_FIRST_INDICATORS: Final = frozenset("#,[]{}&*!|>'\"%@`")
# Printable characters the double-quoted writer still escapes: breaks, '"' and '\'.
MUST_ESCAPE: Final = frozenset('\n\r\x85\u2028\u2029"\\')
# Short escapes; any other escaped character is written as \xXX, \uXXXX or \UXXXXXXXX.
_ESCAPES: Final = {
    "\0": "\\0",
    "\x07": "\\a",
    "\x08": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\x0b": "\\v",
    "\x0c": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    '"': '\\"',
    "\\": "\\\\",
    "\x85": "\\N",
    "\xa0": "\\_",
    "\u2028": "\\L",
    "\u2029": "\\P",
}


def is_printable(c: str) -> bool:
    """libyaml is_printable on one character (4-byte UTF-8 is never printable)."""
    o = ord(c)
    if o < 0x7F:
        return o >= 0x20 or o == 0x0A
    return 0xA0 <= o <= 0xD7FF or (0xE000 <= o <= 0xFFFD and o != 0xFEFF)


def _analyze(s: str) -> tuple[bool, bool, bool]:
    """(block_plain_allowed, single_quoted_allowed, block_allowed) for non-empty *s*."""
    block_indicators = s.startswith(("---", "..."))
    leading_space, leading_break = s[0] == " ", s[0] in BREAKS
    trailing_space, trailing_break = s[-1] == " ", s[-1] in BREAKS
    line_breaks = special = break_space = space_break = False
    preceded_by_ws = True
    previous = ""
    last = len(s) - 1
    for i, c in enumerate(s):
        followed_by_ws = i == last or s[i + 1] in " \t"
        if i == 0:
            if c in _FIRST_INDICATORS or (c in "?:-" and followed_by_ws):
                block_indicators = True
        elif (c == ":" and followed_by_ws) or (c == "#" and preceded_by_ws):
            block_indicators = True
        if not is_printable(c):
            special = True
        if c in BREAKS:
            line_breaks = True
            space_break = space_break or previous == " "  # a space right before a break
        elif c == " " and previous in BREAKS:  # a space right after a break
            break_space = True
        previous = c
        preceded_by_ws = c in _BLANKZ
    block_plain = single = block = True
    if leading_space or leading_break or trailing_space or trailing_break:
        block_plain = False
    if trailing_space:
        block = False
    if break_space:
        block_plain = single = False
    if space_break or special:
        block_plain = single = block = False
    if line_breaks or block_indicators:
        block_plain = False
    return block_plain, single, block


def escape_char(c: str) -> str:
    """The double-quoted writer's escape for one character."""
    esc = _ESCAPES.get(c)
    if esc is not None:
        return esc
    o = ord(c)
    if o <= 0xFF:
        return f"\\x{o:02X}"
    if o <= 0xFFFF:
        return f"\\u{o:04X}"
    return f"\\U{o:08X}"


def _double_quoted(s: str) -> str:
    if s.startswith("\ufeff"):
        # libyaml's is_bom() looks at the start of the value, not at the current
        # character, so a value starting with a BOM has every character escaped.
        return '"' + "".join(escape_char(c) for c in s) + '"'
    out = [escape_char(c) if c in MUST_ESCAPE or not is_printable(c) else c for c in s]
    return '"' + "".join(out) + '"'


# Characters a JSON string may carry raw that the YAML reader of JSONToYAML rejects.
_READER_REJECTS: Final = re.compile("[\x7f-\x84\x86-\x9f\ufffe\uffff]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_NEL_RUN: Final = re.compile("[ \x85]*\x85[ \x85]*")
_NEL_DOC_MARK: Final = re.compile("\x85(?:---|\\.\\.\\.)[ \x85]")
_JSON_ESCAPED: Final = re.compile('[\\x00-\\x1f"\\\\<>&\u2028\u2029]')


def _fold_nel_run(m: re.Match[str]) -> str:
    n = m.group().count("\x85")
    return " " if n == 1 else "\n" * (n - 1)


def _json_round_trip(s: str) -> str:
    """What a Go string looks like after encoding/json and yaml.v2's decoder."""
    if _SURROGATE.search(s):
        s = _SURROGATE.sub("\ufffd", s)  # json.Marshal replaces invalid UTF-8
    if _READER_REJECTS.search(s):
        raise ValueError(
            f"cannot render {s!r}: yaml.v2 rejects the raw control character that "
            "encoding/json leaves in it ('control characters are not allowed')"
        )
    if "\x85" in s:
        # encoding/json leaves U+0085 raw; the YAML scanner reads it as a line break
        # inside the double-quoted JSON string and folds it with the blanks around it.
        if _NEL_DOC_MARK.search(s):
            raise ValueError(f"cannot render {s!r}: yaml.v2 sees a document marker after NEL")
        s = _NEL_RUN.sub(_fold_nel_run, s)
    return s


def _json_key_chars(s: str) -> int:
    """Length in characters of ``json.Marshal(s)`` (quotes included)."""
    extra = 0
    for m in _JSON_ESCAPED.finditer(s):
        c = m.group()
        extra += 1 if c in '"\\\n\r\t\b\f' else 5
    return len(s) + 2 + extra


# ASCII text with no character the scalar analysis cares about (no spaces, breaks,
# quotes or indicators, and no ':' or '#').
_TOKEN: Final = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./-]*")

# scalar_info() result: (style, text, fold_at, simple_key, normalized value)
ScalarInfo = tuple[int, str, int, bool, str]


@lru_cache(maxsize=1 << 16)
def scalar_info(raw: str) -> ScalarInfo:
    """Style and unfolded text of a string scalar, computed once per distinct string.

    ``fold_at`` is the offset, within ``text``, of the last space that the writer
    might fold (``_NEVER`` if none, ``_ALWAYS`` if only the exact writer is safe);
    a scalar whose text starts at column ``c`` cannot fold when
    ``c + fold_at <= 80``.
    """
    s = _json_round_trip(raw)
    if _TOKEN.fullmatch(s) and not s.startswith("..."):
        # Names, paths, versions, durations: nothing for the emitter to object to, so
        # only the resolver decides (plain or double-quoted).
        text = s if can_use_plain(s) else '"' + s + '"'
        return (PLAIN if text is s else DOUBLE), text, _NEVER, len(s) <= _MAX_SIMPLE_KEY_BYTES, s
    multiline = any(c in BREAKS for c in s)
    if "\n" in s:
        style = LITERAL
    elif can_use_plain(s):
        style = PLAIN
    else:
        style = DOUBLE
    if s:
        block_plain, single_ok, block_ok = _analyze(s)
    else:  # analyze_scalar's empty-value case
        block_plain, single_ok, block_ok = True, True, False
    if style == PLAIN and not block_plain:
        style = SINGLE
    if style == SINGLE and not single_ok:
        style = DOUBLE
    if style == LITERAL and not block_ok:
        style = DOUBLE
    if style == PLAIN:
        text = s
    elif style == SINGLE:
        text = "'" + s.replace("'", "''") + "'"
    elif style == DOUBLE:
        text = _double_quoted(s)
    else:
        text = s
    if style == LITERAL:
        fold_at = _NEVER
    elif style == SINGLE and multiline:
        fold_at = _ALWAYS  # a raw LS/PS break inside single quotes
    else:
        last_space = text.rfind(" ")
        fold_at = _NEVER if last_space < 0 else last_space
    simple = not multiline and len(s.encode("utf-8")) <= _MAX_SIMPLE_KEY_BYTES
    return style, text, fold_at, simple, s


def _check_key(raw: str) -> None:
    """Keys JSONToYAML cannot read back (the YAML scanner drops the simple key)."""
    if "\x85" in raw or (
        len(raw) * 6 + 2 > _MAX_JSON_KEY_CHARS and _json_key_chars(raw) > _MAX_JSON_KEY_CHARS
    ):
        raise ValueError(
            f"cannot render map key {raw[:40]!r}...: as a JSON key it spans lines or "
            f"exceeds {_MAX_JSON_KEY_CHARS} characters, which yaml.v2 cannot decode"
        )
