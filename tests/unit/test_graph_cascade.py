"""Goal cascading: targets pushed down through conversions and splits; the tree's checks."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from abmdsl.api import compile_file, compile_text
from abmdsl.cli import main
from abmdsl.graph.cascade import Cascade, cascade
from abmdsl.ir import Playbook

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "playbooks" / "pharma_pilot.abm"

HEAD = """playbook "P" { horizon 90 days  currency USD }
accounts { key id: text }
activities { key activity_id: text  account_id: text references accounts  type: text }
kpi invitations = count(activities where type = "tender_invitation")  target >= 4
kpi talks = count(activities where type = "discussion")  target >= 10
verdict pass when invitations and talks
tier all otherwise
"""


def compiled(text: str) -> tuple[Playbook | None, list[tuple[str, str]]]:
    result = compile_text(HEAD + text, "p.abm")
    return result.playbook, [(d.code, d.message) for d in result.diagnostics]


def tree(text: str) -> Cascade:
    playbook, diagnostics = compiled(text)
    assert playbook is not None, diagnostics
    return cascade(playbook)


def targets(c: Cascade, goal: str) -> list[tuple[str, str]]:
    return [(t.text, t.rule) for t in c.goals[goal].targets]


# ---------------------------------------------------------------- the seed's cascade
def test_two_contracts_at_50_percent_need_four_tender_invitations() -> None:
    playbook = compile_file(SEED).playbook
    assert playbook is not None
    c = cascade(playbook)
    assert targets(c, "new_clients") == [
        ("revenue_growth >= 18%", "60% of 30%"),
        ("contracts >= 2", "declared"),
        ("tender_invitations >= 4", "2 ÷ 50%, rounded up"),
    ]
    assert targets(c, "expansion") == [("revenue_growth >= 12%", "40% of 30%")]
    assert list(c.goals) == ["pharma_growth", "new_clients", "expansion"]  # parents first
    assert [(r.kpi, r.ok, r.day) for r in c.goals["new_clients"].measured_by] == [
        ("tender_invitations", True, 64)
    ]
    assert c.problems == ()


@pytest.mark.parametrize(
    ("target", "rate", "needed"),
    [("2", "50%", "4"), ("3", "25%", "12"), ("2", "30%", "7"), ("1", "100%", "1")],
)
def test_conversions_round_up_to_a_whole_number(target: str, rate: str, needed: str) -> None:
    via = f"via invitations at {rate}"
    c = tree(f"goal g {{ target contracts >= {target} {via}  measured by invitations }}")
    assert c.goals["g"].targets[1].text == f"invitations >= {needed}"


# ---------------------------------------------------------------- splits
def test_amounts_split_the_parent_by_their_share_of_its_money_target() -> None:
    c = tree(
        """goal grow {
  target revenue >= 500000 USD
  target contracts >= 5
  goal new { contributes 300000 USD  measured by invitations }
  goal old { contributes 200000 USD  measured by talks }
}"""
    )
    assert [(s.fraction, s.rule) for s in (c.goals["new"].share, c.goals["old"].share)] == [
        (Decimal("0.6"), "300000 USD of 500000 USD"),
        (Decimal("0.4"), "200000 USD of 500000 USD"),
    ]
    assert targets(c, "new") == [
        ("revenue >= 300000 USD", "60% of 500000 USD"),
        ("contracts >= 3", "60% of 5"),
    ]
    assert targets(c, "old") == [
        ("revenue >= 200000 USD", "40% of 500000 USD"),
        ("contracts >= 2", "40% of 5"),
    ]


def test_a_share_of_a_count_is_rounded_up_and_a_cap_down() -> None:
    c = tree(
        """goal grow {
  target contracts >= 5
  target cost <= 1001 USD
  goal a { contributes 50%  measured by invitations }
  goal b { contributes 50%  measured by talks }
}"""
    )
    assert targets(c, "a") == [
        ("contracts >= 3", "50% of 5, rounded up"),
        ("cost <= 500.5 USD", "50% of 1001 USD"),
    ]


def test_a_sub_goal_without_a_share_takes_the_rest() -> None:
    c = tree(
        """goal grow {
  target revenue_growth >= 30%
  goal a { contributes 70%  measured by invitations }
  goal b { measured by talks }
}"""
    )
    share = c.goals["b"].share
    assert share is not None and (share.how, share.rule) == ("rest", "the rest of grow")
    assert targets(c, "b") == [("revenue_growth >= 9%", "30% of 30%")]


def test_targets_cascade_through_every_level() -> None:
    c = tree(
        """goal grow {
  target contracts >= 4 via invitations at 50%
  goal region {
    contributes 50%
    goal city { contributes 50%  measured by invitations }
    goal rest { contributes 50%  measured by talks }
  }
  goal other { contributes 50%  measured by talks }
}"""
    )
    assert targets(c, "city") == [
        ("contracts >= 1", "50% of 2"),
        ("invitations >= 2", "50% of 4"),
    ]
    assert c.goals["city"].depth == 2


def test_a_sub_goal_keeps_the_target_it_sets_itself() -> None:
    c = tree(
        """goal grow {
  target contracts >= 4
  goal a { contributes 50%  target contracts >= 3  measured by invitations }
  goal b { contributes 50%  measured by talks }
}"""
    )
    assert targets(c, "a") == [("contracts >= 3", "declared")]
    assert targets(c, "b") == [("contracts >= 2", "50% of 4")]


# ---------------------------------------------------------------- what cannot add up (ABM303)
def test_sub_goals_whose_own_targets_fall_short_are_an_error() -> None:
    _, diagnostics = compiled(
        """goal grow {
  target contracts >= 5
  goal a { contributes 50%  target contracts >= 1  measured by invitations }
  goal b { contributes 50%  measured by talks }
}"""
    )
    assert diagnostics == [
        (
            "ABM303",
            "the sub-goals of `grow` aim at contracts >= 4 together, short of the "
            "contracts >= 5 it needs",
        )
    ]


def test_amounts_without_a_money_target_cannot_be_split() -> None:
    _, diagnostics = compiled(
        """goal grow {
  target contracts >= 5
  goal a { contributes 300000 USD  measured by invitations }
  goal b { contributes 40%  measured by talks }
}"""
    )
    assert diagnostics == [
        (
            "ABM303",
            "`a` contributes 300000 USD, but `grow` has no target in money to take it from",
        )
    ]


def test_shares_and_amounts_together_must_make_the_whole() -> None:
    _, diagnostics = compiled(
        """goal grow {
  target revenue >= 100000 USD
  goal a { contributes 50000 USD  measured by invitations }
  goal b { contributes 40%  measured by talks }
}"""
    )
    assert diagnostics == [
        ("ABM303", "the sub-goals of `grow` contribute 90% of it, not 100%"),
    ]


def test_declared_shares_may_not_exceed_the_whole_before_the_rest() -> None:
    _, diagnostics = compiled(
        """goal grow {
  goal a { contributes 70%  measured by invitations }
  goal b { contributes 40%  measured by talks }
  goal c { measured by talks }
}"""
    )
    assert diagnostics == [
        (
            "ABM303",
            "the sub-goals of `grow` that say what they contribute contribute 110% of it, "
            "more than the whole",
        )
    ]


def test_amounts_that_overshoot_a_lower_bound_are_fine_but_not_a_cap() -> None:
    over = """goal grow {
  target revenue %s 100000 USD
  goal a { contributes 70000 USD  measured by invitations }
  goal b { contributes 40000 USD  measured by talks }
}"""
    assert compiled(over % ">=")[1] == []
    assert [code for code, _ in compiled(over % "<=")[1]] == ["ABM303"]


def test_all_percentages_off_100_stay_abm233_alone() -> None:
    _, diagnostics = compiled(
        """goal grow {
  goal a { contributes 60%  measured by invitations }
  goal b { contributes 30%  measured by talks }
}"""
    )
    assert [code for code, _ in diagnostics] == ["ABM233"]


# ---------------------------------------------------------------- leaves are measured (ABM301/302)
def test_a_leaf_goal_no_kpi_measures_is_warned_about() -> None:
    _, diagnostics = compiled('goal grow { goal a { measured by talks }  goal b "Idle" { } }')
    assert diagnostics == [
        (
            "ABM301",
            "no KPI measures the goal `b`, so the pilot cannot tell whether it was reached",
        )
    ]


def test_a_kpi_measuring_by_measures_counts_as_measuring() -> None:
    playbook, diagnostics = compiled(
        "goal grow { }\nkpi x = count(activities)  target >= 1  measures grow"
    )
    assert playbook is not None and diagnostics == []


def test_a_measure_without_a_target_is_out_of_reach() -> None:
    _, diagnostics = compiled("goal grow { measured by counted }\nkpi counted = count(activities)")
    assert diagnostics == [
        (
            "ABM302",
            "the goal `grow` is measured only by `counted`, which the pilot cannot reach "
            "within 90 days",
        )
    ]


SIMULATE = """
simulate {
  reply email 5%
  convert reply to meeting 50% after 3 days
  convert meeting to tender_invitation 50% after DELAY
}
"""


def test_a_stage_that_comes_after_the_horizon_is_out_of_reach() -> None:
    late, on_time = (
        compiled("goal grow { measured by invitations }" + SIMULATE.replace("DELAY", delay))
        for delay in ("13 weeks", "10 weeks")
    )
    assert [code for code, _ in late[1]] == ["ABM302"]
    assert on_time[1] == []


def test_the_earliest_day_starts_with_the_stage_that_launches_cadences() -> None:
    text = (
        "goal grow { measured by invitations }"
        + SIMULATE.replace("DELAY", "30 days")
        + """
