"""Expressions → SQLGlot expression trees, with the reference evaluator's exact semantics.

Input: an AST expression of a checked playbook and a :class:`Columns` naming the SQL column for
each name it uses. Output: a ``sqlglot.exp.Expression`` (never a string glued together); every
identifier from the playbook is quoted.

How each rule of the language (see :mod:`abmdsl.reference`) is kept in SQL:

* quantities are ``DECIMAL(38, 6)``; a product or quotient is cast back to six places, which
  rounds half away from zero, as the reference does;
* division by zero is ``NULL`` (``NULLIF``), and a quotient is computed exactly on scaled
  integers, since engines divide decimals in floating point;
* ``missing`` is ``NULL``; SQL's ``AND``/``OR``/``NOT``, comparisons, ``IN`` and ``CASE`` already
  follow the same three-valued logic; ``LEAST``/``GREATEST`` skip ``NULL`` in most engines,
  so ``min``, ``max`` and ``clamp`` are guarded to give ``NULL`` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlglot import exp

from .. import ast
from ..reference import PLACES, literal_value

DECIMAL = exp.DataType.build(f"DECIMAL(38, {PLACES})")
HUGEINT = exp.DataType.build("HUGEINT")
SCALE = 10**PLACES


class Unsupported(Exception):
    """An expression the SQL backends do not compile (the checker keeps them out of rules)."""


@dataclass
class Columns:
    """Which SQL expression stands for each name and ``score.criterion`` of the playbook."""

    names: Mapping[str, exp.Expression] = field(default_factory=dict)
    attrs: Mapping[tuple[str, str], exp.Expression] = field(default_factory=dict)
    dates: frozenset[str] = frozenset()  # names that hold dates, for date arithmetic
    # How an aggregate reads its rows: only KPIs have one (abmdsl.evaluate.compile).
    aggregate: Callable[[ast.Aggregate], exp.Expression] | None = None
    of: Callable[[ast.Of], exp.Expression] | None = None  # a value measured on another group

    def name(self, name: str) -> exp.Expression:
        if name not in self.names:
            raise Unsupported(f"`{name}` has no column here")
        return self.names[name].copy()


def column(name: str, table: str | None = None) -> exp.Column:
    """A quoted column reference: playbook names may be any Unicode word, even a keyword."""
    return exp.column(name, table=table, quoted=True)


def to_sql(expr: ast.Expr, columns: Columns) -> exp.Expression:
    """Compile one expression.

    >>> from abmdsl.parser import parse
    >>> m, _ = parse('kpi k = if has_budget then 5 else 1')
    >>> cols = Columns({"has_budget": column("has_budget")})
    >>> to_sql(m.statements[0].expr, cols).sql("duckdb")
    'CASE WHEN "has_budget" THEN 5 ELSE 1 END'
    """
    return _RULES[expr.kind](expr, columns)


def decimal(node: exp.Expression) -> exp.Expression:
    """``node`` as ``DECIMAL(38, 6)``: integers and literals are widened here, before any
    arithmetic, since engines overflow 64-bit integers or fall back to floating point
    (``floor`` of an integer is a ``DOUBLE`` in DuckDB) where the language stays exact."""
    if isinstance(node, exp.Cast) and node.to == DECIMAL:
        return node
    return exp.Cast(this=node, to=DECIMAL.copy())


def _literal(expr: ast.Expr, columns: Columns) -> exp.Expression:
    value = literal_value(expr)
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(expr, ast.DateLit):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE"))
    return exp.Literal.number(f"{value.normalize():f}")


def _name(expr: ast.Name, columns: Columns) -> exp.Expression:
    return columns.name(expr.id)


def _attr(expr: ast.Attr, columns: Columns) -> exp.Expression:
    found = columns.attrs.get((expr.obj, expr.attr))
    if found is None:
        raise Unsupported(f"`{expr.obj}.{expr.attr}` has no column here")
    return found.copy()


def paren(node: exp.Expression) -> exp.Expression:
    return node if isinstance(node, exp.Column | exp.Literal | exp.Paren) else exp.Paren(this=node)


def _binary(expr: ast.Binary, columns: Columns) -> exp.Expression:
    left, right = paren(to_sql(expr.left, columns)), paren(to_sql(expr.right, columns))
    if _is_date(expr.left, columns) or _is_date(expr.right, columns):
        return _date_arith(expr, left, right, columns)
    left, right = decimal(left), decimal(right)
    if expr.op == "+":
        return exp.Add(this=left, expression=right)
    if expr.op == "-":
        return exp.Sub(this=left, expression=right)
    if expr.op == "*":
        return decimal(exp.Mul(this=left, expression=right))
    return exact_division(left, right)


def exact_division(left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """``left / right`` rounded to six places half away from zero; ``NULL`` when dividing by 0.

    Both operands become integers scaled by 10^6 (exact), the quotient is the integer
    ``(|n| * 10^6 + |d| div 2) div |d|`` with the sign put back, then scaled down again.
    """
    scaled_left = exp.Cast(
        this=exp.Mul(this=decimal(left), expression=exp.Literal.number(SCALE)), to=HUGEINT.copy()
    )
    scaled_right = exp.Cast(
        this=exp.Mul(this=decimal(right), expression=exp.Literal.number(SCALE)), to=HUGEINT.copy()
    )
    numerator = exp.Mul(this=exp.Abs(this=scaled_left), expression=exp.Literal.number(SCALE))
    denominator = exp.Abs(this=exp.Nullif(this=scaled_right, expression=exp.Literal.number(0)))
    half = exp.IntDiv(this=denominator.copy(), expression=exp.Literal.number(2))
    magnitude = exp.IntDiv(
        this=exp.Paren(this=exp.Add(this=numerator, expression=half)), expression=denominator
    )
    sign = exp.Mul(
        this=exp.Sign(this=scaled_left.copy()), expression=exp.Sign(this=scaled_right.copy())
    )
    scaled = exp.Mul(this=sign, expression=magnitude)
    return exp.Cast(
        this=exp.Mul(
            this=exp.Cast(this=scaled, to=exp.DataType.build("DECIMAL(38, 0)")),
            expression=exp.Literal.number(f"{1 / SCALE:.{PLACES}f}"),
        ),
        to=DECIMAL.copy(),
    )


def _is_date(expr: ast.Expr, columns: Columns) -> bool:
    """Whether a (type-checked) expression yields a date."""
    if isinstance(expr, ast.DateLit):
        return True
    if isinstance(expr, ast.Name):
        return expr.id in columns.dates
    if isinstance(expr, ast.Binary):
        left, right = _is_date(expr.left, columns), _is_date(expr.right, columns)
        return left != right  # date ± days is a date; date − date is a number of days
    if isinstance(expr, ast.If):
        return _is_date(expr.then, columns)
    if isinstance(expr, ast.Call) and expr.func in ("coalesce", "min", "max", "clamp"):
        return _is_date(expr.args[0], columns)
    return False


def _date_arith(
    expr: ast.Binary, left: exp.Expression, right: exp.Expression, columns: Columns
) -> exp.Expression:
    left_date = _is_date(expr.left, columns)
    if left_date and _is_date(expr.right, columns):
        return decimal(exp.DateDiff(this=left, expression=right, unit=exp.var("DAY")))
    date, days = (left, right) if left_date else (right, left)
    whole = exp.Cast(
        this=exp.Anonymous(this="TRUNC", expressions=[days]), to=exp.DataType.build("INTEGER")
    )
    if expr.op == "-":
        whole = exp.Neg(this=whole)
    return exp.DateAdd(this=date, expression=whole, unit=exp.var("DAY"))


COMPARE: dict[str, type[exp.Expression]] = {
    "=": exp.EQ,
    "!=": exp.NEQ,
    ">": exp.GT,
    ">=": exp.GTE,
    "<": exp.LT,
    "<=": exp.LTE,
}


def _compare(expr: ast.Compare, columns: Columns) -> exp.Expression:
    return COMPARE[expr.op](this=to_sql(expr.left, columns), expression=to_sql(expr.right, columns))


def _logic(expr: ast.Logic, columns: Columns) -> exp.Expression:
    kind = exp.And if expr.op == "and" else exp.Or
    return kind(
        this=paren(to_sql(expr.left, columns)), expression=paren(to_sql(expr.right, columns))
    )


def _not(expr: ast.Not, columns: Columns) -> exp.Expression:
    return exp.Not(this=paren(to_sql(expr.operand, columns)))


def _neg(expr: ast.Neg, columns: Columns) -> exp.Expression:
    return exp.Neg(this=paren(to_sql(expr.operand, columns)))


def _in_range(expr: ast.InRange, columns: Columns) -> exp.Expression:
    between = exp.Between(
        this=to_sql(expr.value, columns),
        low=to_sql(expr.range.low, columns),
        high=to_sql(expr.range.high, columns),
    )
    return exp.Not(this=exp.Paren(this=between)) if expr.negated else between


def _in_list(expr: ast.InList, columns: Columns) -> exp.Expression:
    found = exp.In(
        this=to_sql(expr.value, columns), expressions=[to_sql(i, columns) for i in expr.items]
    )
    return exp.Not(this=exp.Paren(this=found)) if expr.negated else found


def _is_missing(expr: ast.IsMissing, columns: Columns) -> exp.Expression:
    test = exp.Is(this=paren(to_sql(expr.value, columns)), expression=exp.Null())
    return exp.Not(this=test) if expr.negated else test


def _if(expr: ast.If, columns: Columns) -> exp.Expression:
    return exp.Case(
        ifs=[exp.If(this=to_sql(expr.cond, columns), true=to_sql(expr.then, columns))],
        default=to_sql(expr.else_, columns),
    )


_NUMERIC_FUNCTIONS = {"clamp", "min", "max", "round", "floor", "ceil", "abs"}


def _call(expr: ast.Call, columns: Columns) -> exp.Expression:
    args = [to_sql(a, columns) for a in expr.args]
    if expr.func in _NUMERIC_FUNCTIONS and not _is_date(expr.args[0], columns):
        # round's second argument is a count of digits, an integer
        args = [a if expr.func == "round" and n == 1 else decimal(a) for n, a in enumerate(args)]
    build = _FUNCTIONS.get(expr.func)
    if build is None:
        raise Unsupported(f"`{expr.func}` has no SQL form")
    if expr.func in ("coalesce", "round", "floor", "ceil", "abs", "days_between"):
        return build(args)
    return null_if_any_null(expr.args, args, build(args))


def null_if_any_null(
    nodes: list[ast.Expr], args: list[exp.Expression], result: exp.Expression
) -> exp.Expression:
    """``NULL`` when any argument is, unlike ``LEAST``/``GREATEST`` (they skip ``NULL``)."""
    checks = [
        exp.Is(this=paren(a.copy()), expression=exp.Null())
        for node, a in zip(nodes, args, strict=True)
        if isinstance(node, ast.Missing) or not isinstance(node, ast.LITERALS)
    ]
    if not checks:
        return result
    condition = checks[0]
    for check in checks[1:]:
        condition = exp.Or(this=condition, expression=check)
    return exp.Case(ifs=[exp.If(this=condition, true=exp.Null())], default=result)


def _round(args: list[exp.Expression]) -> exp.Expression:
    return decimal(
        exp.Round(this=args[0], decimals=args[1] if len(args) > 1 else exp.Literal.number(0))
    )


_FUNCTIONS: dict[str, Callable[[list[exp.Expression]], exp.Expression]] = {
    "clamp": lambda a: exp.Least(
        ignore_nulls=True,
        this=exp.Greatest(ignore_nulls=True, this=a[0], expressions=[a[1]]),
        expressions=[a[2]],
    ),
    "min": lambda a: exp.Least(ignore_nulls=True, this=a[0], expressions=a[1:]),
    "max": lambda a: exp.Greatest(ignore_nulls=True, this=a[0], expressions=a[1:]),
    "coalesce": lambda a: exp.Coalesce(this=a[0], expressions=a[1:]),
    "round": _round,
    "floor": lambda a: decimal(exp.Floor(this=a[0])),
    "ceil": lambda a: decimal(exp.Ceil(this=a[0])),
    "abs": lambda a: exp.Abs(this=a[0]),
    "days_between": lambda a: decimal(
        exp.DateDiff(this=a[1], expression=a[0], unit=exp.var("DAY"))
    ),
}


def _aggregate(expr: ast.Aggregate, columns: Columns) -> exp.Expression:
    if columns.aggregate is None:
        raise Unsupported("aggregates are compiled by the KPI evaluator")
    return columns.aggregate(expr)


def _of(expr: ast.Of, columns: Columns) -> exp.Expression:
    if columns.of is None:
        raise Unsupported("`of` is compiled by the KPI evaluator")
    return columns.of(expr)


_RULES: dict[str, Callable[..., exp.Expression]] = {
    "number": _literal,
    "percent": _literal,
    "money": _literal,
    "duration": _literal,
    "date": _literal,
    "text": _literal,
    "bool": _literal,
    "missing": _literal,
    "name": _name,
    "attr": _attr,
    "neg": _neg,
    "not": _not,
    "binary": _binary,
    "logic": _logic,
    "compare": _compare,
    "in_range": _in_range,
    "in_list": _in_list,
    "is_missing": _is_missing,
    "if": _if,
    "call": _call,
    "aggregate": _aggregate,
    "of": _of,
}
