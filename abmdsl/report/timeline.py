"""The plan and the cadences on the calendar: the Gantt's stages and touches per day and channel.

Input: a checked playbook and, when contacts were given, its
:class:`~abmdsl.schedule.build.Schedule` (the one ``abm schedule`` builds). Output: a
:class:`~abmdsl.report.model.PlanSection` and a :class:`~abmdsl.report.model.CadenceSection`.

Without contacts there are no touches (cadences go to contacts), so the plan is dated with the
same public functions the schedule uses and the cadences are shown as their steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..numbers import plain
from ..schedule.plan import cadence_start, dated_stages, pilot_end, raci_matrix
from .model import CadenceSection, DayCount, PlanSection

if TYPE_CHECKING:
    from ..ir import Playbook
    from ..schedule.build import Schedule


def plan_section(playbook: Playbook, schedule: Schedule | None) -> PlanSection:
    plan = playbook.plan
    budget = f"{plain(plan.budget)} {playbook.currency}" if plan and plan.budget else None
    title = plan.title if plan else None
    if plan is None:
        note = "The playbook has no `plan` block: no stages to show."
        return PlanSection(None, playbook.start, None, (), (), {}, None, None, note)
    if playbook.start is None:
        weeks = tuple((s.name, s.first_week, s.last_week, s.title) for s in plan.stages)
        note = "The playbook has no `start` date: the stages are shown in pilot weeks."
        return PlanSection(title, None, None, (), weeks, raci_matrix(playbook), None, budget, note)
    if schedule is not None:
        stages, launch = schedule.stages, schedule.cadence_start
    else:
        from ..schedule.calendar import BusinessCalendar

        calendar = BusinessCalendar.of(playbook)
        stages = dated_stages(playbook, playbook.start, calendar)
        launch = cadence_start(playbook, playbook.start, calendar) if playbook.cadences else None
    return PlanSection(
        title,
        playbook.start,
        pilot_end(playbook, playbook.start),
        tuple(stages),
        (),
        raci_matrix(playbook),
        launch,
        budget,
        None,
    )


def cadence_section(playbook: Playbook, schedule: Schedule | None) -> CadenceSection:
    runs: dict[str, list[str]] = {name: [] for name in playbook.cadences}
    for tier in playbook.tiers:
        if tier.cadence in runs:
            runs[tier.cadence].append(tier.name)
    tiers = {name: tuple(names) for name, names in runs.items()}
    cadences = tuple(playbook.cadences.values())
    if schedule is None:
        note = None
        if cadences:
            note = (
                "The calendar of touches needs the contacts (cadences go to contacts): "
                "run with `--contacts FILE` to add it. Below: the cadences' steps."
            )
        return CadenceSection(cadences, tiers, None, (), 0, 0, note)
    from ..schedule import count_workload

    load = count_workload(schedule.touches, schedule.end)
    return CadenceSection(
        cadences,
        tiers,
        load,
        _days(schedule),
        schedule.gaps.num_rows,
        schedule.holdout_skipped,
        None,
    )


def _days(schedule: Schedule) -> tuple[DayCount, ...]:
    """Touches per day and channel, by date then channel (the calendar chart's cells)."""
    touches = schedule.touches.select(["date", "channel", "touch"])
    counted = touches.group_by(["date", "channel"]).aggregate([("touch", "count")])
    days, channels, counts = (
        counted.column(c).to_pylist() for c in ("date", "channel", "touch_count")
    )
    rows = sorted(zip(days, channels, counts, strict=True), key=lambda r: (r[0], r[1]))
    return tuple(DayCount(day, channel, int(n)) for day, channel, n in rows)
