"""The KPI library: it checks clean, its page is current, and a playbook takes KPIs from it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from abmdsl.api import compile_file, compile_text
from abmdsl.diagnostics import Severity
from abmdsl.evaluate import evaluate_playbook
from abmdsl.formatter import format_source
from abmdsl.library import SOURCE, library_kpis

ROOT = Path(__file__).resolve().parents[2]
HEAD = """abm 1

playbook "Library" {
  start 2027-01-11
  horizon 90 days
  currency USD
}

accounts {
  key account_id: text
}

activities {
  key activity_id: text
  account_id: text references accounts
  type: enum(touch, reply, meeting, discussion, opportunity)
  cost: money optional
  on: date
}

tier pilot when true
"""


def test_the_library_checks_clean_and_documents_every_kpi() -> None:
    compiled = compile_file(SOURCE)
    assert [d for d in compiled.diagnostics if d.severity == Severity.ERROR] == []
    assert compiled.playbook is not None
    kpis = library_kpis()
    assert list(kpis) == list(compiled.playbook.kpis)
    assert {"engagement", "penetration", "coverage", "cost_per_opportunity", "velocity",
            "roi", "cac", "engagement_lift", "response_rate", "meetings"} <= set(kpis)  # fmt: skip
    assert all(k.about and k.title for k in kpis.values())


def test_the_library_page_is_current() -> None:
    spec = importlib.util.spec_from_file_location("doc", ROOT / "tools" / "kpi_library_doc.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(["--check"]) == 0, "run .venv/bin/python tools/kpi_library_doc.py"


def test_a_library_kpi_is_the_same_as_writing_it_out(tmp_path: Path) -> None:
    taken = HEAD + (
        'kpi meetings "Meetings held" from library\n  target >= 2\n'
        "kpi cost_per_opportunity from library\n  target <= 100 USD\n"
        "verdict pass when meetings and cost_per_opportunity\n"
    )
    mine = HEAD + (
        'kpi meetings "Meetings held" = count(activities where type = "meeting")\n'
        "  target >= 2\n"
        "kpi cost_per_opportunity =\n"
        '  sum(activities.cost) / count(activities where type = "opportunity")\n'
        "  target <= 100 USD\n"
        "verdict pass when meetings and cost_per_opportunity\n"
    )
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id\nA-1\nA-2\n", "utf-8")
    activities = tmp_path / "activities.csv"
    activities.write_text(
        "activity_id;account_id;type;cost;on\nX-1;A-1;meeting;30;2027-02-01\n"
        "X-2;A-2;meeting;;2027-02-02\nX-3;A-2;opportunity;;2027-02-10\n",
        "utf-8",
    )
    cards = []
    for text in (taken, mine):
        compiled = compile_text(text, str(tmp_path / "pilot.abm"))
        assert compiled.playbook is not None, compiled.diagnostics
        assert compiled.playbook.kpis["meetings"].title == "Meetings held"
        card = evaluate_playbook(compiled.playbook, compiled.sources, accounts, activities)
        cards.append([(k.name, k.value, k.status) for k in card.kpis])
    assert cards[0] == cards[1]
    assert cards[0][0][1:] == (2, "pass")


def test_a_playbook_overrides_what_a_library_kpi_uses() -> None:
    text = HEAD.replace("tier pilot when true", "tier pilot when true {\n  holdout 50%\n}") + (
        'kpi engagement "Accounts that met us" =\n'
        '  share(accounts where count(activities where type = "meeting") >= 1)\n'
        "  target >= 10%\n"
        "kpi engagement_lift from library\n  target >= 1.5\n"
        "verdict pass when engagement and engagement_lift\n"
    )
    compiled = compile_text(text, "pilot.abm")
    assert compiled.ok, compiled.diagnostics
    assert compiled.playbook is not None
    assert compiled.playbook.kpis["engagement_lift"].title == "Engagement over the control group"


@pytest.mark.parametrize(
    ("line", "code", "words"),
    [
        ("kpi engagment from library\n  target >= 1\n", "ABM251", "did you mean `engagement`?"),
        ("kpi engagement from library\n  target >= 1\n", "ABM201", "unknown name `level`"),
    ],
)
def test_mistakes_taking_from_the_library(line: str, code: str, words: str) -> None:
    name = line.split()[1]
    compiled = compile_text(HEAD + line + f"verdict pass when {name}\n", "pilot.abm")
    found = [d for d in compiled.diagnostics if d.code == code]
    assert found and words in found[0].message + (found[0].hint or ""), compiled.diagnostics
    assert found[0].span is not None and found[0].span.line == HEAD.count("\n") + 1


def test_from_library_is_formatted_and_round_trips() -> None:
    text = (
        HEAD + 'kpi meetings   "Held"  from library\n    target >= 2\nverdict pass when meetings\n'
    )
    formatted = format_source(text, "pilot.abm")
    assert 'kpi meetings "Held" from library\n  target >= 2\n' in formatted
    assert format_source(formatted, "pilot.abm") == formatted
