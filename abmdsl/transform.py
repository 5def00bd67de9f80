"""Lark parse tree → AST nodes (:mod:`abmdsl.ast`), one method per grammar rule.

Nodes are built with ``model_construct``: the grammar already guarantees their shape, and
validating every node again would cost more than the parse itself.

The tree is walked with an explicit stack, not by recursion: a left-recursive chain such as
``a + a + … + a`` is a tree as deep as the chain is long. While walking, expressions deeper
than :data:`~abmdsl.limits.MAX_EXPR_DEPTH` are refused with a diagnostic, so that the later
stages, which do recurse over expressions, never meet one that would exhaust the stack.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from lark import Token, Tree
from lark.tree import Meta
from pydantic.fields import FieldInfo

from . import ast
from .diagnostics import Diagnostic, error
from .limits import MAX_EXPR_DEPTH, MAX_NUMBER_DIGITS
from .span import Span

_UNITS: dict[str, ast.DurationUnit] = {
    "minutes": "min",
    "minute": "min",
    "min": "min",
    "hours": "h",
    "hour": "h",
    "h": "h",
    "days": "day",
    "day": "day",
    "weeks": "week",
    "week": "week",
}
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n"}

# The rules whose nodes are expressions: only these count towards MAX_EXPR_DEPTH. Statements
# nest only through blocks, which the parser bounds by counting brackets before parsing.
_EXPRESSIONS = frozenset(
    {
        *("if_expr", "or_", "and_", "not_", "compare", "in_range", "in_list", "is_missing"),
        *("binary", "neg", "name", "attr", "call", "aggregate", "number", "percent", "money"),
        "of_group",
        *("duration", "business_days", "date", "text", "true", "false", "missing"),
    }
)


@dataclass(frozen=True)
class _PerRow:
    """The ``: EXPR`` of an aggregate, told apart from its ``where`` by its type."""

    expr: ast.Expr


class TransformError(Exception):
    """Text that parses but cannot become an AST; carries the diagnostic to report."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class LiteralError(TransformError):
    """A literal that lexes but means nothing, e.g. the date 2027-02-30."""


def unquote(raw: str) -> str:
    """The text of a string literal.

    >>> unquote(r'"say \\"hi\\""')
    'say "hi"'
    """
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    chars = iter(body)
    for char in chars:
        out.append(_ESCAPES.get(next(chars, ""), "") if char == "\\" else char)
    return "".join(out)


def _make(cls: type[ast.Node], span: Span | None, **fields: Any) -> Any:
    for name, default in _defaults(cls):
        if name not in fields:
            fields[name] = default()
    return cls.model_construct(span=span, **fields)


@cache
def _defaults(cls: type[ast.Node]) -> tuple[tuple[str, Callable[[], Any]], ...]:
    """Each field of ``cls`` that has a default (but ``span``), with a maker of its value.

    Pydantic's ``FieldInfo.get_default`` deep-copies the default on every call, which cost
    more than building the node; here a fresh copy is made only of mutable defaults.
    """
    return tuple(
        (name, _maker(info))
        for name, info in cls.model_fields.items()
        if name != "span" and not info.is_required()
    )


def _maker(info: FieldInfo) -> Callable[[], Any]:
    if info.default_factory is not None:
        return info.default_factory  # type: ignore[return-value]  # takes no argument here
    default = info.default
    if isinstance(default, list | dict | set):
        return lambda: copy.deepcopy(default)  # each node gets its own list
    return lambda: default


def _strings(children: list[Any]) -> tuple[str | None, list[Any]]:
    """Split an optional leading title string off a rule's remaining children."""
    if children and isinstance(children[0], Token) and children[0].type == "STRING":
        return unquote(children[0]), children[1:]
    return None, children


