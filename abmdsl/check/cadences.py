"""Checks of cadences (steps, channels, audiences, references) and the plan (weeks, RACI)."""

from __future__ import annotations

from .. import ast
from ..ir import CadenceIR, PlanIR, StageIR, StepIR, StopRuleIR
from .capacity import plan_limits
from .context import Context
from .variants import check_variants

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
        ctx.error(
            "ABM214",
            "a cadence lasts at least one business day",
            cadence.name.span,
            "e.g. `over 10 business days`",
        )
    steps: list[StepIR] = []
    for step in (i for i in cadence.items if isinstance(i, ast.Step)):
        steps.append(_step(ctx, cadence, step, steps))
    _check_references(ctx, cadence, steps)
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
        recontact_days=_recontact(ctx, cadence),
        span=cadence.name.span,
    )


def _recontact(ctx: Context, cadence: ast.Cadence) -> int | None:
    """The re-contact window: at least one business day, said once."""
    windows = [i for i in cadence.items if isinstance(i, ast.Recontact)]
    for extra in windows[1:]:
        ctx.error(
            "ABM226",
            f"`{cadence.name.name}` says `recontact after` twice",
            extra.span,
            "keep one of them",
            notes=(("said first here", windows[0].span),),
        )
    if not windows:
        return None
    if windows[0].days < 1:
        ctx.error(
            "ABM211",
            "a re-contact window of no days holds nothing back",
            windows[0].span,
            "e.g. `recontact after 2 business days`, or remove the line",
        )
        return None
    return windows[0].days


def _step(ctx: Context, cadence: ast.Cadence, step: ast.Step, before: list[StepIR]) -> StepIR:
    previous = before[-1] if before else None
    touch = step.touch if step.touch is not None else (previous.touch + 1 if previous else 1)
    day = step.day if step.day is not None else (previous.day if previous else 1)
    if previous is not None:
        _check_step_order(ctx, step, touch, day, previous)
    if not 1 <= day <= cadence.days:
        ctx.error(
            "ABM214",
            f"day {day} is outside `{cadence.name.name}`, which lasts {cadence.days} business days",
            step.span,
            f"use a day from 1 to {cadence.days}, or lengthen the cadence",
        )
    if step.channel.name not in CHANNELS:
        ctx.unknown("ABM221", "channel", step.channel, set(CHANNELS))
    check_audience(ctx, step.audience)
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
        variants=check_variants(ctx, step.variants),
        span=step.span,
    )


def _check_step_order(ctx: Context, step: ast.Step, touch: int, day: int, previous: StepIR) -> None:
    note = (("the step before it", previous.span),)
    if touch <= previous.touch:
        ctx.error(
            "ABM213",
            f"touch {touch} is numbered again"
            if touch == previous.touch
            else f"touch {touch} is listed after touch {previous.touch}",
            step.span,
            "number touches in the order they happen: 1, 2, 3, ...",
            notes=note,
        )
    elif day < previous.day:
        ctx.error(
            "ABM213",
            f"touch {touch} is on day {day}, before the step above it (day {previous.day})",
            step.span,
            "list the steps in the order they happen",
            notes=note,
        )


def _check_references(ctx: Context, cadence: ast.Cadence, steps: list[StepIR]) -> None:
    """Each `refers to touch N` must name a touch that came before the step."""
    touches = [s.touch for s in steps]
    for i, step in enumerate(steps):
        target = step.refers_to
        if target is None or target in touches[:i]:
            continue
        if target == step.touch:
            message = f"touch {target} refers to itself"
        elif target in touches:
            message = f"touch {step.touch} refers to touch {target}, which comes after it"
        else:
            message = f"`{cadence.name.name}` has no touch {target}"
        ctx.error(
            "ABM230",
            message,
            step.span,
            "a touch refers back to one that came before it, usually the first: "
            "`refers to touch 1`",
        )


def check_audience(ctx: Context, audience: list[ast.Ident]) -> None:
    """Levels and roles a touch goes to (a step, a reply rate) must be values of contacts."""
    contacts = ctx.ir.get("fields", {}).get("contacts", {})
    known = {v for f in contacts.values() for v in f.enum_values}
    if not known:
        return  # contacts declare no levels or roles to check against
    for who in audience:
        if who.name not in known:
            ctx.unknown("ABM222", "level or role", who, known)


