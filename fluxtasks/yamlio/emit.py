"""Byte-exact YAML output of ``sigs.k8s.io/yaml.Marshal``, as ``flux create ... --export`` prints.

The Flux CLI renders its objects with ``sigs.k8s.io/yaml.Marshal``: the Go value is
encoded with ``encoding/json``, that JSON text is decoded again by the project's copy
of ``gopkg.in/yaml.v2`` (so every number is re-typed by the YAML 1.1 resolver), and
the result is printed by yaml.v2's emitter (a Go port of libyaml).  PyYAML's
``safe_dump`` differs in quoting, key order and literal blocks, so this module is a
small, purpose-built re-implementation of exactly the parts of that pipeline a
``dict``/``list``/scalar tree can reach.

Behaviour reproduced (see ``tests/test_yamlemit.py`` for examples of each):

* **Key order** -- yaml.v2 sorts mapping keys with a "natural" rune-wise compare
  (:func:`natural_key`).
* **Numbers** pass through JSON: integral floats below 1e21 become integers, other
  floats print like Go ``strconv.FormatFloat(f, 'g', -1, 64)`` (:func:`json_number`).
* **Scalar style** -- a string is double-quoted when, left plain, yaml.v2's resolver
  would read it back as something other than a string (bool, null, int, float,
  timestamp, base-60 number); single-quoted when the emitter's scalar analysis forbids
  a plain scalar (indicators, ``": "``, ``" #"``, surrounding spaces ...); double-quoted
  with escapes when neither works (control characters, a line break next to a space
  ...); and a literal block (``|-``, ``|``, ``|+``, with an indentation indicator when
  the text starts with a space) when it contains a newline.
* **Line folding** at column 80 for plain, single- and double-quoted scalars that
  contain spaces, exactly as the emitter tracks columns (keys never fold).
* **Layout** -- 2-space block indentation, sequences under a mapping key are not
  indented, ``- k: v`` for mappings in sequences, ``- - x`` for nested sequences,
  ``{}``/``[]`` for empty collections, ``? key`` for keys that are multi-line or
  longer than 128 bytes.
* **JSON round trip of strings** -- a raw U+0085 (NEL) inside a JSON string is a line
  break to the YAML scanner and is folded the way the scanner folds it; characters the
  YAML reader rejects (DEL, C1 controls other than NEL, U+FFFE/U+FFFF) make the Go code
  fail, and raise :class:`ValueError` here, as do NaN/Inf (JSON cannot hold them).

The output is one document without the leading ``---`` and with a trailing newline,
i.e. what ``yaml.Marshal`` returns before Flux's own post-processing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

__all__ = ["NaturalKey", "dump", "json_number", "natural_key"]

# Emitter settings yaml.v2 ends up with: best_indent 2, best_width 80.
_BEST_WIDTH: Final = 80
# check_simple_key: longer keys (in UTF-8 bytes) are written with the "? " indicator.
_MAX_SIMPLE_KEY_BYTES: Final = 128
# The YAML scanner forgets a potential simple key after this many characters; a JSON
# object key whose quoted JSON text is longer makes JSONToYAML fail.
_MAX_JSON_KEY_CHARS: Final = 1024

_INT64_MIN: Final = -(1 << 63)
_UINT64_MAX: Final = (1 << 64) - 1

# Scalar styles, in the order yaml.v2's select_scalar_style degrades them.
_PLAIN: Final = 0
_SINGLE: Final = 1
_DOUBLE: Final = 2
_LITERAL: Final = 3

# Fold offsets: "a space at this text offset could be folded".  _NEVER means no space
# can fold; _ALWAYS forces the exact (character by character) writer.
_NEVER: Final = -(10**9)
_ALWAYS: Final = 10**9


# ---------------------------------------------------------------------------
# Key order (sorter.go: keyList.Less for two string keys)
# ---------------------------------------------------------------------------


def _wrap_int64(n: int) -> int:
    """Reduce *n* to Go's wrapping int64 arithmetic."""
    return ((n + (1 << 63)) % (1 << 64)) - (1 << 63)


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
        an, bn = _wrap_int64(an), _wrap_int64(bn)
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
def _ordered_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The emit order of a mapping's (already string) keys, after JSON normalisation.

    Keys whose normalised text collides keep the later one, as decoding the JSON
    object would.  Raises TypeError for a non-str key (the caller converts them).
    """
    by_norm: dict[str, str] = {}
    for key in keys:
        if type(key) is not str:
            raise TypeError("not a str key")  # mapping() converts and retries
        _check_key(key)
        by_norm[_scalar(key)[4]] = key
    if len(by_norm) == 1:
        return tuple(by_norm.values())
    return tuple(by_norm[n] for n in sorted(by_norm, key=NaturalKey))


# ---------------------------------------------------------------------------
# Numbers: Go value -> encoding/json text -> yaml.v2 resolve -> yaml.v2 encode
# ---------------------------------------------------------------------------


def _go_format_g(f: float) -> str:
    """Go ``strconv.FormatFloat(f, 'g', -1, 64)`` for a finite float."""
    if f == 0.0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    sign = "-" if f < 0 else ""
    # repr() gives the shortest round-tripping digits, like Go's shortest mode.
    mantissa, _, exp_text = repr(abs(f)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    digits = (int_part + frac_part).lstrip("0")
    # Decimal exponent of the first significant digit.
    if int_part.strip("0"):
        exp = len(int_part.lstrip("0")) - 1
    else:
        exp = -(len(frac_part) - len(frac_part.lstrip("0"))) - 1
    if exp_text:
        exp += int(exp_text)
    digits = digits.rstrip("0") or "0"
    if exp < -4 or exp >= 6:  # %e; shortest 'g' uses precision 6 for this choice
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        exp_sign = "-" if exp < 0 else "+"
        return f"{sign}{body}e{exp_sign}{abs(exp):02d}"
    if exp < 0:
        return f"{sign}0.{'0' * (-exp - 1)}{digits}"
    if len(digits) <= exp + 1:
        return sign + digits + "0" * (exp + 1 - len(digits))
    return f"{sign}{digits[: exp + 1]}.{digits[exp + 1 :]}"


def json_number(x: int | float) -> str:
    """The YAML text yaml.v2 prints for a Go number after the JSON round trip.

    ``encoding/json`` writes an integral float below 1e21 without exponent or
    fraction, so yaml.v2 reads it back as an int: ``1.0`` -> ``1``,
    ``1000000.0`` -> ``1000000``.  Other floats are printed in Go ``%g`` shortest
    style: ``1.5``, ``1e-07``, ``1.2345675e+06``, ``1e+21``.  Integers outside the
    int64/uint64 range come back as floats (``1e+20``) unless they exceed the float
    range.  NaN and infinities raise :class:`ValueError` (JSON cannot hold them).
    """
    if isinstance(x, bool):
        raise TypeError("json_number() takes an int or float, not bool")
    if isinstance(x, int):
        x = int(x)
        if _INT64_MIN <= x <= _UINT64_MAX:
            return str(x)
        try:
            f = float(x)
        except OverflowError:
            return str(x)  # big.Int (or, negative, a plain string): the digits
        return _go_format_g(f)
    if isinstance(x, float):
        x = float(x)
        if not math.isfinite(x):
            raise ValueError(f"json: unsupported value: {x!r} (NaN and Inf cannot be encoded)")
        if x.is_integer() and abs(x) < 1e21:
            # encoding/json writes the shortest digits, then zeros: 2**63 is
            # 9223372036854776000, and -2**63 no longer fits an int64.
            return json_number(int(Decimal(repr(x))))
        return _go_format_g(x)
    raise TypeError(f"json_number() takes an int or float, not {type(x).__name__}")


# ---------------------------------------------------------------------------
# yaml.v2 resolve(): would a plain scalar read back as something but a string?
# ---------------------------------------------------------------------------

_RESOLVE_MAP: Final = frozenset(
    (
        *("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"),
        *("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"),
        *("", "~", "null", "Null", "NULL"),
        *(".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF"),
        *("+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"),
        "<<",
    )
)
# resolveTable hints: 'M' (map only), '.', 'S' (sign), 'D' (digit).
_HINT_MAP_ONLY: Final = frozenset("yYnNtTfFoO~")
_HINT_NUMBER: Final = frozenset("+-0123456789")
_YAML_STYLE_FLOAT: Final = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_BASE60_FLOAT: Final = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
# Go ParseFloat syntax for text starting with '.', underscores checked separately.
_GO_DOT_FLOAT: Final = re.compile(r"\.[0-9_]*[0-9][0-9_]*(?:[eE][-+]?[0-9][0-9_]*)?")
_BAD_UNDERSCORE: Final = re.compile(r"(?<![0-9])_|_(?![0-9])")
_ASCII_DIGITS: Final = frozenset("0123456789")


def _go_parse_uint(s: str, base: int) -> tuple[int | None, str | None]:
    """``strconv.ParseUint(s, base, 64)``: (value, None) or (None, "syntax"|"range")."""
    if not s:
        return None, "syntax"
    if base == 0:
        base = 10
        if s[0] == "0":
            prefix = s[1:2].lower()
            if len(s) >= 3 and prefix in ("b", "o", "x"):
                base = {"b": 2, "o": 8, "x": 16}[prefix]
                s = s[2:]
            else:
                base = 8
                s = s[1:]
    n = 0
    for c in s:
        if "0" <= c <= "9":
            d = ord(c) - 48
        elif "a" <= c.lower() <= "z" and c.isascii():
            d = ord(c.lower()) - 87
        else:
            return None, "syntax"
        if d >= base:
            return None, "syntax"
        n = n * base + d
        if n > _UINT64_MAX:
            return None, "range"
    return n, None


def _go_parse_int(s: str, base: int) -> tuple[int | None, str | None]:
    """``strconv.ParseInt(s, base, 64)``."""
    if not s:
        return None, "syntax"
    neg = s[0] == "-"
    if s[0] in "+-":
        s = s[1:]
    un, err = _go_parse_uint(s, base)
    if err == "syntax":
        return None, "syntax"
    if un is None or un > (1 << 63) or (un == 1 << 63 and not neg):
        return None, "range"
    return (-un if neg else un), None


def _go_big_int_ok(s: str) -> bool:
    """``new(big.Int).SetString(s, 0)`` succeeds (no sign: only reached after ParseUint)."""
    base = 10
    body = s
    if s[:2].lower() in ("0b", "0o", "0x"):
        base = {"b": 2, "o": 8, "x": 16}[s[1].lower()]
        body = s[2:]
    elif s[:1] == "0":
        base = 8
    return bool(body) and all(c.isascii() and c.isalnum() and int(c, 36) < base for c in body)


def _finite_float(text: str) -> bool:
    """Go ParseFloat of syntactically valid decimal text succeeds (no overflow)."""
    return math.isfinite(float(text.replace("_", "")))


def _days_in_month(month: int, year: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _getnum(s: str, fixed: bool) -> tuple[int, str] | None:
    """Go time's getnum: one or two leading digits (exactly two when *fixed*)."""
    if not s or s[0] not in _ASCII_DIGITS:
        return None
    if len(s) < 2 or s[1] not in _ASCII_DIGITS:
        return None if fixed else (ord(s[0]) - 48, s[1:])
    return (ord(s[0]) - 48) * 10 + ord(s[1]) - 48, s[2:]


