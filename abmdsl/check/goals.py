"""Checks of the goal tree: names, targets, conversion-derived targets, contributions."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from .. import ast
from ..ir import GoalIR, KpiIR, TargetIR
from ..numbers import percent, plain
from ..typecheck import Scope
from .context import Context


def check_goals(ctx: Context) -> None:
    goals: dict[str, GoalIR] = {}
    for goal in ctx.of(ast.Goal):
        _walk(ctx, goal, None, goals)
    ctx.ir["goals"] = goals


def _walk(ctx: Context, goal: ast.Goal, parent: str | None, goals: dict[str, GoalIR]) -> None:
    if not ctx.define(goal.name, "goal"):
        return
    fields: dict[str, object] = {"children": [], "targets": [], "milestones": [], "measured_by": []}
    scope = Scope(None, {}, {}, {}, False, None, ctx.used)
    for item in goal.items:
        if isinstance(item, ast.Goal):
            fields["children"].append(item.name.name)  # type: ignore[attr-defined]
            _walk(ctx, item, goal.name.name, goals)
        elif isinstance(item, ast.Target):
            fields["targets"].append(_target(ctx, item, scope))  # type: ignore[attr-defined]
        elif isinstance(item, ast.Milestone):
            fields["milestones"].append(item.name.name)  # type: ignore[attr-defined]
        elif isinstance(item, ast.MeasuredBy):
            fields["measured_by"].append(item.kpi.name)  # type: ignore[attr-defined]
            ctx.ir.setdefault("measure_refs", []).append(item.kpi)
        else:
            fields.update(_detail(ctx, item))
    goals[goal.name.name] = GoalIR(
        name=goal.name.name,
        title=goal.title,
        parent=parent,
        span=goal.name.span,
        **{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()},
    )
    _check_contributions(ctx, goal, goals)


def _target(ctx: Context, target: ast.Target, scope: Scope) -> TargetIR:
    got = ctx.types.infer(target.value, scope)
    if got is not None and got.kind not in ("number", "percent", "money"):
        ctx.error(
            "ABM203",
            f"a target is a number, a percentage or money, not {got}",
            target.value.span,
            "e.g. `target contracts >= 2`",
        )
    rate = None
    if target.via is not None:
        rate = ctx.percent(target.via.rate, "a conversion rate", "via tender_invitations at 50%")
        if rate == 0:
            ctx.error(
                "ABM233",
                "a 0% conversion can never reach the target",
                target.via.rate.span,
                "use the conversion you expect, e.g. `via tender_invitations at 50%`",
            )
            rate = None
    return TargetIR(
        metric=target.metric.name,
        op=target.op,
        value=target.value,
        via_metric=target.via.metric.name if target.via else None,
        via_rate=rate,
        span=target.span,
    )


def _detail(ctx: Context, item: ast.GoalItem) -> dict[str, object]:
    if isinstance(item, ast.Contribution):
        if isinstance(item.value, ast.Percent):
            return {"contribution": ctx.percent(item.value, "a contribution", "contributes 60%")}
        ctx.types.infer(item.value, Scope(None, {}))
        return {"contribution_money": item.value.amount}
    if isinstance(item, ast.Segment):
        return {"segment": item.value}
    assert isinstance(item, ast.Funnel)
    if item.stage.name not in FUNNEL_STAGES:
        ctx.unknown("ABM201", "funnel stage", item.stage, set(FUNNEL_STAGES))
    return {"funnel": item.stage.name}


FUNNEL_STAGES = {
    "acquire": "win new clients",
    "nurture": "push those who know us",
    "expand": "grow existing clients",
}


def _check_contributions(ctx: Context, goal: ast.Goal, goals: dict[str, GoalIR]) -> None:
    children = [
        goals[c.name.name] for c in goal.items if isinstance(c, ast.Goal) and c.name.name in goals
    ]
    shares = [c.contribution for c in children if c.contribution is not None]
    if shares and (len(shares) == len(children)) and sum(shares, Decimal(0)) != 1:
        total = percent(sum(shares, Decimal(0)))
        ctx.error(
            "ABM233",
            f"the sub-goals of `{goal.name.name}` contribute {total} of it, not 100%",
            goal.name.span,
            "shares split the parent goal between its directions; make them add up",
        )


def check_derived_targets(ctx: Context) -> None:
    """A KPI measuring a derived metric should aim at least as high as the goal derives.

    ``target contracts >= 2 via tender_invitations at 50%`` needs 4 tender invitations (2 / 50%,
    rounded up); a KPI `tender_invitations` with `target >= 3` would pass a pilot that, at the
    expected conversion, falls short of the goal. Only counts written out are compared.
    """
    kpis: dict[str, KpiIR] = ctx.ir.get("kpis", {})
    for goal in ctx.ir.get("goals", {}).values():
        for target in goal.targets:
            kpi = kpis.get(target.via_metric or "")
            derived = _derived(target)
            if kpi is None or derived is None or kpi.target_op != ">=":
                continue
            if isinstance(kpi.target, ast.Number) and kpi.target.value < derived:
                _report_low_target(ctx, goal, target, kpi, derived)


def _derived(target: TargetIR) -> Decimal | None:
    """How many of the via metric a `>=` target needs at its conversion, rounded up."""
    if target.op != ">=" or target.via_rate is None or not isinstance(target.value, ast.Number):
        return None
    return (target.value.value / target.via_rate).to_integral_value(rounding=ROUND_CEILING)


def _report_low_target(
    ctx: Context, goal: GoalIR, target: TargetIR, kpi: KpiIR, derived: Decimal
) -> None:
    assert isinstance(kpi.target, ast.Number) and isinstance(target.value, ast.Number)
    ctx.warn(
        "ABM243",
        f"`{kpi.name}` aims at {plain(kpi.target.value)}, but `{goal.name}` needs "
        f"{plain(derived)} of them for {plain(target.value.value)} {target.metric} at a "
        f"{percent(target.via_rate or Decimal(0))} conversion",
        kpi.target.span,
        f"raise it to `target >= {plain(derived)}`, or change the goal's conversion",
        notes=((f"`{goal.name}` derives it here", target.span),),
    )
