"""Checks of tiers: their items (capacity, clusters, research, budget) and their order.

The order checks prove, without data, that every tier can get an account: none has a condition
no account meets, none is hidden behind an earlier tier that takes all it would admit, and the
last one takes whoever is left.
"""

from __future__ import annotations

from decimal import Decimal

from .. import ast
from ..ir import CapacityIR, FieldInfo, GroupingIR, TierIR
from ..numbers import plain
from ..span import Span
from ..typecheck import Scope
from .bounds import Interval, Region, covers, region
from .capacity import cadence_start
from .context import Context
from .scoring import natural_ranges

_ITEM_WORDS = {
    "capacity": "at most",
    "grouping": "group by",
    "research": "research",
    "budget": "budget",
    "cadence": "cadence",
    "holdout": "holdout",
}


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
    seen: dict[str, Span | None] = {}
    for item in tier.items:
        if item.kind in seen:
            ctx.error(
                "ABM226",
                f"`{tier.name.name}` says `{_ITEM_WORDS[item.kind]}` twice",
                item.span,
                "keep one of them",
                notes=(("said first here", seen[item.kind]),),
            )
            continue
        seen[item.kind] = item.span
        fields.update(_tier_item(ctx, item, scope))
    _check_room(ctx, tier, fields)
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
        return {"cadence": item.cadence.name, **cadence_start(ctx, item)}
    return {
        "holdout": ctx.percent(item.share, "a holdout", "holdout 10%"),
        "holdout_seed": item.seed,
    }


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
    if item.field.name in fields and clusters[0] is not None:
        _check_values(ctx, item, fields[item.field.name], clusters[0])
    sizes = _count_range(ctx, item.sizes, "accounts per cluster") if item.sizes else (None, None)
    return GroupingIR(
        field=item.field.name,
        min_clusters=clusters[0] or 1,
        max_clusters=clusters[1] or 1,
        min_size=sizes[0],
        max_size=sizes[1],
        span=item.span,
    )


def _check_values(ctx: Context, item: ast.Grouping, info: FieldInfo, least: int) -> None:
    """A cluster is one value of the field, so a field with 3 values never forms 4 clusters."""
    values = info.enum_values or (("true", "false") if info.type == "bool" else ())
    if not values or len(values) >= least:
        return
    shown = ", ".join(values)
    ctx.error(
        "ABM211",
        f"`{info.name}` has {len(values)} values ({shown}), so it forms at most "
        f"{len(values)} clusters, never {least}",
        item.clusters.span,
        f"allow fewer clusters, e.g. `into {min(2, len(values))}..{len(values)} clusters`, "
        "or group by a field with more values",
        notes=((f"`{info.name}` is declared here", info.span),),
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
    first, last = int(low.value), int(high.value)
    if first > last:
        ctx.error(
            "ABM211",
            f"{first}..{last} {what} runs backwards: the low end is above the high end",
            r.span,
            f"write the smaller number first: `{last}..{first}`",
        )
        return None, None
    if first < 1:
        ctx.error(
            "ABM211",
            f"{first}..{last} {what} allows none at all; the range starts at 1 or more",
            r.span,
            "the seed groups 2..3 clusters of 8..15 accounts",
        )
        return None, None
    return first, last


def _check_room(ctx: Context, tier: ast.Tier, fields: dict[str, object]) -> None:
    """A tier's capacity must hold its smallest grouping: 2 clusters of 8 need 16 accounts."""
    capacity, grouping = fields.get("capacity"), fields.get("grouping")
    if not isinstance(capacity, CapacityIR) or not isinstance(grouping, GroupingIR):
        return
    if grouping.min_size is None:
        return
    needed = grouping.min_clusters * grouping.min_size
    if needed > capacity.limit:
        ctx.error(
            "ABM211",
            f"`{tier.name.name}` holds at most {capacity.limit} accounts, but "
            f"{grouping.min_clusters} clusters of at least {grouping.min_size} need {needed}",
            grouping.span,
            "raise the capacity, or allow fewer or smaller clusters",
            notes=(("the capacity is set here", capacity.span),),
        )


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
    declared = natural_ranges(ctx)
    present = _always_present(ctx, declared)
    regions = [region(t.when, _bool_fields(ctx)) for t in tiers]
    fallbacks = [t for t in tiers if t.when is None]
    last = regions[-1]
    if not fallbacks and not (last is not None and covers(last, {}, present)):
        ctx.error(
            "ABM209",
            "no tier catches the accounts that match no tier's condition",
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
    for j, later in enumerate(tiers):
        _check_reachable(ctx, tiers[:j], regions[:j], later, regions[j], declared, present)


def _check_reachable(
    ctx: Context,
    earlier: list[TierIR],
    earlier_regions: list[Region | None],
    later: TierIR,
    later_region: Region | None,
    declared: dict[str, Interval],
    present: dict[str, Interval],
) -> None:
    """Report a tier no account can reach: its condition is empty, or an earlier one takes all.

    A condition the interval reasoning cannot read counts as admitting anyone, so it is only
    reported when an earlier tier provably takes every account whatsoever.
    """
    bounded: Region = {}
    if later_region is not None:
        bounded = {n: i.meet(declared[n]) if n in declared else i for n, i in later_region.items()}
        empty = next((n for n, i in bounded.items() if i.empty()), None)
        if later.when is not None and empty is not None:
            ctx.error(
                "ABM208",
                f"no account can ever meet the condition of `{later.name}`",
                later.span,
                _why_empty(empty, later_region, declared),
            )
            return
    for tier, outer in zip(earlier, earlier_regions, strict=True):
        # An earlier `otherwise` is reported as ABM210; a tier with a capacity lets the
        # overflow through to the tiers after it, so neither hides them.
        if tier.when is None or tier.capacity is not None or outer is None:
            continue
        if covers(outer, bounded, present):
            ctx.error(
                "ABM208",
                f"`{later.name}` is never reached: every account it admits "
                f"is taken by `{tier.name}` first",
                later.span,
                "tiers are tried in order: put the narrower tier first, or narrow this one",
                notes=((f"`{tier.name}` is tried first", tier.span),),
            )
            return


def _why_empty(name: str, asked: Region, declared: dict[str, Interval]) -> str:
    if name in declared and not asked[name].empty():
        low, high = declared[name].low, declared[name].high
        return (
            f"`{name}` always lies within {plain(low)}..{plain(high)}, and the condition "
            "asks for a value outside that; check the threshold"
        )
    if name:
        return f"the parts of the condition on `{name}` contradict each other"
    return "the condition is never true"


def _bool_fields(ctx: Context) -> frozenset[str]:
    fields = ctx.ir.get("fields", {}).get("accounts", {})
    return frozenset(name for name, info in fields.items() if info.type == "bool")


def _always_present(ctx: Context, declared: dict[str, Interval]) -> dict[str, Interval]:
    """The declared ranges of names every account has a value for (not `optional` fields).

    A comparison with a missing value is not met, so an earlier tier takes every account
    only if the fields it compares are always there.
    """
    fields = ctx.ir.get("fields", {}).get("accounts", {})
    return {n: i for n, i in declared.items() if not (n in fields and fields[n].optional)}