def _parse_clock(s: str) -> str | None:
    """``15:4:5.999999999`` of a Go layout; the unparsed rest, or None."""
    parts: list[int] = []
    for i, limit in enumerate((24, 60, 60)):
        if i:
            if not s.startswith(":"):
                return None
            s = s[1:]
        got = _getnum(s, False)
        if got is None or got[0] >= limit:
            return None
        parts.append(got[0])
        s = got[1]
    if len(s) >= 2 and s[0] in ".," and s[1] in _ASCII_DIGITS:
        i = 1
        while i < len(s) and s[i] in _ASCII_DIGITS:
            i += 1
        s = s[i:]
    return s


def _is_go_timestamp(s: str) -> bool:
    """yaml.v2 parseTimestamp: one of its four ``time.Parse`` layouts accepts *s*."""
    if len(s) < 5 or s[4] != "-" or not all(c in _ASCII_DIGITS for c in s[:4]):
        return False
    year = int(s[:4])
    got = _getnum(s[5:], False)
    if got is None or not 1 <= got[0] <= 12:
        return False
    month, rest = got
    if not rest.startswith("-"):
        return False
    got = _getnum(rest[1:], False)
    if got is None:
        return False
    day, rest = got
    if rest:
        sep = rest[0]
        if sep in "Tt":  # "2006-1-2T15:4:5.999999999Z07:00" and the lower-case 't' form
            clock_rest = _parse_clock(rest[1:])
            if clock_rest is None:
                return False
            if clock_rest.startswith("Z"):
                rest = clock_rest[1:]
            else:
                tz = clock_rest
                if len(tz) < 6 or tz[3] != ":" or tz[0] not in "+-":
                    return False
                hh, mm = _getnum(tz[1:3], True), _getnum(tz[4:6], True)
                if hh is None or mm is None or hh[0] > 24 or mm[0] > 60:
                    return False
                rest = tz[6:]
        elif sep == " ":  # "2006-1-2 15:4:5.999999999": one or more spaces, no zone
            clock_rest = _parse_clock(rest.lstrip(" "))
            if clock_rest is None:
                return False
            rest = clock_rest
        else:
            return False
        if rest:
            return False
    return 1 <= day <= _days_in_month(month, year)


