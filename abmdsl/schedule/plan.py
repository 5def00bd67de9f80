"""The pilot's plan on the calendar: dated stages, the RACI matrix and the cadence start.

Input: a checked playbook (its ``start``, ``horizon_days`` and ``plan``) and its
:class:`~abmdsl.schedule.calendar.BusinessCalendar`. Output: :class:`DatedStage` rows (a Gantt
table), the RACI matrix (role × stage → letters) and the date the cadences start.

Week 1 begins on the playbook's ``start`` (not on a Monday: a pilot that starts on a Wednesday
has Wednesday-to-Tuesday weeks), and a stage's last week is cut at the horizon: 90 days end
in the middle of week 13.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..ir import Playbook, StageIR
from .calendar import BusinessCalendar

RACI = (("responsible", "R"), ("accountable", "A"), ("consulted", "C"), ("informed", "I"))


@dataclass(frozen=True)
class DatedStage:
    """One row of the Gantt table."""

    name: str
    title: str | None
    first_week: int
    last_week: int
    start: dt.date
    end: dt.date  # the last day, included
    business_days: int
    raci: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class CadenceStart:
    """When the cadences' day 1 is, and why then."""

    date: dt.date
    stage: str | None  # the plan's stage that launches them, if one does
    reason: str


def pilot_end(playbook: Playbook, start: dt.date) -> dt.date:
    """The pilot's last day: ``start`` plus the horizon, less one (90 days end on day 90)."""
    return start + dt.timedelta(days=playbook.horizon_days - 1)


def week_start(start: dt.date, week: int) -> dt.date:
    """The first day of pilot week ``week``.

    >>> week_start(dt.date(2027, 1, 11), 6)
    datetime.date(2027, 2, 15)
    """
    return start + dt.timedelta(weeks=week - 1)


def dated_stages(
    playbook: Playbook, start: dt.date, calendar: BusinessCalendar
) -> list[DatedStage]:
    """The plan's stages with dates, in the plan's order (empty without a plan)."""
    if playbook.plan is None:
        return []
    last_day = pilot_end(playbook, start)
    out = []
    for stage in playbook.plan.stages:
        first = week_start(start, stage.first_week)
        end = min(week_start(start, stage.last_week + 1) - dt.timedelta(days=1), last_day)
        out.append(
            DatedStage(
                stage.name,
                stage.title,
                stage.first_week,
                stage.last_week,
                first,
                end,
                calendar.count(first, end),
                stage.raci,
            )
        )
    return out


def raci_matrix(playbook: Playbook) -> dict[str, dict[str, str]]:
    """Role → stage → its letters (``"R"``, ``"A"``, ``"RC"``…; absent when none).

    Roles come in the order the plan declares them, then any role used but not declared.
    """
    if playbook.plan is None:
        return {}
    roles = list(playbook.plan.roles)
    for stage in playbook.plan.stages:
        roles += [r for rs in stage.raci.values() for r in rs if r not in roles]
    return {role: _letters(role, playbook.plan.stages) for role in roles}


def _letters(role: str, stages: tuple[StageIR, ...]) -> dict[str, str]:
    out = {}
    for stage in stages:
        letters = "".join(ch for kind, ch in RACI if role in stage.raci.get(kind, ()))
        if letters:
            out[stage.name] = letters
    return out


def cadence_start(playbook: Playbook, start: dt.date, calendar: BusinessCalendar) -> CadenceStart:
    """Day 1 of every cadence: the first business day of the stage that launches cadences.

    The stage is the one the playbook's graph schedules the cadences in (its
    ``scheduled-in`` edges, see :func:`abmdsl.graph.build.cadence_stages`), so the schedule
    and the graph cannot disagree; without one the cadences start with the pilot. A tier's
    own ``from week N`` or ``from DATE`` overrides this one (:func:`tier_starts`).
    """
    stage = launch_stage(playbook)
    if stage is None:
        return CadenceStart(
            calendar.next_business_day(start),
            None,
            "no stage of the plan launches cadences, so they start with the pilot",
        )
    first = week_start(start, stage.first_week)
    return CadenceStart(
        calendar.next_business_day(first),
        stage.name,
        f"stage `{stage.name}` starts in week {stage.first_week}",
    )


def launch_stage(playbook: Playbook) -> StageIR | None:
    """The stage of the plan the graph schedules a cadence in, if any."""
    from ..graph import graph_of

    graph = graph_of(playbook)
    stages = {s.name: s for s in (playbook.plan.stages if playbook.plan else ())}
    for name in playbook.cadences:
        for source, _, kind in graph.in_edges(f"cadence:{name}", data="kind"):
            if kind == "scheduled-in":
                return stages.get(source.removeprefix("stage:"))
    return None


def tier_starts(
    playbook: Playbook, start: dt.date, calendar: BusinessCalendar, default: CadenceStart
) -> dict[str, CadenceStart]:
    """Day 1 of each tier's cadence: the tier's own ``from week N`` or ``from DATE`` (on the
    next business day when it is not one), otherwise ``default`` (:func:`cadence_start`)."""
    starts = {}
    for tier in playbook.tiers:
        if tier.cadence_from_week is not None:
            first = week_start(start, tier.cadence_from_week)
            why = f"tier `{tier.name}` starts its cadence in week {tier.cadence_from_week}"
            starts[tier.name] = CadenceStart(calendar.next_business_day(first), None, why)
        elif tier.cadence_from_date is not None:
            day = tier.cadence_from_date
            why = f"tier `{tier.name}` starts its cadence on {day}"
            starts[tier.name] = CadenceStart(calendar.next_business_day(day), None, why)
        else:
            starts[tier.name] = default
    return starts
