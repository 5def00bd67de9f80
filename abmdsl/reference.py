"""The reference evaluator: the executable definition of what every expression means.

Input: a checked :class:`abmdsl.ir.Playbook` and one account (field → value).
Output: every criterion's points, every score, and the tier the account lands in.

It is small and slow on purpose: one account at a time, in pure Python, with exact decimals.
Every compiled backend must agree with it. The rules (see ``docs/language.md``):

* numbers, percentages and money are :class:`~decimal.Decimal` with at most six decimal
  places (:data:`PLACES`): literals are rounded to six places when read, and so is every product
  and quotient, half away from zero; sums and differences are exact; ``25%`` is ``0.25``;
* a result of :data:`LIMIT` or more in magnitude is an overflow error;
* ``missing`` is ``None``: arithmetic and comparisons with it give ``None``; ``and``/``or``
  use three-valued logic; ``if`` takes ``else`` when its condition is not true;
* division by zero gives ``None``;
* ``round`` rounds half away from zero; a missing argument makes any function missing,
  except ``coalesce``;
* a score is the weighted sum of its criteria, ``None`` when any criterion is ``None``;
* tiers are tried in order; a condition that is ``None`` does not match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

from . import ast
from .ir import Playbook, ScoreIR, TierIR
from .span import Span

Value = Decimal | bool | str | dt.date | None

# Working precision, far beyond what six places and LIMIT need, so rounding happens only where
# the rules say.
PRECISION = 60
PLACES = 6
QUANTUM = Decimal(1).scaleb(-PLACES)
LIMIT = Decimal(10) ** 26  # SQL engines hold DECIMAL(38, 12) products below this
_DAYS_PER_UNIT = {
    "min": Decimal(1) / 1440,
    "h": Decimal(1) / 24,
    "day": Decimal(1),
    "week": Decimal(7),
}


class EvalError(Exception):
    """An expression that cannot be evaluated here, with the place it stands."""

    def __init__(self, message: str, span: Span | None):
        super().__init__(message)
        self.span = span


class Coverage:
    """Which outcomes of each condition evaluation has seen: True, False (and None)."""

    def __init__(self) -> None:
        self.outcomes: dict[int, set[bool]] = {}

    def record(self, node: ast.Node, outcome: Value) -> None:
        self.outcomes.setdefault(id(node), set()).add(outcome is True)

    def seen(self, node: ast.Node) -> set[bool]:
        return self.outcomes.get(id(node), set())


@dataclass
class Env:
    """What names mean while evaluating: the row's fields, then named values."""

    row: Mapping[str, Value]
    names: Callable[[str], Value] = lambda name: None
    attrs: Callable[[str, str], Value] = lambda obj, attr: None
    coverage: Coverage | None = None

    def lookup(self, name: str) -> Value:
        if name in self.row:
            return self.row[name]
        return self.names(name)


def evaluate(expr: ast.Expr, env: Env) -> Value:
    """The value of ``expr``.

    >>> from abmdsl.parser import parse
    >>> module, _ = parse('kpi k = 10% * 1 + 20% * 4 + 70% * 3 >= 3')
    >>> evaluate(module.statements[0].expr, Env({}))
    True
    """
    with localcontext() as context:
        context.prec = PRECISION
        return _eval(expr, env)


def _eval(expr: ast.Expr, env: Env) -> Value:
    return _RULES[expr.kind](expr, env)


def quantize(value: Decimal, span: Span | None = None) -> Decimal:
    """``value`` rounded to six places, half away from zero; an error past :data:`LIMIT`."""
    if abs(value) >= LIMIT:
        raise EvalError(f"overflow: {value:.6g} is beyond the ±10^26 a quantity may reach", span)
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def literal_value(expr: ast.Expr) -> Value:
    """The value of a literal (as written in an ``example``'s ``given`` block)."""
    with localcontext() as context:
        context.prec = PRECISION
        return _literal_value(expr)


def _literal_value(expr: ast.Expr) -> Value:
    if isinstance(expr, ast.Number):
        return quantize(expr.value, expr.span)
    if isinstance(expr, ast.Percent):
        return quantize(expr.fraction, expr.span)
    if isinstance(expr, ast.Money):
        return quantize(expr.amount, expr.span)
    if isinstance(expr, ast.Duration):
        return quantize(_days(expr), expr.span)
    if isinstance(expr, ast.DateLit | ast.Text | ast.Bool):
        return expr.value
    if isinstance(expr, ast.Missing):
        return None
    raise EvalError("not a literal", expr.span)