def _resolves_to_str(s: str) -> bool:
    """yaml.v2 ``resolve("", s)`` returns the ``!!str`` tag."""
    if not s:
        return False
    first = s[0]
    if first in _HINT_MAP_ONLY:
        return s not in _RESOLVE_MAP
    if first == ".":
        if s in _RESOLVE_MAP:
            return False
        if _GO_DOT_FLOAT.fullmatch(s) and not _BAD_UNDERSCORE.search(s):
            return not _finite_float(s)
        return True
    if first not in _HINT_NUMBER:
        return True
    if s in _RESOLVE_MAP:
        return False
    if _is_go_timestamp(s):
        return False
    plain = s.replace("_", "")
    if _go_parse_int(plain, 0)[1] is None:
        return False
    _, uint_err = _go_parse_uint(plain, 0)
    if uint_err is None:
        return False
    if _YAML_STYLE_FLOAT.fullmatch(plain) and _finite_float(plain):
        return False
    if plain.startswith("0b"):
        if _go_parse_int(plain[2:], 2)[1] is None or _go_parse_uint(plain[2:], 2)[1] is None:
            return False
    elif plain.startswith("-0b") and _go_parse_int("-" + plain[3:], 2)[1] is None:
        return False
    return not (uint_err == "range" and _go_big_int_ok(plain))


