"""A compiled query as PostgreSQL runs it: the few types and functions its dialect lacks.

Input: a SQLGlot query built for every engine (:mod:`abmdsl.engine`, :mod:`abmdsl.evaluate`).
Output: PostgreSQL SQL with DuckDB's results. The tree is copied, never changed in place.

* ``HUGEINT`` (the scaled integers of an exact quotient) is ``NUMERIC(38, 0)``: PostgreSQL's
  ``numeric`` is exact, and ``div`` on it truncates toward zero as DuckDB's ``//`` does on
  integers.
* A date plus days is ``date + integer``, which is a ``date`` (``date + interval``, SQLGlot's
  spelling, is a ``timestamp``); days between dates are ``date - date``, an integer.
"""

from __future__ import annotations

from sqlglot import exp

WHOLE = exp.DataType.build("DECIMAL(38, 0)")
DATE = exp.DataType.build("DATE")


def postgres_tree(query: exp.Expression) -> exp.Expression:
    """A copy of ``query`` rewritten for PostgreSQL (see the module docstring)."""
    return query.copy().transform(_rewrite, copy=False)


def postgres_sql(query: exp.Expression) -> str:
    """``query`` as PostgreSQL SQL.

    >>> from abmdsl.engine.sqlgen import HUGEINT
    >>> postgres_sql(exp.Cast(this=exp.column("x"), to=HUGEINT.copy()))
    'CAST(x AS DECIMAL(38, 0))'
    """
    return postgres_tree(query).sql("postgres")


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.INT128:
        return WHOLE.copy()
    if isinstance(node, exp.DateAdd | exp.DateDiff) and node.text("unit").upper() == "DAY":
        kind = exp.Add if isinstance(node, exp.DateAdd) else exp.Sub
        left = exp.Cast(this=node.this, to=DATE.copy())
        right = node.expression
        if isinstance(node, exp.DateDiff):
            right = exp.Cast(this=right, to=DATE.copy())
        return exp.Paren(this=kind(this=left, expression=exp.Paren(this=right)))
    return node
