"""Go `strconv.FormatFloat(f, 'g', -1, 32)`: how sigs.k8s.io/yaml spells a float map key.

The float64 is first rounded to float32 (Go's `float32(f)`, which overflows to Inf), then
written with the fewest digits that read back as that float32, in %g form (exponent
below 1e-4 and from 1e+06 on).
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction

__all__ = ["float32_text"]


def float32_text(value: float) -> str:
    """Go `strconv.FormatFloat(value, 'g', -1, 32)` (the float rounded to float32 first),
    with sigs.k8s.io/yaml's `.inf`/`-.inf`/`.nan` spellings."""
    if math.isnan(value):
        return ".nan"
    try:
        (bits,) = struct.unpack(">I", struct.pack(">f", value))
    except OverflowError:  # rounds past the largest float32: Go's float32() gives Inf
        bits = 0x7F800000 | (0x80000000 if value < 0 else 0)
    sign = "-" if bits >> 31 else ""
    exponent, fraction = (bits >> 23) & 0xFF, bits & 0x7FFFFF
    if exponent == 0xFF:
        return "-.inf" if sign else ".inf"
    if exponent == 0 and fraction == 0:
        return sign + "0"
    mantissa = fraction | (1 << 23) if exponent else fraction
    power = max(exponent, 1) - 150
    exact = mantissa * Fraction(2) ** power
    half = Fraction(2) ** power / 2
    # Halfway to the neighbours; below a power of two the lower neighbour is closer.
    low = exact - (half / 2 if fraction == 0 and exponent > 1 else half)
    digits, point = _shortest(exact, low, exact + half, inclusive=mantissa % 2 == 0)
    return sign + _format_g(digits, point)


def _shortest(exact: Fraction, low: Fraction, high: Fraction, inclusive: bool) -> tuple[str, int]:
    """Fewest decimal digits that still round to `exact` (the closest such, as Go's
    shortest formatting picks): (digits, point) meaning 0.DIGITS x 10^point."""
    point = len(str(math.floor(exact))) if exact >= 1 else 0
    while exact < Fraction(10) ** (point - 1):
        point -= 1
    for count in range(1, 18):
        scale = Fraction(10) ** (point - count)
        down = math.floor(exact / scale)
        tries = sorted({down, down + 1}, key=lambda d: (abs(d * scale - exact), d % 2))
        for whole in tries:
            candidate = whole * scale
            if low < candidate < high or (inclusive and candidate in (low, high)):
                text = str(whole)
                return text.rstrip("0"), point - count + len(text)
    raise AssertionError("a float32 always has a 9-digit form")  # pragma: no cover


def _format_g(digits: str, point: int) -> str:
    """Go's %g for shortest digits: exponent form below 1e-4 or from 1e+06 on."""
    exponent = point - 1
    if exponent < -4 or exponent >= 6:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{body}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if point <= 0:
        return "0." + "0" * -point + digits
    if len(digits) <= point:
        return digits + "0" * (point - len(digits))
    return f"{digits[:point]}.{digits[point:]}"
