"""Schedules: the pilot's cadences and plan on a business-day calendar.

Input: a checked playbook, its accounts and contacts, and (optionally) what happened, its
activities. Output: every touch dated on a working day of the playbook's country (and
region), marked when a stop or pause rule holds it back, the dated plan (Gantt and RACI),
buying-committee gaps, the team's workload and the normatives — as a terminal summary, CSV,
Parquet, JSON or iCalendar.

Modules, in the order a schedule is made: :mod:`.calendar` (business days), :mod:`.plan`
(dated stages, RACI, the cadence start), :mod:`.expand` (touches in DuckDB), :mod:`.settle`
(the re-contact windows of :mod:`.spacing` and the daily limits of :mod:`.capacity`,
together), :mod:`.stops` (the stop and pause rules on the activities), :mod:`.build` (all of
it together), :mod:`.workload` (counts), :mod:`.report` (the terminal), :mod:`.export` (CSV,
Parquet, JSON) and :mod:`.ics` (iCalendar).
"""

from importlib import import_module
from typing import Any

# Imported on first use: `abm` builds its command line from this package's option lists, and
# must not pay for DuckDB and the engine to print `--help` or `--version`.
_LAZY = {
    "Schedule": ".build",
    "build_schedule": ".build",
    "BusinessCalendar": ".calendar",
    "CalendarError": ".calendar",
    "ScheduleError": ".expand",
    "Workload": ".workload",
    "count_workload": ".workload",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(name)
    return getattr(import_module(_LAZY[name], __name__), name)


__all__ = sorted(_LAZY)
