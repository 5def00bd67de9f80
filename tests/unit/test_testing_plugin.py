"""`abmdsl.testing`: a playbook repository's own Gherkin scenarios run with pytest and the plugin.

Each test makes a small repository (the seed playbook under ``playbooks/``, its sample data, a
``features/`` folder) and runs ``python -m pytest`` in it as a separate process, as the user's CI
would: the steps come from the installed package's ``pytest11`` entry point, not a conftest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PHARMA = """\
  Scenario: An open pharma company with a champion gets a one-to-one programme
    Given the playbook "pharma_pilot.abm"
    And an account with:
      | field                 | value  |
      | account_id            | PH-01  |
      | industry              | pharma |
      | has_budget            | yes    |
      | strategic_initiatives | 5      |
      | complementary_tech    | 4      |
      | case_studies          | 5      |
      | insider               | yes    |
      | info_openness         | 4      |
    Then its tier is "{tier}"
    And its attractiveness score is 4.7
    And its potential score is 4.8
"""

KPI = """\
  Scenario: The sample pilot's KPIs
    Given the playbook "pharma_pilot.abm"
    And the accounts "data/accounts.csv"
    Then KPI "tender_invitations" passes on "data/activities.csv"
    And KPI "engagement" {engagement} on "data/activities.csv"
    And the verdict fails on "data/activities.csv"
"""

WRITTEN = """\
  Scenario: A playbook and accounts written in the scenario
    Given a playbook "pilot.abm":
      \"\"\"
      abm 1
      playbook "Pilot" { horizon 90 days }
      accounts {
        key account_id: text
        fit: int 0..5
      }
      tier pilot "The ABM programme" when fit >= 3
      tier rest "Standard sales" otherwise
      \"\"\"
    And accounts in "accounts.csv":
      | account_id | fit |
      | P-1        | 5   |
      | B-1        | 1   |
    Then account "P-1" is in tier "pilot"
    And account "B-1" is in tier "rest"
    And 1 accounts are in tier "rest"
"""


def _repository(folder: Path, scenarios: str) -> Path:
    (folder / "playbooks" / "data").mkdir(parents=True)
    shutil.copy(ROOT / "playbooks" / "pharma_pilot.abm", folder / "playbooks")
    for name in ("accounts.csv", "activities.csv"):
        shutil.copy(ROOT / "playbooks" / "data" / name, folder / "playbooks" / "data")
    (folder / "features").mkdir()
    (folder / "features" / "pilot.feature").write_text(
        "Feature: The pharma pilot\n\n" + scenarios, encoding="utf-8"
    )
    (folder / "test_features.py").write_text(
        'from pytest_bdd import scenarios\n\nscenarios("features")\n', encoding="utf-8"
    )
    # Its own pytest configuration: the root folder, where "the playbook" steps look.
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return folder


def _pytest(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTHONPATH")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_plugin_is_registered_for_pytest() -> None:
    [plugin] = [e for e in entry_points(group="pytest11") if e.name == "abmdsl"]
    assert plugin.value == "abmdsl.testing"


def test_a_repository_s_scenarios_pass_with_the_plugin_s_steps(tmp_path: Path) -> None:
    scenarios = "\n".join((PHARMA.format(tier="tailored"), KPI.format(engagement="fails"), WRITTEN))
    ran = _pytest(_repository(tmp_path, scenarios))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "3 passed" in ran.stdout
    # The scenarios ran in a workspace of their own, leaving the repository as it was.
    assert not (tmp_path / "tiers.csv").exists() and not (tmp_path / "scorecard.json").exists()


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        (PHARMA.format(tier="cluster"), 'account "PH-01" is in tier "tailored", not "cluster"'),
        (
            KPI.format(engagement="passes"),
            'KPI "engagement" is fail on data/activities.csv, not pass: value 0.102041, '
            "target >= 30%, warn >= 20%",
        ),
    ],
    ids=["tier", "kpi"],
)
def test_a_wrong_expectation_fails_saying_what_was_found(
    tmp_path: Path, scenario: str, message: str
) -> None:
    ran = _pytest(_repository(tmp_path, scenario))
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "1 failed" in ran.stdout
    assert message in ran.stdout, ran.stdout


def test_a_playbook_missing_from_the_repository_is_named(tmp_path: Path) -> None:
    scenario = PHARMA.format(tier="tailored").replace("pharma_pilot.abm", "other.abm")
    ran = _pytest(_repository(tmp_path, scenario))
    assert ran.returncode == 1
    assert '"other.abm" is not in the repository' in ran.stdout, ran.stdout


def test_abm_starts_without_the_plugin() -> None:
    """`abm` never imports the steps, so pytest-bdd costs its start-up nothing."""
    code = textwrap.dedent(
        """
        import sys
        from abmdsl.cli import main
        try:
            main(["--version"])
        except SystemExit:
            pass
        loaded = [m for m in sys.modules if m.startswith(("pytest", "abmdsl.testing"))]
        print(loaded)
        """
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert ran.stdout.strip().endswith("[]"), ran.stdout
