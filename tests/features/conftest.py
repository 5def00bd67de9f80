"""The project's own steps; the strategist's vocabulary comes from the `abmdsl.testing` plugin.

The plugin (registered by the `pytest11` entry point, see ``docs/testing.md``) defines the
``abm_workspace`` fixture and every general step. What stays here needs this repository: the
seed playbooks and the bundled sample data in ``playbooks/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, then, when

from abmdsl.testing.workspace import Workspace

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"


@pytest.fixture
def workspace(abm_workspace: Workspace) -> Workspace:
    """The plugin's workspace under the short name this project's steps have always used."""
    return abm_workspace


# The helpers these steps had before the plugin took them, for steps written against them.
_write = Workspace.write
_tiers = Workspace.tiers
_touches = Workspace.touches


@given(parsers.parse('the seed playbook "{name}"'))
def seed_playbook(workspace: Workspace, name: str) -> None:
    shutil.copy(PLAYBOOKS / name, workspace.root / name)
    workspace.originals[name] = (PLAYBOOKS / name).read_text(encoding="utf-8")


@given(parsers.parse('the seed playbook "{name}" with "{old}" changed to "{new}"'))
def seed_playbook_changed(workspace: Workspace, name: str, old: str, new: str) -> None:
    text = (PLAYBOOKS / name).read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    workspace.write(name, text.replace(old, new, 1))


@given(parsers.parse('the bundled sample data in "{folder}"'))
def sample_data(workspace: Workspace, folder: str) -> None:
    shutil.copytree(PLAYBOOKS / "data", workspace.root / folder)


# ------------------------------------------------------ simulating the pilot (`abm simulate`)


@when(parsers.parse('the strategist changes "{old}" to "{new}" in "{name}"'))
def change_text(workspace: Workspace, old: str, new: str, name: str) -> None:
    text = (workspace.root / name).read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    (workspace.root / name).write_text(text.replace(old, new, 1), encoding="utf-8")


def _p_pass(workspace: Workspace, name: str, kpi: str) -> float:
    import json

    data = json.loads((workspace.root / name).read_text(encoding="utf-8"))
    [found] = [k for k in data["kpis"] if k["name"] == kpi]
    return float(found["p_pass"])


@then(parsers.parse('P(pass) of "{kpi}" is higher in "{after}" than in "{before}"'))
def p_pass_higher(workspace: Workspace, kpi: str, after: str, before: str) -> None:
    assert _p_pass(workspace, after, kpi) > _p_pass(workspace, before, kpi)


@then(
    parsers.parse(
        'in "{name}" raising "{assumption}" from its low to its high end lifts P(pass) of "{kpi}"'
    )
)
def sensitivity_lifts(workspace: Workspace, name: str, assumption: str, kpi: str) -> None:
    import json

    data = json.loads((workspace.root / name).read_text(encoding="utf-8"))["sensitivity"]
    [row] = [a for a in data["assumptions"] if a["assumption"] == assumption]
    low, high = row["at_low"]["kpis"][kpi], row["at_high"]["kpis"][kpi]
    assert low["change"] <= 0 <= high["change"] and low["p_pass"] < high["p_pass"], row


# ------------------------------------------------------------ the pilot's report (`abm report`)
# Read from the page's data attributes, which the report keeps for tests and tools.


def _page(workspace: Workspace, name: str) -> str:
    return (workspace.root / name).read_text(encoding="utf-8")


@then(parsers.parse('the report "{name}" shows tier "{tier}" with {count:d} accounts'))
def report_tier_count(workspace: Workspace, name: str, tier: str, count: int) -> None:
    assert f'data-tier="{tier}" data-accounts="{count}"' in _page(workspace, name)


@then(
    parsers.parse('the report "{name}" lists account "{key}" in tier "{tier}" because "{reason}"')
)
def report_lists_account(workspace: Workspace, name: str, key: str, tier: str, reason: str) -> None:
    row = re.search(
        rf'<tr data-account="{re.escape(key)}" data-tier="{tier}">.*?</tr>',
        _page(workspace, name),
        re.S,
    )
    assert row is not None, f"{key} is not listed in tier {tier}"
    assert reason in row.group(0), row.group(0)


@then(parsers.parse('the report "{name}" gives the verdict "{state}"'))
def report_verdict(workspace: Workspace, name: str, state: str) -> None:
    assert f'data-verdict="{state}"' in _page(workspace, name)


@then(parsers.parse('the report "{name}" draws the matrix, the plan and the cadence calendar'))
def report_charts(workspace: Workspace, name: str) -> None:
    page = _page(workspace, name)
    for chart in ("chart-matrix", "chart-gantt", "chart-cadence-weeks", "chart-cadence-days"):
        assert f'id="{chart}"' in page, chart


@then(parsers.parse('the report "{name}" says "{text}"'))
def report_says(workspace: Workspace, name: str, text: str) -> None:
    assert text in _page(workspace, name)
