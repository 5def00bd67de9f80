"""Stop and pause rules applied to the activities: touches after a reply or a meeting are
marked, not dropped; the columns they need are read from the declaration, or the error says
what to declare."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
import pytest

from abmdsl.api import compile_file
from abmdsl.cli_schedule import main
from abmdsl.schedule import ScheduleError, build_schedule
from abmdsl.schedule.build import Schedule
from tests.unit.test_schedule_expand import ACCOUNTS, CONTACTS, PLAYBOOK, WARMUP

ACTIVITIES = """
activities {
  key activity_id: text
  account_id: text references accounts
  contact_id: text optional references contacts
  type: enum(touch, reply, meeting, opportunity)
  on: date
}
"""
RULES = "  stop on reply\n  pause account on meeting\n"
# Touch dates of the expansion tests' cadence: 1, 2 → 15 Feb; 3 → 17; 4 → 18; 5 → 19;
# 6 → 24; 7 → 25; 8 → 1 March. A1 has C1, C2 (C-level: 1, 3, 5, 8) and C3 (deputy: 2, 4, 6,
# 7, 8); A2 has C4 (C-level).
HEADER = "activity_id;account_id;contact_id;type;on\n"


def write(tmp_path: Path, rules: str = RULES, declared: str = ACTIVITIES) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    cadence = WARMUP.replace("  stop on reply\n", rules)
    path = tmp_path / "test.abm"
    path.write_text(PLAYBOOK.format(cadence=cadence, holdout="") + declared, encoding="utf-8")
    (tmp_path / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    (tmp_path / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    return path


def marked(
    tmp_path: Path, activities: str, rules: str = RULES, declared: str = ACTIVITIES
) -> Schedule:
    path = write(tmp_path, rules, declared)
    compiled = compile_file(path)
    assert compiled.ok and compiled.playbook is not None, compiled.diagnostics
    (tmp_path / "activities.csv").write_text(HEADER + activities, encoding="utf-8")
    return build_schedule(
        compiled.playbook,
        compiled.sources,
        tmp_path / "accounts.csv",
        tmp_path / "contacts.csv",
        tmp_path / "activities.csv",
    )


def status(schedule: Schedule, contact: str) -> list[tuple[int, str, str | None]]:
    rows = [r for r in schedule.touches.to_pylist() if r["contact"] == contact]
    return [(r["touch"], r["status"], r["status_reason"]) for r in rows]


def test_a_reply_stops_that_contacts_later_touches_only(tmp_path: Path) -> None:
    sched = marked(tmp_path, "X1;A1;C1;reply;2027-02-17\n")
    why = "reply from C1 on 2027-02-17"
    # touch 3 is on the day of the reply itself: it may have gone out first, so it stays
    assert status(sched, "C1") == [
        (1, "planned", None),
        (3, "planned", None),
        (5, "stopped", why),
        (8, "stopped", why),
    ]
    assert {s for _, s, _ in status(sched, "C2") + status(sched, "C3")} == {"planned"}
    assert len(sched.touches) == 17  # nothing is dropped
    [stop, pause] = sched.held
    assert (stop.rule, stop.status, stop.touches, stop.contacts, stop.accounts) == (
        "stop on reply",
        "stopped",
        2,
        1,
        1,
    )
    assert (pause.rule, pause.touches) == ("pause account on meeting", 0)


def test_a_meeting_pauses_every_contact_of_the_account(tmp_path: Path) -> None:
    sched = marked(tmp_path, "X1;A1;C3;meeting;2027-02-18\nX2;A2;;meeting;2027-02-24\n")
    rows = sched.touches.to_pylist()
    after = [r for r in rows if r["account"] == "A1" and str(r["date"]) > "2027-02-18"]
    assert after and {(r["status"], r["status_reason"]) for r in after} == {
        ("paused", "meeting at A1 with C3 on 2027-02-18")
    }
    assert {r["status"] for r in rows if r["account"] == "A1" and r not in after} == {"planned"}
    # an activity without a contact names the account alone
    assert status(sched, "C4")[-1] == (8, "paused", "meeting at A2 on 2027-02-24")
    assert sched.held[1].accounts == 2 and sched.held[1].touches == len(after) + 1


def test_a_stop_outranks_an_earlier_pause_and_the_earliest_event_is_the_reason(
    tmp_path: Path,
) -> None:
    sched = marked(
        tmp_path,
        "X1;A1;C1;meeting;2027-02-16\nX2;A1;C1;reply;2027-02-24\nX3;A1;C1;reply;2027-02-18\n",
    )
    assert status(sched, "C1") == [
        (1, "planned", None),
        (3, "paused", "meeting at A1 with C1 on 2027-02-16"),
        (5, "stopped", "reply from C1 on 2027-02-18"),
        (8, "stopped", "reply from C1 on 2027-02-18"),
    ]


def test_an_activity_finds_its_account_through_its_contact(tmp_path: Path) -> None:
    declared = ACTIVITIES.replace("  account_id: text references accounts\n", "")
    path_rows = "X1;C4;meeting;2027-02-16\n"
    sched_path = write(tmp_path, RULES, declared)
    compiled = compile_file(sched_path)
    assert compiled.playbook is not None
    (tmp_path / "a.csv").write_text("activity_id;contact_id;type;on\n" + path_rows, "utf-8")
    sched = build_schedule(
        compiled.playbook,
        compiled.sources,
        tmp_path / "accounts.csv",
        tmp_path / "contacts.csv",
        tmp_path / "a.csv",
    )
    assert status(sched, "C4")[1:] == [
        (3, "paused", "meeting at A2 with C4 on 2027-02-16"),
        (5, "paused", "meeting at A2 with C4 on 2027-02-16"),
        (8, "paused", "meeting at A2 with C4 on 2027-02-16"),
    ]


def test_other_events_and_other_contacts_change_nothing(tmp_path: Path) -> None:
    sched = marked(tmp_path, "X1;A1;C1;opportunity;2027-02-16\nX2;A3;;meeting;2027-02-16\n")
    assert {r["status"] for r in sched.touches.to_pylist()} == {"planned"}
    assert sched.activities == 2


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ("", "the playbook declares no `activities`"),
        (ACTIVITIES.replace("  on: date\n", ""), "`activities` have no date field"),
        (
            ACTIVITIES.replace("  on: date\n", "  on: date\n  logged: date\n"),
            "`activities` have 2 date fields (`on`, `logged`)",
        ),
        (
            ACTIVITIES.replace("reply, meeting, ", ""),
            "no enum field of `activities` has the value `reply` or `meeting`",
        ),
        (
            ACTIVITIES.replace("  on: date\n", "  on: date\n  outcome: enum(reply, none)\n"),
            "`type` and `outcome` of `activities` both hold",
        ),
        (
            ACTIVITIES.replace("reply, ", ""),
            "`type` of `activities` has no value `reply`, so `stop on reply`",
        ),
        (
            ACTIVITIES.replace("  contact_id: text optional references contacts\n", ""),
            "`stop on reply` needs to know whom each activity is with",
        ),
    ],
)
def test_a_declaration_that_does_not_say_what_the_rules_need(
    tmp_path: Path, declared: str, message: str
) -> None:
    with pytest.raises(ScheduleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        marked(tmp_path, "", declared=declared)


def argv(tmp_path: Path, *extra: object) -> list[str]:
    return [
        "schedule",
        str(tmp_path / "test.abm"),
        "--accounts",
        str(tmp_path / "accounts.csv"),
        "--contacts",
        str(tmp_path / "contacts.csv"),
        "--activities",
        str(tmp_path / "activities.csv"),
        *(str(e) for e in extra),
    ]


def test_the_cli_marks_counts_and_leaves_held_touches_out_of_the_ics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path)
    (tmp_path / "activities.csv").write_text(
        HEADER + "X1;A1;C1;reply;2027-02-17\nX2;A2;C4;meeting;2027-02-16\n", "utf-8"
    )
    assert main(argv(tmp_path, "-o", tmp_path / "t.json")) == 0
    out = capsys.readouterr().out
    assert "2 activities read: 2 touches stopped and 3 paused by the cadences' rules" in out
    assert "warm: `stop on reply` stopped 2 touches of 1 contact" in out
    assert "warm: `pause account on meeting` paused 3 touches of 1 account" in out
    document = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    rules = document["stop_rules"]
    assert (rules["activities"], rules["stopped"], rules["paused"]) == (2, 2, 3)
    assert [r["rule"] for r in rules["by_rule"]] == ["stop on reply", "pause account on meeting"]
    assert sum(t["status"] != "planned" for t in document["touches"]) == 5
    assert main(argv(tmp_path, "-o", tmp_path / "t.ics")) == 0
    out = capsys.readouterr().out
    assert "wrote 12 touches and 1 stage of the plan" in out
    assert "left out 2 stopped and 3 paused touches" in out
    events = icalendar.Calendar.from_ical((tmp_path / "t.ics").read_bytes()).walk("VEVENT")
    assert len(events) == 12 + 1


def test_without_activities_nothing_changes(tmp_path: Path) -> None:
    write(tmp_path)
    assert main([*argv(tmp_path)[:-2], "-o", str(tmp_path / "t.csv")]) == 0
    header = (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "status" not in header


def test_bad_activities_exit_2_with_the_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path)
    (tmp_path / "activities.csv").write_text(
        HEADER + "X1;A1;C1;reply;2027-02-17\nX2;A1;C1;replied;2027-02-18\n", "utf-8"
    )
    assert main(argv(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "row 2" in err and "replied" in err and "Traceback" not in err
    assert main([*argv(tmp_path)[:-1], str(tmp_path / "none.csv")]) == 2
    assert "no such activities file" in capsys.readouterr().err


def test_a_playbook_without_activities_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, declared="")
    (tmp_path / "activities.csv").write_text(HEADER, "utf-8")
    assert main(argv(tmp_path)) == 2
    assert "declares no `activities`" in capsys.readouterr().err


def test_marked_outputs_are_byte_identical(tmp_path: Path) -> None:
    write(tmp_path)
    (tmp_path / "activities.csv").write_text(
        HEADER + "X1;A1;C1;reply;2027-02-17\nX2;A1;C3;meeting;2027-02-17\n", "utf-8"
    )
    for name in ("a.csv", "b.csv", "a.ics", "b.ics"):
        assert main(argv(tmp_path, "-o", tmp_path / name)) == 0
    for kind in ("csv", "ics"):
        assert (tmp_path / f"a.{kind}").read_bytes() == (tmp_path / f"b.{kind}").read_bytes()