def check_plan(ctx: Context) -> None:
    plans = ctx.of(ast.Plan)
    for extra in plans[1:]:
        ctx.duplicate(
            "a playbook has one plan; this is a second one",
            extra.span,
            plans[0].span,
            "put all stages into one `plan { ... }`",
        )
    if not plans:
        ctx.ir["plan"] = None
        _check_roles(ctx, set(), declared_any=False)
        return
    plan = plans[0]
    roles = [n for item in plan.items if isinstance(item, ast.Roles) for n in item.names]
    declared = {r.name for r in roles}
    stages: list[StageIR] = []
    for stage in (i for i in plan.items if isinstance(i, ast.Stage)):
        first = next((s for s in stages if s.name == stage.name.name), None)
        if first is not None:
            ctx.duplicate(
                f"the plan already has a stage `{stage.name.name}`",
                stage.name.span,
                first.span,
                "give each stage its own name",
            )
            continue
        stages.append(_stage(ctx, stage))
    ctx.ir["plan"] = PlanIR(
        title=plan.title,
        roles=tuple(sorted(declared)),
        stages=tuple(stages),
        span=plan.span,
        **plan_limits(ctx, plan.items),
    )
    ctx.ir["role_decls"] = roles
    _check_roles(ctx, declared, declared_any=bool(roles))


def _stage(ctx: Context, stage: ast.Stage) -> StageIR:
    _check_weeks(ctx, stage)
    raci: dict[str, list[str]] = {}
    for line in stage.raci:
        raci.setdefault(line.role, []).extend(n.name for n in line.names)
        ctx.ir.setdefault("role_refs", []).extend(line.names)
    _check_accountable(ctx, stage)
    return StageIR(
        name=stage.name.name,
        title=stage.title,
        first_week=stage.first_week,
        last_week=stage.last_week,
        raci={k: tuple(v) for k, v in raci.items()},
        span=stage.name.span,
    )


def _check_weeks(ctx: Context, stage: ast.Stage) -> None:
    horizon = ctx.ir.get("horizon_days", 90)
    weeks_in_horizon = -(-horizon // 7)
    first, last = stage.first_week, stage.last_week
    if first > last:
        ctx.error(
            "ABM215",
            f"weeks {first}..{last} run backwards",
            stage.span,
            f"write the earlier week first: `weeks {last}..{first}`",
        )
    elif first < 1:
        ctx.error(
            "ABM215",
            f"`{stage.name.name}` starts in week {first}, before the pilot starts",
            stage.span,
            "weeks count from 1, the week the pilot starts",
        )
    elif last > weeks_in_horizon:
        ctx.error(
            "ABM215",
            f"`{stage.name.name}` runs to week {last}, past the horizon of "
            f"{horizon} days ({weeks_in_horizon} weeks)",
            stage.span,
            "end it within the horizon, or lengthen the horizon",
        )


def _check_accountable(ctx: Context, stage: ast.Stage) -> None:
    accountable = [n for line in stage.raci if line.role == "accountable" for n in line.names]
    if not accountable:
        ctx.error(
            "ABM216",
            f"no role is accountable for the stage `{stage.name.name}`",
            stage.name.span,
            "one role answers for each stage: add e.g. `accountable project_lead`",
        )
    elif len(accountable) > 1:
        names = ", ".join(f"`{n.name}`" for n in accountable)
        ctx.error(
            "ABM216",
            f"the stage `{stage.name.name}` has {len(accountable)} accountable roles "
            f"({names}); a stage has exactly one",
            accountable[1].span,
            "keep one accountable role; make the others responsible or consulted",
        )


def _check_roles(ctx: Context, declared: set[str], *, declared_any: bool) -> None:
    if not declared_any:
        return  # without a `roles` line there is nothing to check names against
    for ref in ctx.ir.get("role_refs", []):
        if ref.name not in declared:
            ctx.unknown("ABM223", "role", ref, declared, used_as="role:")
        ctx.used.add("role:" + ref.name)
