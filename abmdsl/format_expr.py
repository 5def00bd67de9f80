"""Expressions, literals and one-line items → their canonical text, for :mod:`abmdsl.formatter`.

Input: AST nodes (:mod:`abmdsl.ast`): expressions, and the statements and block items that
always fit on one line (:data:`LINES`). Output: one line of text per node, no indentation.

Precedence, loosest first, as the grammar's ladder has it::

    0 if … then … else …    1 or    2 and    3 not
    4 comparisons: = != < <= > >=, in (range or list), is missing (they do not chain)
    5 + -    6 * /    7 unary minus (and negative literals)    8 atoms

Binary operators are left-associative. A child gets parentheses exactly when its level is
below the one its place requires, so ``(a - b) - c`` prints as ``a - b - c`` and
``a - (b - c)`` keeps its parentheses. An ``if`` is parenthesized wherever it is an operand,
and also as the condition or the ``then`` branch of another ``if`` (legal without, but hard to
read); ``else if`` chains stay flat. The one other exception is a criterion's whole value
before a criterion named like a keyword (see :func:`criterion`).

Literals: numbers keep their written digits (``2.50`` stays ``2.50``: the Decimal keeps them);
``25%``; ``1000 USD``; durations in one unit word each (``min``, ``h``, ``day``/``days``,
``week``/``weeks`` by the amount, ``business days``); dates in ISO form; strings re-escaped
(``\\"``, ``\\\\``, ``\\n``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from . import ast
from .parser import grammar_text

IF, OR, AND, NOT, COMPARISON, SUM, PRODUCT, UNARY, ATOM = range(9)

_LEVELS: dict[type, int] = {
    ast.If: IF,
    ast.Not: NOT,
    ast.Compare: COMPARISON,
    ast.InRange: COMPARISON,
    ast.InList: COMPARISON,
    ast.IsMissing: COMPARISON,
    ast.Neg: UNARY,
    ast.Of: UNARY,
}
_UNIT_WORDS: dict[str, tuple[str, str]] = {  # unit → (word for exactly 1, word otherwise)
    "min": ("min", "min"),
    "h": ("h", "h"),
    "day": ("day", "days"),
    "week": ("week", "weeks"),
    "business_day": ("business days", "business days"),  # the grammar knows no singular
}


def expr(node: ast.Expr) -> str:
    """The canonical text of an expression.

    >>> from abmdsl.parser import parse
    >>> module, _ = parse("baseline b = ((a - b) - (c - d)) * -(x)")
    >>> expr(module.statements[0].expr)
    '(a - b - (c - d)) * -x'
    """
    return _at(node, IF)


def level(node: ast.Expr) -> int:
    """How tightly ``node`` binds: one of the constants ``IF`` … ``ATOM``."""
    if isinstance(node, ast.Logic):
        return OR if node.op == "or" else AND
    if isinstance(node, ast.Binary):
        return SUM if node.op in ("+", "-") else PRODUCT
    if isinstance(node, ast.Number | ast.Percent) and node.value.is_signed():
        return UNARY  # `-5` is one literal, but it reads, and parses, as a minus sign
    return _LEVELS.get(type(node), ATOM)


def _at(node: ast.Expr, need: int) -> str:
    text = _PRINTERS[type(node)](node)
    return f"({text})" if level(node) < need else text


# ---------------------------------------------------------------- literals
def number(value: Decimal | int) -> str:
    """A number as written: never an exponent, trailing zeros kept (``2.50``)."""
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def quote(text: str) -> str:
    """A string literal for ``text``.

    >>> print(quote('say "hi"\\n\\\\'))
    "say \\"hi\\"\\n\\\\"
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def duration(node: ast.Duration) -> str:
    one, many = _UNIT_WORDS[node.unit]
    return f"{number(node.amount)} {one if node.amount == 1 else many}"


def money(node: ast.Money) -> str:
    return f"{number(node.amount)} {node.currency}"


def percent(node: ast.Percent) -> str:
    return f"{number(node.value)}%"


def range_(node: ast.Range) -> str:
    return f"{expr(node.low)}..{expr(node.high)}"


# ---------------------------------------------------------------- operators
def _logic(node: ast.Logic | ast.Binary) -> str:
    own = level(node)  # left-associative: the right operand must bind tighter
    return f"{_at(node.left, own)} {node.op} {_at(node.right, own + 1)}"


def _compare(node: ast.Compare) -> str:
    return f"{_at(node.left, SUM)} {node.op} {_at(node.right, SUM)}"


def _in(negated: bool) -> str:
    return "not in" if negated else "in"


def _in_range(node: ast.InRange) -> str:
    return f"{_at(node.value, SUM)} {_in(node.negated)} {range_(node.range)}"


def _in_list(node: ast.InList) -> str:
    items = ", ".join(expr(item) for item in node.items)
    return f"{_at(node.value, SUM)} {_in(node.negated)} ({items})"


