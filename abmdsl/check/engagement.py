"""Checks of ``engagement`` blocks: points per activity type, multipliers, window, decay.

Input: the ``engagement`` statements, the declared data sets and the tiers (this stage runs after
both, and before the KPIs, which read each score as a number field of accounts). Output:
``ctx.ir["engagements"]`` (name → :class:`abmdsl.ir.EngagementIR`) and the diagnostics:

* ABM252 — a type word no enum field of activities holds (or a channel word their ``channel``
  field cannot hold), with the closest declared value;
* ABM253 — a multiplier for a field activities and contacts lack, a value the field cannot
  hold, or a tier the playbook does not define;
* ABM254 — a multiplier of zero; ABM255 — a window or decay out of range, or one the
  activities' dates cannot tell;
* ABM202 — a score named like another definition or a field of accounts (which KPIs could
  not tell apart), or what a block has once said twice (``roll up``, ``within``, ``decay``,
  one type's points, one value's multiplier); ABM231 — activities that name no account.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from .. import ast
from ..diagnostics import closest
from ..ir import EngagementIR, FieldInfo, MultiplierIR, PointsIR
from ..numbers import plain
from .context import Context

MIN_DECAY = Decimal("0.001")  # 0.1% a period: below it a weight takes >14,000 periods to fade
_TAG_TYPES = ("enum", "text", "bool")


def check_engagement(ctx: Context) -> None:
    scores: dict[str, EngagementIR] = {}
    for node in ctx.of(ast.Engagement):
        if not ctx.define(node.name, "engagement score"):
            continue
        scores[node.name.name] = _engagement(ctx, node)
    ctx.ir["engagements"] = scores


def _engagement(ctx: Context, node: ast.Engagement) -> EngagementIR:
    fields: dict[str, dict[str, FieldInfo]] = ctx.ir.get("fields", {})
    activities = fields.get("activities", {})
    contacts = fields.get("contacts", {})
    contact = _linked(activities, "contacts", fields)
    if activities and _linked(activities, "accounts", fields) is None and contact is None:
        ctx.error(
            "ABM231",
            "activities name no account and no contact, so nothing tells whose engagement they are",
            node.name.span,
            "declare the link in `activities`: `account_id: text references accounts`",
        )
    seen: dict[tuple[str, ...], ast.Node] = {}
    points = [i for i in node.items if isinstance(i, ast.EngagementPoints)]
    type_field = _type_field(ctx, activities, points)
    channel = activities.get("channel")
    out_points: list[PointsIR] = []
    multipliers: list[MultiplierIR] = []
    settings: dict[str, object] = {}
    for item in node.items:
        if isinstance(item, ast.EngagementPoints):
            key = ("points", item.type.name, item.channel.name if item.channel else "")
            if _twice(ctx, seen, key, item, "points for this type and channel"):
                continue
            if item.channel is not None:
                _check_channel(ctx, channel, item.channel)
            out_points.append(
                PointsIR(
                    type=item.type.name,
                    channel=item.channel.name if item.channel else None,
                    points=item.points.value,
                    span=item.span,
                )
            )
        elif isinstance(item, ast.EngagementMultiplier):
            key = ("multiplier", item.field.name, item.value.name)
            if _twice(ctx, seen, key, item, "a multiplier for this value"):
                continue
            found = _multiplier(ctx, item, activities, contacts, contact)
            if found is not None:
                multipliers.append(found)
        elif isinstance(item, ast.EngagementWithin):
            if not _twice(ctx, seen, ("within",), item, "a window"):
                settings["within_days"] = _within(ctx, item, activities)
        elif isinstance(item, ast.EngagementDecay):
            if not _twice(ctx, seen, ("decay",), item, "a decay"):
                settings["decay"] = _decay(ctx, item, activities)
                settings["decay_days"] = 7 if item.per == "week" else 1
        elif not _twice(ctx, seen, ("roll up",), item, "a roll-up"):
            settings["roll_up"] = item.strategy
    # Products are rounded one at a time, so their order is fixed: by field, in the order each
    # field first appears; the tier's multiplies the rolled-up score, so it comes last.
    first = {m.field: n for n, m in reversed(list(enumerate(multipliers)))}
    multipliers.sort(key=lambda m: (m.source == "tier", first[m.field]))
    return EngagementIR(
        name=node.name.name,
        title=node.title,
        type_field=type_field,
        channel_field="channel" if channel is not None else None,
        contact_field=contact,
        points=tuple(out_points),
        multipliers=tuple(multipliers),
        span=node.name.span,
        **settings,  # type: ignore[arg-type]
    )


def _twice(
    ctx: Context,
    seen: dict[tuple[str, ...], ast.Node],
    key: tuple[str, ...],
    item: ast.Node,
    what: str,
) -> bool:
    first = seen.get(key)
    if first is None:
        seen[key] = item
        return False
    ctx.duplicate(
        f"the block already has {what}",
        item.span,
        first.span,
        "keep one: only the first one counts",
    )
    return True


def _linked(
    fields: dict[str, FieldInfo], dataset: str, all_fields: dict[str, dict[str, FieldInfo]]
) -> str | None:
    """The activities' field naming a row of ``dataset``: it says so, or bears its key's name."""
    named = next((f.name for f in fields.values() if f.references == dataset), None)
    key = next((f.name for f in all_fields.get(dataset, {}).values() if f.key), None)
    if named is None and key is not None and key in fields and not fields[key].key:
        named = key
    return named


def _type_field(
    ctx: Context, activities: dict[str, FieldInfo], points: list[ast.EngagementPoints]
) -> str | None:
    """The enum field of activities that holds the points' type words.

    The one holding the most of them (a field called ``type`` first among equals, then the
    first declared); each word it lacks is reported with its closest value.
    """
    enums = [f for f in activities.values() if f.type == "enum" and f.name != "channel"]
    if not points:
        return next((f.name for f in enums if f.name == "type"), enums[0].name if enums else None)
    if not enums:
        ctx.error(
            "ABM252",
            f"`{points[0].type.name}` is not a kind of activity: activities have no enum field "
            "of kinds",
            points[0].type.span,
            "declare one in `activities`, e.g. `type: enum(touch, reply, meeting)`",
        )
        return None
    words = {p.type.name for p in points}
    best = max(enums, key=lambda f: (len(words & set(f.enum_values)), f.name == "type"))
    for point in points:
        if point.type.name not in best.enum_values:
            match = closest(point.type.name, best.enum_values)
            ctx.error(
                "ABM252",
                f"`{point.type.name}` is not a value of `{best.name}` of activities",
                point.type.span,
                f"did you mean `{match}`?" if match else _values(best),
            )
    return best.name


def _check_channel(ctx: Context, channel: FieldInfo | None, word: ast.Ident) -> None:
    if channel is None:
        ctx.error(
            "ABM252",
            f"`by {word.name}` names a channel, but activities have no `channel` field",
            word.span,
            "declare it in `activities`, e.g. `channel: enum(email, call, gift) optional`",
        )
    elif channel.type == "enum" and word.name not in channel.enum_values:
        match = closest(word.name, channel.enum_values)
        ctx.error(
            "ABM252",
            f"`{word.name}` is not a value of `channel` of activities",
            word.span,
            f"did you mean `{match}`?" if match else _values(channel),
        )


def _values(field: FieldInfo) -> str:
    return f"`{field.name}` holds " + ", ".join(f"`{v}`" for v in field.enum_values)


def _multiplier(
    ctx: Context,
    item: ast.EngagementMultiplier,
    activities: dict[str, FieldInfo],
    contacts: dict[str, FieldInfo],
    contact: str | None,
) -> MultiplierIR | None:
    if item.factor.value <= 0:
        ctx.error(
            "ABM254",
            f"a multiplier of {plain(item.factor.value)} would wipe out the points it applies to",
            item.factor.span,
            "scale points down with a fraction, e.g. `x0.5`, or give the type no points",
        )
        return None
    name, value = item.field.name, item.value.name
    source: Literal["activities", "contacts", "tier"]
    if name == "tier":
        tiers = [t.name for t in ctx.ir.get("tiers", ())]
        if value not in tiers:
            ctx.unknown("ABM253", "tier", item.value, tiers)
            return None
        return MultiplierIR(
            source="tier", field=name, value=value, factor=item.factor.value, span=item.span
        )
    if name in activities:
        source, field = "activities", activities[name]
    elif name in contacts and contact is not None:
        source, field = "contacts", contacts[name]
    else:
        _unknown_field(ctx, item, activities, contacts, contact)
        return None
    if field.type not in _TAG_TYPES:
        ctx.error(
            "ABM253",
            f"`{name}` of {source} is {field.type}; multipliers go by the values of an enum, "
            "text or yes/no field",
            item.field.span,
            "compare quantities in the KPI instead, e.g. `where cost > 100 USD`",
        )
        return None
    allowed = field.enum_values if field.type == "enum" else ("true", "false")
    if field.type != "text" and value not in allowed:
        match = closest(value, allowed)
        ctx.error(
            "ABM253",
            f"`{value}` is not a value of `{name}` of {source}",
            item.value.span,
            f"did you mean `{match}`?"
            if match
            else _values(field)
            if field.type == "enum"
            else "a yes/no field holds `true` or `false`",
        )
        return None
    return MultiplierIR(
        source=source,
        field=name,
        value=value,
        factor=item.factor.value,
        boolean=field.type == "bool",
        span=item.span,
    )


def _unknown_field(
    ctx: Context,
    item: ast.EngagementMultiplier,
    activities: dict[str, FieldInfo],
    contacts: dict[str, FieldInfo],
    contact: str | None,
) -> None:
    name = item.field.name
    if name in contacts:  # declared, but no activity says whom it was with
        ctx.error(
            "ABM253",
            f"`{name}` is a field of contacts, but activities do not name their contact",
            item.field.span,
            "declare it in `activities`: `contact_id: text optional references contacts`",
        )
        return
    tags = [f.name for f in activities.values() if f.type in _TAG_TYPES]
    tags += [f.name for f in contacts.values() if f.type in _TAG_TYPES] if contact else []
    match = closest(name, [*tags, "tier"])
    ctx.error(
        "ABM253",
        f"neither activities nor contacts have a field `{name}`",
        item.field.span,
        f"did you mean `{match}`?"
        if match
        else "use an enum, text or yes/no field of activities or contacts, or `tier`",
    )


def _within(
    ctx: Context, item: ast.EngagementWithin, activities: dict[str, FieldInfo]
) -> int | None:
    duration = item.duration
    days = duration.amount * (7 if duration.unit == "week" else 1)
    if duration.unit not in ("day", "week") or days != days.to_integral_value() or days < 1:
        ctx.error(
            "ABM255",
            "the window is a whole number of days or weeks, at least one",
            duration.span,
            "e.g. `within 60 days` or `within 8 weeks`",
        )
        return None
    if not _dated(ctx, item, activities, "within"):
        return None
    return int(days)


def _decay(
    ctx: Context, item: ast.EngagementDecay, activities: dict[str, FieldInfo]
) -> Decimal | None:
    rate = item.rate.fraction
    if not MIN_DECAY <= rate < 1:
        ctx.error(
            "ABM255",
            f"a decay of {plain(item.rate.value)}% per {item.per} is out of range: it lies from "
            "0.1% up to, but not including, 100%",
            item.rate.span,
            "e.g. `decay 10% per week`; to drop old activities altogether, use `within`",
        )
        return None
    if not _dated(ctx, item, activities, "decay"):
        return None
    return rate


def _dated(ctx: Context, item: ast.Node, activities: dict[str, FieldInfo], word: str) -> bool:
    dates = [f.name for f in activities.values() if f.type == "date"]
    if dates:
        return True
    ctx.error(
        "ABM255",
        f"`{word}` needs the day of each activity, and activities have no date field",
        item.span,
        "declare it in `activities`, e.g. `on: date`",
    )
    return False
