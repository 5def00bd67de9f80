"""Exact decimals written the way people write them."""

from __future__ import annotations

from decimal import Decimal


def plain(value: Decimal | int) -> str:
    """A decimal without exponent or trailing zeros.

    >>> plain(Decimal("90.0")), plain(Decimal("1E+3")), plain(Decimal("0.250"))
    ('90', '1000', '0.25')
    """
    if isinstance(value, int):
        return str(value)
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def percent(fraction: Decimal) -> str:
    """A fraction as a percentage: ``percent(Decimal("0.9"))`` is ``'90%'``."""
    return plain(fraction * 100) + "%"
