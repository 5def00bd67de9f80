"""`KPI of GROUP`: the control group, other accounts, one tier — checked, formatted, measured."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from abmdsl.api import compile_text
from abmdsl.evaluate import evaluate_playbook
from abmdsl.formatter import format_source

HEAD = """abm 1
playbook "Groups" {
  start 2027-01-11
  horizon 90 days
  currency USD
}

accounts {
  key account_id: text
  fit: int 0..5
}

activities {
  key activity_id: text
  account_id: text references accounts
  type: enum(touch, meeting)
  channel: text optional
  cost: money optional
  on: date
}

tier top when fit >= 4
tier middle when fit >= 2 {
  holdout 50% seed 1
}
tier rest otherwise
"""


def codes(text: str) -> list[str]:
    return [d.code for d in compile_text(HEAD + text, "groups.abm").diagnostics]


def test_a_kpi_measured_on_another_group_checks_clean() -> None:
    assert (
        codes(
            'kpi meetings = count(activities where type = "meeting")\n'
            "  target >= meetings of control * 2\n"
            "kpi lift = meetings / meetings of control\n"
            "  target >= 1.5\n"
            "kpi top_share = meetings of top / meetings\n"
            "  target >= 50%\n"
            'kpi cold_cost = sum(activities.cost where channel = "cold_email") of all\n'
            "  target <= 100 USD\n"
            "verdict pass when meetings and lift and top_share and cold_cost\n"
        )
        == []
    )


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("kpi k = count(activities) of holdout\n", "ABM250", "write `control`"),
        ("kpi k = count(activities) of contol\n", "ABM250", "did you mean `control`?"),
        ("kpi k = count(activities where (fit of control) > 1)\n", "ABM250", "inside `where`"),
    ],
)
def test_mistakes_with_groups(text: str, code: str, words: str) -> None:
    compiled = compile_text(HEAD + text + "  target >= 1\nverdict pass when k\n", "groups.abm")
    found = [d for d in compiled.diagnostics if d.code == code]
    assert found, compiled.diagnostics
    assert words in f"{found[0].message} {found[0].hint}"


def test_of_belongs_to_kpis() -> None:
    text = HEAD.replace("tier top when fit >= 4", "tier top when (fit of control) >= 4")
    assert "ABM245" in [d.code for d in compile_text(text, "groups.abm").diagnostics]


def test_a_real_circle_through_of_is_still_one() -> None:
    found = codes("kpi a = b of control\n  target >= 1\nkpi b = a + 1\nverdict pass when a and b\n")
    assert "ABM212" in found


def test_a_warn_level_naming_a_kpi_built_on_this_one_is_no_circle() -> None:
    assert "ABM212" not in codes(
        "kpi a = count(activities)\n  target >= b\n  warn >= b / 2\n"
        "kpi b = a * 2\nverdict pass when a\n"
    )


def test_of_is_formatted_where_it_binds() -> None:
    text = HEAD + "kpi k = count(activities) / (count(activities) of control)\n  target >= 2\n"
    text += "verdict pass when k\n"
    formatted = format_source(text, "groups.abm")
    assert "count(activities) / count(activities) of control\n" in formatted
    assert format_source(formatted, "groups.abm") == formatted


def _files(folder: Path, activities: list[str]) -> tuple[Path, Path]:
    accounts = folder / "accounts.csv"
    accounts.write_text(
        "account_id;fit\n" + "".join(f"A-{n};{n % 6}\n" for n in range(1, 25)), "utf-8"
    )
    rows = folder / "activities.csv"
    rows.write_text(
        "activity_id;account_id;type;channel;cost;on\n" + "".join(a + "\n" for a in activities),
        "utf-8",
    )
    return accounts, rows


def test_groups_are_measured_on_their_own_accounts(tmp_path: Path) -> None:
    text = HEAD + (
        'kpi meetings = count(activities where type = "meeting")\n'
        "  target >= meetings of control\n"
        "kpi control_meetings = meetings of control\n"
        "kpi top_meetings = meetings of top\n"
        "kpi everyone = count(activities) of all\n"
        "kpi outside_cost = sum(activities.cost) of outside\n"
        "verdict pass when meetings\n"
    )
    compiled = compile_text(text, str(tmp_path / "groups.abm"))
    assert compiled.playbook is not None, compiled.diagnostics
    accounts, activities = _files(tmp_path, [])
    first = evaluate_playbook(compiled.playbook, compiled.sources, accounts, activities)
    groups = {g: n for g, n in first.counts.accounts.items()}
    assert groups["control"] > 0 and groups["programme"] > 0, groups
    # fit 4, 5: top (programme, no cadences anywhere: every tier with a condition is in it);
    # fit 2, 3: middle, half held out; fit 0, 1: rest (outside).
    from abmdsl.engine.run import run_playbook

    run = run_playbook(compiled.playbook, compiled.sources, accounts)
    rows = run.table.to_pylist()
    control = [r["account_id"] for r in rows if r["holdout"]]
    top = [r["account_id"] for r in rows if r["tier"] == "top"]
    middle = [r["account_id"] for r in rows if r["tier"] == "middle" and not r["holdout"]]
    rest = [r["account_id"] for r in rows if r["tier"] == "rest"]
    lines = [f"M-{n};{a};meeting;;;2027-02-01" for n, a in enumerate([*top, top[0], *middle])]
    lines += [f"C-{n};{a};meeting;;;2027-02-01" for n, a in enumerate(control[:1])]
    lines += [f"R-{n};{a};touch;cold_email;2;2027-02-01" for n, a in enumerate(rest)]
    lines.append("U-1;NOBODY;touch;inbound;;2027-02-01")
    accounts, activities = _files(tmp_path, lines)
    card = evaluate_playbook(compiled.playbook, compiled.sources, accounts, activities)
    values = {k.name: k.value for k in card.kpis}
    assert values["meetings"] == len(top) + 1 + len(middle)
    assert values["control_meetings"] == 1
    assert values["top_meetings"] == len(top) + 1
    assert values["everyone"] == len(lines)
    assert values["outside_cost"] == Decimal(2 * len(rest))
    assert {k.name: k.status for k in card.kpis}["meetings"] == "pass"


def test_an_empty_control_group_has_no_data(tmp_path: Path) -> None:
    text = HEAD.replace("holdout 50% seed 1", "research 1 h per account") + (
        'kpi meetings = count(activities where type = "meeting")\n'
        "kpi lift = meetings / meetings of control\n"
        "  target >= 1.5\n"
        "verdict pass when lift\n"
    )
    compiled = compile_text(text, str(tmp_path / "groups.abm"))
    assert compiled.playbook is not None, compiled.diagnostics
    accounts, activities = _files(tmp_path, ["M-1;A-4;meeting;;;2027-02-01"])
    card = evaluate_playbook(compiled.playbook, compiled.sources, accounts, activities)
    lift = {k.name: k for k in card.kpis}["lift"]
    assert card.counts.accounts["control"] == 0
    assert lift.value is None and lift.status == "no data"
    assert card.verdict is None and not card.passed
