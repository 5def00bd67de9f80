"""The plan's capacity per role and budget: parsed, checked (ABM211, ABM223, ABM226, ABM249)
and carried into the IR."""

from __future__ import annotations

from decimal import Decimal

from abmdsl.api import Compiled, compile_text
from abmdsl.diagnostics import Diagnostic
from abmdsl.ir import RoleCapacityIR

PRELUDE = """\
playbook "P" { horizon 90 days  currency USD }
accounts { key account_id: text }
tier all otherwise
"""


def compiled(*lines: str) -> Compiled:
    body = "".join(f"  {line}\n" for line in lines)
    text = f"plan {{\n  roles bdr, analyst\n{body}  stage s week 1 {{\n"
    text += "    accountable bdr\n    responsible analyst\n  }\n}\n"
    return compile_text(PRELUDE + text, "p.abm")


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics if d.severity == "error"]


def test_capacity_and_budget_reach_the_ir() -> None:
    result = compiled(
        "capacity bdr 40 touches per day, 6 h per day",
        "capacity analyst 30 h per week",
        "budget 25000 USD",
    )
    assert codes(result.diagnostics) == []
    plan = result.playbook.plan
    assert plan.capacity == {
        "bdr": RoleCapacityIR(touches_per_day=40, hours_per_day=Decimal(6)),
        "analyst": RoleCapacityIR(hours_per_week=Decimal(30)),
    }
    assert plan.budget == Decimal(25000)


def test_working_days_and_weeks_are_counted_in_hours() -> None:
    result = compiled("capacity analyst 2 days per week, 90 min per day")
    cap = result.playbook.plan.capacity["analyst"]
    assert (cap.hours_per_week, cap.hours_per_day) == (Decimal(16), Decimal("1.5"))


def test_a_capacity_of_nothing_is_refused() -> None:
    result = compiled("capacity bdr 0 touches per day", "capacity analyst 0 h per week")
    assert codes(result.diagnostics) == ["ABM211", "ABM211"]


def test_a_budget_of_nothing_is_refused() -> None:
    assert codes(compiled("budget 0 USD").diagnostics) == ["ABM211"]


def test_the_role_must_be_declared() -> None:
    diagnostics = compiled("capacity sdr 40 touches per day").diagnostics
    assert [(d.code, d.message) for d in diagnostics] == [("ABM223", "unknown role `sdr`")]


def test_a_limit_said_twice_for_a_role_is_reported_with_the_first_one() -> None:
    diagnostics = compiled(
        "capacity bdr 40 touches per day", "capacity bdr 50 touches per day"
    ).diagnostics
    assert [d.message for d in diagnostics] == ["`bdr` says `touches per day` twice"]
    assert diagnostics[0].code == "ABM226"
    assert diagnostics[0].notes[0][1] is not None


def test_the_budget_is_said_once_and_in_the_playbook_currency() -> None:
    diagnostics = compiled("budget 100 USD", "budget 200 USD").diagnostics
    assert codes(diagnostics) == ["ABM226"]
    assert codes(compiled("budget 100 EUR").diagnostics) == ["ABM249"]


def test_business_days_are_not_working_time() -> None:
    assert codes(compiled("capacity analyst 3 business days per week").diagnostics) == ["ABM203"]
