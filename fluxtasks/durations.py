"""Go `time.ParseDuration` and `time.Duration.String()`, which Flux uses for every interval."""

from __future__ import annotations

import re

_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 micro sign
    "μs": 1_000,  # U+03BC Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}
# [0-9], not \d: Go reads ASCII digits only (`٥m` is no duration), and so does int() here.
_TERM = re.compile(r"([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)")
_MAX = (1 << 63) - 1


def parse_duration(text: str) -> int:
    """Parse a Go duration ("90s", "1.5h", "1h30m") into nanoseconds; ValueError when Go would reject it."""
    if not isinstance(text, str):
        raise ValueError(f"invalid duration {text!r}")
    rest = text
    sign = 1
    if rest[:1] in "+-" and rest:
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise ValueError(f'invalid duration "{text}"')
    total = 0
    while rest:
        match = _TERM.match(rest)
        if not match or (not match.group(1) and not match.group(2)):
            raise ValueError(f'invalid duration "{text}"')
        whole, frac, unit = match.group(1) or "0", match.group(2) or "", match.group(3)
        scale = _UNITS_NS[unit]
        value = int(whole) * scale
        if frac:
            value += int(frac) * scale // (10 ** len(frac))
        total += value
        if total > _MAX:
            raise ValueError(f'invalid duration "{text}"')
        rest = rest[match.end() :]
    return sign * total


def format_duration(ns: int) -> str:
    """Format nanoseconds the way Go's Duration.String() does: 5m0s, 1h30m0s, 500ms, 0s."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    u = abs(ns)
    if u < 1_000_000_000:
        for unit, scale in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if u >= scale:
                return sign + _fraction(u, scale) + unit
    seconds_ns = u % 60_000_000_000
    minutes = u // 60_000_000_000
    out = _fraction(seconds_ns, 1_000_000_000) + "s"
    if minutes:
        hours, minutes = divmod(minutes, 60)
        out = f"{minutes}m" + out
        if hours:
            out = f"{hours}h" + out
    return sign + out


def _fraction(value: int, scale: int) -> str:
    whole, frac = divmod(value, scale)
    if not frac:
        return str(whole)
    digits = str(frac).rjust(len(str(scale)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


def normalize_duration(text: str) -> str:
    """Parse then print: the form Flux writes ("5m" -> "5m0s")."""
    return format_duration(parse_duration(text))
