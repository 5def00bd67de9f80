"""Checks of when and how much: the plan's ``capacity ROLE …`` and ``budget 25000 USD``, and a
tier's cadence start, ``cadence NAME from week 6`` or ``from 2027-02-15``.

Input: the plan's AST items and the check context. Output: the :class:`~abmdsl.ir.PlanIR`
fields ``capacity`` (role → :class:`~abmdsl.ir.RoleCapacityIR`) and ``budget``, with
diagnostics for an unknown role (ABM223, via the plan's role check), a limit that is not
positive (ABM211), a limit or budget said twice (ABM226), money in another currency and a
cadence start outside the pilot (ABM211).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .. import ast
from ..ir import RoleCapacityIR
from ..span import Span
from .context import Context

_HOURS = {"min": Decimal(1) / 60, "h": Decimal(1), "day": Decimal(8), "week": Decimal(40)}
"""Hours in a unit of working time: a day of work is 8 hours, a week 5 days (as research)."""


def plan_limits(ctx: Context, items: list[Any]) -> dict[str, Any]:
    """The ``capacity`` and ``budget`` of a plan, checked.

    >>> from abmdsl.ir import RoleCapacityIR
    >>> RoleCapacityIR(touches_per_day=40).touches_per_day
    40
    """
    capacity: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, str], Span | None] = {}
    for line in (i for i in items if isinstance(i, ast.PlanCapacity)):
        ctx.ir.setdefault("role_refs", []).append(line.role)
        for limit in line.limits:
            key, value = _limit(ctx, limit)
            if _said_twice(ctx, seen, (line.role.name, key), limit.span, f"`{line.role.name}`"):
                continue
            if value is not None:
                capacity.setdefault(line.role.name, {})[key] = value
    return {
        "capacity": {role: RoleCapacityIR(**v) for role, v in capacity.items()},
        "budget": _budget(ctx, [i for i in items if isinstance(i, ast.PlanBudget)]),
    }


def _limit(ctx: Context, limit: ast.TouchLimit | ast.TimeLimit) -> tuple[str, Any]:
    if isinstance(limit, ast.TouchLimit):
        _positive(ctx, Decimal(limit.count), limit.span, "`40 touches per day`")
        return "touches_per_day", limit.count if limit.count > 0 else None
    key = f"hours_per_{limit.per}"
    per_hour = _HOURS.get(limit.amount.unit)
    if per_hour is None:
        ctx.error(
            "ABM203",
            "a role's time is counted in minutes, hours, days or weeks of work",
            limit.amount.span,
            f"e.g. `30 h per {limit.per}`",
        )
        return key, None
    hours = limit.amount.amount * per_hour
    if not _positive(ctx, hours, limit.span, f"`30 h per {limit.per}`"):
        return key, None
    return key, hours


def _budget(ctx: Context, lines: list[ast.PlanBudget]) -> Decimal | None:
    seen: dict[tuple[str, str], Span | None] = {}
    budget = None
    for line in lines:
        if _said_twice(ctx, seen, ("", "budget"), line.span, "the plan"):
            continue
        ctx.types.infer(line.amount, ctx.account_scope())  # the playbook's currency
        if _positive(ctx, line.amount.amount, line.span, "`budget 25000 USD`"):
            budget = line.amount.amount
    return budget


def _positive(ctx: Context, value: Decimal, span: Span | None, example: str) -> bool:
    if value > 0:
        return True
    ctx.error("ABM211", "a capacity or a budget of nothing plans no work", span, f"e.g. {example}")
    return False


def _said_twice(
    ctx: Context,
    seen: dict[tuple[str, str], Span | None],
    key: tuple[str, str],
    span: Span | None,
    who: str,
) -> bool:
    if key not in seen:
        seen[key] = span
        return False
    what = key[1].replace("_", " ")
    ctx.error(
        "ABM226",
        f"{who} says `{what}` twice",
        span,
        "keep one of them",
        notes=(("said first here", seen[key]),),
    )
    return True


def cadence_start(ctx: Context, item: ast.TierCadence) -> dict[str, Any]:
    """``cadence_from_week`` / ``cadence_from_date`` of a tier, when they lie in the pilot."""
    horizon = ctx.ir.get("horizon_days", 90)
    if item.from_week is not None:
        weeks = -(-horizon // 7)
        if 1 <= item.from_week <= weeks:
            return {"cadence_from_week": item.from_week}
        _outside(ctx, item, f"in week {item.from_week}", f"weeks 1 to {weeks}")
    elif item.from_date is not None:
        start: dt.date | None = ctx.ir.get("start")
        day = item.from_date.value
        if start is None or start <= day < start + dt.timedelta(days=horizon):
            return {"cadence_from_date": day}
        end = start + dt.timedelta(days=horizon - 1)
        _outside(ctx, item, f"on {day}", f"{start} to {end}")
    return {}


def _outside(ctx: Context, item: ast.TierCadence, when: str, pilot: str) -> None:
    ctx.error(
        "ABM211",
        f"`{item.cadence.name}` would start {when}, outside the pilot ({pilot})",
        item.span,
        "start the cadence within the pilot, or lengthen the horizon",
    )