def _is_missing(node: ast.IsMissing) -> str:
    return f"{_at(node.value, SUM)} is {'not ' if node.negated else ''}missing"


def _if(node: ast.If) -> str:
    return f"if {_at(node.cond, OR)} then {_at(node.then, OR)} else {expr(node.else_)}"


def _call(node: ast.Call) -> str:
    return f"{node.func}({', '.join(expr(arg) for arg in node.args)})"


def _aggregate(node: ast.Aggregate) -> str:
    field = f".{node.field}" if node.field is not None else ""
    if node.value is not None:
        field = f": {expr(node.value)}"
    where = f" where {expr(node.where)}" if node.where is not None else ""
    return f"{node.func}({node.dataset}{field}{where})"


_PRINTERS: dict[type, Callable[[Any], str]] = {  # expression node type → its text
    ast.Number: lambda n: number(n.value),
    ast.Percent: percent,
    ast.Money: money,
    ast.Duration: duration,
    ast.DateLit: lambda n: n.value.isoformat(),
    ast.Text: lambda n: quote(n.value),
    ast.Bool: lambda n: "true" if n.value else "false",
    ast.Missing: lambda n: "missing",
    ast.Name: lambda n: n.id,
    ast.Attr: lambda n: f"{n.obj}.{n.attr}",
    ast.Neg: lambda n: f"-{_at(n.operand, UNARY)}",
    ast.Not: lambda n: f"not {_at(n.operand, NOT)}",
    ast.Binary: _logic,
    ast.Logic: _logic,
    ast.Compare: _compare,
    ast.InRange: _in_range,
    ast.InList: _in_list,
    ast.IsMissing: _is_missing,
    ast.If: _if,
    ast.Call: _call,
    ast.Aggregate: _aggregate,
    ast.Of: lambda n: f"{_at(n.value, ATOM)} of {n.group.name}",
}


# ---------------------------------------------------------------- one-line statements and items
def title(text: str | None) -> str:
    """An optional title: a space and the quoted text, or nothing."""
    return "" if text is None else " " + quote(text)


def names(idents: Sequence[ast.Ident]) -> str:
    return ", ".join(ident.name for ident in idents)


def _field(node: ast.FieldDecl) -> str:
    ftype = f"enum({names(node.enum_values)})" if node.type == "enum" else node.type
    words = [f"{'key ' if node.key else ''}{node.name.name}: {ftype}"]
    if node.range is not None:
        words.append(range_(node.range))
    if node.optional:
        words.append("optional")
    if node.references is not None:
        words.append(f"references {node.references}")
    return " ".join(words)


def _capacity(node: ast.Capacity) -> str:
    text = f"at most {node.limit} accounts"
    if node.rank_by is not None:
        text += f" ranked by {expr(node.rank_by)}"
    return text + (f" {node.order}" if node.order is not None else "")


def _grouping(node: ast.Grouping) -> str:
    sizes = f" of {range_(node.sizes)} accounts" if node.sizes is not None else ""
    return f"group by {node.field.name} into {range_(node.clusters)} clusters{sizes}"


def _research(node: ast.Research) -> str:
    contact = f", {duration(node.per_contact)} per contact" if node.per_contact else ""
    return f"research {duration(node.per_account)} per account{contact}"


def _tier_cadence(node: ast.TierCadence) -> str:
    if node.from_week is not None:
        return f"cadence {node.cadence.name} from week {node.from_week}"
    if node.from_date is not None:
        return f"cadence {node.cadence.name} from {node.from_date.value.isoformat()}"
    return f"cadence {node.cadence.name}"


def _target(node: ast.Target) -> str:
    via = f" via {node.via.metric.name} at {percent(node.via.rate)}" if node.via else ""
    return f"target {node.metric.name} {node.op} {expr(node.value)}{via}"


def _step(node: ast.Step) -> str:
    if node.touch is None:
        when = f"day {node.day}"
    else:
        when = f"touch {node.touch}" + (f" on day {node.day}" if node.day is not None else "")
    text = f"{when}: {node.channel.name} to {names(node.audience)}{title(node.note)}"
    if node.refers_to is not None:
        text += f" refers to touch {node.refers_to}"
    text += f" by {node.owner.name}" if node.owner is not None else ""
    if node.variants:
        text += f" variants {{ {' '.join(_variant(v) for v in node.variants)} }}"
    return text


def _variant(node: ast.Variant) -> str:
    share = f" {percent(node.share)}" if node.share is not None else ""
    return f"{node.name.name}{share} {quote(node.note)}"


def _limit(node: ast.TouchLimit | ast.TimeLimit) -> str:
    if isinstance(node, ast.TouchLimit):
        return f"{node.count} touches per day"
    return f"{duration(node.amount)} per {node.per}"


def _kpi_target(node: ast.KpiTarget) -> str:
    if node.op == "in" and node.range is not None:
        return f"target in {range_(node.range)}"
    assert node.value is not None  # the grammar gives a comparison target its value
    return f"target {node.op} {expr(node.value)}"


