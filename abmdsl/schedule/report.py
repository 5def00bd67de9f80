"""The terminal summary of ``abm schedule``: the dated plan, the touches and the workload.

Input: a :class:`~abmdsl.schedule.build.Schedule` and its
:class:`~abmdsl.schedule.workload.Workload`. Output: text for a terminal, 120 columns wide,
without colour (it is also what a CI log shows).
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

from ..numbers import plain
from .plan import week_start

if TYPE_CHECKING:
    from rich.table import Table

    from .build import Schedule
    from .workload import Workload

SHOWN_GAPS = 10
"""Accounts missing a targeted contact listed by name; the rest are counted."""


def render(schedule: Schedule, load: Workload) -> str:
    parts = [_headline(schedule, load)]
    tables = [
        _plan(schedule),
        _raci(schedule),
        _weeks(schedule, load),
        _owners(load),
        _tiers(schedule),
    ]
    parts += [_print(t) for t in tables if t is not None]
    parts += _notes(schedule, load)
    return "".join(parts)


def _headline(schedule: Schedule, load: Workload) -> str:
    pb, launch = schedule.playbook, schedule.cadence_start
    country = pb.calendar_country
    calendar = f"calendar {country}" if country else "Monday–Friday, no public holidays"
    if pb.calendar_region:
        calendar += f" region {pb.calendar_region}"
    return (
        f"{pb.title}: {schedule.start} to {schedule.end} ({pb.horizon_days} days, {calendar})\n"
        f"{load.touches} touches to {load.contacts} contacts at {load.accounts} accounts; "
        f"cadences start on {launch.date} ({launch.reason})"
        + "".join(
            f"; {own.reason}: {own.date}"
            for own in schedule.tier_starts.values()
            if own is not launch
        )
        + "\n"
    )


def _plan(schedule: Schedule) -> Table | None:
    if not schedule.stages:
        return None
    table = _table("the plan", ["#", "stage", "weeks", "from", "to", "business days", "title"])
    for number, s in enumerate(schedule.stages, 1):
        weeks = (
            str(s.first_week) if s.first_week == s.last_week else f"{s.first_week}–{s.last_week}"
        )
        table.add_row(
            str(number),
            s.name,
            weeks,
            str(s.start),
            str(s.end),
            str(s.business_days),
            s.title or "",
        )
    return table


def _raci(schedule: Schedule) -> Table | None:
    if not schedule.raci:
        return None
    # stages are numbered as in the plan's table: their names would not fit side by side
    stages = [s.name for s in schedule.stages]
    table = _table("RACI per stage (# of the plan)", ["role"])
    for number in range(1, len(stages) + 1):
        table.add_column(str(number), justify="center")
    for role, letters in schedule.raci.items():
        table.add_row(role, *(letters.get(s, "") for s in stages))
    return table


def _weeks(schedule: Schedule, load: Workload) -> Table | None:
    if not load.touches:
        return None
    channels = list(load.by_channel)
    table = _table("touches per week", ["week", "from", *channels, "total"])
    for week, counts in load.by_week_channel.items():
        table.add_row(
            str(week),
            str(week_start(schedule.start, week)),
            *(_n(counts.get(c)) for c in channels),
            str(sum(counts.values())),
        )
    table.add_row("total", "", *(str(load.by_channel[c]) for c in channels), str(load.touches))
    return table


def _owners(load: Workload) -> Table | None:
    if not load.touches:
        return None
    weeks = load.weeks
    table = _table("workload per role", ["role", *(f"w{w}" for w in weeks), "total", "busiest day"])
    for who, total in load.by_owner.items():
        day, n = load.peak_day[who]
        per_week = load.by_owner_week[who]
        table.add_row(who, *(_n(per_week.get(w)) for w in weeks), str(total), f"{day}: {n}")
    return table


def _tiers(schedule: Schedule) -> Table:
    currency = schedule.playbook.currency
    columns = [
        "tier",
        "cadence",
        "accounts",
        "holdout",
        "contacts",
        "research h",
        f"budget {currency}",
    ]
    table = _table("normatives (accounts in the programme)", columns)
    for t in schedule.tiers:
        table.add_row(
            t.tier,
            t.cadence or "-",
            str(t.accounts),
            _n(t.holdout),
            "-" if t.contacts is None else str(t.contacts),
            _num(t.research_hours),
            _num(t.budget),
        )
    research = [t.research_hours for t in schedule.tiers if t.research_hours is not None]
    budget = [t.budget for t in schedule.tiers if t.budget is not None]
    table.add_row(
        "total", "", "", "", "", _num(sum(research, Decimal(0))), _num(sum(budget, Decimal(0)))
    )
    return table


def _notes(schedule: Schedule, load: Workload) -> list[str]:
    notes = []
    gaps = schedule.gaps.to_pylist()
    if gaps:
        notes.append(
            f"{_count(len(gaps), 'account')} {'lacks' if len(gaps) == 1 else 'lack'} "
            "a contact their cadence targets:\n"
        )
        for gap in gaps[:SHOWN_GAPS]:
            lost = ", ".join(str(t) for t in gap["lost_touches"])
            notes.append(
                f"  {gap['account']} ({gap['tier']}): no {', '.join(gap['missing'])}"
                + (f"; touches {lost} reach nobody" if lost else "")
                + "\n"
            )
        if len(gaps) > SHOWN_GAPS:
            notes.append(
                f"  … and {len(gaps) - SHOWN_GAPS} more (all of them in the JSON output)\n"
            )
    skipped = schedule.holdout_skipped
    if skipped:
        notes.append(
            f"{_count(skipped, 'holdout account')} "
            f"{'gets' if skipped == 1 else 'get'} no touches: the control group\n"
        )
    notes += _stop_notes(schedule)
    notes += _capacity_notes(schedule, load)
    if load.after_horizon:
        notes.append(
            f"warning: {load.after_horizon} touches fall after the pilot's last day "
            f"({schedule.end}); start the cadences earlier or shorten them\n"
        )
    return notes


def held_back(schedule: Schedule) -> dict[str, int]:
    """``stopped`` and ``paused`` → touches the rules held back, over every rule."""
    out = {"stopped": 0, "paused": 0}
    for count in schedule.held:
        out[count.status] += count.touches
    return out


def _stop_notes(schedule: Schedule) -> list[str]:
    if schedule.activities is None:
        return []
    held = held_back(schedule)
    head = (
        f"{_count(schedule.activities, 'activity', 'activities')} read: "
        f"{_count(held['stopped'], 'touch', 'touches')} stopped and {held['paused']} paused "
        "by the cadences' rules"
    )
    if not schedule.held:
        head += " (no cadence in use has a stop or pause rule)"
    notes = [head + "\n"]
    for c in schedule.held:
        whom = _count(c.accounts, "account") if c.account else _count(c.contacts, "contact")
        touches = _count(c.touches, "touch", "touches")
        notes.append(f"  {c.cadence}: `{c.rule}` {c.status} {touches} of {whom}\n")
    return notes


def wrote(schedule: Schedule, load: Workload, path: Path) -> str:
    """The line that says what went into an output file, and what an .ics left out."""
    if path.suffix.lower() != ".ics":
        return f"wrote {load.touches} touches to {path}"
    held = held_back(schedule)
    planned = load.touches - held["stopped"] - held["paused"]
    stages = _count(len(schedule.stages), "stage")
    line = f"wrote {planned} touches and {stages} of the plan to {path}"
    if planned != load.touches:
        line += (
            f"; left out {held['stopped']} stopped and {held['paused']} paused touches "
            "(a CSV or JSON output lists them with their `status`)"
        )
    return line


def _capacity_notes(schedule: Schedule, load: Workload) -> list[str]:
    notes = []
    settle = schedule.settle
    if settle is not None and not settle.settled:
        notes.append(
            "warning: the re-contact windows and the daily limits still moved touches after "
            f"{_count(settle.passes, 'pass', 'passes')}; the daily limits are kept, but some "
            "touches may come "
            "closer than the window: raise the limits or start the cadences in waves\n"
        )
    if load.moved:
        limits = schedule.playbook.plan.capacity if schedule.playbook.plan else {}
        per_day = ", ".join(
            f"{role} {c.touches_per_day}" for role, c in limits.items() if c.touches_per_day
        )
        notes.append(
            f"{load.moved} {'touch' if load.moved == 1 else 'touches'} moved to later "
            "business days to keep within the "
            f"daily limits ({per_day} touches a day): by {load.moved_max} at most, "
            f"{plain(load.moved_avg)} on average\n"
        )
    for (cadence, touch), split in load.variants.items():
        arms = ", ".join(f"{name} {n}" for name, n in split.items())
        notes.append(f"A/B test of {cadence} touch {touch}: {arms} touches\n")
    b = schedule.budgeted
    if b is not None and b.over_hours:
        notes.append(
            f"warning: research needs {plain(b.research_hours)} h, but "
            f"{', '.join(b.research_roles)} {'has' if len(b.research_roles) == 1 else 'have'} "
            f"{plain(b.research_capacity)} h in {', '.join(b.research_stages)}: "
            "fewer accounts, lighter normatives or more time\n"
        )
    if b is not None and b.over_budget:
        currency = schedule.playbook.currency
        notes.append(
            f"warning: the tiers' budgets come to {plain(b.budget)} {currency}, over the plan's "
            f"budget of {plain(b.plan_budget)} {currency}\n"
        )
    return notes


def _table(title: str, columns: list[str]) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, name in enumerate(columns):
        table.add_column(name, justify="left" if i == 0 or not _numeric(name) else "right")
    return table


def _numeric(column: str) -> bool:
    return column not in ("stage", "weeks", "from", "to", "title", "cadence", "busiest day")


def _print(table: Table) -> str:
    from rich.console import Console

    out = StringIO()
    Console(file=out, width=120, color_system=None).print(table)
    return out.getvalue()


def _count(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


def _n(value: int | None) -> str:
    return str(value) if value else "-"


def _num(value: Decimal | None) -> str:
    return "-" if value is None else plain(value.quantize(Decimal("0.1")))
