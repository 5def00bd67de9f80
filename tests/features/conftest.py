"""Steps shared by every feature: a strategist's vocabulary over the `abm` command."""

from __future__ import annotations

import itertools
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, then, when

from abmdsl.cli import main

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"


@dataclass
class Workspace:
    root: Path
    originals: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    output: str = ""


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    (tmp_path / ".git").mkdir()  # the playbook repository's root
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path)


def _write(workspace: Workspace, name: str, text: str) -> None:
    path = workspace.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    workspace.originals[name] = text


@given(parsers.parse('the seed playbook "{name}"'))
def seed_playbook(workspace: Workspace, name: str) -> None:
    shutil.copy(PLAYBOOKS / name, workspace.root / name)
    workspace.originals[name] = (PLAYBOOKS / name).read_text(encoding="utf-8")


@given(parsers.parse('a playbook "{name}":'))
def a_playbook(workspace: Workspace, name: str, docstring: str) -> None:
    _write(workspace, name, docstring + "\n")


@given(parsers.parse('the seed playbook "{name}" with "{old}" changed to "{new}"'))
def seed_playbook_changed(workspace: Workspace, name: str, old: str, new: str) -> None:
    text = (PLAYBOOKS / name).read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    _write(workspace, name, text.replace(old, new, 1))