cadence warm over 5 business days { touch 1 on day 2: email to c_level }
plan {
  stage prep weeks 1..2 { accountable lead }
  stage launch "Cadence launch" weeks 8..9 { accountable lead }
}
"""
    )
    result = compile_text(
        HEAD.replace("tier all otherwise", "tier all otherwise { cadence warm }") + text
    )
    assert result.playbook is not None
    reach = cascade(result.playbook).goals["grow"].measured_by[0]
    # week 8 starts on day 50; touch on its day 2 → 51; meeting +3; invitation +30 → 84
    assert (reach.ok, reach.day) == (True, 84)


def test_unknown_timing_is_not_a_warning() -> None:
    _, diagnostics = compiled(
        "goal grow { measured by anything }\nkpi anything = count(activities)  target >= 1"
    )
    assert diagnostics == []


# ---------------------------------------------------------------- `abm goals`
def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_abm_goals_prints_the_tree_with_declared_and_derived_targets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, output = run("goals", str(SEED), capsys=capsys)
    assert code == 0
    lines = output.splitlines()
    assert lines[0] == 'Goals of "Pharma pilot 2027" (horizon 90 days)'
    assert "├─ new_clients  Sign two new annual contracts" in lines
    assert "│     tender_invitations >= 4    derived: 2 ÷ 50%, rounded up" in lines
    assert "│     contracts >= 2             declared" in lines
    assert "└─ expansion  Sell solution X into current project Y" in lines
    assert "      revenue_growth >= 12%      derived: 40% of 30%" in lines


def test_abm_goals_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run("goals", str(SEED), "--format", "json", capsys=capsys)
    data = json.loads(output)
    assert code == 0
    new = next(g for g in data["goals"] if g["name"] == "new_clients")
    assert new["share"] == {"fraction": "0.6", "how": "declared", "rule": "60% of pharma_growth",
                            "amount": None}  # fmt: skip
    assert {t["metric"]: t["value"] for t in new["targets"]}["tender_invitations"] == "4"


def test_abm_goals_refuses_a_playbook_with_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.abm"
    broken.write_text(HEAD + "goal g { goal a { contributes 60% }  goal b { contributes 60% } }\n")
    code, output = run("goals", str(broken), capsys=capsys)
    assert code == 2 and "ABM233" in output
