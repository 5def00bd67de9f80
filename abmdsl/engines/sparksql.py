"""A compiled query as Spark runs it: the few types and functions its dialect lacks or types
differently from DuckDB.

Input: a SQLGlot query built for every engine (:mod:`abmdsl.engine`, :mod:`abmdsl.evaluate`).
Output: Spark SQL with DuckDB's results. The tree is copied, never changed in place.

* ``HUGEINT`` (the scaled integers of an exact quotient) is ``DECIMAL(38, 0)``: Spark has no
  128-bit integer, and its decimals are exact.
* ``a // b`` is ``(a - a % b) / b`` on ``DECIMAL(38, 0)``: Spark's ``DIV`` returns a 64-bit
  ``BIGINT`` (overflowing past 9.2 × 10^18), and its ``/`` rounds to the result's scale;
  ``%`` is exact and truncates toward zero as DuckDB's ``//`` does, so the difference is a
  multiple of ``b`` and the division is exact.
* ``SIGN`` is a ``CASE``: Spark's returns a ``DOUBLE``, which would make the exact quotient a
  floating-point one.
* ``TRUNC(x)`` of a number (toward zero) is ``x - x % 1``: Spark's ``TRUNC`` takes dates.
* ``PERCENTILE_DISC(x, q)`` is the standard ``PERCENTILE_DISC(q) WITHIN GROUP (ORDER BY x)``,
  the only form Spark's grammar has (SQLGlot prints an approximate percentile for Spark).
* ``AS MATERIALIZED``, a hint to DuckDB's planner, is left out: Spark's grammar lacks it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

WHOLE = exp.DataType.build("DECIMAL(38, 0)")


def spark_tree(query: exp.Expression) -> exp.Expression:
    """A copy of ``query`` rewritten for Spark (see the module docstring)."""
    tree = query.copy()
    # Children before their parents (reversed pre-order), so that a rewritten node is built
    # from rewritten children: ``SIGN`` of an exact quotient holds ``HUGEINT`` and ``//``.
    for node in reversed(list(tree.walk(bfs=False))):
        new = _rewrite(node)
        if new is node:
            continue
        if node is tree:
            tree = new
        else:
            node.replace(new)
    return tree


def spark_sql(query: exp.Expression) -> str:
    """``query`` as Spark SQL.

    >>> from abmdsl.engine.sqlgen import HUGEINT
    >>> spark_sql(exp.IntDiv(this=exp.column("n"), expression=exp.Literal.number(2)))
    'CAST((CAST(n AS DECIMAL(38, 0)) - CAST(n AS DECIMAL(38, 0)) % CAST(2 AS DECIMAL(38, 0))) \
/ CAST(2 AS DECIMAL(38, 0)) AS DECIMAL(38, 0))'
    >>> spark_sql(exp.Cast(this=exp.column("x"), to=HUGEINT.copy()))
    'CAST(x AS DECIMAL(38, 0))'
    """
    return spark_tree(query).sql("spark")


def _whole(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node, to=WHOLE.copy())


def _int_div(node: exp.IntDiv) -> exp.Expression:
    left, right = _whole(node.this), _whole(node.expression)
    rest = exp.Mod(this=left.copy(), expression=right.copy())
    # Spark types the quotient DECIMAL(38, 6); back to whole numbers, so that sums with it
    # keep 38 digits before the point rather than 32.
    return _whole(
        exp.Div(this=exp.Paren(this=exp.Sub(this=left, expression=rest)), expression=right)
    )


def _sign(node: exp.Sign) -> exp.Expression:
    value = node.this
    zero = exp.Literal.number(0)
    return exp.Case(
        ifs=[
            exp.If(this=exp.GT(this=value.copy(), expression=zero), true=exp.Literal.number(1)),
            exp.If(this=exp.LT(this=value.copy(), expression=zero), true=exp.Literal.number(-1)),
            exp.If(this=exp.EQ(this=value.copy(), expression=zero), true=zero.copy()),
        ]
    )


def _trunc(node: exp.Anonymous) -> exp.Expression:
    (value,) = node.expressions
    rest = exp.Mod(this=exp.Paren(this=value.copy()), expression=exp.Literal.number(1))
    return exp.Paren(this=exp.Sub(this=exp.Paren(this=value), expression=rest))


def _percentile(node: exp.PercentileDisc) -> exp.Expression:
    order = exp.Order(expressions=[exp.Ordered(this=node.this, nulls_first=False)])
    # By name: SQLGlot prints its own percentile node for Spark as PERCENTILE_APPROX.
    exact = exp.Anonymous(this="PERCENTILE_DISC", expressions=[node.expression])
    return exp.WithinGroup(this=exact, expression=order)


def _retype(node: exp.DataType) -> exp.Expression:
    return WHOLE.copy() if node.this == exp.DataType.Type.INT128 else node


def _unhint(node: exp.CTE) -> exp.Expression:
    node.set("materialized", None)
    return node


def _trunc_or_other(node: exp.Anonymous) -> exp.Expression:
    return _trunc(node) if str(node.this).upper() == "TRUNC" else node


def _percentile_of_two(node: exp.PercentileDisc) -> exp.Expression:
    return node if node.expression is None else _percentile(node)


_REWRITES: dict[type[exp.Expression], Callable[[Any], exp.Expression]] = {
    exp.DataType: _retype,
    exp.IntDiv: _int_div,
    exp.Sign: _sign,
    exp.Anonymous: _trunc_or_other,
    exp.PercentileDisc: _percentile_of_two,
    exp.CTE: _unhint,
}


def _rewrite(node: exp.Expression) -> exp.Expression:
    found = _REWRITES.get(type(node))
    return node if found is None else found(node)