def _can_use_plain(s: str) -> bool:
    """encoder.stringv's ``canUsePlain``: resolves to a string and is not base 60."""
    if not _resolves_to_str(s):
        return False
    return not (s[0] in _HINT_NUMBER and ":" in s and _BASE60_FLOAT.fullmatch(s))


# ---------------------------------------------------------------------------
# Emitter scalar analysis (yaml_emitter_analyze_scalar) and style selection
# ---------------------------------------------------------------------------

_BREAKS: Final = frozenset("\n\r\x85\u2028\u2029")
_BLANKZ: Final = frozenset(" \t\0\n\r\x85\u2028\u2029")
_FIRST_INDICATORS: Final = frozenset("#,[]{}&*!|>'\"%@`")
_FLOW_INDICATORS: Final = frozenset(",?[]{}")
# Printable characters the double-quoted writer still escapes: breaks, '"' and '\'.
_MUST_ESCAPE: Final = frozenset('\n\r\x85\u2028\u2029"\\')
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


def _is_printable(c: str) -> bool:
    """libyaml is_printable on one character (4-byte UTF-8 is never printable)."""
    o = ord(c)
    if o < 0x7F:
        return o >= 0x20 or o == 0x0A
    return 0xA0 <= o <= 0xD7FF or (0xE000 <= o <= 0xFFFD and o != 0xFEFF)


