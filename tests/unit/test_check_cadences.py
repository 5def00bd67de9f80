"""Cadences (ABM202, ABM213, ABM214, ABM230) and the plan's stages and RACI (ABM215, ABM216)."""

from __future__ import annotations

from abmdsl.api import compile_text
from abmdsl.diagnostics import Diagnostic

PRELUDE = """\
playbook "P" { horizon 90 days }
accounts { key account_id: text  fit: int 1..5 }
contacts { key contact_id: text  level: enum(c_level, c_minus_1) }
tier top when fit >= 4 { cadence warmup }
tier rest otherwise
"""


def check(text: str) -> list[Diagnostic]:
    return compile_text(PRELUDE + text, "p.abm").diagnostics


def cadence(*steps: str, days: int = 10) -> str:
    body = "".join(f"  {s}\n" for s in steps)
    return f"cadence warmup over {days} business days {{\n{body}}}\n"


def messages(diagnostics: list[Diagnostic], code: str) -> list[str]:
    return [d.message for d in diagnostics if d.code == code]


def test_a_cadence_defined_twice_is_reported_once_with_the_first_one_noted() -> None:
    first = cadence("day 1: email to c_level")
    second = cadence("day 12: telegram to nobody")  # broken steps: not checked again
    diagnostics = check(first + second)
    assert [(d.code, d.message) for d in diagnostics] == [
        ("ABM202", "`warmup` is already defined as a cadence")
    ]
    assert diagnostics[0].notes[0][0] == "first defined here"
    assert diagnostics[0].notes[0][1] is not None and diagnostics[0].notes[0][1].line == 6


def test_steps_in_order_check_clean() -> None:
    steps = ("touch 1 on day 1: gift to c_level", "touch 2 on day 3: email to c_minus_1")
    assert check(cadence(*steps, "touch 3 on day 3: call to c_level refers to touch 1")) == []


def test_steps_out_of_order() -> None:
    diagnostics = check(
        cadence(
            "touch 1 on day 3: email to c_level",
            "touch 2 on day 2: call to c_level",
            "touch 2 on day 4: gift to c_level",
            "touch 1 on day 5: email to c_minus_1",
        )
    )
    assert messages(diagnostics, "ABM213") == [
        "touch 2 is on day 2, before the step above it (day 3)",
        "touch 2 is numbered again",
        "touch 1 is listed after touch 2",
    ]
    assert all(d.notes[0][0] == "the step before it" for d in diagnostics)


def test_steps_beyond_the_cadence_length() -> None:
    diagnostics = check(cadence("day 1: email to c_level", "day 11: call to c_level", days=10))
    assert messages(diagnostics, "ABM214") == [
        "day 11 is outside `warmup`, which lasts 10 business days"
    ]


def test_references_must_point_back() -> None:
    diagnostics = check(
        cadence(
            "touch 1 on day 1: email to c_level refers to touch 1",
            "touch 2 on day 2: call to c_level refers to touch 3",
            "touch 3 on day 3: gift to c_level refers to touch 9",
            "touch 4 on day 4: email to c_minus_1 refers to touch 2",
        )
    )
    assert messages(diagnostics, "ABM230") == [
        "touch 1 refers to itself",
        "touch 2 refers to touch 3, which comes after it",
        "`warmup` has no touch 9",
    ]


PLAN_ROLES = "  roles sponsor, lead, analyst\n"


def plan(*stages: str) -> str:
    return "plan {\n" + PLAN_ROLES + "".join(f"  {s}\n" for s in stages) + "}\n"


def test_stages_must_lie_within_the_horizon() -> None:
    owner = "{ accountable sponsor responsible lead consulted analyst }"
    diagnostics = check(
        cadence("day 1: email to c_level")
        + plan(
            f"stage a weeks 1..2 {owner}",
            f"stage b weeks 5..4 {owner}",
            f"stage c weeks 12..14 {owner}",
            f"stage d week 0 {owner}",
        )
    )
    assert messages(diagnostics, "ABM215") == [
        "weeks 5..4 run backwards",
        "`c` runs to week 14, past the horizon of 90 days (13 weeks)",
        "`d` starts in week 0, before the pilot starts",
    ]


def test_each_stage_has_exactly_one_accountable_role() -> None:
    diagnostics = check(
        cadence("day 1: email to c_level")
        + plan(
            "stage a week 1 { responsible lead consulted analyst informed sponsor }",
            "stage b week 2 { accountable sponsor, lead responsible analyst }",
            "stage c week 3 { accountable sponsor accountable lead }",
        )
    )
    assert messages(diagnostics, "ABM216") == [
        "no role is accountable for the stage `a`",
        "the stage `b` has 2 accountable roles (`sponsor`, `lead`); a stage has exactly one",
        "the stage `c` has 2 accountable roles (`sponsor`, `lead`); a stage has exactly one",
    ]
    # The second accountable role is the one pointed at.
    second = [d for d in diagnostics if d.code == "ABM216"][1]
    assert second.span is not None and (second.span.column, second.span.end_column) == (41, 45)


def test_a_stage_named_twice_points_at_the_first() -> None:
    owner = "{ accountable sponsor responsible lead consulted analyst }"
    diagnostics = check(
        cadence("day 1: email to c_level")
        + plan(f"stage a week 1 {owner}", f"stage a week 2 {owner}")
    )
    [d] = diagnostics
    assert (d.code, d.message, d.notes[0][0]) == (
        "ABM202",
        "the plan already has a stage `a`",
        "the first one is here",
    )


def test_a_recontact_window_reaches_the_ir() -> None:
    result = compile_text(
        PRELUDE + cadence("day 1: email to c_level", "recontact after 2 business days"), "p.abm"
    )
    assert result.ok, result.diagnostics
    assert result.playbook is not None
    assert result.playbook.cadences["warmup"].recontact_days == 2


def test_a_recontact_window_of_no_days_is_refused() -> None:
    diagnostics = check(cadence("day 1: email to c_level", "recontact after 0 business days"))
    assert messages(diagnostics, "ABM211") == ["a re-contact window of no days holds nothing back"]


def test_a_recontact_window_is_said_once() -> None:
    diagnostics = check(
        cadence(
            "day 1: email to c_level",
            "recontact after 2 business days",
            "recontact after 3 business days",
        )
    )
    assert messages(diagnostics, "ABM226") == ["`warmup` says `recontact after` twice"]
    assert diagnostics[0].notes[0][1] is not None