class ToAst:
    """Builds a :class:`abmdsl.ast.Module`; ``path`` goes into every span.

    Each method takes the rule's ``meta`` (positions) and its transformed children, like a
    Lark ``Transformer`` with ``v_args(meta=True)``, but :meth:`transform` calls them from a
    loop: no recursion, and none of the per-call wrapping Lark's ``v_args`` costs.
    """

    def __init__(self, path: str):
        self.path = path
        self._handlers: dict[str, Callable[[Meta, list[Any]], Any]] = {}

    def transform(self, tree: Tree) -> Any:
        """The AST of ``tree``; raises :class:`TransformError` for what cannot be built."""
        results: dict[int, Any] = {}
        for node in reversed(self._preorder(tree)):  # every child comes before its parent
            children = [results.pop(id(c)) if isinstance(c, Tree) else c for c in node.children]
            results[id(node)] = self._handler(node.data)(node.meta, children)
        return results[id(tree)]

    def _preorder(self, tree: Tree) -> list[Tree]:
        """The subtrees of ``tree``, each before its descendants; refuses too deep expressions."""
        order: list[Tree] = []
        stack: list[tuple[Tree, int]] = [(tree, 0)]
        while stack:
            node, depth = stack.pop()
            order.append(node)
            for child in node.children:
                if isinstance(child, Tree):
                    below = depth + 1 if child.data in _EXPRESSIONS else 0
                    if below > MAX_EXPR_DEPTH:
                        raise TransformError(self._too_deep(child))
                    stack.append((child, below))
        return order

    def _handler(self, rule: str) -> Callable[[Meta, list[Any]], Any]:
        handler = self._handlers.get(rule)
        if handler is None:
            handler = self._handlers[rule] = getattr(self, rule)
        return handler

    def _too_deep(self, node: Tree) -> Diagnostic:
        return error(
            "ABM106",
            f"this expression is too long: it nests more than {MAX_EXPR_DEPTH} operations"
            " inside one another",
            self._span(node.meta),
            hint="give parts of it a name of their own (a `kpi`, a `baseline`, a criterion)",
        )

    # ------------------------------------------------------------ helpers
    def _span(self, meta: Meta) -> Span | None:
        if getattr(meta, "empty", True):
            return None
        return Span(self.path, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok(self, token: Token) -> Span:
        return Span(
            self.path,
            token.line or 1,
            token.column or 1,
            token.end_line or 1,
            token.end_column or 1,
        )

    def _ident(self, token: Token) -> ast.Ident:
        return _make(ast.Ident, self._tok(token), name=str(token))

    def _number(self, token: Token) -> Decimal:
        written = self._digits(token)
        try:
            return Decimal(written)
        except InvalidOperation as exc:  # pragma: no cover - the lexer admits only digits
            raise LiteralError(error("ABM110", "not a number", self._tok(token))) from exc

    def _int(self, token: Token) -> int:
        return int(self._digits(token))

    def _digits(self, token: Token) -> str:
        """The number as written (without ``%``), refused when it has too many digits."""
        written = str(token).rstrip("%")
        count = len(written) - written.count(".")
        if count > MAX_NUMBER_DIGITS:
            raise LiteralError(
                error(
                    "ABM110",
                    f"this number has {count:,} digits; a number may have at most"
                    f" {MAX_NUMBER_DIGITS}",
                    self._tok(token),
                    hint="no playbook quantity needs more; check for a typing slip",
                )
            )
        return written

    # ------------------------------------------------------------ module and header
    def start(self, meta: Meta, children: list[Any]) -> ast.Module:
        return _make(ast.Module, self._span(meta), path=self.path, statements=children, comments=[])

    def version(self, meta: Meta, children: list[Any]) -> ast.Version:
        return _make(ast.Version, self._span(meta), number=children[0].value)

    def import_(self, meta: Meta, children: list[Any]) -> ast.Import:
        return _make(ast.Import, self._span(meta), path=unquote(children[0]))

    def playbook(self, meta: Meta, children: list[Any]) -> ast.Header:
        return _make(
            ast.Header, self._span(meta), title=unquote(children[0]), settings=children[1:]
        )

    def _setting(self, key: str, meta: Meta, values: list[Any]) -> ast.Setting:
        return _make(ast.Setting, self._span(meta), key=key, values=values)

    def start_date(self, meta: Meta, children: list[Any]) -> ast.Setting:
        return self._setting("start", meta, [self._date(children[0])])

    def horizon(self, meta: Meta, children: list[Any]) -> ast.Setting:
        return self._setting("horizon", meta, children)

    def calendar(self, meta: Meta, children: list[Any]) -> ast.Setting:
        country, *region = children
        values: list[Any] = [self.name(meta, [country])]
        for token in region:  # `region BY`, or `region "9"` for a code that is not a name
            values.append(
                self.text(meta, [token]) if token.type == "STRING" else self.name(meta, [token])
            )
        return self._setting("calendar", meta, values)

    def currency(self, meta: Meta, children: list[Any]) -> ast.Setting:
        return self._setting("currency", meta, [self.name(meta, children)])

    def holidays(self, meta: Meta, children: list[Any]) -> ast.Setting:
        return self._setting("holidays", meta, [self._date(t) for t in children])

    def workdays(self, meta: Meta, children: list[Any]) -> ast.Setting:
        return self._setting("workdays", meta, [self._date(t) for t in children])

    # ------------------------------------------------------------ data
    def dataset_name(self, meta: Meta, children: list[Any]) -> str:
        return str(children[0])

    key = type_name = order = stop_mode = scope = raci_role = cost_unit = period = dataset_name
    aggregate_name = unit = roll_strategy = dataset_name

    def dataset(self, meta: Meta, children: list[Any]) -> ast.Dataset:
        return _make(ast.Dataset, self._span(meta), name=children[0], fields=children[1:])

    def field(self, meta: Meta, children: list[Any]) -> ast.FieldDecl:
        is_key = children[0] == "key" and not isinstance(children[0], Token)
        rest = children[1:] if is_key else children
        ftype, enum_values = rest[1]
        fields: dict[str, Any] = {
            "name": self._ident(rest[0]),
            "type": ftype,
            "key": is_key,
            "enum_values": enum_values,
        }
        for item in rest[2:]:
            if isinstance(item, ast.Range):
                fields["range"] = item
            elif item == "optional":
                fields["optional"] = True
            else:
                fields["references"] = item[1]
        return _make(ast.FieldDecl, self._span(meta), **fields)

    def simple_type(self, meta: Meta, children: list[Any]) -> tuple[str, list[ast.Ident]]:
        return children[0], []

    def enum_type(self, meta: Meta, children: list[Any]) -> tuple[str, list[ast.Ident]]:
        return "enum", [self._ident(t) for t in children]

    def optional(self, meta: Meta, children: list[Any]) -> str:
        return "optional"

    def references(self, meta: Meta, children: list[Any]) -> tuple[str, str]:
        return ("references", children[0])

    # ------------------------------------------------------------ scores and tiers
    def score(self, meta: Meta, children: list[Any]) -> ast.Score:
        title, rest = _strings(children[1:])
        return _make(
            ast.Score,
            self._span(meta),
            name=self._ident(children[0]),
            title=title,
            scale=rest[0],
            criteria=rest[1:],
        )

    def criterion(self, meta: Meta, children: list[Any]) -> ast.Criterion:
        title, rest = _strings(children[1:])
        return _make(
            ast.Criterion,
            self._span(meta),
            name=self._ident(children[0]),
            title=title,
            weight=self.percent(meta, [rest[0]]),
            expr=rest[1],
        )

    def tier(self, meta: Meta, children: list[Any]) -> ast.Tier:
        title, rest = _strings(children[1:])
        items = rest[1] if len(rest) > 1 else []
        return _make(
            ast.Tier,
            self._span(meta),
            name=self._ident(children[0]),
            title=title,
            when=rest[0],
            items=items,
        )

    def when(self, meta: Meta, children: list[Any]) -> Any:
        return children[0]

    def otherwise(self, meta: Meta, children: list[Any]) -> None:
        return None

    def tier_body(self, meta: Meta, children: list[Any]) -> list[Any]:
        return children

    def capacity(self, meta: Meta, children: list[Any]) -> ast.Capacity:
        rank_by = children[1] if len(children) > 1 else None
        order = children[2] if len(children) > 2 else None
        return _make(
            ast.Capacity,
            self._span(meta),
            limit=self._int(children[0]),
            rank_by=rank_by,
            order=order,
        )

    def grouping(self, meta: Meta, children: list[Any]) -> ast.Grouping:
        sizes = children[2] if len(children) > 2 else None
        return _make(
            ast.Grouping,
            self._span(meta),
            field=self._ident(children[0]),
            clusters=children[1],
            sizes=sizes,
        )

    def research(self, meta: Meta, children: list[Any]) -> ast.Research:
        per_contact = children[1] if len(children) > 1 else None
        return _make(
            ast.Research, self._span(meta), per_account=children[0], per_contact=per_contact
        )

    def budget(self, meta: Meta, children: list[Any]) -> ast.Budget:
        return _make(ast.Budget, self._span(meta), amount=children[0])

    def tier_cadence(self, meta: Meta, children: list[Any]) -> ast.TierCadence:
        start = dict([children[1]]) if len(children) > 1 else {}
        return _make(ast.TierCadence, self._span(meta), cadence=self._ident(children[0]), **start)

    def from_week(self, meta: Meta, children: list[Any]) -> tuple[str, int]:
        return ("from_week", self._int(children[0]))

    def from_date(self, meta: Meta, children: list[Any]) -> tuple[str, ast.DateLit]:
        return ("from_date", self._date(children[0]))

    def holdout(self, meta: Meta, children: list[Any]) -> ast.Holdout:
        seed = int(children[1]) if len(children) > 1 else None
        return _make(
            ast.Holdout, self._span(meta), share=self.percent(meta, children[:1]), seed=seed
        )

    # ------------------------------------------------------------ goals
    def goal(self, meta: Meta, children: list[Any]) -> ast.Goal:
        title, rest = _strings(children[1:])
        return _make(
            ast.Goal, self._span(meta), name=self._ident(children[0]), title=title, items=rest
        )

    def target(self, meta: Meta, children: list[Any]) -> ast.Target:
        via = children[3] if len(children) > 3 else None
        return _make(
            ast.Target,
            self._span(meta),
            metric=self._ident(children[0]),
            op=str(children[1]),
            value=children[2],
            via=via,
        )

    def via(self, meta: Meta, children: list[Any]) -> ast.Via:
        return _make(
            ast.Via,
            self._span(meta),
            metric=self._ident(children[0]),
            rate=self.percent(meta, [children[1]]),
        )

    def milestone(self, meta: Meta, children: list[Any]) -> ast.Milestone:
        return _make(ast.Milestone, self._span(meta), name=self._ident(children[0]))

    def contribution(self, meta: Meta, children: list[Any]) -> ast.Contribution:
        value = children[0]
        if isinstance(value, Token):
            value = self.percent(meta, [value])
        return _make(ast.Contribution, self._span(meta), value=value)

    def measured_by(self, meta: Meta, children: list[Any]) -> ast.MeasuredBy:
        return _make(ast.MeasuredBy, self._span(meta), kpi=self._ident(children[0]))

    def segment(self, meta: Meta, children: list[Any]) -> ast.Segment:
        return _make(ast.Segment, self._span(meta), value=unquote(children[0]))

    def funnel(self, meta: Meta, children: list[Any]) -> ast.Funnel:
        return _make(ast.Funnel, self._span(meta), stage=self._ident(children[0]))

    # ------------------------------------------------------------ cadences and the plan
    def cadence(self, meta: Meta, children: list[Any]) -> ast.Cadence:
        title, rest = _strings(children[1:])
        return _make(
            ast.Cadence,
            self._span(meta),
            name=self._ident(children[0]),
            title=title,
            days=self._int(rest[0]),
            items=rest[1:],
        )

    def step(self, meta: Meta, children: list[Any]) -> ast.Step:
        touch, day = children[0]
        fields: dict[str, Any] = {
            "touch": touch,
            "day": day,
            "channel": self._ident(children[1]),
            "audience": [],
        }
        for item in children[2:]:
            if isinstance(item, Token) and item.type == "NAME":
                fields["audience"].append(self._ident(item))
            elif isinstance(item, Token):
                fields["note"] = unquote(item)
            else:
                fields[item[0]] = item[1]
        return _make(ast.Step, self._span(meta), **fields)

    def by_touch(self, meta: Meta, children: list[Any]) -> tuple[int, int | None]:
        return self._int(children[0]), self._int(children[1]) if len(children) > 1 else None

    def by_day(self, meta: Meta, children: list[Any]) -> tuple[None, int]:
        return None, self._int(children[0])

    def refers(self, meta: Meta, children: list[Any]) -> tuple[str, int]:
        return ("refers_to", self._int(children[0]))

    def owner(self, meta: Meta, children: list[Any]) -> tuple[str, ast.Ident]:
        return ("owner", self._ident(children[0]))

    def variants(self, meta: Meta, children: list[Any]) -> tuple[str, list[ast.Variant]]:
        return ("variants", children)

    def variant(self, meta: Meta, children: list[Any]) -> ast.Variant:
        share = self._percent_token(children[1]) if len(children) == 3 else None
        return _make(
            ast.Variant,
            self._span(meta),
            name=self._ident(children[0]),
            share=share,
            note=unquote(children[-1]),
        )

    def stop_rule(self, meta: Meta, children: list[Any]) -> ast.StopRule:
        return _make(
            ast.StopRule,
            self._span(meta),
            mode=children[0],
            account=len(children) == 3,
            event=self._ident(children[-1]),
        )

    def recontact(self, meta: Meta, children: list[Any]) -> ast.Recontact:
        return _make(ast.Recontact, self._span(meta), days=self._int(children[0]))

    def plan(self, meta: Meta, children: list[Any]) -> ast.Plan:
        title, rest = _strings(children)
        return _make(ast.Plan, self._span(meta), title=title, items=rest)

    def roles(self, meta: Meta, children: list[Any]) -> ast.Roles:
        return _make(ast.Roles, self._span(meta), names=[self._ident(t) for t in children])

    def stage(self, meta: Meta, children: list[Any]) -> ast.Stage:
        title, rest = _strings(children[1:])
        first, last = rest[0]
        return _make(
            ast.Stage,
            self._span(meta),
            name=self._ident(children[0]),
            title=title,
            first_week=first,
            last_week=last,
            raci=rest[1:],
        )

    def plan_capacity(self, meta: Meta, children: list[Any]) -> ast.PlanCapacity:
        return _make(
            ast.PlanCapacity,
            self._span(meta),
            role=self._ident(children[0]),
            limits=children[1:],
        )

    def touch_limit(self, meta: Meta, children: list[Any]) -> ast.TouchLimit:
        return _make(ast.TouchLimit, self._span(meta), count=self._int(children[0]))

    def time_limit(self, meta: Meta, children: list[Any]) -> ast.TimeLimit:
        return _make(ast.TimeLimit, self._span(meta), amount=children[0], per=children[1])

    def plan_budget(self, meta: Meta, children: list[Any]) -> ast.PlanBudget:
        return _make(ast.PlanBudget, self._span(meta), amount=children[0])

    def weeks(self, meta: Meta, children: list[Any]) -> tuple[int, int]:
        return self._int(children[0]), self._int(children[-1])

    def raci(self, meta: Meta, children: list[Any]) -> ast.Raci:
        return _make(
            ast.Raci,
            self._span(meta),
            role=children[0],
            names=[self._ident(t) for t in children[1:]],
        )

    # ------------------------------------------------------------ KPIs, baselines, verdict
    def kpi(self, meta: Meta, children: list[Any]) -> ast.Kpi:
        title, rest = _strings(children[1:])
        return _make(
            ast.Kpi,
            self._span(meta),
            name=self._ident(children[0]),
            title=title,
            expr=rest[0],
            items=rest[1:],
        )

    def kpi_from_library(self, meta: Meta, children: list[Any]) -> ast.Kpi:
        title, items = _strings(children[1:])
        return _make(
            ast.Kpi,
            self._span(meta),
            name=self._ident(children[0]),
            title=title,
            expr=None,
            library=True,
            items=items,
        )

    def kpi_target(self, meta: Meta, children: list[Any]) -> ast.KpiTarget:
        return _make(ast.KpiTarget, self._span(meta), op=str(children[0]), value=children[1])

    def kpi_target_range(self, meta: Meta, children: list[Any]) -> ast.KpiTarget:
        return _make(ast.KpiTarget, self._span(meta), op="in", range=children[0])

    def kpi_warn(self, meta: Meta, children: list[Any]) -> ast.KpiWarn:
        return _make(ast.KpiWarn, self._span(meta), op=str(children[0]), value=children[1])

    def measures(self, meta: Meta, children: list[Any]) -> ast.Measures:
        return _make(ast.Measures, self._span(meta), goal=self._ident(children[0]))

    def baseline(self, meta: Meta, children: list[Any]) -> ast.Baseline:
        title, rest = _strings(children[1:])
        return _make(
            ast.Baseline, self._span(meta), name=self._ident(children[0]), title=title, expr=rest[0]
        )

    def verdict(self, meta: Meta, children: list[Any]) -> ast.Verdict:
        title, rest = _strings(children)
        return _make(ast.Verdict, self._span(meta), title=title, when=rest[0])

    # ------------------------------------------------------------ engagement scores
    def engagement(self, meta: Meta, children: list[Any]) -> ast.Engagement:
        title, items = _strings(children[1:])
        return _make(
            ast.Engagement,
            self._span(meta),
            name=self._ident(children[0]),
            title=title,
            items=items,
        )

    def points(self, meta: Meta, children: list[Any]) -> ast.EngagementPoints:
        names = [t for t in children if isinstance(t, Token) and t.type == "NAME"]
        return _make(
            ast.EngagementPoints,
            self._span(meta),
            type=self._ident(names[0]),
            channel=self._ident(names[1]) if len(names) > 1 else None,
            points=next(c for c in children if isinstance(c, ast.Number)),
        )

    def multiplier(self, meta: Meta, children: list[Any]) -> ast.EngagementMultiplier:
        field, value, factor = children
        span = self._tok(factor)
        number = _make(ast.Number, span, value=self._number(factor.update(value=factor[1:])))
        return _make(
            ast.EngagementMultiplier,
            self._span(meta),
            field=self._ident(field),
            value=self._ident(value),
            factor=number,
        )

    def within(self, meta: Meta, children: list[Any]) -> ast.EngagementWithin:
        return _make(ast.EngagementWithin, self._span(meta), duration=children[0])

    def decay(self, meta: Meta, children: list[Any]) -> ast.EngagementDecay:
        rate = self._percent_token(children[0])
        return _make(ast.EngagementDecay, self._span(meta), rate=rate, per=str(children[1]))

    def roll_up(self, meta: Meta, children: list[Any]) -> ast.EngagementRollUp:
        return _make(ast.EngagementRollUp, self._span(meta), strategy=str(children[0]))

    # ------------------------------------------------------------ simulation
    def simulate(self, meta: Meta, children: list[Any]) -> ast.Simulate:
        return _make(ast.Simulate, self._span(meta), items=children)

    def runs(self, meta: Meta, children: list[Any]) -> ast.Runs:
        return _make(ast.Runs, self._span(meta), count=self._int(children[0]))

    def seed(self, meta: Meta, children: list[Any]) -> ast.Seed:
        return _make(ast.Seed, self._span(meta), value=self._int(children[0]))

    def reply(self, meta: Meta, children: list[Any]) -> ast.Reply:
        delay = children.pop() if isinstance(children[-1], ast.Duration) else None
        fields: dict[str, Any] = {
            "channel": self._ident(children[0]),
            "dist": children[-1],
            "delay": delay,
        }
        for key, ident in children[1:-1]:
            fields[key] = ident
        return _make(ast.Reply, self._span(meta), **fields)

    def reply_to(self, meta: Meta, children: list[Any]) -> tuple[str, ast.Ident]:
        return ("audience", self._ident(children[0]))

    def reply_in(self, meta: Meta, children: list[Any]) -> tuple[str, ast.Ident]:
        return ("tier", self._ident(children[0]))

    def convert(self, meta: Meta, children: list[Any]) -> ast.Convert:
        delay = children[3] if len(children) > 3 else None
        return _make(
            ast.Convert,
            self._span(meta),
            source=self._ident(children[0]),
            target=self._ident(children[1]),
            dist=children[2],
            delay=delay,
        )

    def cost(self, meta: Meta, children: list[Any]) -> ast.Cost:
        per = children[2] if len(children) > 2 else None
        return _make(
            ast.Cost, self._span(meta), item=self._ident(children[0]), amount=children[1], per=per
        )

    def fixed(self, meta: Meta, children: list[Any]) -> ast.Fixed:
        return _make(ast.Fixed, self._span(meta), p=self.percent(meta, children))

    def uniform(self, meta: Meta, children: list[Any]) -> ast.Uniform:
        low, high = (self._percent_token(t) for t in children)
        return _make(ast.Uniform, self._span(meta), low=low, high=high)

    def beta(self, meta: Meta, children: list[Any]) -> ast.Beta:
        return _make(ast.Beta, self._span(meta), a=children[0], b=children[1])

    # ------------------------------------------------------------ examples
    def example(self, meta: Meta, children: list[Any]) -> ast.Example:
        return _make(
            ast.Example,
            self._span(meta),
            title=unquote(children[0]),
            given=children[1],
            expects=children[2:],
        )

    def given(self, meta: Meta, children: list[Any]) -> list[Any]:
        return children

    def pair(self, meta: Meta, children: list[Any]) -> ast.Pair:
        return _make(ast.Pair, self._span(meta), field=self._ident(children[0]), value=children[1])

    def expect_tier(self, meta: Meta, children: list[Any]) -> ast.ExpectTier:
        return _make(ast.ExpectTier, self._span(meta), tier=self._ident(children[0]))

    def expect_score(self, meta: Meta, children: list[Any]) -> ast.ExpectScore:
        return _make(
            ast.ExpectScore, self._span(meta), score=self._ident(children[0]), value=children[1]
        )

    def expect_criterion(self, meta: Meta, children: list[Any]) -> ast.ExpectCriterion:
        return _make(
            ast.ExpectCriterion,
            self._span(meta),
            score=self._ident(children[0]),
            criterion=self._ident(children[1]),
            value=children[2],
        )

    def expect_cluster(self, meta: Meta, children: list[Any]) -> ast.ExpectCluster:
        return _make(ast.ExpectCluster, self._span(meta), value=unquote(children[0]))

    # ------------------------------------------------------------ expressions
    def if_expr(self, meta: Meta, children: list[Any]) -> ast.If:
        cond, then, else_ = children
        return _make(ast.If, self._span(meta), cond=cond, then=then, else_=else_)

    def or_(self, meta: Meta, children: list[Any]) -> ast.Logic:
        return _make(ast.Logic, self._span(meta), op="or", left=children[0], right=children[1])

    def and_(self, meta: Meta, children: list[Any]) -> ast.Logic:
        return _make(ast.Logic, self._span(meta), op="and", left=children[0], right=children[1])

    def not_(self, meta: Meta, children: list[Any]) -> ast.Not:
        return _make(ast.Not, self._span(meta), operand=children[0])

    def compare(self, meta: Meta, children: list[Any]) -> ast.Compare:
        left, op, right = children
        return _make(ast.Compare, self._span(meta), op=str(op), left=left, right=right)

    def in_range(self, meta: Meta, children: list[Any]) -> ast.InRange:
        return _make(
            ast.InRange,
            self._span(meta),
            value=children[0],
            range=children[-1],
            negated=len(children) == 3,
        )

    def in_list(self, meta: Meta, children: list[Any]) -> ast.InList:
        negated = isinstance(children[1], Token) and children[1].type == "NOT"
        items = children[2:] if negated else children[1:]
        return _make(ast.InList, self._span(meta), value=children[0], items=items, negated=negated)

    def is_missing(self, meta: Meta, children: list[Any]) -> ast.IsMissing:
        return _make(ast.IsMissing, self._span(meta), value=children[0], negated=len(children) == 3)

    def binary(self, meta: Meta, children: list[Any]) -> ast.Binary:
        left, op, right = children
        return _make(ast.Binary, self._span(meta), op=str(op), left=left, right=right)

    def neg(self, meta: Meta, children: list[Any]) -> ast.Expr:
        operand = children[0]
        if isinstance(operand, ast.Number | ast.Percent):  # a negative literal is a literal
            return operand.model_copy(update={"value": -operand.value, "span": self._span(meta)})
        return _make(ast.Neg, self._span(meta), operand=operand)

    def name(self, meta: Meta, children: list[Any]) -> ast.Name:
        return _make(ast.Name, self._tok(children[0]), id=str(children[0]))

    def of_group(self, meta: Meta, children: list[Any]) -> ast.Of:
        value, group = children
        name = _make(ast.Ident, self._tok(group), name=str(group))
        return _make(ast.Of, self._span(meta), value=value, group=name)

    def attr(self, meta: Meta, children: list[Any]) -> ast.Attr:
        return _make(ast.Attr, self._span(meta), obj=str(children[0]), attr=str(children[1]))

    def call(self, meta: Meta, children: list[Any]) -> ast.Call:
        return _make(ast.Call, self._span(meta), func=str(children[0]), args=children[1:])

    def aggregate(self, meta: Meta, children: list[Any]) -> ast.Aggregate:
        func, dataset, *rest = children
        field = str(rest.pop(0)) if rest and isinstance(rest[0], Token) else None
        value = rest.pop(0).expr if rest and isinstance(rest[0], _PerRow) else None
        where = rest[0] if rest else None
        return _make(
            ast.Aggregate,
            self._span(meta),
            func=func,
            dataset=dataset,
            field=field,
            value=value,
            where=where,
        )

    def per_row(self, meta: Meta, children: list[Any]) -> _PerRow:
        return _PerRow(children[0])

    # ------------------------------------------------------------ literals
    def number(self, meta: Meta, children: list[Any]) -> ast.Number:
        return _make(ast.Number, self._tok(children[0]), value=self._number(children[0]))

    def percent(self, meta: Meta, children: list[Any]) -> ast.Percent:
        return self._percent_token(children[0])

    def _percent_token(self, token: Token) -> ast.Percent:
        return _make(ast.Percent, self._tok(token), value=self._number(token))

    def money(self, meta: Meta, children: list[Any]) -> ast.Money:
        return _make(
            ast.Money, self._span(meta), amount=self._number(children[0]), currency=str(children[1])
        )

    def duration(self, meta: Meta, children: list[Any]) -> ast.Duration:
        return _make(
            ast.Duration,
            self._span(meta),
            amount=self._number(children[0]),
            unit=_UNITS[children[1]],
        )

    def business_days(self, meta: Meta, children: list[Any]) -> ast.Duration:
        return _make(
            ast.Duration, self._span(meta), amount=self._number(children[0]), unit="business_day"
        )

    def date(self, meta: Meta, children: list[Any]) -> ast.DateLit:
        return self._date(children[0])

    def _date(self, token: Token) -> ast.DateLit:
        try:
            value = dt.date.fromisoformat(str(token))
        except ValueError as exc:
            raise LiteralError(
                error(
                    "ABM109",
                    f"`{token}` is not a date in the calendar",
                    self._tok(token),
                    hint="write dates as YYYY-MM-DD, e.g. 2027-01-11",
                )
            ) from exc
        return _make(ast.DateLit, self._tok(token), value=value)

    def text(self, meta: Meta, children: list[Any]) -> ast.Text:
        return _make(ast.Text, self._tok(children[0]), value=unquote(children[0]))

    def true(self, meta: Meta, children: list[Any]) -> ast.Bool:
        return _make(ast.Bool, self._span(meta), value=True)

    def false(self, meta: Meta, children: list[Any]) -> ast.Bool:
        return _make(ast.Bool, self._span(meta), value=False)

    def missing(self, meta: Meta, children: list[Any]) -> ast.Missing:
        return _make(ast.Missing, self._span(meta))

    def range(self, meta: Meta, children: list[Any]) -> ast.Range:
        return _make(ast.Range, self._span(meta), low=children[0], high=children[1])