def _analyze(s: str) -> tuple[bool, bool, bool]:
    """(block_plain_allowed, single_quoted_allowed, block_allowed) for non-empty *s*."""
    block_indicators = s.startswith(("---", "..."))
    line_breaks = special = False
    leading_space = leading_break = trailing_space = trailing_break = False
    break_space = space_break = False
    preceded_by_ws = True
    previous_space = previous_break = False
    last = len(s) - 1
    for i, c in enumerate(s):
        followed_by_ws = i == last or s[i + 1] in " \t"
        if i == 0:
            if c in _FIRST_INDICATORS or (c in "?:-" and followed_by_ws):
                block_indicators = True
        elif (c == ":" and followed_by_ws) or (c == "#" and preceded_by_ws):
            block_indicators = True
        if not _is_printable(c):
            special = True
        if c == " ":
            if i == 0:
                leading_space = True
            if i == last:
                trailing_space = True
            if previous_break:
                break_space = True
            previous_space, previous_break = True, False
        elif c in _BREAKS:
            line_breaks = True
            if i == 0:
                leading_break = True
            if i == last:
                trailing_break = True
            if previous_space:
                space_break = True
            previous_space, previous_break = False, True
        else:
            previous_space = previous_break = False
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


def _escape_char(c: str) -> str:
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
        return '"' + "".join(_escape_char(c) for c in s) + '"'
    out = [_escape_char(c) if c in _MUST_ESCAPE or not _is_printable(c) else c for c in s]
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

# _scalar() result: (style, text, fold_at, simple_key, normalized value)
_ScalarInfo = tuple[int, str, int, bool, str]


@lru_cache(maxsize=1 << 16)
def _scalar(raw: str) -> _ScalarInfo:
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
        text = s if _can_use_plain(s) else '"' + s + '"'
        return (_PLAIN if text is s else _DOUBLE), text, _NEVER, len(s) <= _MAX_SIMPLE_KEY_BYTES, s
    multiline = any(c in _BREAKS for c in s)
    if "\n" in s:
        style = _LITERAL
    elif _can_use_plain(s):
        style = _PLAIN
    else:
        style = _DOUBLE
    if s:
        block_plain, single_ok, block_ok = _analyze(s)
    else:  # analyze_scalar's empty-value case
        block_plain, single_ok, block_ok = True, True, False
    if style == _PLAIN and not block_plain:
        style = _SINGLE
    if style == _SINGLE and not single_ok:
        style = _DOUBLE
    if style == _LITERAL and not block_ok:
        style = _DOUBLE
    if style == _PLAIN:
        text = s
    elif style == _SINGLE:
        text = "'" + s.replace("'", "''") + "'"
    elif style == _DOUBLE:
        text = _double_quoted(s)
    else:
        text = s
    if style == _LITERAL:
        fold_at = _NEVER
    elif style == _SINGLE and multiline:
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


# ---------------------------------------------------------------------------
# The emitter: yaml.v2's block-style state machine, specialised to plain data
# ---------------------------------------------------------------------------

_PADS: Final = tuple("\n" + " " * i for i in range(64))


def _key_text(key: object) -> str:
    """A map key as encoding/json writes it (bools are not valid Go JSON keys, but
    give them their YAML spelling)."""
    if isinstance(key, str):
        return str.__str__(key)
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


