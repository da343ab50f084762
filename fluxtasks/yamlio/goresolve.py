"""Go's number rules as the yaml.v2 pipeline of ``sigs.k8s.io/yaml.Marshal`` applies them.

* **Numbers** pass through ``encoding/json``: integral floats below 1e21 become integers,
  other floats print like Go ``strconv.FormatFloat(f, 'g', -1, 64)`` (:func:`json_number`).
* **Resolving** -- yaml.v2 reads a plain scalar back as a bool, null, int, float or
  timestamp when its text allows (Go ``strconv`` syntax, no base-60 numbers); a string
  that would read back as anything else must be quoted (:func:`can_use_plain`).

`helm_values` reads Helm values with the same ``strconv`` rules and patterns.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Final

_INT64_MIN: Final = -(1 << 63)
_UINT64_MAX: Final = (1 << 64) - 1


def wrap_int64(n: int) -> int:
    """Reduce *n* to Go's wrapping int64 arithmetic."""
    return ((n + (1 << 63)) % (1 << 64)) - (1 << 63)


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
YAML_STYLE_FLOAT: Final = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_BASE60_FLOAT: Final = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
# Go ParseFloat syntax for text starting with '.', underscores checked separately.
GO_DOT_FLOAT: Final = re.compile(r"\.[0-9_]*[0-9][0-9_]*(?:[eE][-+]?[0-9][0-9_]*)?")
BAD_UNDERSCORE: Final = re.compile(r"(?<![0-9])_|_(?![0-9])")
_ASCII_DIGITS: Final = frozenset("0123456789")


def go_parse_uint(s: str, base: int) -> tuple[int | None, str | None]:
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


def go_parse_int(s: str, base: int) -> tuple[int | None, str | None]:
    """``strconv.ParseInt(s, base, 64)``."""
    if not s:
        return None, "syntax"
    neg = s[0] == "-"
    if s[0] in "+-":
        s = s[1:]
    un, err = go_parse_uint(s, base)
    if err == "syntax":
        return None, "syntax"
    if un is None or un > (1 << 63) or (un == 1 << 63 and not neg):
        return None, "range"
    return (-un if neg else un), None


def go_big_int_ok(s: str) -> bool:
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
        if GO_DOT_FLOAT.fullmatch(s) and not BAD_UNDERSCORE.search(s):
            return not _finite_float(s)
        return True
    if first not in _HINT_NUMBER:
        return True
    if s in _RESOLVE_MAP:
        return False
    if _is_go_timestamp(s):
        return False
    plain = s.replace("_", "")
    if go_parse_int(plain, 0)[1] is None:
        return False
    _, uint_err = go_parse_uint(plain, 0)
    if uint_err is None:
        return False
    if YAML_STYLE_FLOAT.fullmatch(plain) and _finite_float(plain):
        return False
    if plain.startswith("0b"):
        if go_parse_int(plain[2:], 2)[1] is None or go_parse_uint(plain[2:], 2)[1] is None:
            return False
    elif plain.startswith("-0b") and go_parse_int("-" + plain[3:], 2)[1] is None:
        return False
    return not (uint_err == "range" and go_big_int_ok(plain))


def can_use_plain(s: str) -> bool:
    """encoder.stringv's ``canUsePlain``: resolves to a string and is not base 60."""
    if not _resolves_to_str(s):
        return False
    return not (s[0] in _HINT_NUMBER and ":" in s and _BASE60_FLOAT.fullmatch(s))
