"""The plan on the calendar: dated stages, the RACI matrix and the day the cadences start."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from abmdsl.api import compile_file, compile_text
from abmdsl.ir import Playbook
from abmdsl.schedule.calendar import BusinessCalendar
from abmdsl.schedule.plan import cadence_start, dated_stages, pilot_end, raci_matrix

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
D = dt.date


def playbook(name: str) -> Playbook:
    compiled = compile_file(PLAYBOOKS / name)
    assert compiled.playbook is not None
    return compiled.playbook


def test_the_seeds_stages_get_dates_from_week_one_on_the_start() -> None:
    pb = playbook("pharma_pilot.abm")
    assert pb.start is not None
    stages = {s.name: s for s in dated_stages(pb, pb.start, BusinessCalendar.of(pb))}
    dates = {name: (s.start, s.end) for name, s in stages.items()}
    assert dates["preparation"] == (D(2027, 1, 11), D(2027, 1, 24))
    assert dates["selection"] == (D(2027, 1, 25), D(2027, 1, 31))
    assert dates["cadences"] == (D(2027, 2, 15), D(2027, 3, 14))
    # 90 days end on 10 April, in the middle of week 13: the wrap-up is cut there
    assert pilot_end(pb, pb.start) == D(2027, 4, 10)
    assert dates["wrap_up"] == (D(2027, 3, 29), D(2027, 4, 10))
    # weeks 6–9 in Russia: 20 working days, less 22–23 February and 8 March, plus Saturday 20 Feb
    assert stages["cadences"].business_days == 18
    assert stages["preparation"].business_days == 10


def test_the_raci_matrix_has_a_letter_per_role_and_stage() -> None:
    matrix = raci_matrix(playbook("pharma_pilot.abm"))
    assert matrix["sponsor"] == {
        "preparation": "A",
        "selection": "C",
        "cadences": "I",
        "responses": "I",
        "wrap_up": "A",
    }
    assert matrix["presale"] == {"responses": "R", "wrap_up": "I"}
    assert all(matrix["project_lead"].get(s) for s in ("preparation", "research", "wrap_up"))


@pytest.mark.parametrize(
    ("name", "stage", "day"),
    [
        ("pharma_pilot.abm", "cadences", D(2027, 2, 15)),
        ("pilot_ru.abm", "запуск_каденций", D(2027, 2, 15)),
        ("it_cluster_pl.abm", "uruchomienie_kadencji", D(2027, 4, 5)),
    ],
)
def test_cadences_start_with_the_stage_that_launches_them(
    name: str, stage: str, day: dt.date
) -> None:
    pb = playbook(name)
    assert pb.start is not None
    launch = cadence_start(pb, pb.start, BusinessCalendar.of(pb))
    assert (launch.stage, launch.date) == (stage, day)


def test_the_cadence_start_moves_to_the_next_business_day() -> None:
    # week 6 of a pilot starting on 29 March 2027 begins on Monday 3 May, a Polish holiday
    pb = compile_text(
        'playbook "P" { start 2027-03-29  horizon 90 days  calendar PL }\n'
        "tier all otherwise { cadence warm }\n"
        "cadence warm over 5 business days { day 1: email to c_level }\n"
        'plan { stage launch "Cadence launch" weeks 6..9 { accountable lead } }\n'
    ).playbook
    assert pb is not None
    launch = cadence_start(pb, D(2027, 3, 29), BusinessCalendar.of(pb))
    assert launch.date == D(2027, 5, 4)


def test_without_a_cadence_stage_cadences_start_with_the_pilot() -> None:
    pb = compile_text(
        'playbook "P" { start 2027-01-01  horizon 90 days  calendar RU }\ntier all otherwise\n'
    ).playbook
    assert pb is not None
    launch = cadence_start(pb, D(2027, 1, 1), BusinessCalendar.of(pb))
    assert (launch.stage, launch.date) == (None, D(2027, 1, 11))
    assert "start with the pilot" in launch.reason
    assert dated_stages(pb, D(2027, 1, 1), BusinessCalendar.of(pb)) == []
    assert raci_matrix(pb) == {}
