"""Exact arithmetic on scaled 64-bit integers, where the playbook lets us prove it fits.

Input: a numeric or yes/no expression and the :class:`Scaled` form of the names it uses.
Output: the same value as :mod:`abmdsl.engine.sqlgen` computes, but as a ``BIGINT`` holding
the value × 10^scale — or ``None`` when that cannot be proven exact and overflow-free, and
the general ``DECIMAL(38, 6)`` path is used instead.

Why: engines run ``DECIMAL(38, 6)`` (128-bit) arithmetic at about half the speed of 64-bit
integers. Scoring rules are mostly small integers (declared ranges such as ``int 0..5``,
points 1–5, weights in whole percent), so a weighted score such as
``30% × 5 + 40% × 4 + 30% × 5`` is computed as ``3×5 + 4×4 + 3×5 = 46`` tenths — exact, with no
rounding anywhere, which is why this path only accepts sums, differences, products whose
scale stays within six places, ``clamp``/``min``/``max``/``coalesce``/``abs``, ``if``, and
comparisons. Bounds come from declared field ranges and are checked against 10^18.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlglot import exp

from .. import ast
from ..reference import PLACES
from .sqlgen import COMPARE, Columns, column, null_if_any_null, paren, to_sql

BIGINT = exp.DataType.build("BIGINT")
LIMIT = Decimal(10) ** 18  # |value × 10^scale| must stay below this, well inside 2^63


@dataclass(frozen=True)
class Scaled:
    """A BIGINT ``sql`` equal to the value × 10^``scale``; ``bound`` caps the value (None:
    unknown, so it may be compared or clamped but not multiplied or scaled up)."""

    sql: exp.Expression
    scale: int
    bound: Decimal | None


def literal(value: Decimal) -> Scaled:
    scale = max(0, -value.normalize().as_tuple().exponent)  # type: ignore[operator]
    return Scaled(exp.Literal.number(int(value.scaleb(scale))), scale, abs(value))


def rescale(value: Scaled, scale: int) -> Scaled | None:
    """``value`` at a larger scale, if it provably still fits."""
    if scale == value.scale:
        return value
    if value.bound is None or value.bound * 10**scale >= LIMIT:
        return None
    if isinstance(value.sql, exp.Literal):
        number = int(value.sql.this) * 10 ** (scale - value.scale)
        return Scaled(exp.Literal.number(number), scale, value.bound)
    return Scaled(
        exp.Mul(this=paren(value.sql), expression=exp.Literal.number(10 ** (scale - value.scale))),
        scale,
        value.bound,
    )


def wide(node: exp.Expression) -> exp.Expression:
    """``node`` typed ``BIGINT``. Columns are cast where they are read (:func:`field`), so
    anything that reads one is ``BIGINT`` already; an expression of literals only is 32-bit
    in most engines (``CASE WHEN f THEN 50000 ELSE 1 END``), and products of two such overflow
    long before 10^18."""
    return node if node.find(exp.Column) else exp.Cast(this=node, to=BIGINT.copy())


def _aligned(values: list[Scaled]) -> list[Scaled] | None:
    scale = max(v.scale for v in values)
    out = [rescale(v, scale) for v in values]
    return None if any(v is None for v in out) else out  # type: ignore[return-value]


def _fits(bound: Decimal | None, scale: int) -> bool:
    return bound is not None and bound * 10**scale < LIMIT and scale <= PLACES


@dataclass
class Lowering:
    """The scaled form of the names in scope, and the general columns to fall back on."""

    names: Mapping[str, Scaled]
    fallback: Columns

    def number(self, expr: ast.Expr) -> Scaled | None:
        rule = _NUMBER_RULES.get(expr.kind)
        return rule(self, expr) if rule else None

    def boolean(self, expr: ast.Expr) -> exp.Expression:
        """A condition: compared on scaled integers where possible, else the general SQL."""
        if isinstance(expr, ast.Compare):
            left, right = self.number(expr.left), self.number(expr.right)
            pair = _aligned([left, right]) if left and right else None
            if pair is not None:
                return COMPARE[expr.op](this=pair[0].sql, expression=pair[1].sql)
        if isinstance(expr, ast.Logic):
            kind = exp.And if expr.op == "and" else exp.Or
            return kind(
                this=paren(self.boolean(expr.left)), expression=paren(self.boolean(expr.right))
            )
        if isinstance(expr, ast.Not):
            return exp.Not(this=paren(self.boolean(expr.operand)))
        return to_sql(expr, self.fallback)


def _number_literal(low: Lowering, expr: ast.Number | ast.Percent) -> Scaled | None:
    value = expr.value if isinstance(expr, ast.Number) else expr.fraction
    scaled = literal(value)
    return scaled if _fits(scaled.bound, scaled.scale) else None


def _name(low: Lowering, expr: ast.Name) -> Scaled | None:
    return low.names.get(expr.id)


def _neg(low: Lowering, expr: ast.Neg) -> Scaled | None:
    value = low.number(expr.operand)
    return (
        None if value is None else Scaled(exp.Neg(this=paren(value.sql)), value.scale, value.bound)
    )


def _binary(low: Lowering, expr: ast.Binary) -> Scaled | None:
    left, right = low.number(expr.left), low.number(expr.right)
    if left is None or right is None or left.bound is None or right.bound is None:
        return None
    if expr.op == "*":
        scale, bound = left.scale + right.scale, left.bound * right.bound
        if not _fits(bound, scale):
            return None
        return Scaled(
            exp.Mul(this=paren(_wider(left.sql, right.sql)), expression=paren(right.sql)),
            scale,
            bound,
        )
    if expr.op == "/":
        return None  # a quotient needs rounding: the general path does it
    pair = _aligned([left, right])
    if pair is None or not _fits(left.bound + right.bound, pair[0].scale):
        return None
    kind = exp.Add if expr.op == "+" else exp.Sub
    return Scaled(
        kind(this=paren(_wider(pair[0].sql, pair[1].sql)), expression=paren(pair[1].sql)),
        pair[0].scale,
        left.bound + right.bound,
    )


def _wider(left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """``left``, widened if neither side reads a column (else the engine widens the other)."""
    return left if right.find(exp.Column) else wide(left)


def _if(low: Lowering, expr: ast.If) -> Scaled | None:
    then, else_ = low.number(expr.then), low.number(expr.else_)
    pair = _aligned([then, else_]) if then and else_ else None
    if pair is None:
        return None
    bound = None if then.bound is None or else_.bound is None else max(then.bound, else_.bound)
    then_sql, else_sql = pair[0].sql, _wider(pair[1].sql, pair[0].sql)
    case = exp.Case(ifs=[exp.If(this=low.boolean(expr.cond), true=then_sql)], default=else_sql)
    return Scaled(case, pair[0].scale, bound)


def _call(low: Lowering, expr: ast.Call) -> Scaled | None:
    args = [low.number(a) for a in expr.args]
    if expr.func not in ("clamp", "min", "max", "coalesce", "abs") or any(a is None for a in args):
        return None
    aligned = _aligned(args)  # type: ignore[arg-type]
    if aligned is None:
        return None
    sql = [a.sql for a in aligned]
    if not any(a.find(exp.Column) for a in sql):
        sql[0] = wide(sql[0])
    bounds = [a.bound for a in args]  # type: ignore[union-attr]
    if expr.func == "abs":
        return Scaled(exp.Abs(this=sql[0]), aligned[0].scale, bounds[0])
    if expr.func == "coalesce":
        bound = None if None in bounds else max(bounds)  # type: ignore[type-var]
        return Scaled(exp.Coalesce(this=sql[0], expressions=sql[1:]), aligned[0].scale, bound)
    if expr.func == "clamp":
        result: exp.Expression = exp.Least(
            ignore_nulls=True,
            this=exp.Greatest(ignore_nulls=True, this=sql[0], expressions=[sql[1]]),
            expressions=[sql[2]],
        )
        bound = None if None in bounds[1:] else max(bounds[1:])  # type: ignore[type-var]
    else:
        kind = exp.Least if expr.func == "min" else exp.Greatest
        result = kind(ignore_nulls=True, this=sql[0], expressions=sql[1:])
        bound = None if None in bounds else max(bounds)  # type: ignore[type-var]
    return Scaled(null_if_any_null(expr.args, sql, result), aligned[0].scale, bound)


_NUMBER_RULES: dict[str, Callable[..., Scaled | None]] = {
    "number": _number_literal,
    "percent": _number_literal,
    "name": _name,
    "neg": _neg,
    "binary": _binary,
    "if": _if,
    "call": _call,
}


def field(name: str, low: Decimal | None, high: Decimal | None) -> Scaled:
    """An ``int`` field: its own column, scale 0, bounded by its declared range if any."""
    bound = None if low is None or high is None else max(abs(low), abs(high))
    # Files may hold narrow integers (an INT8 column of 0..5): widen before any arithmetic,
    # since 35 × 5 overflows eight bits. A BIGINT column is left as it is by the engine.
    return Scaled(exp.Cast(this=column(name), to=BIGINT.copy()), 0, bound)


NARROW = exp.DataType.build(f"DECIMAL(18, {PLACES})")
NARROW_DIGITS = 18


def to_output(value: Scaled) -> exp.Expression:
    """The value as an output column: ``DECIMAL(18, 6)`` when its bound proves it fits,
    else as :func:`to_decimal`.

    Both are exact six-place decimals. The narrow one is a 64-bit integer inside engines, so
    it is computed and handed over (to Arrow, to a file) at about a third of the cost of a
    128-bit ``DECIMAL(38, 6)``: points and scores are most of a tiering result's columns.
    """
    if value.bound is None or value.bound * 10**PLACES >= 10**NARROW_DIGITS:
        return to_decimal(value)
    if value.scale == 0:
        return exp.Cast(this=value.sql, to=NARROW.copy())
    factor = exp.Literal.number(f"{Decimal(1).scaleb(-value.scale):f}")  # DECIMAL(s + 1, s)
    # value.sql × 10^-scale on 64-bit integers: the engine keeps a product of decimals in 64
    # bits while its digits add up to at most 18, so the scaled value is cast to the fewest
    # digits its bound allows.
    digits = len(str(int(value.bound * 10**value.scale)))
    if digits + value.scale + 1 > NARROW_DIGITS:
        return exp.Cast(this=exp.Mul(this=paren(value.sql), expression=factor), to=NARROW.copy())
    whole = exp.DataType.build(f"DECIMAL({NARROW_DIGITS - value.scale - 1}, 0)")
    product = exp.Mul(this=exp.Cast(this=value.sql, to=whole), expression=factor)
    return exp.Cast(this=product, to=NARROW.copy())


def to_decimal(value: Scaled) -> exp.Expression:
    """The value as ``DECIMAL(38, 6)``, for output and for the general path."""
    from .sqlgen import decimal

    if value.scale == 0:
        return decimal(value.sql)
    factor = exp.Literal.number(f"{Decimal(1).scaleb(-value.scale):f}")
    return decimal(exp.Mul(this=paren(value.sql), expression=factor))
