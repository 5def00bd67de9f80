"""Checks of scores (weights, scale) and tiers (order, reachability, capacity, clusters)."""

from __future__ import annotations

from decimal import Decimal

from .. import ast
from ..ir import CapacityIR, CriterionIR, GroupingIR, ScoreIR, TierIR
from ..numbers import percent
from ..typecheck import Scope
from .bounds import Interval, covers, region, value_range
from .context import Context

_ONE = Decimal(1)


def declare_scores(ctx: Context) -> None:
    """Names and scales first, so that criteria may refer to other scores."""
    scores: dict[str, ScoreIR] = {}
    for score in ctx.of(ast.Score):
        if not ctx.define(score.name, "score"):
            continue
        low, high = _scale(ctx, score)
        criteria = _criteria(ctx, score)
        scores[score.name.name] = ScoreIR(
            name=score.name.name,
            title=score.title,
            low=low,
            high=high,
            criteria=criteria,
            span=score.name.span,
        )
    ctx.ir["scores"] = scores


def _scale(ctx: Context, score: ast.Score) -> tuple[Decimal, Decimal]:
    low, high = score.scale.low, score.scale.high
    if (
        not (isinstance(low, ast.Number) and isinstance(high, ast.Number))
        or low.value >= high.value
    ):
        ctx.error(
            "ABM211",
            "a scale runs from a lower number to a higher one",
            score.scale.span,
            "e.g. `scale 1..5`",
        )
        return Decimal(0), Decimal(1)
    return low.value, high.value


def _criteria(ctx: Context, score: ast.Score) -> tuple[CriterionIR, ...]:
    out: dict[str, CriterionIR] = {}
    for criterion in score.criteria:
        if criterion.name.name in out:
            ctx.error(
                "ABM202",
                f"`{score.name.name}` already has a criterion `{criterion.name.name}`",
                criterion.name.span,
            )
            continue
        weight = ctx.percent(criterion.weight, "a weight")
        out[criterion.name.name] = CriterionIR(
            name=criterion.name.name,
            title=criterion.title,
            weight=weight,
            expr=criterion.expr,
            span=criterion.name.span,
        )
    total = sum((c.weight for c in out.values()), Decimal(0))
    if out and total != _ONE:
        ctx.error(
            "ABM206",
            f"the weights of `{score.name.name}` add up to {percent(total)}, not 100%",
            score.name.span,
            "a score is a weighted average: make the weights sum to 100%",
        )
    if not out:
        ctx.error(
            "ABM206",
            f"`{score.name.name}` has no criteria",
            score.name.span,
            "add one: `budget weight 100% = if has_budget then 5 else 1`",
        )
    return tuple(out.values())


def check_scores(ctx: Context) -> None:
    scope = ctx.account_scope()
    natural = natural_ranges(ctx)
    for score in ctx.ir["scores"].values():
        scale = Interval(score.low, score.high)
        for criterion in score.criteria:
            _check_criterion(ctx, scope, natural, score, scale, criterion)


def _check_criterion(
    ctx: Context,
    scope: Scope,
    natural: dict[str, Interval],
    score: ScoreIR,
    scale: Interval,
    criterion: CriterionIR,
) -> None:
    got = ctx.types.infer(criterion.expr, scope)
    if got is None:
        return
    if got.kind not in ("number", "percent"):
        ctx.error(
            "ABM203",
            f"a criterion gives points, a number; this gives {got}",
            criterion.expr.span,
            "e.g. `if has_budget then 5 else 1`",
        )
        return
    if got.nullable:
        ctx.warn(
            "ABM237",
            f"`{criterion.name}` is missing when its input is missing, and then "
            f"so is the whole score `{score.name}`",
            criterion.expr.span,
            "say what a missing value is worth, e.g. `coalesce(x, 1)`",
        )
    points = value_range(criterion.expr, natural)
    if points is None:
        ctx.warn(
            "ABM207",
            f"cannot tell that `{criterion.name}` stays within the scale {score.low}..{score.high}",
            criterion.expr.span,
            f"bound it: `clamp(..., {score.low}, {score.high})`, or give the field a range",
        )
    elif not points.within(scale):
        ctx.error(
            "ABM207",
            f"`{criterion.name}` can give {points.low}..{points.high} points, "
            f"outside the scale {score.low}..{score.high}",
            criterion.expr.span,
            f"keep points within {score.low}..{score.high}, e.g. with `clamp`",
        )


def natural_ranges(ctx: Context) -> dict[str, Interval]:
    """What each account-level name can be, as declared: field ranges and score scales."""
    out: dict[str, Interval] = {}
    for info in ctx.ir.get("fields", {}).get("accounts", {}).values():
        if info.low is not None and info.high is not None:
            out[info.name] = Interval(info.low, info.high)
        elif info.type == "bool":
            out[info.name] = Interval(Decimal(0), Decimal(1))
    for score in ctx.ir.get("scores", {}).values():
        out[score.name] = Interval(score.low, score.high)
    return out


def check_tiers(ctx: Context) -> None:
    tiers: list[TierIR] = []
    scope = ctx.account_scope()
    for tier in ctx.of(ast.Tier):
        if not ctx.define(tier.name, "tier"):
            continue
        if tier.when is not None:
            ctx.types.expect_bool(tier.when, scope, "a tier's condition")
        tiers.append(_tier(ctx, tier, scope))
    _check_order(ctx, tiers)
    ctx.ir["tiers"] = tuple(tiers)


