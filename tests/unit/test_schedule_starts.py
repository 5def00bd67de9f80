"""A tier's own cadence start: `cadence NAME from week N` or `from DATE` — checked (ABM211)
and used by the schedule instead of the plan's cadence stage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from abmdsl.api import compile_file, compile_text
from abmdsl.schedule import build_schedule, count_workload
from abmdsl.schedule.build import Schedule
from abmdsl.schedule.report import render
from tests.unit.test_schedule_expand import ACCOUNTS, CONTACTS, PLAYBOOK, WARMUP

D = dt.date


def started(tmp_path: Path, start: str) -> Schedule:
    (tmp_path / ".git").mkdir(exist_ok=True)
    text = PLAYBOOK.format(cadence=WARMUP, holdout="").replace(
        "  cadence warm\n", f"  cadence warm {start}\n"
    )
    path = tmp_path / "test.abm"
    path.write_text(text, encoding="utf-8")
    compiled = compile_file(path)
    assert compiled.ok and compiled.playbook is not None, compiled.diagnostics
    (tmp_path / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    (tmp_path / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    return build_schedule(
        compiled.playbook, compiled.sources, tmp_path / "accounts.csv", tmp_path / "contacts.csv"
    )


def first_day(schedule: Schedule) -> dt.date:
    return min(r["date"] for r in schedule.touches.to_pylist())


def test_a_tier_starts_its_cadence_in_its_own_week(tmp_path: Path) -> None:
    sched = started(tmp_path, "from week 3")  # the plan's cadence stage is week 6
    assert first_day(sched) == D(2027, 1, 25)
    day3 = {r["date"] for r in sched.touches.to_pylist() if r["cadence_day"] == 3}
    assert day3 == {D(2027, 1, 27)}
    text = render(sched, count_workload(sched.touches, sched.end))
    assert "tier `top` starts its cadence in week 3: 2027-01-25" in text


def test_a_date_on_a_day_off_starts_on_the_next_business_day(tmp_path: Path) -> None:
    sched = started(tmp_path, "from 2027-02-23")  # Defender of the Fatherland Day in Russia
    assert first_day(sched) == D(2027, 2, 24)


def test_without_a_start_of_its_own_the_plan_decides(tmp_path: Path) -> None:
    assert first_day(started(tmp_path, "")) == D(2027, 2, 15)


PRELUDE = """\
playbook "P" {{ start 2027-01-11  horizon 90 days }}
contacts {{ key contact_id: text  level: enum(c_level) }}
cadence c over 3 business days {{
  day 1: email to c_level
}}
tier all otherwise {{
  cadence c {start}
}}
"""


def test_the_start_reaches_the_ir() -> None:
    result = compile_text(PRELUDE.format(start="from week 6"), "p")
    assert result.ok and result.playbook is not None
    assert result.playbook.tiers[0].cadence_from_week == 6
    result = compile_text(PRELUDE.format(start="from 2027-02-15"), "p")
    assert result.ok and result.playbook is not None
    assert result.playbook.tiers[0].cadence_from_date == D(2027, 2, 15)


def test_a_start_outside_the_pilot_is_refused() -> None:
    for start, message in [
        ("from week 14", "`c` would start in week 14, outside the pilot (weeks 1 to 13)"),
        ("from week 0", "`c` would start in week 0, outside the pilot (weeks 1 to 13)"),
        (
            "from 2027-04-11",
            "`c` would start on 2027-04-11, outside the pilot (2027-01-11 to 2027-04-10)",
        ),
    ]:
        diagnostics = compile_text(PRELUDE.format(start=start), "p").diagnostics
        assert [(d.code, d.message) for d in diagnostics] == [("ABM211", message)]