def _days(expr: ast.Duration) -> Decimal:
    per = _DAYS_PER_UNIT.get(expr.unit)
    if per is None:
        raise EvalError(
            "business days need the playbook's calendar, which only schedules use", expr.span
        )
    return expr.amount * per


# ---------------------------------------------------------------- operators
def _binary(expr: ast.Binary, env: Env) -> Value:
    left, right = _eval(expr.left, env), _eval(expr.right, env)
    if left is None or right is None:
        return None
    if isinstance(left, dt.date) or isinstance(right, dt.date):
        return _date_arith(expr.op, left, right)
    assert isinstance(left, Decimal) and isinstance(right, Decimal), expr
    if expr.op == "+":
        return quantize(left + right, expr.span)
    if expr.op == "-":
        return quantize(left - right, expr.span)
    if expr.op == "*":
        return quantize(left * right, expr.span)
    return None if right == 0 else quantize(left / right, expr.span)


def _date_arith(op: str, left: Value, right: Value) -> Value:
    if isinstance(left, dt.date) and isinstance(right, dt.date):
        return Decimal((left - right).days)
    date, days = (left, right) if isinstance(left, dt.date) else (right, left)
    assert isinstance(date, dt.date) and isinstance(days, Decimal)
    # Dates move by whole days; a fraction of a day does not move the date.
    delta = dt.timedelta(days=int(days))
    return date + delta if op == "+" else date - delta


def _compare(expr: ast.Compare, env: Env) -> Value:
    left, right = _eval(expr.left, env), _eval(expr.right, env)
    if left is None or right is None:
        return None
    return _COMPARE[expr.op](left, right)


_COMPARE: dict[str, Callable[[object, object], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
}


def _logic(expr: ast.Logic, env: Env) -> Value:
    left = _eval(expr.left, env)
    decisive = expr.op == "or"  # `true or …` is true, `false and …` is false
    if left is decisive:
        return decisive
    right = _eval(expr.right, env)
    if right is decisive:
        return decisive
    if left is None or right is None:
        return None
    return not decisive


def _not(expr: ast.Not, env: Env) -> Value:
    value = _eval(expr.operand, env)
    return None if value is None else not value


def _neg(expr: ast.Neg, env: Env) -> Value:
    value = _eval(expr.operand, env)
    return None if value is None else -value  # type: ignore[operator]


def _in_range(expr: ast.InRange, env: Env) -> Value:
    value = _eval(expr.value, env)
    low, high = _eval(expr.range.low, env), _eval(expr.range.high, env)
    if value is None or low is None or high is None:
        return None
    inside = low <= value <= high  # type: ignore[operator]
    return inside != expr.negated


def _in_list(expr: ast.InList, env: Env) -> Value:
    value = _eval(expr.value, env)
    if value is None:
        return None
    items = [_eval(item, env) for item in expr.items]
    if value in items:
        return not expr.negated
    # As in SQL: not found among values one of which is missing is unknown.
    return None if None in items else expr.negated


def _is_missing(expr: ast.IsMissing, env: Env) -> Value:
    return (_eval(expr.value, env) is None) != expr.negated


def _if(expr: ast.If, env: Env) -> Value:
    cond = _eval(expr.cond, env)
    if env.coverage is not None:
        env.coverage.record(expr, cond)
    return _eval(expr.then if cond is True else expr.else_, env)


# ---------------------------------------------------------------- names and functions
def _name(expr: ast.Name, env: Env) -> Value:
    return env.lookup(expr.id)


def _attr(expr: ast.Attr, env: Env) -> Value:
    return env.attrs(expr.obj, expr.attr)


def _call(expr: ast.Call, env: Env) -> Value:
    args = [_eval(a, env) for a in expr.args]
    if expr.func == "coalesce":
        return next((a for a in args if a is not None), None)
    if any(a is None for a in args):
        return None
    return _FUNCTIONS[expr.func](*args)


def _round(value: Decimal, digits: Decimal = Decimal(0)) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)


