"""Goal cascading: targets pushed down the goal tree, and what keeps the tree consistent.

Input: a playbook and its graph. Output: a :class:`Cascade`, every goal with its declared and
derived targets, its share of its parent and the KPIs that measure it; and its diagnostics:
ABM301 (a leaf goal no KPI measures), ABM302 (one measured only by KPIs the pilot cannot
reach), ABM303 (sub-goals that cannot add up to their parent).

The rules (docs/language/goals.md has them for strategists):

* **Conversion.** ``target contracts >= 2 via tender_invitations at 50%`` derives
  ``tender_invitations >= 4``: the target divided by the conversion, rounded up to a whole
  number, because half an invitation cannot be received.
* **Split.** A sub-goal takes its share of each of its parent's targets, unless it sets a
  target on that metric itself. Its share is its ``contributes`` percentage; or its
  ``contributes`` amount divided by the parent's target in money; or, for a single sub-goal
  that gives neither, what its siblings leave. A share of a ``>=`` target is rounded up (to a
  whole number when the parent's target is one, else to six decimal places), a share of a
  ``<=`` target down, so sub-goals that meet their shares meet the parent's target.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from .. import ast
from ..diagnostics import Diagnostic, error, warning
from ..format_expr import expr as expr_text
from ..ir import GoalIR, Playbook, TargetIR
from ..numbers import percent, plain
from ..span import Span
from .build import collector_paused, graph_of
from .reach import Reach, Timeline, reach, timeline

if TYPE_CHECKING:
    import networkx as nx

_LOWER, _UPPER = (">=", ">"), ("<=", "<")
_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Target:
    """A target of a goal, declared or derived; ``value`` is ``None`` for an expression."""

    metric: str
    op: str
    value: Decimal | None
    unit: str  # number, percent, money; "" for an expression
    shown: str  # the value as people write it: 4, 18%, 300000 USD
    how: str  # declared, conversion, split
    rule: str  # how it was derived, e.g. "2 ÷ 50%, rounded up"
    span: Span | None = None

    @property
    def text(self) -> str:
        return f"{self.metric} {self.op} {self.shown}"


@dataclass(frozen=True)
class Share:
    """A sub-goal's share of its parent; ``fraction`` is ``None`` when nothing says it."""

    fraction: Decimal | None
    how: str  # declared, amount, rest, unknown
    rule: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class CascadedGoal:
    name: str
    title: str | None
    parent: str | None
    children: tuple[str, ...]
    depth: int
    share: Share | None
    targets: tuple[Target, ...]
    milestones: tuple[str, ...]
    funnel: str | None
    segment: str | None
    measured_by: tuple[Reach, ...]
    span: Span | None = None


@dataclass(frozen=True)
class Cascade:
    """The goal tree with every target pushed down; goals come parents first, in source order."""

    title: str
    currency: str
    horizon_days: int
    goals: dict[str, CascadedGoal]
    problems: tuple[Diagnostic, ...]

    def as_dict(self) -> dict[str, Any]:
        """The cascade as JSON-ready data (decimals as text, no spans)."""

        def goal(g: CascadedGoal) -> dict[str, Any]:
            data = asdict(g)
            data.pop("span")
            for t in data["targets"]:
                t.pop("span")
                t["value"] = plain(t["value"]) if t["value"] is not None else None
            if g.share is not None:
                data["share"] = {k: _json(v) for k, v in data["share"].items()}
            return data

        return {
            "title": self.title,
            "horizon_days": self.horizon_days,
            "goals": [goal(g) for g in self.goals.values()],
        }


def _json(value: object) -> object:
    return plain(value) if isinstance(value, Decimal) else value


