"""Checks of simulation assumptions: probabilities in 0–100%, known channels, audiences, stages."""

from __future__ import annotations

from decimal import Decimal

from .. import ast
from ..ir import ConvertIR, CostIR, DistIR, ReplyIR, SimulationIR
from ..typecheck import Scope
from .cadences import CHANNELS, check_audience
from .context import Context

FUNNEL = ("touch", "reply", "meeting", "discussion", "opportunity", "tender_invitation", "contract")


def check_simulation(ctx: Context) -> None:
    blocks = ctx.of(ast.Simulate)
    for extra in blocks[1:]:
        ctx.duplicate(
            "a playbook has one `simulate` block; this is a second one",
            extra.span,
            blocks[0].span,
            "put all assumptions into one `simulate { ... }`",
        )
    if not blocks:
        ctx.ir["simulation"] = None
        return
    fields: dict[str, object] = {"replies": [], "conversions": [], "costs": []}
    for item in blocks[0].items:
        if isinstance(item, ast.Runs | ast.Seed):
            key = "runs" if isinstance(item, ast.Runs) else "seed"
            value = item.count if isinstance(item, ast.Runs) else item.value
            if isinstance(item, ast.Runs) and not 1 <= value <= 1_000_000:
                ctx.error(
                    "ABM211",
                    f"a simulation runs from 1 to 1,000,000 times, not {value:,}",
                    item.span,
                    "10,000 runs give stable percentages",
                )
            fields[key] = value
        elif isinstance(item, ast.Reply):
            fields["replies"].append(_reply(ctx, item))  # type: ignore[attr-defined]
        elif isinstance(item, ast.Convert):
            fields["conversions"].append(_convert(ctx, item))  # type: ignore[attr-defined]
        else:
            fields["costs"].append(_cost(ctx, item))  # type: ignore[attr-defined]
    ctx.ir["simulation"] = SimulationIR(
        span=blocks[0].span,
        **{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()},
    )


def _dist(ctx: Context, dist: ast.Dist) -> DistIR:
    if isinstance(dist, ast.Fixed):
        p = ctx.percent(dist.p, "a probability", "reply email 4%")
        return DistIR(kind="fixed", low=p, high=p, span=dist.span)
    if isinstance(dist, ast.Uniform):
        low, high = (
            ctx.percent(x, "a probability", "reply email 2%..6%") for x in (dist.low, dist.high)
        )
        if low > high:
            ctx.error(
                "ABM211",
                f"the probability {dist.low.value}%..{dist.high.value}% runs backwards: "
                "the low end is above the high end",
                dist.span,
                f"write the lower figure first: `{dist.high.value}%..{dist.low.value}%`",
            )
        return DistIR(kind="uniform", low=low, high=high, span=dist.span)
    a, b = dist.a.value, dist.b.value
    if a <= 0 or b <= 0:
        ctx.error(
            "ABM211",
            "both parameters of `beta` must be above 0",
            dist.span,
            "beta(5, 15) is a probability around 25%",
        )
    return DistIR(kind="beta", low=Decimal(0), high=Decimal(1), a=a, b=b, span=dist.span)


def _reply(ctx: Context, item: ast.Reply) -> ReplyIR:
    if item.channel.name not in CHANNELS:
        ctx.unknown("ABM221", "channel", item.channel, set(CHANNELS))
    if item.audience is not None:
        check_audience(ctx, [item.audience])
    if item.tier is not None:
        ctx.ir.setdefault("tier_refs", []).append(item.tier)
    return ReplyIR(
        channel=item.channel.name,
        audience=item.audience.name if item.audience else None,
        tier=item.tier.name if item.tier else None,
        p=_dist(ctx, item.dist),
        delay_days=_delay(ctx, item.delay),
        business_days=item.delay is not None and item.delay.unit == "business_day",
        span=item.span,
    )


def _convert(ctx: Context, item: ast.Convert) -> ConvertIR:
    for stage in (item.source, item.target):
        if stage.name not in FUNNEL:
            ctx.unknown("ABM201", "funnel stage", stage, set(FUNNEL))
    return ConvertIR(
        source=item.source.name,
        target=item.target.name,
        p=_dist(ctx, item.dist),
        delay_days=_delay(ctx, item.delay),
        business_days=item.delay is not None and item.delay.unit == "business_day",
        span=item.span,
    )


def _delay(ctx: Context, delay: ast.Duration | None) -> Decimal | None:
    """A reply's or a conversion's delay in days (business days when so written)."""
    if delay is None:
        return None
    per_day = {"day": 1, "week": 7, "business_day": 1}.get(delay.unit)
    if per_day is None:
        ctx.error("ABM203", "a delay is counted in days or weeks", delay.span)
        return None
    return delay.amount * per_day


def _cost(ctx: Context, item: ast.Cost) -> CostIR:
    ctx.types.infer(item.amount, Scope(None, {}))
    if item.per == "touch" and item.item.name not in CHANNELS:
        ctx.unknown("ABM221", "channel", item.item, set(CHANNELS))
    return CostIR(item=item.item.name, amount=item.amount.amount, per=item.per, span=item.span)


def check_channels_assumed(ctx: Context) -> None:
    """Every channel a cadence uses needs a reply assumption, or the simulation cannot run."""
    simulation = ctx.ir.get("simulation")
    if simulation is None:
        return
    assumed = {r.channel for r in simulation.replies}
    for cadence in ctx.ir.get("cadences", {}).values():
        for step in cadence.steps:
            if step.channel not in assumed:
                ctx.error(
                    "ABM240",
                    f"the simulation has no reply rate for `{step.channel}`, "
                    f"which `{cadence.name}` uses",
                    step.span,
                    f"add `reply {step.channel} 5%` (your own figure) to `simulate`",
                )
                assumed.add(step.channel)
    for ref in ctx.ir.get("tier_refs", []):
        if ref.name not in {t.name for t in ctx.ir.get("tiers", ())}:
            ctx.unknown("ABM201", "tier", ref, {t.name for t in ctx.ir.get("tiers", ())})