class _Emitter:
    """Mirrors the yaml_emitter_t fields that matter for block output."""

    __slots__ = ("column", "indent", "indention", "out", "whitespace")

    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.indent = -1
        self.whitespace = True
        self.indention = True

    # -- low level writers (yaml_emitter_write_indent / write_indicator) ------

    def write_indent(self) -> None:
        indent = self.indent if self.indent > 0 else 0
        column = self.column
        if not self.indention or column > indent or (column == indent and not self.whitespace):
            self.out.append(_PADS[indent] if indent < 64 else "\n" + " " * indent)
            column = indent
        elif column < indent:
            self.out.append(" " * (indent - column))
            column = indent
        self.column = column
        self.whitespace = True
        self.indention = True

    def write_indicator(self, ind: str, need_ws: bool, is_ws: bool, is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.out.append(" " + ind)
            self.column += 1 + len(ind)
        else:
            self.out.append(ind)
            self.column += len(ind)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention

    # -- nodes ----------------------------------------------------------------

    def node(self, value: Any, mapping_ctx: bool) -> None:
        t = type(value)
        if t is str:
            self.string(value)
        elif t is dict:
            self.mapping(value)
        elif t is list or t is tuple:
            self.sequence(value, mapping_ctx)
        elif t is bool:
            self.token("true" if value else "false")
        elif t is int or t is float:
            self.token(json_number(value))
        elif value is None:
            self.token("null")
        elif isinstance(value, str):
            self.string(str.__str__(value))
        elif isinstance(value, Mapping):
            self.mapping(value)
        elif isinstance(value, (list, tuple)):
            self.sequence(value, mapping_ctx)
        elif isinstance(value, bool):
            self.token("true" if value else "false")
        elif isinstance(value, (int, float)):
            self.token(json_number(value))
        else:
            raise TypeError(f"cannot render a value of type {t.__name__}: {value!r}")

    def token(self, text: str) -> None:
        """A plain scalar without spaces (numbers, booleans, null)."""
        if self.whitespace:
            self.out.append(text)
            self.column += len(text)
        else:
            self.out.append(" " + text)
            self.column += 1 + len(text)
        self.whitespace = False
        self.indention = False

    def empty(self, text: str) -> None:
        """``{}`` / ``[]``: a flow collection with no items."""
        self.write_indicator(text[0], True, True, False)
        self.write_indicator(text[1], False, False, False)

    def mapping(self, m: Mapping[Any, Any]) -> None:
        if not m:
            self.empty("{}")
            return
        try:
            order = _ordered_keys(tuple(m))
        except TypeError:
            m = {_key_text(k): v for k, v in m.items()}
            order = _ordered_keys(tuple(m))
        saved = self.indent
        self.indent = 0 if saved < 0 else saved + 2
        for key in order:
            self.write_indent()
            info = _scalar(key)
            if info[3]:
                # Simple key: never folded, never a literal, no leading space needed
                # (write_indent left whitespace set).
                self.out.append(info[1] + ":")
                self.column += len(info[1]) + 1
                self.whitespace = False
                self.indention = False
            else:
                self.write_indicator("?", True, False, True)
                self.string(key)
                self.write_indent()
                self.write_indicator(":", True, False, True)
            self.node(m[key], True)
        self.indent = saved

    def sequence(self, seq: list[Any] | tuple[Any, ...], mapping_ctx: bool) -> None:
        if not seq:
            self.empty("[]")
            return
        saved = self.indent
        if saved < 0:
            self.indent = 0
        elif not (mapping_ctx and not self.indention):
            self.indent = saved + 2
        for item in seq:
            self.write_indent()
            self.out.append("-")
            self.column += 1
            self.whitespace = False
            self.node(item, False)
        self.indent = saved

    # -- string scalars ---------------------------------------------------------

    def string(self, raw: str) -> None:
        style, text, fold_at, _, s = _scalar(raw)
        if style == _LITERAL:
            self.literal(s)
            return
        start = self.column if self.whitespace else self.column + 1
        if start + fold_at <= _BEST_WIDTH:
            self.out.append(text if self.whitespace else " " + text)
            self.column = start + len(text)
            self.whitespace = False
            self.indention = False
            return
        saved = self.indent
        self.indent = saved + 2  # yaml_emitter_emit_scalar: increase_indent(flow=true)
        if style == _PLAIN:
            self.plain_folded(s)
        elif style == _SINGLE:
            self.single_folded(s)
        else:
            self.double_folded(s)
        self.indent = saved

    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def plain_folded(self, s: str) -> None:
        """yaml_emitter_write_plain_scalar with allow_breaks (no breaks in plain text)."""
        if not self.whitespace:
            self.put(" ")
        spaces = False
        for i, c in enumerate(s):
            if c == " ":
                if not spaces and self.column > _BEST_WIDTH and s[i + 1] != " ":
                    self.write_indent()
                else:
                    self.put(" ")
                spaces = True
            else:
                self.put(c)
                self.indention = False
                spaces = False
        self.whitespace = False
        self.indention = False

    def single_folded(self, s: str) -> None:
        """yaml_emitter_write_single_quoted_scalar with allow_breaks."""
        self.write_indicator("'", True, False, False)
        spaces = breaks = False
        last = len(s) - 1
        for i, c in enumerate(s):
            if c == " ":
                if not spaces and self.column > _BEST_WIDTH and 0 < i < last and s[i + 1] != " ":
                    self.write_indent()
                else:
                    self.put(" ")
                spaces = True
            elif c in _BREAKS:
                # Only LS/PS get here (others force double quotes); write_break copies
                # the character and starts a new line.
                self.out.append(c)
                self.column = 0
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put("''" if c == "'" else c)
                self.indention = False
                spaces = breaks = False
        self.write_indicator("'", False, False, False)
        self.whitespace = False
        self.indention = False

    def double_folded(self, s: str) -> None:
        """yaml_emitter_write_double_quoted_scalar with allow_breaks."""
        self.write_indicator('"', True, False, False)
        escape_all = s.startswith("\ufeff")
        spaces = False
        last = len(s) - 1
        for i, c in enumerate(s):
            if escape_all or c in _MUST_ESCAPE or not _is_printable(c):
                self.put(_escape_char(c))
                spaces = False
            elif c == " ":
                if not spaces and self.column > _BEST_WIDTH and 0 < i < last:
                    self.write_indent()
                    if s[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(" ")
                spaces = True
            else:
                self.put(c)
                spaces = False
        self.write_indicator('"', False, False, False)
        self.whitespace = False
        self.indention = False

    def literal(self, s: str) -> None:
        """yaml_emitter_write_literal_scalar (with write_block_scalar_hints)."""
        indent = self.indent + 2
        head = "|"
        if s[0] == " " or s[0] in _BREAKS:
            head += "2"  # indentation indicator: best_indent
        if s[-1] not in _BREAKS:
            head += "-"
        elif len(s) == 1 or s[-2] in _BREAKS:
            head += "+"
        self.write_indicator(head, True, False, False)
        if "\u2028" not in s and "\u2029" not in s:
            pad = " " * indent
            lines = s.split("\n")
            self.out.append("\n" + "\n".join([pad + line if line else "" for line in lines]))
            if lines[-1]:
                self.column = indent + len(lines[-1])
                self.indention = False
            else:
                self.column = 0
                self.indention = True
            self.whitespace = True
            return
        # Raw LS/PS also end a line: copy them, then indent the next character.
        self.out.append("\n")
        self.column = 0
        self.indention = True
        self.whitespace = True
        saved = self.indent
        self.indent = indent
        breaks = True
        for c in s:
            if c in _BREAKS:
                self.out.append(c)
                self.column = 0
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put(c)
                self.indention = False
                breaks = False
        self.indent = saved


def dump(data: Mapping[str, Any]) -> str:
    """Render *data* exactly as ``sigs.k8s.io/yaml.Marshal`` renders the same value.

    *data* may nest dicts/Mappings, lists/tuples, str, bool, int, float and None.
    The result is one block-style document ending in ``"\\n"`` with no leading
    ``---``.  Raises :class:`ValueError` for values the Go code cannot marshal
    (NaN/Inf, raw control characters the YAML reader rejects) and
    :class:`TypeError` for other types.
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"dump() takes a mapping, not {type(data).__name__}")
    emitter = _Emitter()
    emitter.mapping(data)
    # yaml_emitter_emit_document_end: write_indent with the root indent restored.
    emitter.indent = -1
    emitter.write_indent()
    return "".join(emitter.out)
