"""Everything `abm diff` reports, computed: :func:`compare` runs both versions and compares.

Input: the old and the new compiled playbook, the accounts file and optionally the contacts
file. Output: a :class:`Diff`. Research hours and budget per tier come from each run's
summary (:mod:`abmdsl.summary`, what `abm run` prints); touches per role and week, with
contacts, from each version's schedule (:func:`abmdsl.schedule.build_schedule`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..api import Compiled
from ..data import DataError
from ..graph.impact import Change, impact
from ..ir import Playbook
from ..summary import Summary, TierLine, summarise
from .accounts import AccountChanges, compare_accounts
from .cadences import CadenceChange, cadence_changes


class VersionDataError(Exception):
    """The data does not match what one version of the playbook declares."""

    def __init__(self, version: str, error: DataError) -> None:
        super().__init__(f"the data does not match what {version} declares")
        self.version, self.error = version, error


@dataclass(frozen=True)
class TierDelta:
    """One tier's accounts, research hours and budget, before and after (None: not set)."""

    tier: str
    accounts: tuple[int, int]
    research_hours: tuple[Decimal | None, Decimal | None]
    contact_hours: tuple[Decimal | None, Decimal | None]
    budget: tuple[Decimal | None, Decimal | None]


@dataclass(frozen=True)
class TouchDelta:
    """Touches planned for one role in one week of the pilot, before and after."""

    role: str
    week: int | None  # None: the role's total
    before: int
    after: int


@dataclass
class Diff:
    old: str
    new: str
    changed: list[Change]
    accounts: AccountChanges
    tiers: list[TierDelta]
    currency: str
    contacts_known: bool
    cadences: list[CadenceChange]
    touches: list[TouchDelta] | None = None  # None: not compared (no contacts, or no cadence)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> TierDelta:
        """Every tier together; a sum is None when no tier of that version sets the normative."""

        def add(values: list[Decimal | None]) -> Decimal | None:
            known = [v for v in values if v is not None]
            return sum(known, Decimal(0)) if known else None

        def pair(name: str) -> tuple[Decimal | None, Decimal | None]:
            return (
                add([getattr(t, name)[0] for t in self.tiers]),
                add([getattr(t, name)[1] for t in self.tiers]),
            )

        accounts = (sum(t.accounts[0] for t in self.tiers), sum(t.accounts[1] for t in self.tiers))
        return TierDelta(
            "total", accounts, pair("research_hours"), pair("contact_hours"), pair("budget")
        )


def compare(
    old_name: str,
    old: Compiled,
    new_name: str,
    new: Compiled,
    accounts: Path,
    contacts: Path | None = None,
    limit: int = 20,
) -> Diff:
    """Run both versions on the same data and compare; raises :class:`VersionDataError`
    when the data does not match what a version declares."""
    from ..engine.run import run_playbook

    assert old.playbook is not None and new.playbook is not None
    runs = []
    for name, compiled in ((old_name, old), (new_name, new)):
        assert compiled.playbook is not None
        try:
            runs.append(run_playbook(compiled.playbook, compiled.sources, accounts, contacts))
        except DataError as exc:
            raise VersionDataError(name, exc) from exc
    found = impact(old.playbook, new.playbook)
    rules = [c.name for c in found.changed if c.kind in ("tier", "clusters")]
    moved = compare_accounts(runs[0], runs[1], limit, list(dict.fromkeys(rules)))
    diff = Diff(
        old=old_name,
        new=new_name,
        changed=list(found.changed),
        accounts=moved,
        tiers=_tiers(old.playbook, new.playbook, summarise(runs[0]), summarise(runs[1])),
        currency=new.playbook.currency,
        contacts_known=contacts is not None,
        cadences=cadence_changes(old.playbook, new.playbook),
    )
    if old.playbook.currency != new.playbook.currency:
        diff.notes.append(
            f"the currency changed from {old.playbook.currency} to {new.playbook.currency}: "
            "budgets are compared as numbers"
        )
    if contacts is not None:
        diff.touches = _touches(old, new, accounts, contacts, diff.notes)
    return diff


def _tiers(old: Playbook, new: Playbook, before: Summary, after: Summary) -> list[TierDelta]:
    lines_before = {line.tier: line for line in before.lines}
    lines_after = {line.tier: line for line in after.lines}
    names = list(dict.fromkeys([*(t.name for t in new.tiers), *(t.name for t in old.tiers)]))
    out = []
    for name in names:
        b, a = lines_before.get(name), lines_after.get(name)
        out.append(
            TierDelta(
                name,
                (b.accounts if b else 0, a.accounts if a else 0),
                (_get(b, "research_hours"), _get(a, "research_hours")),
                (_get(b, "contact_hours"), _get(a, "contact_hours")),
                (_get(b, "budget"), _get(a, "budget")),
            )
        )
    return out


def _get(line: TierLine | None, name: str) -> Decimal | None:
    value: Decimal | None = getattr(line, name) if line is not None else None
    return value


def _touches(
    old: Compiled, new: Compiled, accounts: Path, contacts: Path, notes: list[str]
) -> list[TouchDelta] | None:
    """Touches per role and week, when both versions can be scheduled; else a note."""
    from ..schedule import CalendarError, ScheduleError, build_schedule, count_workload

    loads = []
    for compiled in (old, new):
        assert compiled.playbook is not None
        if not any(t.cadence in compiled.playbook.cadences for t in compiled.playbook.tiers):
            loads.append({})
            continue
        try:
            schedule = build_schedule(compiled.playbook, compiled.sources, accounts, contacts)
        except (ScheduleError, CalendarError) as exc:
            notes.append(f"touches are not compared: {exc}")
            return None
        loads.append(count_workload(schedule.touches, schedule.end).by_owner_week)
    before, after = loads
    out = []
    for role in sorted(before.keys() | after.keys()):
        weeks_before, weeks_after = before.get(role, {}), after.get(role, {})
        for week in sorted(weeks_before.keys() | weeks_after.keys()):
            b, a = weeks_before.get(week, 0), weeks_after.get(week, 0)
            if a != b:
                out.append(TouchDelta(role, week, b, a))
        totals = sum(weeks_before.values()), sum(weeks_after.values())
        if totals[0] != totals[1]:
            out.append(TouchDelta(role, None, *totals))
    return out