@when(parsers.parse('the strategist runs "{command}"'))
def run(workspace: Workspace, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    words = shlex.split(command)
    assert words[0] == "abm"
    capsys.readouterr()
    workspace.exit_code = main(words[1:])
    captured = capsys.readouterr()
    workspace.output = captured.out + captured.err


@then("the command succeeds")
def succeeds(workspace: Workspace) -> None:
    assert workspace.exit_code == 0, workspace.output


@then(parsers.parse("the command fails with exit code {code:d}"))
def fails(workspace: Workspace, code: int) -> None:
    assert workspace.exit_code == code, workspace.output


@then(parsers.parse('the output mentions "{text}"'))
def mentions(workspace: Workspace, text: str) -> None:
    assert text in workspace.output, workspace.output


@then(parsers.parse('the output does not mention "{text}"'))
def does_not_mention(workspace: Workspace, text: str) -> None:
    assert text not in workspace.output, workspace.output


@then(parsers.parse("diagnostic {code} is reported at line {line:d}, column {column:d}"))
def reported_at(workspace: Workspace, code: str, line: int, column: int) -> None:
    pattern = rf":{line}:{column}: (error|warning)\[{code}\]"
    assert re.search(pattern, workspace.output), workspace.output


@then(parsers.parse('the caret points at "{word}"'))
def caret_under(workspace: Workspace, word: str) -> None:
    lines = workspace.output.splitlines()
    for source, marks in itertools.pairwise(lines):
        if word in source and "^" in marks:
            assert marks.index("^") == source.index(word), f"{source}\n{marks}"
            assert marks.count("^") == len(word), f"{source}\n{marks}"
            return
    raise AssertionError(workspace.output)


@then(parsers.parse("{count:d} syntax errors are reported"))
def syntax_error_count(workspace: Workspace, count: int) -> None:
    found = re.findall(r"error\[ABM1\d\d\]", workspace.output)
    assert len(found) == count, workspace.output


@then(parsers.parse('the file "{name}" is unchanged'))
def unchanged(workspace: Workspace, name: str) -> None:
    text = (workspace.root / name).read_text(encoding="utf-8")
    assert text == workspace.originals[name]


@then(parsers.parse('the file "{name}" now reads:'))
def now_reads(workspace: Workspace, name: str, docstring: str) -> None:
    text = (workspace.root / name).read_text(encoding="utf-8")
    assert text == docstring + "\n"


@given(parsers.parse('accounts in "{name}":'))
def accounts_table(workspace: Workspace, name: str, datatable: list[list[str]]) -> None:
    """A small CRM export; names are made up from the key when the table gives none."""
    header, *rows = datatable
    if "name" not in header:
        header = [*header[:1], "name", *header[1:]]
        rows = [[row[0], f"Company {row[0]}", *row[1:]] for row in rows]
    lines = [";".join(header), *(";".join(row) for row in rows)]
    _write(workspace, name, "\n".join(lines) + "\n")


@given(parsers.parse('a data file "{name}":'))
def data_file(workspace: Workspace, name: str, docstring: str) -> None:
    _write(workspace, name, docstring + "\n")


def _tiers(workspace: Workspace, name: str = "tiers.csv") -> dict[str, dict[str, str]]:
    import csv

    with (workspace.root / name).open(encoding="utf-8") as stream:
        return {row[next(iter(row))]: row for row in csv.DictReader(stream)}


@then(parsers.parse('account "{key}" is in tier "{tier}"'))
def in_tier(workspace: Workspace, key: str, tier: str) -> None:
    assert _tiers(workspace)[key]["tier"] == tier


@then(parsers.parse('account "{key}" is in cluster "{cluster}"'))
def in_cluster(workspace: Workspace, key: str, cluster: str) -> None:
    assert _tiers(workspace)[key]["cluster"] == cluster


@then(parsers.parse('account "{key}" has attractiveness {a} and potential {p}'))
def has_scores(workspace: Workspace, key: str, a: str, p: str) -> None:
    row = _tiers(workspace)[key]
    assert (row["attractiveness"], row["potential"]) == (a, p)


@then(parsers.parse('{count:d} accounts are in tier "{tier}"'))
def count_in_tier(workspace: Workspace, count: int, tier: str) -> None:
    assert sum(r["tier"] == tier for r in _tiers(workspace).values()) == count


@then(parsers.parse('account "{key}" was demoted from "{tier}" because "{reason}"'))
def demoted(workspace: Workspace, key: str, tier: str, reason: str) -> None:
    row = _tiers(workspace)[key]
    assert (row["demoted_from"], row["demotion"]) == (tier, reason)


@then(parsers.parse('no file "{name}" was written'))
def not_written(workspace: Workspace, name: str) -> None:
    assert not (workspace.root / name).exists()


# ---------------------------------------------------------------- schedules (`abm schedule`)


@given(parsers.parse('contacts in "{name}":'))
def contacts_table(workspace: Workspace, name: str, datatable: list[list[str]]) -> None:
    _write(workspace, name, "\n".join(";".join(row) for row in datatable) + "\n")


@given(parsers.parse('the bundled sample data in "{folder}"'))
def sample_data(workspace: Workspace, folder: str) -> None:
    shutil.copytree(PLAYBOOKS / "data", workspace.root / folder)


def _touches(workspace: Workspace, name: str = "touches.csv") -> list[dict[str, str]]:
    import csv

    with (workspace.root / name).open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


@then(parsers.parse("{count:d} touches are scheduled"))
def touch_count(workspace: Workspace, count: int) -> None:
    assert len(_touches(workspace)) == count


@then(parsers.parse('contact "{contact}" gets a {channel} at touch {touch:d} on {date}'))
@then(parsers.parse('contact "{contact}" gets an {channel} at touch {touch:d} on {date}'))
def contact_gets(workspace: Workspace, contact: str, channel: str, touch: int, date: str) -> None:
    rows = [r for r in _touches(workspace) if r["contact"] == contact and r["touch"] == str(touch)]
    assert [(r["channel"], r["date"]) for r in rows] == [(channel, date)], rows


@then(parsers.parse('contact "{contact}" gets no {channel}'))
def contact_gets_no(workspace: Workspace, contact: str, channel: str) -> None:
    rows = _touches(workspace)
    assert not [r for r in rows if (r["contact"], r["channel"]) == (contact, channel)]


@then(parsers.parse("touch {touch:d} falls on business day {day:d} of the cadence"))
def touch_on_day(workspace: Workspace, touch: int, day: int) -> None:
    days = {r["cadence_day"] for r in _touches(workspace) if r["touch"] == str(touch)}
    assert days == {str(day)}


@then(parsers.parse("the {level} contacts get touch {touch:d} as a {channel} on {date}"))
def level_gets(workspace: Workspace, level: str, touch: int, channel: str, date: str) -> None:
    rows = [r for r in _touches(workspace) if r["touch"] == str(touch)]
    assert rows and {(r["contact_level"], r["channel"], r["date"]) for r in rows} == {
        (level, channel, date)
    }


@then("every touch after the first refers back to touch 1")
def refers_to_first(workspace: Workspace) -> None:
    assert {r["refers_to"] for r in _touches(workspace) if r["touch"] != "1"} == {"1"}


@then(parsers.parse('no touch falls on a weekend or public holiday of "{country}"'))
def on_working_days(workspace: Workspace, country: str) -> None:
    import datetime as dt

    import holidays

    days_off = holidays.country_holidays(country, years=range(2026, 2029))
    for row in _touches(workspace):
        day = dt.date.fromisoformat(row["date"])
        assert day not in days_off, row
        assert day.weekday() < 5 or day in days_off.weekend_workdays, row


@then(parsers.parse("no touch is dated {date}"))
def not_on(workspace: Workspace, date: str) -> None:
    assert date not in {r["date"] for r in _touches(workspace)}


@then(parsers.parse('account "{key}" gets no touches'))
def no_touches(workspace: Workspace, key: str) -> None:
    assert key not in {r["account"] for r in _touches(workspace)}


@then(parsers.parse('stage "{stage}" runs from {start} to {end}'))
def stage_dates(workspace: Workspace, stage: str, start: str, end: str) -> None:
    import csv

    with (workspace.root / "plan.csv").open(encoding="utf-8") as stream:
        stages = {r["stage"]: r for r in csv.DictReader(stream)}
    assert (stages[stage]["start"], stages[stage]["end"]) == (start, end)


@then(parsers.parse('the calendar "{name}" has {count:d} events, each on a touch\'s day'))
def calendar_events(workspace: Workspace, name: str, count: int) -> None:
    import icalendar

    events = icalendar.Calendar.from_ical((workspace.root / name).read_bytes()).walk("VEVENT")
    assert len(events) == count
    days = {r["date"] for r in _touches(workspace)}
    assert {e.decoded("DTSTART").isoformat() for e in events} <= days


# ---------------------------------------------------------------- the goal tree (`abm goals`)
_CHILD_GOAL = re.compile(r"^(?:[│ ]  )*[├└]─ (\S+)")
_ROOT_GOAL = re.compile(r"^([^\s│├└]\S*)(?:  |$)")


def _goal_lines(workspace: Workspace, goal: str) -> list[str]:
    """The detail lines `abm goals` printed under one goal of the tree."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in workspace.output.splitlines():
        header = _CHILD_GOAL.match(line) or _ROOT_GOAL.match(line)
        if header:
            current = header.group(1)
            sections[current] = []
        elif current is not None:
            sections[current].append(line.strip("│ "))
    assert goal in sections, workspace.output
    return sections[goal]


@then(parsers.parse('goal "{goal}" declares "{target}"'))
def goal_declares(workspace: Workspace, goal: str, target: str) -> None:
    lines = [" ".join(line.split()) for line in _goal_lines(workspace, goal)]
    assert f"{target} declared" in lines, workspace.output


@then(parsers.parse('goal "{goal}" derives "{target}" by "{rule}"'))
def goal_derives(workspace: Workspace, goal: str, target: str, rule: str) -> None:
    lines = [" ".join(line.split()) for line in _goal_lines(workspace, goal)]
    assert f"{target} derived: {rule}" in lines, workspace.output


# ------------------------------------- schedules: stop and pause rules, stages in the calendar


@given(parsers.parse('activities in "{name}":'))
def activities_table(workspace: Workspace, name: str, datatable: list[list[str]]) -> None:
    _write(workspace, name, "\n".join(";".join(row) for row in datatable) + "\n")


def _touch(workspace: Workspace, contact: str, touch: int) -> dict[str, str]:
    [row] = [r for r in _touches(workspace) if (r["contact"], r["touch"]) == (contact, str(touch))]
    return row


@then(parsers.parse('touch {touch:d} of contact "{contact}" is planned'))
def touch_planned(workspace: Workspace, touch: int, contact: str) -> None:
    row = _touch(workspace, contact, touch)
    assert (row["status"], row["status_reason"]) == ("planned", ""), row


@then(parsers.parse('touch {touch:d} of contact "{contact}" is {status}: "{reason}"'))
def touch_held(workspace: Workspace, touch: int, contact: str, status: str, reason: str) -> None:
    row = _touch(workspace, contact, touch)
    assert (row["status"], row["status_reason"]) == (status, reason), row


@then(
    parsers.parse(
        'the calendar "{name}" has {count:d} touch events, each on a touch\'s day, '
        "and {stages:d} stage events"
    )
)
def calendar_touches_and_stages(workspace: Workspace, name: str, count: int, stages: int) -> None:
    import icalendar

    events = icalendar.Calendar.from_ical((workspace.root / name).read_bytes()).walk("VEVENT")
    plan = [e for e in events if next(str(c) for c in e["CATEGORIES"].cats) == "stage"]
    touches = [e for e in events if e not in plan]
    assert (len(touches), len(plan)) == (count, stages)
    days = {r["date"] for r in _touches(workspace)}
    assert {e.decoded("DTSTART").isoformat() for e in touches} <= days


# ---------------------------------------------------------------- reviewing a change (`abm diff`)


@given("everything in the workspace is committed to git")
def committed(workspace: Workspace) -> None:
    import subprocess

    (workspace.root / ".git").rmdir()  # the stand-in root: a real repository replaces it
    for args in (
        ["init", "-q", "-b", "main"],
        ["config", "user.name", "Strategist"],
        ["config", "user.email", "strategist@example.com"],
        ["add", "."],
        ["commit", "-q", "-m", "the playbook as reviewed"],
    ):
        subprocess.run(["git", *args], cwd=workspace.root, check=True, capture_output=True)
