"""Writing a schedule: touches as CSV or Parquet, everything as JSON, or iCalendar.

Input: a :class:`~abmdsl.schedule.build.Schedule` and a path. Output: a file whose format
follows its extension, written atomically. CSV and Parquet go through
:func:`abmdsl.outputs.write_table`, so that they carry the run's provenance and a spreadsheet
never runs a cell as a formula, exactly like ``abm run``'s outputs.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..files import OutputError, atomic
from ..outputs import write_table
from .formats import FORMATS, TABLES, Per
from .ics import render_ics

if TYPE_CHECKING:
    from .build import Schedule
    from .workload import Workload


def write_schedule(schedule: Schedule, load: Workload, path: Path, per: Per = "touch") -> None:
    """The touches (and, in JSON, everything else) into ``path``."""
    suffix = path.suffix.lower()
    if suffix == ".ics":
        data = render_ics(schedule, per)
        with atomic(path, "wb") as stream:
            stream.write(data)
    elif suffix == ".json":
        with atomic(path) as stream:
            json.dump(document(schedule, load), stream, ensure_ascii=False, indent=1)
            stream.write("\n")
    elif suffix in (".csv", ".parquet"):
        write_table(schedule.touches, path, schedule.provenance.as_dict())
    else:
        raise OutputError(f"cannot write {path.name}: use one of " + ", ".join(FORMATS))


def write_plan(schedule: Schedule, path: Path) -> None:
    """The dated plan, one row per stage with its RACI, as CSV, Parquet or JSON."""
    table = pa.Table.from_pylist(plan_rows(schedule), schema=PLAN_SCHEMA)
    _write_rows(table, path, schedule, "stages")


def write_gaps(schedule: Schedule, path: Path) -> None:
    """The accounts missing a targeted contact, as CSV, Parquet or JSON.

    In CSV and Parquet the lists become text (``"2, 4, 6, 7"``): a spreadsheet has no lists.
    """
    import pyarrow.compute as pc

    table = schedule.gaps
    if path.suffix.lower() != ".json":
        lost = pc.cast(table["lost_touches"], pa.list_(pa.string()))
        table = table.set_column(4, "missing", pc.binary_join(table["missing"], ", "))
        table = table.set_column(5, "lost_touches", pc.binary_join(lost, ", "))
    _write_rows(table, path, schedule, "gaps")


def _write_rows(table: pa.Table, path: Path, schedule: Schedule, name: str) -> None:
    suffix = path.suffix.lower()
    if suffix not in TABLES:
        raise OutputError(f"cannot write {path.name}: use one of " + ", ".join(TABLES))
    if suffix != ".json":
        write_table(table, path, schedule.provenance.as_dict())
        return
    with atomic(path) as stream:
        document = {"provenance": schedule.provenance.as_dict(), name: _plain(table.to_pylist())}
        json.dump(document, stream, ensure_ascii=False, indent=1)
        stream.write("\n")


def plan_rows(schedule: Schedule) -> list[dict[str, Any]]:
    return [
        {
            "stage": s.name,
            "title": s.title,
            "first_week": s.first_week,
            "last_week": s.last_week,
            "start": s.start,
            "end": s.end,
            "business_days": s.business_days,
            **{kind: ", ".join(s.raci.get(kind, ())) for kind in _RACI},
        }
        for s in schedule.stages
    ]


_RACI = ("responsible", "accountable", "consulted", "informed")
PLAN_SCHEMA = pa.schema(
    [
        ("stage", pa.string()),
        ("title", pa.string()),
        ("first_week", pa.int32()),
        ("last_week", pa.int32()),
        ("start", pa.date32()),
        ("end", pa.date32()),
        ("business_days", pa.int32()),
        *((kind, pa.string()) for kind in _RACI),
    ]
)


def document(schedule: Schedule, load: Workload) -> dict[str, Any]:
    """Everything ``abm schedule`` knows, as one JSON-ready document."""
    pb, launch = schedule.playbook, schedule.cadence_start
    return _plain(
        {
            "provenance": schedule.provenance.as_dict(),
            "playbook": {
                "title": pb.title,
                "start": schedule.start,
                "end": schedule.end,
                "horizon_days": pb.horizon_days,
                "calendar": pb.calendar_country,
                "calendar_region": pb.calendar_region,
                "days_off_and_working_weekends": [
                    {"date": day, "why": why}
                    for day, why in schedule.calendar.exceptions(schedule.start, schedule.end)
                ],
            },
            "cadence_start": {"date": launch.date, "stage": launch.stage, "reason": launch.reason},
            "tier_cadence_starts": {
                tier: {"date": own.date, "reason": own.reason}
                for tier, own in schedule.tier_starts.items()
            },
            "plan": plan_rows(schedule),
            "raci": schedule.raci,
            "tiers": [t.__dict__ for t in schedule.tiers],
            "holdout_accounts_skipped": schedule.holdout_skipped,
            "workload": {
                "touches": load.touches,
                "accounts": load.accounts,
                "contacts": load.contacts,
                "after_horizon": load.after_horizon,
                "by_channel": load.by_channel,
                "by_owner": load.by_owner,
                "by_week": load.by_week_channel,
                "by_owner_week": load.by_owner_week,
                "busiest_day": {
                    o: {"date": d, "touches": n} for o, (d, n) in load.peak_day.items()
                },
            },
            "capacity": _capacity(schedule, load),
            **_stop_rules(schedule),
            "coverage_gaps": schedule.gaps.to_pylist(),
            "touches": schedule.touches.to_pylist(),
        }
    )


def _stop_rules(schedule: Schedule) -> dict[str, Any]:
    """With activities: what each cadence's stop and pause rules held back."""
    if schedule.activities is None:
        return {}
    from .report import held_back

    return {
        "stop_rules": {
            "activities": schedule.activities,
            **held_back(schedule),
            "by_rule": [c.__dict__ for c in schedule.held],
        }
    }


def _capacity(schedule: Schedule, load: Workload) -> dict[str, Any]:
    plan = schedule.playbook.plan
    b = schedule.budgeted
    return {
        "limits": {r: c.model_dump(exclude_none=True) for r, c in plan.capacity.items()}
        if plan
        else {},
        "moved_touches": load.moved,
        "moved_days_max": load.moved_max,
        "moved_days_avg": load.moved_avg,
        "window_and_limit_passes": schedule.settle.passes if schedule.settle else 0,
        "window_and_limits_settled": schedule.settle.settled if schedule.settle else True,
        "variants": [
            {"cadence": c, "touch": t, "touches": split} for (c, t), split in load.variants.items()
        ],
        "research_hours": b.research_hours if b else None,
        "research_capacity_hours": b.research_capacity if b else None,
        "budget": b.budget if b else None,
        "plan_budget": b.plan_budget if b else None,
    }


def _plain(value: Any) -> Any:
    """JSON's types: dates as ISO text, decimals as numbers, keys as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
