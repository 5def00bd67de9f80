"""The whole schedule of a pilot: tier the accounts, date the plan, expand the cadences.

Input: a checked playbook, its sources, the accounts file and (for cadences) the contacts
file. Output: a :class:`Schedule` — the dated touches, the Gantt table and RACI matrix, the
buying-committee gaps, the normatives per tier and the provenance — which
:mod:`~abmdsl.schedule.report` prints and :mod:`~abmdsl.schedule.export` writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..engine.run import Provenance, connect, contact_link, run_playbook
from ..ir import Playbook, TierIR
from . import expand
from .calendar import BusinessCalendar
from .capacity import Budgeted, budgeted
from .expand import TIERED, ContactColumns, ScheduleError
from .plan import (
    CadenceStart,
    DatedStage,
    cadence_start,
    dated_stages,
    pilot_end,
    raci_matrix,
    tier_starts,
)
from .settle import Settling
from .stops import ACTIVITIES, ActivityColumns, RuleCount, mark


@dataclass(frozen=True)
class TierLoad:
    """A tier's share of the work: accounts in the programme and what the normatives make of
    them (the holdout is left out: the control group gets no research and no budget)."""

    tier: str
    cadence: str | None
    accounts: int
    holdout: int
    contacts: int | None  # None when no contacts were given
    research_hours: Decimal | None
    budget: Decimal | None


@dataclass(frozen=True)
class Schedule:
    playbook: Playbook
    start: dt.date
    end: dt.date
    calendar: BusinessCalendar
    cadence_start: CadenceStart
    stages: list[DatedStage]
    raci: dict[str, dict[str, str]]
    touches: pa.Table
    gaps: pa.Table
    tiers: list[TierLoad]
    accounts: int
    provenance: Provenance
    budgeted: Budgeted | None = None  # research hours and budget beside the plan's
    tier_starts: dict[str, CadenceStart] = field(default_factory=dict)  # tiers with a cadence
    activities: int | None = None  # rows of the activities file; None when none was given
    held: list[RuleCount] = field(default_factory=list)  # what each stop/pause rule held back
    settle: Settling | None = None  # how the re-contact windows and daily limits agreed

    @property
    def holdout_skipped(self) -> int:
        """Holdout accounts of tiers with a cadence: the control group, given no touches."""
        return sum(t.holdout for t in self.tiers if t.cadence is not None)


def cadenced_tiers(playbook: Playbook) -> list[TierIR]:
    return [t for t in playbook.tiers if t.cadence in playbook.cadences]


def build_schedule(
    playbook: Playbook,
    sources: dict[str, str],
    accounts: Path,
    contacts: Path | None,
    activities: Path | None = None,
) -> Schedule:
    """Everything ``abm schedule`` reports; with ``activities``, each touch's ``status``.

    Raises:
        ScheduleError: no ``start``, cadences to run but no contacts, or activities whose
            declaration does not say what the stop and pause rules need.
        abmdsl.data.DataError: a data file does not match the playbook.
    """
    from ..data import load_dataset

    start = _check(playbook, contacts)
    stops = ActivityColumns.of(playbook) if activities is not None else None
    calendar = BusinessCalendar.of(playbook)
    con = connect()
    run = run_playbook(playbook, sources, accounts, contacts, con=con)
    provenance, happened = run.provenance, None
    if activities is not None:
        report = load_dataset(
            con, activities, ACTIVITIES, playbook.fields.get(ACTIVITIES, {}), ACTIVITIES
        )
        data = hashlib.sha256((provenance.data_sha256 + report.sha256).encode()).hexdigest()
        provenance, happened = Provenance(provenance.playbook_sha256, data), report.rows
    con.register(TIERED, run.table)
    launch = cadence_start(playbook, start, calendar)
    starts = _starts(playbook, start, calendar, launch)
    origin = min((s.date for s in starts.values()), default=launch.date)
    offsets = {tier: calendar.count(origin, s.date) - 1 for tier, s in starts.items()}
    longest = max((c.days for c in playbook.cadences.values()), default=1)
    longest += max(offsets.values(), default=0)
    expand.register_cadences(con, playbook, calendar.business_days(origin, longest), offsets)
    touches, gaps, held, settle = EMPTY_TOUCHES, EMPTY_GAPS, [], None
    if cadenced_tiers(playbook):  # then contacts were given (see _check)
        columns = ContactColumns.of(playbook)
        touches, settle = expand.touches(
            con,
            playbook,
            columns,
            start,
            lambda n: calendar.business_days(origin, n),
            keep=stops is not None,  # the stop and pause rules mark the dated touches
        )
        gaps = expand.gaps(con, playbook, columns)
        if stops is not None:
            touches, held = mark(con, playbook, stops)
    elif stops is not None:
        touches = EMPTY_TOUCHES.append_column("status", pa.array([], pa.string())).append_column(
            "status_reason", pa.array([], pa.string())
        )
    with_contacts = contacts is not None and contact_link(playbook) is not None
    counts = {r["tier"]: r for r in expand.tier_counts(con, playbook, with_contacts).to_pylist()}
    loads = [_load(t, counts.get(t.name), playbook) for t in playbook.tiers]
    stages = dated_stages(playbook, start, calendar)
    return Schedule(
        playbook=playbook,
        start=start,
        end=pilot_end(playbook, start),
        calendar=calendar,
        cadence_start=launch,
        tier_starts=starts,
        stages=stages,
        raci=raci_matrix(playbook),
        touches=touches,
        gaps=gaps,
        tiers=loads,
        accounts=run.table.num_rows,
        provenance=provenance,
        budgeted=budgeted(playbook, loads, stages),
        activities=happened,
        held=held,
        settle=settle,
    )


def _starts(
    playbook: Playbook, start: dt.date, calendar: BusinessCalendar, launch: CadenceStart
) -> dict[str, CadenceStart]:
    """Day 1 of the cadence of each tier that runs one."""
    starts = tier_starts(playbook, start, calendar, launch)
    return {t.name: starts[t.name] for t in cadenced_tiers(playbook)}


def _check(playbook: Playbook, contacts: Path | None) -> dt.date:
    """The pilot's start; what a schedule cannot do without is an error that says the fix."""
    if playbook.start is None:
        raise ScheduleError(
            "the playbook has no start date, so its days cannot be put on a calendar: "
            "add the pilot's first day to its header, e.g. `start 2027-01-11`"
        )
    if cadenced_tiers(playbook) and contacts is None:
        raise ScheduleError(
            "the playbook's tiers run cadences, and cadences go to contacts: "
            "give the contacts file with `--contacts contacts.csv`"
        )
    return playbook.start