def _clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return min(max(value, low), high)


_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "clamp": _clamp,
    "min": lambda *a: min(a),
    "max": lambda *a: max(a),
    "round": _round,
    "floor": lambda v: v.to_integral_value(rounding=ROUND_FLOOR),
    "ceil": lambda v: v.to_integral_value(rounding=ROUND_CEILING),
    "abs": abs,
    "days_between": lambda a, b: Decimal((b - a).days),
}


def _aggregate(expr: ast.Aggregate, env: Env) -> Value:
    raise EvalError(
        "aggregates need data sets; the reference evaluator judges one account", expr.span
    )


def _of(expr: ast.Of, env: Env) -> Value:
    raise EvalError("`of` measures a group of accounts; it belongs in KPIs", expr.span)


def _literal(expr: ast.Expr, env: Env) -> Value:
    return _literal_value(expr)


_RULES: dict[str, Callable[..., Value]] = {
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


# ---------------------------------------------------------------- accounts
@dataclass
class AccountResult:
    """What the playbook makes of one account."""

    points: dict[str, dict[str, Value]] = field(default_factory=dict)  # score → criterion → points
    scores: dict[str, Value] = field(default_factory=dict)
    tier: str | None = None
    cluster: Value = None
    conditions: dict[str, Value] = field(default_factory=dict)  # tier → its condition's value


class AccountEvaluator:
    """Scores and tiers one account at a time, memoising scores (they may use each other)."""

    def __init__(self, playbook: Playbook, coverage: Coverage | None = None):
        self.playbook = playbook
        self.coverage = coverage

    def run(self, account: Mapping[str, Value]) -> AccountResult:
        result = AccountResult()
        env = Env(account, coverage=self.coverage)
        env.names = lambda name: self._score(name, env, result)
        env.attrs = lambda score, criterion: self._points(score, env, result).get(criterion)
        with localcontext() as context:
            context.prec = PRECISION
            for name in self.playbook.scores:
                self._score(name, env, result)
            result.tier = self._tier(env, result)
            tier = self.playbook.tier(result.tier) if result.tier else None
            if tier is not None and tier.grouping is not None:
                result.cluster = account.get(tier.grouping.field)
        return result

    def judge(self, account: Mapping[str, Value]) -> tuple[AccountResult, list[Value], list[Value]]:
        """The account's result, every tier's condition, and every tier's ranking value.

        Population-level tiering (capacity, clusters) needs all of them, not only the first
        tier that matches.
        """
        result = self.run(account)
        env = Env(
            account,
            lambda name: result.scores.get(name),
            lambda score, criterion: result.points.get(score, {}).get(criterion),
        )
        with localcontext() as context:
            context.prec = PRECISION
            conditions = [
                True if t.when is None else _eval(t.when, env) for t in self.playbook.tiers
            ]
            rankings = [
                _eval(t.capacity.rank_by, env) if t.capacity and t.capacity.rank_by else None
                for t in self.playbook.tiers
            ]
        return result, conditions, rankings

    def _points(self, name: str, env: Env, result: AccountResult) -> dict[str, Value]:
        if name not in result.points:
            score: ScoreIR = self.playbook.scores[name]
            result.points[name] = {c.name: _eval(c.expr, env) for c in score.criteria}
        return result.points[name]

    def _score(self, name: str, env: Env, result: AccountResult) -> Value:
        if name not in self.playbook.scores:
            return None
        if name not in result.scores:
            score = self.playbook.scores[name]
            points = self._points(name, env, result)
            if any(points[c.name] is None for c in score.criteria):
                result.scores[name] = None
            else:
                result.scores[name] = sum(
                    (
                        c.weight * points[c.name]  # type: ignore[operator]
                        for c in score.criteria
                    ),
                    Decimal(0),
                )
        return result.scores[name]

    def _tier(self, env: Env, result: AccountResult) -> str | None:
        for tier in self.playbook.tiers:
            matched = self._condition(tier, env)
            result.conditions[tier.name] = matched
            if matched is True:
                return tier.name
        return None

    def _condition(self, tier: TierIR, env: Env) -> Value:
        if tier.when is None:
            return True
        value = _eval(tier.when, env)
        if self.coverage is not None:
            self.coverage.record(tier.when, value)
        return value