def _dist(node: ast.Fixed | ast.Uniform | ast.Beta) -> str:
    if isinstance(node, ast.Fixed):
        return percent(node.p)
    if isinstance(node, ast.Uniform):
        return f"{percent(node.low)}..{percent(node.high)}"
    return f"beta({expr(node.a)}, {expr(node.b)})"


def _reply(node: ast.Reply) -> str:
    to = f" to {node.audience.name}" if node.audience is not None else ""
    within = f" in {node.tier.name}" if node.tier is not None else ""
    after = f" after {duration(node.delay)}" if node.delay is not None else ""
    return f"reply {node.channel.name}{to}{within} {_dist(node.dist)}{after}"


def _convert(node: ast.Convert) -> str:
    after = f" after {duration(node.delay)}" if node.delay is not None else ""
    return f"convert {node.source.name} to {node.target.name} {_dist(node.dist)}{after}"


LINES: dict[type, Callable[[Any], str]] = {  # node type of a one-line item → its text
    ast.Version: lambda n: f"abm {number(n.number)}",
    ast.Import: lambda n: f"import {quote(n.path)}",
    ast.Setting: lambda n: f"{n.key} {', '.join(expr(v) for v in n.values)}",
    ast.FieldDecl: _field,
    ast.Criterion: lambda n: criterion(n, None),
    ast.Capacity: _capacity,
    ast.Grouping: _grouping,
    ast.Research: _research,
    ast.Budget: lambda n: f"budget {money(n.amount)} per account",
    ast.TierCadence: _tier_cadence,
    ast.Holdout: lambda n: (
        f"holdout {percent(n.share)}" + ("" if n.seed is None else f" seed {n.seed}")
    ),
    ast.Target: _target,
    ast.Milestone: lambda n: f"milestone {n.name.name}",
    ast.Contribution: lambda n: f"contributes {expr(n.value)}",
    ast.MeasuredBy: lambda n: f"measured by {n.kpi.name}",
    ast.Segment: lambda n: f"segment {quote(n.value)}",
    ast.Funnel: lambda n: f"funnel {n.stage.name}",
    ast.Step: _step,
    ast.StopRule: lambda n: f"{n.mode}{' account' if n.account else ''} on {n.event.name}",
    ast.Recontact: lambda n: f"recontact after {n.days} business days",
    ast.Roles: lambda n: f"roles {names(n.names)}",
    ast.Raci: lambda n: f"{n.role} {names(n.names)}",
    ast.PlanCapacity: lambda n: f"capacity {n.role.name} {', '.join(_limit(x) for x in n.limits)}",
    ast.PlanBudget: lambda n: f"budget {money(n.amount)}",
    ast.KpiTarget: _kpi_target,
    ast.KpiWarn: lambda n: f"warn {n.op} {expr(n.value)}",
    ast.Measures: lambda n: f"measures {n.goal.name}",
    ast.Baseline: lambda n: f"baseline {n.name.name}{title(n.title)} = {expr(n.expr)}",
    ast.Verdict: lambda n: f"verdict{title(n.title)} pass when {expr(n.when)}",
    ast.Runs: lambda n: f"runs {n.count}",
    ast.Seed: lambda n: f"seed {n.value}",
    ast.Reply: _reply,
    ast.Convert: _convert,
    ast.Cost: lambda n: f"cost {n.item.name} {money(n.amount)}{f' per {n.per}' if n.per else ''}",
    ast.ExpectTier: lambda n: f"expect tier {n.tier.name}",
    ast.ExpectScore: lambda n: f"expect score {n.score.name} = {expr(n.value)}",
    ast.ExpectCriterion: lambda n: (
        f"expect criterion {n.score.name}.{n.criterion.name} = {expr(n.value)}"
    ),
    ast.ExpectCluster: lambda n: f"expect cluster {quote(n.value)}",
}


def pair(node: ast.Pair, following: ast.Pair | None) -> str:
    """``field: value``, with a comma only where the next pair needs one to be read apart."""
    comma = "," if following is not None and _continues(following.field.name) else ""
    return f"{node.field.name}: {expr(node.value)}{comma}"


def criterion(node: ast.Criterion, following: ast.Criterion | None) -> str:
    """``name "title" weight 40% = expr``; the expression in parentheses only where the next
    criterion is named like a keyword: ``= (5)`` then ``h weight …``, as ``5 h`` is 5 hours."""
    value = expr(node.expr)
    if following is not None and _continues(following.name.name):
        value = f"({value})"
    return f"{node.name.name}{title(node.title)} weight {percent(node.weight)} = {value}"


def _continues(name: str) -> bool:
    """Whether ``name`` right after a value could be read as more of that value."""
    return name in _keywords() or re.fullmatch(r"[A-Z]{3}", name) is not None


@cache
def _keywords() -> frozenset[str]:
    return frozenset(re.findall(r'"([A-Za-z_]+)"', grammar_text()))
