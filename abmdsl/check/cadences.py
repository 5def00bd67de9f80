"""Checks of cadences (steps, channels, audiences, references) and the plan (weeks, RACI)."""

from __future__ import annotations

from .. import ast
from ..ir import CadenceIR, PlanIR, StageIR, StepIR, StopRuleIR
from .context import Context

CHANNELS = (
    "email",
    "call",
    "linkedin",
    "gift",
    "event",
    "letter",
    "meeting",
    "webinar",
    "sms",
    "messenger",
    "social",
    "video",
    "direct_mail",
    "ad",
)
EVENTS = ("reply", "meeting", "discussion", "opportunity", "unsubscribe", "bounce")


def check_cadences(ctx: Context) -> None:
    cadences: dict[str, CadenceIR] = {}
    for cadence in ctx.of(ast.Cadence):
        if ctx.define(cadence.name, "cadence"):
            cadences[cadence.name.name] = _cadence(ctx, cadence)
    ctx.ir["cadences"] = cadences
    for ref in ctx.ir.get("cadence_refs", []):
        if ref.name not in cadences:
            ctx.unknown("ABM201", "cadence", ref, set(cadences))
        ctx.used.add(ref.name)


def _cadence(ctx: Context, cadence: ast.Cadence) -> CadenceIR:
    if cadence.days < 1:
        ctx.error("ABM214", "a cadence lasts at least one business day", cadence.name.span)
    steps: list[StepIR] = []
    for step in (i for i in cadence.items if isinstance(i, ast.Step)):
        steps.append(_step(ctx, cadence, step, steps))
    stops = [
        StopRuleIR(mode=r.mode, account=r.account, event=r.event.name, span=r.span)
        for r in cadence.items
        if isinstance(r, ast.StopRule)
    ]
    for rule in cadence.items:
        if isinstance(rule, ast.StopRule) and rule.event.name not in EVENTS:
            ctx.unknown("ABM201", "event", rule.event, set(EVENTS))
    return CadenceIR(
        name=cadence.name.name,
        title=cadence.title,
        days=cadence.days,
        steps=tuple(steps),
        stop_rules=tuple(stops),
        span=cadence.name.span,
    )


def _step(ctx: Context, cadence: ast.Cadence, step: ast.Step, before: list[StepIR]) -> StepIR:
    previous = before[-1] if before else None
    touch = step.touch if step.touch is not None else (previous.touch + 1 if previous else 1)
    day = step.day if step.day is not None else (previous.day if previous else 1)
    if previous is not None and touch <= previous.touch:
        ctx.error(
            "ABM213",
            f"touch {touch} comes after touch {previous.touch}",
            step.span,
            "number touches in the order they happen",
        )
    elif previous is not None and day < previous.day:
        ctx.error(
            "ABM213",
            f"this step is on day {day}, before the previous step's day {previous.day}",
            step.span,
            "list steps in the order they happen",
        )
    if not 1 <= day <= cadence.days:
        ctx.error(
            "ABM214",
            f"day {day} is outside the cadence's {cadence.days} business days",
            step.span,
            f"use a day from 1 to {cadence.days}, or lengthen the cadence",
        )
    if step.channel.name not in CHANNELS:
        ctx.unknown("ABM221", "channel", step.channel, set(CHANNELS))
    _check_audience(ctx, step)
    if step.refers_to is not None and step.refers_to not in {s.touch for s in before}:
        ctx.error(
            "ABM230",
            f"touch {step.refers_to} is not an earlier touch of this cadence",
            step.span,
            "a touch can only refer back to one that came before it",
        )
    if step.owner is not None:
        ctx.ir.setdefault("role_refs", []).append(step.owner)
    return StepIR(
        touch=touch,
        day=day,
        channel=step.channel.name,
        audience=tuple(a.name for a in step.audience),
        note=step.note,
        refers_to=step.refers_to,
        owner=step.owner.name if step.owner else None,
        span=step.span,
    )


def _check_audience(ctx: Context, step: ast.Step) -> None:
    contacts = ctx.ir.get("fields", {}).get("contacts", {})
    known = {v for f in contacts.values() for v in f.enum_values}
    if not known:
        return  # contacts declare no levels or roles to check against
    for who in step.audience:
        if who.name not in known:
            ctx.unknown("ABM222", "level or role", who, known)


def check_plan(ctx: Context) -> None:
    plans = ctx.of(ast.Plan)
    for extra in plans[1:]:
        ctx.error("ABM202", "a playbook has one plan; this is a second one", extra.span)
    if not plans:
        ctx.ir["plan"] = None
        _check_roles(ctx, set(), declared_any=False)
        return
    plan = plans[0]
    roles = [n for item in plan.items if isinstance(item, ast.Roles) for n in item.names]
    declared = {r.name for r in roles}
    stages = []
    seen: set[str] = set()
    for stage in (i for i in plan.items if isinstance(i, ast.Stage)):
        if stage.name.name in seen:
            ctx.error(
                "ABM202", f"the plan already has a stage `{stage.name.name}`", stage.name.span
            )
            continue
        seen.add(stage.name.name)
        stages.append(_stage(ctx, stage))
    ctx.ir["plan"] = PlanIR(
        title=plan.title, roles=tuple(sorted(declared)), stages=tuple(stages), span=plan.span
    )
    ctx.ir["role_decls"] = roles
    _check_roles(ctx, declared, declared_any=bool(roles))


def _stage(ctx: Context, stage: ast.Stage) -> StageIR:
    weeks_in_horizon = -(-ctx.ir.get("horizon_days", 90) // 7)
    if stage.first_week < 1 or stage.first_week > stage.last_week:
        ctx.error(
            "ABM215",
            f"weeks {stage.first_week}..{stage.last_week} run backwards or start before week 1",
            stage.span,
            "e.g. `weeks 4..5`",
        )
    elif stage.last_week > weeks_in_horizon:
        ctx.error(
            "ABM215",
            f"`{stage.name.name}` runs to week {stage.last_week}, past the "
            f"horizon of {ctx.ir.get('horizon_days', 90)} days ({weeks_in_horizon} weeks)",
            stage.span,
            "end it within the horizon, or lengthen the horizon",
        )
    raci: dict[str, list[str]] = {}
    for line in stage.raci:
        raci.setdefault(line.role, []).extend(n.name for n in line.names)
        ctx.ir.setdefault("role_refs", []).extend(line.names)
    accountable = raci.get("accountable", [])
    if len(accountable) != 1:
        ctx.error(
            "ABM216",
            f"`{stage.name.name}` has {len(accountable)} accountable roles; a "
            "stage has exactly one",
            stage.name.span,
            "one role answers for the stage: `accountable project_lead`",
        )
    return StageIR(
        name=stage.name.name,
        title=stage.title,
        first_week=stage.first_week,
        last_week=stage.last_week,
        raci={k: tuple(v) for k, v in raci.items()},
        span=stage.name.span,
    )


def _check_roles(ctx: Context, declared: set[str], *, declared_any: bool) -> None:
    if not declared_any:
        return  # without a `roles` line there is nothing to check names against
    for ref in ctx.ir.get("role_refs", []):
        if ref.name not in declared:
            ctx.unknown("ABM223", "role", ref, declared)
        ctx.used.add("role:" + ref.name)