def cascade(playbook: Playbook, graph: nx.DiGraph | None = None) -> Cascade:
    """Push every goal's targets down its tree.

    >>> from abmdsl.api import compile_file
    >>> c = cascade(compile_file("playbooks/pharma_pilot.abm").playbook)
    >>> [(t.text, t.rule) for t in c.goals["new_clients"].targets]  # doctest: +NORMALIZE_WHITESPACE
    [('revenue_growth >= 18%', '60% of 30%'), ('contracts >= 2', 'declared'),
     ('tender_invitations >= 4', '2 ÷ 50%, rounded up')]
    """
    if graph is None:
        graph = graph_of(playbook)
    walker = _Cascader(playbook, graph)
    for name, goal in playbook.goals.items():
        if goal.parent is None:
            walker.walk(name, None, 0, ())
    return Cascade(
        playbook.title, playbook.currency, playbook.horizon_days, walker.goals, tuple(walker.found)
    )


def check_cascade(playbook: Playbook, graph: nx.DiGraph) -> list[Diagnostic]:
    """The diagnostics of the goal tree (ABM301–303); nothing when there are no goals."""
    if not playbook.goals:
        return []
    with collector_paused():
        return list(cascade(playbook, graph).problems)


class _Cascader:
    def __init__(self, playbook: Playbook, graph: nx.DiGraph) -> None:
        self.playbook = playbook
        self.graph = graph
        self.line: Timeline | None = timeline(playbook, graph)
        self.goals: dict[str, CascadedGoal] = {}
        self.found: list[Diagnostic] = []

    def show(self, value: Decimal, unit: str) -> str:
        if unit == "percent":
            return percent(value)
        return f"{plain(value)} {self.playbook.currency}" if unit == "money" else plain(value)

    # ------------------------------------------------------------ the walk
    def walk(self, name: str, share: Share | None, depth: int, above: tuple[Target, ...]) -> None:
        goal = self.playbook.goals[name]
        own: list[Target] = []
        for target in goal.targets:
            own.append(self.declared(target))
            derived = self.conversion(target)
            if derived is not None:
                own.append(derived)
        mine = {t.metric for t in own}
        inherited = [self.split(t, share) for t in above if t.metric not in mine]
        targets = tuple([t for t in inherited if t is not None] + own)
        goals = self.playbook.goals  # a misnamed duplicate may name another goal: skip it
        children = tuple(c for c in goal.children if c in goals and goals[c].parent == name)
        self.goals[name] = CascadedGoal(
            name,
            goal.title,
            goal.parent,
            children,
            depth,
            share,
            targets,
            goal.milestones,
            goal.funnel,
            goal.segment,
            self.measures(name),
            goal.span,
        )
        shares = self.shares(goal, targets, children)
        for child in children:
            self.walk(child, shares[child], depth + 1, targets)
        if children:
            self.check_sums(goal, targets, children)
        else:
            self.check_leaf(self.goals[name])

    def declared(self, target: TargetIR) -> Target:
        value, unit = _constant(target.value)
        shown = self.show(value, unit) if value is not None else expr_text(target.value)
        return Target(
            target.metric, target.op, value, unit, shown, "declared", "declared", target.span
        )

    def conversion(self, target: TargetIR) -> Target | None:
        """``contracts >= 2 via tender_invitations at 50%`` → ``tender_invitations >= 4``."""
        rate = target.via_rate
        if rate is None or target.op != ">=" or not isinstance(target.value, ast.Number):
            return None
        given = target.value.value
        value = (given / rate).to_integral_value(rounding=ROUND_CEILING)
        rule = f"{plain(given)} ÷ {percent(rate)}, rounded up"
        return Target(
            target.via_metric or "",
            ">=",
            value,
            "number",
            plain(value),
            "conversion",
            rule,
            target.span,
        )

    def split(self, target: Target, share: Share | None) -> Target | None:
        """The sub-goal's share of one of its parent's targets (see the module's docstring)."""
        if share is None or share.fraction is None or target.value is None or target.op == "!=":
            return None
        exact = target.value * share.fraction
        whole = target.unit == "number" and target.value == target.value.to_integral_value()
        if target.op == "=":
            value = exact.quantize(_PLACES)
        else:
            rounding = ROUND_CEILING if target.op in _LOWER else ROUND_FLOOR
            value = (
                exact.to_integral_value(rounding) if whole else exact.quantize(_PLACES, rounding)
            )
        rule = f"{percent(share.fraction)} of {target.shown}"
        if value != exact:
            rule += ", rounded up" if value > exact else ", rounded down"
        shown = self.show(value, target.unit)
        return Target(target.metric, target.op, value, target.unit, shown, "split", rule)

    def measures(self, name: str) -> tuple[Reach, ...]:
        """The KPIs measuring a goal (`measured by`, or a KPI's `measures`), and their reach."""
        node = f"goal:{name}"
        kpis = [
            self.graph.nodes[u]["name"]
            for u, _, a in self.graph.in_edges(node, data=True)
            if a["kind"] == "measured-by"
        ]
        return tuple(reach(self.playbook, self.graph, kpi, self.line) for kpi in kpis)

    # ------------------------------------------------------------ shares of the parent
    def shares(
        self, goal: GoalIR, targets: tuple[Target, ...], children: tuple[str, ...]
    ) -> dict[str, Share]:
        money = next((t for t in targets if t.unit == "money" and t.value), None)
        out: dict[str, Share] = {}
        for name in children:
            child = self.playbook.goals[name]
            if child.contribution is not None:
                out[name] = Share(
                    child.contribution, "declared", f"{percent(child.contribution)} of {goal.name}"
                )
            elif child.contribution_money is not None:
                out[name] = self.amount(goal, child, money)
        pending = [name for name in children if name not in out]
        known = sum((s.fraction for s in out.values() if s.fraction is not None), Decimal(0))
        whole = all(s.fraction is not None for s in out.values())
        for name in pending:
            rest = len(pending) == 1 and whole and known <= 1
            out[name] = (
                Share(
                    1 - known, "rest", f"the rest of {goal.name}" if out else f"all of {goal.name}"
                )
                if rest
                else Share(None, "unknown", "no share given")
            )
        self.check_shares(goal, children, out, money, bool(pending))
        return out

    def amount(self, goal: GoalIR, child: GoalIR, money: Target | None) -> Share:
        amount = child.contribution_money
        assert amount is not None
        shown = self.show(amount, "money")
        if money is None or money.value is None:
            self.found.append(
                error(
                    "ABM303",
                    f"`{child.name}` contributes {shown}, but `{goal.name}` has no target in "
                    "money to take it from",
                    child.span,
                    f"give `{goal.name}` a target in money, e.g. `target revenue >= "
                    f"1000000 {self.playbook.currency}`, or write the share: `contributes 40%`",
                )
            )
            return Share(None, "amount", shown, amount)
        fraction = (amount / money.value).quantize(_PLACES)
        return Share(fraction, "amount", f"{shown} of {money.shown}", amount)

    def check_shares(
        self,
        goal: GoalIR,
        children: tuple[str, ...],
        shares: dict[str, Share],
        money: Target | None,
        pending: bool,
    ) -> None:
        declared = [self.playbook.goals[c] for c in children]
        if all(c.contribution is not None for c in declared):
            return  # all percentages: ABM233 tells when they do not make 100%
        if money is not None and all(c.contribution_money is not None for c in declared):
            self.check_amounts(goal, declared, money)
            return
        known = [s.fraction for s in shares.values() if s.how in ("declared", "amount")]
        total = sum((f for f in known if f is not None), Decimal(0))
        if None in known:
            return  # an amount with nothing to compare it with: reported already
        if total > 1 or (not pending and known and total != 1):
            said = "that say what they contribute " if pending else ""
            self.found.append(
                error(
                    "ABM303",
                    f"the sub-goals of `{goal.name}` {said}contribute {percent(total)} of it, "
                    + ("more than the whole" if pending else "not 100%"),
                    goal.span,
                    "shares and amounts split the parent between its directions; make them add "
                    "up to the whole",
                    notes=self.share_notes(children, shares),
                )
            )

    def check_amounts(self, goal: GoalIR, children: list[GoalIR], money: Target) -> None:
        assert money.value is not None
        total = sum((c.contribution_money or Decimal(0) for c in children), Decimal(0))
        short = money.op in _LOWER and total < money.value
        over = money.op in _UPPER and total > money.value
        if short or over or (money.op == "=" and total != money.value):
            word = "short of" if short else "more than" if over else "not"
            self.found.append(
                error(
                    "ABM303",
                    f"the sub-goals of `{goal.name}` contribute {self.show(total, 'money')} "
                    f"together, {word} the {money.text} it aims at",
                    goal.span,
                    "make the amounts add up to the parent's target, or change the target",
                    notes=tuple(
                        (
                            f"`{c.name}` contributes {self.show(c.contribution_money, 'money')}",
                            c.span,
                        )
                        for c in children
                        if c.contribution_money is not None
                    ),
                )
            )

    def share_notes(
        self, children: tuple[str, ...], shares: dict[str, Share]
    ) -> tuple[tuple[str, Span | None], ...]:
        return tuple(
            (f"`{c}`: {shares[c].rule}", self.playbook.goals[c].span)
            for c in children
            if shares[c].how in ("declared", "amount")
        )

    # ------------------------------------------------------------ the sub-goals add up
    def check_sums(
        self, goal: GoalIR, targets: tuple[Target, ...], children: tuple[str, ...]
    ) -> None:
        """Sub-goals that set their own targets on a parent's metric must reach it together."""
        for target in targets:
            if target.op not in _LOWER or target.value is None:
                continue
            theirs = [self.target_of(c, target) for c in children]
            if any(t is None for t in theirs) or all(t.how == "split" for t in theirs):  # type: ignore[union-attr]
                continue
            total = sum((t.value for t in theirs), Decimal(0))  # type: ignore[union-attr, misc]
            if total < target.value:
                self.found.append(self.short(goal, target, total, children, theirs))  # type: ignore[arg-type]

    def target_of(self, child: str, parent: Target) -> Target | None:
        return next(
            (
                t
                for t in self.goals[child].targets
                if t.metric == parent.metric
                and t.op in _LOWER
                and t.unit == parent.unit
                and t.value is not None
            ),
            None,
        )

    def short(
        self,
        goal: GoalIR,
        target: Target,
        total: Decimal,
        children: tuple[str, ...],
        theirs: list[Target],
    ) -> Diagnostic:
        return error(
            "ABM303",
            f"the sub-goals of `{goal.name}` aim at {target.metric} {target.op} "
            f"{self.show(total, target.unit)} together, short of the {target.text} it needs",
            goal.span,
            "raise the sub-goals' targets until they add up to the parent's, or lower the parent's",
            notes=tuple(
                (f"`{c}` aims at {t.text} ({t.rule})", t.span or self.playbook.goals[c].span)
                for c, t in zip(children, theirs, strict=True)
            ),
        )

    # ------------------------------------------------------------ leaves are measured
    def check_leaf(self, goal: CascadedGoal) -> None:
        if not goal.measured_by:
            self.found.append(
                warning(
                    "ABM301",
                    f"no KPI measures the goal `{goal.name}`, so the pilot cannot tell whether "
                    "it was reached",
                    goal.span,
                    f"add `measured by KPI` to `{goal.name}`: a pre-sale metric the pilot can "
                    f"reach within {self.playbook.horizon_days} days",
                )
            )
        elif all(r.ok is False for r in goal.measured_by):
            names = " and ".join(f"`{r.kpi}`" for r in goal.measured_by)
            self.found.append(
                warning(
                    "ABM302",
                    f"the goal `{goal.name}` is measured only by {names}, which the pilot cannot "
                    f"reach within {self.playbook.horizon_days} days",
                    goal.span,
                    "measure it by a pre-sale metric reachable in the pilot (the seed's: tender "
                    "invitations), or give the KPI a target",
                    notes=tuple((r.why, self.playbook.kpis[r.kpi].span) for r in goal.measured_by),
                )
            )


def _constant(value: ast.Expr) -> tuple[Decimal | None, str]:
    if isinstance(value, ast.Number):
        return value.value, "number"
    if isinstance(value, ast.Percent):
        return value.fraction, "percent"
    if isinstance(value, ast.Money):
        return value.amount, "money"
    return None, ""