def _tier(ctx: Context, tier: ast.Tier, scope: Scope) -> TierIR:
    fields: dict[str, object] = {}
    seen: set[str] = set()
    for item in tier.items:
        if item.kind in seen:
            ctx.error(
                "ABM226",
                f"`{tier.name.name}` says `{item.kind}` twice",
                item.span,
                "keep one of them",
            )
            continue
        seen.add(item.kind)
        fields.update(_tier_item(ctx, item, scope))
    return TierIR(
        name=tier.name.name, title=tier.title, when=tier.when, span=tier.name.span, **fields
    )


def _tier_item(ctx: Context, item: ast.TierItem, scope: Scope) -> dict[str, object]:
    if isinstance(item, ast.Capacity):
        return {"capacity": _capacity(ctx, item, scope)}
    if isinstance(item, ast.Grouping):
        return {"grouping": _grouping(ctx, item)}
    if isinstance(item, ast.Research):
        return {
            "research_per_account_min": _minutes(ctx, item.per_account),
            "research_per_contact_min": _minutes(ctx, item.per_contact)
            if item.per_contact
            else None,
        }
    if isinstance(item, ast.Budget):
        ctx.types.infer(item.amount, scope)
        return {"budget_per_account": item.amount.amount}
    if isinstance(item, ast.TierCadence):
        ctx.ir.setdefault("cadence_refs", []).append(item.cadence)
        return {"cadence": item.cadence.name}
    return {"holdout": ctx.percent(item.share, "a holdout")}


def _capacity(ctx: Context, item: ast.Capacity, scope: Scope) -> CapacityIR:
    if item.limit < 1:
        ctx.error(
            "ABM211",
            "a tier with room for no accounts is never used",
            item.span,
            "write `at most 1 accounts` or more, or remove the tier",
        )
    if item.rank_by is not None:
        got = ctx.types.infer(item.rank_by, scope)
        if got is not None and got.kind not in ("number", "percent", "money", "date"):
            ctx.error(
                "ABM203",
                f"accounts are ranked by a quantity, not by {got}",
                item.rank_by.span,
                "e.g. `ranked by attractiveness + potential`",
            )
    return CapacityIR(
        limit=item.limit, rank_by=item.rank_by, descending=item.order != "asc", span=item.span
    )


def _grouping(ctx: Context, item: ast.Grouping) -> GroupingIR:
    fields = ctx.ir.get("fields", {}).get("accounts", {})
    if item.field.name not in fields:
        ctx.unknown("ABM201", "field", item.field, set(fields))
    clusters = _count_range(ctx, item.clusters, "clusters")
    sizes = _count_range(ctx, item.sizes, "accounts per cluster") if item.sizes else (None, None)
    return GroupingIR(
        field=item.field.name,
        min_clusters=clusters[0] or 1,
        max_clusters=clusters[1] or 1,
        min_size=sizes[0],
        max_size=sizes[1],
        span=item.span,
    )


def _count_range(ctx: Context, r: ast.Range, what: str) -> tuple[int | None, int | None]:
    low, high = r.low, r.high
    if not (isinstance(low, ast.Number) and isinstance(high, ast.Number)) or any(
        v.value != int(v.value) for v in (low, high)
    ):
        ctx.error(
            "ABM211", f"the number of {what} is a range of whole numbers", r.span, "e.g. `2..3`"
        )
        return None, None
    if low.value < 1 or low.value > high.value:
        ctx.error(
            "ABM211",
            f"{low.value}..{high.value} {what} cannot be: the range must start "
            "at 1 or more and not run backwards",
            r.span,
            "the seed groups 2..3 clusters of 8..15 accounts",
        )
        return None, None
    return int(low.value), int(high.value)


def _minutes(ctx: Context, duration: ast.Duration | None) -> Decimal | None:
    if duration is None:
        return None
    per = {"min": 1, "h": 60, "day": 480, "week": 2400}.get(duration.unit)
    if per is None:
        ctx.error(
            "ABM203",
            "research time is counted in minutes or hours",
            duration.span,
            "e.g. `research 3 h per account, 1 h per contact`",
        )
        return None
    return duration.amount * per


def _check_order(ctx: Context, tiers: list[TierIR]) -> None:
    if not tiers:
        return
    natural = natural_ranges(ctx)
    fallbacks = [t for t in tiers if t.when is None]
    if not fallbacks:
        ctx.error(
            "ABM209",
            "no tier catches the accounts that match no condition",
            tiers[-1].span,
            "end with a tier that takes the rest: `tier bulk otherwise`",
        )
    for tier in fallbacks:
        if tier is not tiers[-1]:
            ctx.error(
                "ABM210",
                f"`{tier.name}` takes every account left, so it must come last",
                tier.span,
                "move the `otherwise` tier to the end",
            )
    regions = [region(t.when) for t in tiers]
    for j, later in enumerate(tiers):
        later_region = regions[j]
        if later_region is None or later.when is None:
            continue
        bounded = {n: i.meet(natural[n]) if n in natural else i for n, i in later_region.items()}
        if any(i.empty() for i in bounded.values()):
            ctx.error(
                "ABM208",
                f"no account can ever meet the condition of `{later.name}`",
                later.span,
                "the condition contradicts itself or the declared ranges",
            )
            continue
        for i, earlier in enumerate(tiers[:j]):
            if earlier.capacity is None and regions[i] is not None and covers(regions[i], bounded):
                ctx.error(
                    "ABM208",
                    f"`{later.name}` is never reached: every account it admits "
                    f"is taken by `{earlier.name}` first",
                    later.span,
                    "tiers are tried in order; put the narrower tier first",
                    notes=((f"`{earlier.name}` is tried first", earlier.span),),
                )
                break
