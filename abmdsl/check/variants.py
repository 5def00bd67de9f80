"""Checks of a step's A/B variants: ``variants { a 50% "Problem first"  b 50% "Case first" }``.

Input: the step's :class:`~abmdsl.ast.Variant` nodes. Output: their
:class:`~abmdsl.ir.VariantIR` with every share a fraction — a variant without a share gets an
equal part of what the others leave — and diagnostics for a name used twice (ABM202), a share
outside 0–100% (ABM205) and shares that do not come to 100% (ABM211).
"""

from __future__ import annotations

from decimal import Decimal

from .. import ast
from ..ir import VariantIR
from ..numbers import plain
from .context import Context


def check_variants(ctx: Context, variants: list[ast.Variant]) -> tuple[VariantIR, ...]:
    """The variants of one step, with their shares as fractions adding up to 1.

    >>> from abmdsl.ir import VariantIR
    >>> VariantIR(name="a", share=Decimal("0.5"), note="Problem first").share
    Decimal('0.5')
    """
    if not variants:
        return ()
    _check_names(ctx, variants)
    given = [
        ctx.percent(v.share, "a variant's share", "a 50%") for v in variants if v.share is not None
    ]
    total = sum(given, Decimal(0))
    free = len(variants) - len(given)
    if not _shares_fit(ctx, variants, total, free):
        return ()
    rest = (1 - total) / free if free else Decimal(0)
    return tuple(
        VariantIR(
            name=v.name.name,
            share=v.share.fraction if v.share is not None else rest,
            note=v.note,
            span=v.span,
        )
        for v in variants
    )


def _check_names(ctx: Context, variants: list[ast.Variant]) -> None:
    first: dict[str, ast.Variant] = {}
    for v in variants:
        if v.name.name in first:
            ctx.duplicate(
                f"the step already has a variant `{v.name.name}`",
                v.name.span,
                first[v.name.name].name.span,
                "give each variant its own name: `a`, `b`, `c`",
            )
        first.setdefault(v.name.name, v)


def _shares_fit(ctx: Context, variants: list[ast.Variant], total: Decimal, free: int) -> bool:
    """Given shares add up to 100%, or leave room for the variants without one."""
    if free == 0 and total != 1:
        message = f"the variants' shares add up to {plain(total * 100)}%, not 100%"
    elif free and total >= 1:
        message = (
            f"the variants' shares already add up to {plain(total * 100)}%, "
            "leaving nothing for the variants without one"
        )
    else:
        return True
    ctx.error(
        "ABM211",
        message,
        variants[0].span,
        "make the shares add up to 100%, or leave them out for an equal split",
    )
    return False
