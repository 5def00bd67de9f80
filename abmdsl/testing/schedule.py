"""Steps about `abm schedule`'s output: the touches, the dated plan and the calendar."""

from __future__ import annotations

from pytest_bdd import parsers, then

from .workspace import Workspace


def _touch(abm_workspace: Workspace, contact: str, touch: int) -> dict[str, str]:
    rows = [
        r for r in abm_workspace.touches() if (r["contact"], r["touch"]) == (contact, str(touch))
    ]
    assert len(rows) == 1, f'contact "{contact}" has {len(rows)} rows for touch {touch}: {rows}'
    return rows[0]


@then(parsers.parse("{count:d} touches are scheduled"))
def touch_count(abm_workspace: Workspace, count: int) -> None:
    assert len(abm_workspace.touches()) == count


@then(parsers.parse('contact "{contact}" gets a {channel} at touch {touch:d} on {date}'))
@then(parsers.parse('contact "{contact}" gets an {channel} at touch {touch:d} on {date}'))
def contact_gets(
    abm_workspace: Workspace, contact: str, channel: str, touch: int, date: str
) -> None:
    rows = [
        r for r in abm_workspace.touches() if r["contact"] == contact and r["touch"] == str(touch)
    ]
    assert [(r["channel"], r["date"]) for r in rows] == [(channel, date)], rows


@then(parsers.parse('contact "{contact}" gets no {channel}'))
def contact_gets_no(abm_workspace: Workspace, contact: str, channel: str) -> None:
    rows = abm_workspace.touches()
    assert not [r for r in rows if (r["contact"], r["channel"]) == (contact, channel)]


@then(parsers.parse("touch {touch:d} falls on business day {day:d} of the cadence"))
def touch_on_day(abm_workspace: Workspace, touch: int, day: int) -> None:
    days = {r["cadence_day"] for r in abm_workspace.touches() if r["touch"] == str(touch)}
    assert days == {str(day)}


@then(parsers.parse("the {level} contacts get touch {touch:d} as a {channel} on {date}"))
def level_gets(abm_workspace: Workspace, level: str, touch: int, channel: str, date: str) -> None:
    rows = [r for r in abm_workspace.touches() if r["touch"] == str(touch)]
    assert rows and {(r["contact_level"], r["channel"], r["date"]) for r in rows} == {
        (level, channel, date)
    }


@then("every touch after the first refers back to touch 1")
def refers_to_first(abm_workspace: Workspace) -> None:
    assert {r["refers_to"] for r in abm_workspace.touches() if r["touch"] != "1"} == {"1"}


@then(parsers.parse('no touch falls on a weekend or public holiday of "{country}"'))
def on_working_days(abm_workspace: Workspace, country: str) -> None:
    import datetime as dt

    import holidays

    days_off = holidays.country_holidays(country, years=range(2026, 2029))
    for row in abm_workspace.touches():
        day = dt.date.fromisoformat(row["date"])
        assert day not in days_off, row
        assert day.weekday() < 5 or day in days_off.weekend_workdays, row


@then(parsers.parse("no touch is dated {date}"))
def not_on(abm_workspace: Workspace, date: str) -> None:
    assert date not in {r["date"] for r in abm_workspace.touches()}


@then(parsers.parse('account "{key}" gets no touches'))
def no_touches(abm_workspace: Workspace, key: str) -> None:
    assert key not in {r["account"] for r in abm_workspace.touches()}


@then(parsers.parse('touch {touch:d} of contact "{contact}" is planned'))
def touch_planned(abm_workspace: Workspace, touch: int, contact: str) -> None:
    row = _touch(abm_workspace, contact, touch)
    assert (row["status"], row["status_reason"]) == ("planned", ""), row


@then(parsers.parse('touch {touch:d} of contact "{contact}" is {status}: "{reason}"'))
def touch_held(
    abm_workspace: Workspace, touch: int, contact: str, status: str, reason: str
) -> None:
    row = _touch(abm_workspace, contact, touch)
    assert (row["status"], row["status_reason"]) == (status, reason), row


@then(parsers.parse('stage "{stage}" runs from {start} to {end}'))
def stage_dates(abm_workspace: Workspace, stage: str, start: str, end: str) -> None:
    stages = {r["stage"]: r for r in abm_workspace.rows("plan.csv")}
    assert (stages[stage]["start"], stages[stage]["end"]) == (start, end)


@then(parsers.parse('the calendar "{name}" has {count:d} events, each on a touch\'s day'))
def calendar_events(abm_workspace: Workspace, name: str, count: int) -> None:
    import icalendar  # the `testing` extra installs it; only calendar steps need it

    ics = (abm_workspace.root / name).read_bytes()
    events = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == count
    days = {r["date"] for r in abm_workspace.touches()}
    assert {e.decoded("DTSTART").isoformat() for e in events} <= days


@then(
    parsers.parse(
        'the calendar "{name}" has {count:d} touch events, each on a touch\'s day, '
        "and {stages:d} stage events"
    )
)
def calendar_touches_and_stages(
    abm_workspace: Workspace, name: str, count: int, stages: int
) -> None:
    import icalendar

    ics = (abm_workspace.root / name).read_bytes()
    events = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    plan = [e for e in events if next(str(c) for c in e["CATEGORIES"].cats) == "stage"]
    touches = [e for e in events if e not in plan]
    assert (len(touches), len(plan)) == (count, stages)
    days = {r["date"] for r in abm_workspace.touches()}
    assert {e.decoded("DTSTART").isoformat() for e in touches} <= days
