"""Steps that measure the playbook's KPIs on an activities file, as `abm evaluate` does."""

from __future__ import annotations

import json
from typing import Any

from pytest_bdd import parsers, then

from .workspace import Workspace

SCORECARD = "scorecard.json"
# The scenario's words → `abm evaluate`'s status of a KPI.
_STATUS = {"passes": "pass", "fails": "fail", "warns": "warn", "has no data": "no data"}


def _scorecard(abm_workspace: Workspace, activities: str) -> dict[str, Any]:
    assert abm_workspace.playbook, 'no playbook yet: start with Given the playbook "…"'
    assert abm_workspace.accounts_file, "no accounts yet: add one with And an account with: …"
    abm_workspace.bring(activities)
    args = [
        "evaluate",
        abm_workspace.playbook,
        "--accounts",
        abm_workspace.accounts_file,
        "--activities",
        activities,
        "-o",
        SCORECARD,
    ]
    if abm_workspace.contacts_file:
        args += ["--contacts", abm_workspace.contacts_file]
    code = abm_workspace.abm(*args)
    # 1 is a verdict that fails, which is for the steps to judge; 2 is an evaluation not made.
    assert code in (0, 1), (
        f"{abm_workspace.command} failed with exit code {code}:\n{abm_workspace.output}"
    )
    card: dict[str, Any] = json.loads((abm_workspace.root / SCORECARD).read_text(encoding="utf-8"))
    return card


@then(parsers.parse('KPI "{kpi}" {outcome} on "{activities}"'))
def kpi_status(abm_workspace: Workspace, kpi: str, outcome: str, activities: str) -> None:
    assert outcome in _STATUS, f'a KPI {" / ".join(_STATUS)}, not "{outcome}"'
    kpis = {k["name"]: k for k in _scorecard(abm_workspace, activities)["kpis"]}
    assert kpi in kpis, f'the playbook has no KPI "{kpi}": it has {", ".join(kpis)}'
    found = kpis[kpi]
    warn = f", warn {found['warn']}" if found.get("warn") else ""
    assert found["status"] == _STATUS[outcome], (
        f'KPI "{kpi}" is {found["status"]} on {activities}, not {_STATUS[outcome]}: '
        f"value {found['value']}, target {found['target']}{warn}"
    )


@then(parsers.parse('the verdict {outcome} on "{activities}"'))
def verdict(abm_workspace: Workspace, outcome: str, activities: str) -> None:
    assert outcome in ("passes", "fails"), f'a verdict passes or fails, not "{outcome}"'
    card = _scorecard(abm_workspace, activities)
    passed = card["verdict"]["passed"]
    assert passed is not None, f"no verdict: {card['verdict']['text']}"
    assert passed == (outcome == "passes"), card["verdict"]["text"]
