"""Interval reasoning the checker uses to prove things without data.

Two questions: which values can a criterion yield (to check it against its score's scale), and
which accounts can a tier condition admit (to find a tier that an earlier one always takes).
Both answer ``None`` when they cannot tell; the checks then stay silent rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from .. import ast

INF = Decimal("Infinity")


@dataclass(frozen=True)
class Interval:
    low: Decimal
    high: Decimal
    low_open: bool = False
    high_open: bool = False

    def empty(self) -> bool:
        return self.low > self.high or (self.low == self.high and (self.low_open or self.high_open))

    def within(self, other: Interval) -> bool:
        low_ok = self.low > other.low or (
            self.low == other.low and (self.low_open or not other.low_open)
        )
        high_ok = self.high < other.high or (
            self.high == other.high and (self.high_open or not other.high_open)
        )
        return self.empty() or (low_ok and high_ok)

    def meet(self, other: Interval) -> Interval:
        low = max((self.low, not self.low_open), (other.low, not other.low_open))
        high = min((self.high, self.high_open), (other.high, other.high_open))
        return Interval(low[0], high[0], not low[1], high[1])

    def join(self, other: Interval) -> Interval:
        return Interval(min(self.low, other.low), max(self.high, other.high))


def constant(expr: ast.Expr) -> Decimal | None:
    if isinstance(expr, ast.Number):
        return expr.value
    if isinstance(expr, ast.Percent):
        return expr.fraction
    return None


def value_range(expr: ast.Expr, names: Mapping[str, Interval]) -> Interval | None:
    """The values a numeric expression can take, or None when unbounded or unknown.

    >>> from abmdsl.parser import parse
    >>> m, _ = parse("score s scale 1..5 { c weight 100% = clamp(x, 1, 4) }")
    >>> value_range(m.statements[0].criteria[0].expr, {})
    Interval(low=Decimal('1'), high=Decimal('4'), low_open=False, high_open=False)
    """
    rule = _RANGE_RULES.get(type(expr))
    return rule(expr, names) if rule else None


def _const_range(expr: ast.Expr, names: Mapping[str, Interval]) -> Interval | None:
    value = constant(expr)
    return Interval(value, value) if value is not None else None


def _name_range(expr: ast.Name, names: Mapping[str, Interval]) -> Interval | None:
    return names.get(expr.id)


def _if_range(expr: ast.If, names: Mapping[str, Interval]) -> Interval | None:
    then, else_ = value_range(expr.then, names), value_range(expr.else_, names)
    return then.join(else_) if then and else_ else None


def _call_range(expr: ast.Call, names: Mapping[str, Interval]) -> Interval | None:
    args = [value_range(a, names) for a in expr.args]
    if expr.func == "clamp" and len(args) == 3 and args[1] and args[2]:
        return Interval(args[1].low, args[2].high)
    if expr.func in ("min", "max") and args and all(args):
        pick = min if expr.func == "min" else max
        return Interval(pick(a.low for a in args if a), pick(a.high for a in args if a))
    if expr.func == "coalesce" and args and all(args):
        result = args[0]
        for a in args[1:]:
            result = result.join(a) if result and a else None
        return result
    return None


def _binary_range(expr: ast.Binary, names: Mapping[str, Interval]) -> Interval | None:
    left, right = value_range(expr.left, names), value_range(expr.right, names)
    if (
        left is None
        or right is None
        or INF in (abs(left.low), abs(left.high), abs(right.low), abs(right.high))
    ):
        return None
    if expr.op == "+":
        return Interval(left.low + right.low, left.high + right.high)
    if expr.op == "-":
        return Interval(left.low - right.high, left.high - right.low)
    if expr.op == "*":
        products = [a * b for a in (left.low, left.high) for b in (right.low, right.high)]
        return Interval(min(products), max(products))
    return None


_RANGE_RULES: dict[type, Callable[..., Interval | None]] = {
    ast.Number: _const_range,
    ast.Percent: _const_range,
    ast.Name: _name_range,
    ast.If: _if_range,
    ast.Call: _call_range,
    ast.Binary: _binary_range,
}

Region = dict[str, Interval]
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "=": "=", "!=": "!="}
_COMPLEMENT = {">=": "<", "<=": ">", ">": "<=", "<": ">=", "=": "!=", "!=": "="}
_NOTHING: Region = {"": Interval(INF, -INF)}  # a box no account fits in


def region(expr: ast.Expr | None, bools: frozenset[str] = frozenset()) -> Region | None:
    """The accounts a tier condition admits, as a box of intervals over names.

    ``None`` when the condition is not a conjunction of simple comparisons with constants.
    An ``otherwise`` tier (no condition) admits everything: the empty box. ``bools`` are the
    yes/no fields, which may stand alone as a condition (``when has_budget``).

    >>> from abmdsl.parser import parse
    >>> m, _ = parse("tier t when potential in 2..4 and not has_budget")
    >>> sorted(region(m.statements[0].when, frozenset({"has_budget"})).items())[0]
    ('has_budget', Interval(low=Decimal('0'), high=Decimal('0'), low_open=False, high_open=False))
    """
    if expr is None:
        return {}
    if isinstance(expr, ast.Logic):
        return _and_region(expr, bools) if expr.op == "and" else None
    if isinstance(expr, ast.Compare):
        return _compare_region(expr.op, expr.left, expr.right)
    if isinstance(expr, ast.Not):
        return _not_region(expr.operand, bools)
    if isinstance(expr, ast.InRange) and isinstance(expr.value, ast.Name) and not expr.negated:
        low, high = constant(expr.range.low), constant(expr.range.high)
        if low is not None and high is not None:
            return {expr.value.id: Interval(low, high)}
    if isinstance(expr, ast.Name) and expr.id in bools:
        return {expr.id: Interval(Decimal(1), Decimal(1))}
    if isinstance(expr, ast.Bool):
        return {} if expr.value else dict(_NOTHING)
    return None


def _and_region(expr: ast.Logic, bools: frozenset[str]) -> Region | None:
    left, right = region(expr.left, bools), region(expr.right, bools)
    if left is None or right is None:
        return None
    merged = dict(left)
    for name, interval in right.items():
        merged[name] = merged[name].meet(interval) if name in merged else interval
    return merged


def _not_region(operand: ast.Expr, bools: frozenset[str]) -> Region | None:
    if isinstance(operand, ast.Name) and operand.id in bools:
        return {operand.id: Interval(Decimal(0), Decimal(0))}
    if isinstance(operand, ast.Compare):
        return _compare_region(_COMPLEMENT[operand.op], operand.left, operand.right)
    return None


def _truth(expr: ast.Expr) -> Decimal | None:
    """A number, a percentage, or `true`/`false` as 1/0 (yes/no fields are 1 or 0)."""
    if isinstance(expr, ast.Bool):
        return Decimal(int(expr.value))
    return constant(expr)


def _compare_region(op: str, left: ast.Expr, right: ast.Expr) -> Region | None:
    name, value = left, _truth(right)
    if not isinstance(name, ast.Name):
        op, name, value = _FLIP[op], right, _truth(left)
    if not isinstance(name, ast.Name) or value is None or op == "!=":
        return None
    interval = {
        ">=": Interval(value, INF),
        ">": Interval(value, INF, low_open=True),
        "<=": Interval(-INF, value),
        "<": Interval(-INF, value, high_open=True),
        "=": Interval(value, value),
    }[op]
    return {name.id: interval}


def covers(outer: Region, inner: Region, natural: Mapping[str, Interval] | None = None) -> bool:
    """True when every account admitted by ``inner`` is admitted by ``outer``.

    ``natural`` holds what each name is whatever the condition says (declared field ranges,
    score scales): ``outer`` may rely on it for names ``inner`` does not constrain.
    """
    if any(i.empty() for i in inner.values()):
        return True
    known = natural or {}
    for name, interval in outer.items():
        bound = inner.get(name, known.get(name))
        if bound is None or not bound.within(interval):
            return False
    return True