def _load(tier: TierIR, counts: dict[str, Any] | None, playbook: Playbook) -> TierLoad:
    accounts = int(counts["accounts"]) if counts else 0
    holdout = int(counts["holdout"]) if counts else 0
    contacts = counts["contacts"] if counts else None
    research = None
    if tier.research_per_account_min is not None or tier.research_per_contact_min is not None:
        minutes = (tier.research_per_account_min or Decimal(0)) * accounts
        minutes += (tier.research_per_contact_min or Decimal(0)) * (contacts or 0)
        research = (minutes / 60).quantize(Decimal("0.01"))  # hours, to the minute or so
    budget = tier.budget_per_account * accounts if tier.budget_per_account is not None else None
    cadence = tier.cadence if tier.cadence in playbook.cadences else None
    return TierLoad(tier.name, cadence, accounts, holdout, contacts, research, budget)


EMPTY_TOUCHES = pa.table(
    {
        "date": pa.array([], pa.date32()),
        "week": pa.array([], pa.int32()),
        "cadence_day": pa.array([], pa.int32()),
        "account": pa.array([], pa.string()),
        "tier": pa.array([], pa.string()),
        "cluster": pa.array([], pa.string()),
        "contact": pa.array([], pa.string()),
        "cadence": pa.array([], pa.string()),
        "touch": pa.array([], pa.int32()),
        "channel": pa.array([], pa.string()),
        "audience": pa.array([], pa.string()),
        "action": pa.array([], pa.string()),
        "refers_to": pa.array([], pa.int32()),
        "owner": pa.array([], pa.string()),
        "variant": pa.array([], pa.string()),
        "moved": pa.array([], pa.int32()),
    }
)
EMPTY_GAPS = pa.table(
    {
        "account": pa.array([], pa.string()),
        "tier": pa.array([], pa.string()),
        "cadence": pa.array([], pa.string()),
        "contacts": pa.array([], pa.int64()),
        "missing": pa.array([], pa.list_(pa.string())),
        "lost_touches": pa.array([], pa.list_(pa.int32())),
    }
)
