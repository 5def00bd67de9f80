"""`abm diff`: two versions of the seed on the bundled sample data, compared.

The accounts said to move are checked against two `abm run` outputs computed independently,
and the budget and research deltas against the tiers' normatives. The Markdown of one case
is golden: after a deliberate change, ``ABM_UPDATE_GOLDEN=1 .venv/bin/pytest
tests/unit/test_diff.py`` rewrites it; read the changed file before committing.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from abmdsl.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "playbooks" / "pharma_pilot.abm"
DATA = ROOT / "playbooks" / "data"
GOLDEN = ROOT / "tests" / "golden" / "diff"
UPDATE = os.environ.get("ABM_UPDATE_GOLDEN") == "1"

TAILORED = "attractiveness >= 4 and potential >= 4 {"
RAISED = "attractiveness >= 4 and potential >= 5 {"
OPENNESS = 'openness "Information openness" weight 20% = info_openness'
REWEIGHED = 'openness "Information openness" weight 40% = info_openness'
CASES = 'cases "Relevant case studies" weight 50%'
# Openness counts for more, case studies for less: the weights still add up to 100%.
WEIGHTS = ((OPENNESS, REWEIGHED), (CASES, CASES.replace("50%", "30%")))


def abm(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def seed_with(folder: Path, name: str, *changes: tuple[str, str]) -> Path:
    """The seed, with each (old, new) text replaced once."""
    text = SEED.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding the sample data, the working folder of the test (paths as typed)."""
    shutil.copytree(DATA, tmp_path / "data", ignore=shutil.ignore_patterns("*.py"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def tiers_of(
    capsys: pytest.CaptureFixture[str], playbook: str, out: str
) -> dict[str, dict[str, str]]:
    """An independent `abm run` of one version, read back from its CSV."""
    status, _, err = abm(
        capsys, "run", playbook, "--accounts", "data/accounts.csv",
        "--contacts", "data/contacts.csv", "-o", out,
    )  # fmt: skip
    assert status == 0, err
    with open(out, encoding="utf-8") as stream:
        return {row["account_id"]: row for row in csv.DictReader(stream)}


def diff_json(capsys: pytest.CaptureFixture[str], *args: str, data: str = "data") -> dict[str, Any]:
    status, out, err = abm(
        capsys, "diff", *args, "--accounts", f"{data}/accounts.csv",
        "--contacts", f"{data}/contacts.csv", "--format", "json", "--limit", "1000",
    )  # fmt: skip
    assert status == 0, err
    loaded: dict[str, Any] = json.loads(out)
    return loaded


# ---------------------------------------------------------------- who moves, and why
@pytest.mark.parametrize("changes", [((TAILORED, RAISED),), WEIGHTS], ids=["threshold", "weights"])
def test_the_moves_are_the_tiers_two_runs_disagree_on(
    here: Path, capsys: pytest.CaptureFixture[str], changes: tuple[tuple[str, str], ...]
) -> None:
    seed_with(here, "old.abm")
    seed_with(here, "new.abm", *changes)
    before = tiers_of(capsys, "old.abm", "old.csv")
    after = tiers_of(capsys, "new.abm", "new.csv")
    moved = {k for k in before if before[k]["tier"] != after[k]["tier"]}
    assert moved, "the change should move someone"
    got = diff_json(capsys, "old.abm", "new.abm")
    assert got["accounts"]["moved"] == len(moved)
    assert {m["account"] for m in got["accounts"]["moves"]} == moved
    for move in got["accounts"]["moves"]:
        key = move["account"]
        assert (move["from"], move["to"]) == (before[key]["tier"], after[key]["tier"])
    pairs: dict[tuple[str, str], int] = {}
    for key in moved:
        pair = (before[key]["tier"], after[key]["tier"])
        pairs[pair] = pairs.get(pair, 0) + 1
    assert {(t["from"], t["to"]): t["accounts"] for t in got["accounts"]["transitions"]} == pairs
    rescored = {
        k for k in before
        if (before[k]["attractiveness"], before[k]["potential"])
        != (after[k]["attractiveness"], after[k]["potential"])
    }  # fmt: skip
    assert got["scores"]["accounts_changed"] == len(rescored)


def test_a_weight_change_names_the_criterion_that_moved_the_account(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_with(here, "old.abm")
    seed_with(here, "new.abm", *WEIGHTS)
    got = diff_json(capsys, "old.abm", "new.abm")
    criteria = ["criterion:potential.cases", "criterion:potential.openness"]
    assert [d["node"] for d in got["definitions"]] == criteria
    rescored = [m for m in got["accounts"]["moves"] if m["why"].startswith("potential ")]
    assert rescored, got["accounts"]["moves"]
    for move in rescored:
        potential = move["scores"]["potential"]
        assert potential["before"] != potential["after"]
        assert "adds" in move["why"] and (
            "potential.cases" in move["why"] or "potential.openness" in move["why"]
        )
    [potential] = [s for s in got["scores"]["per_score"] if s["score"] == "potential"]
    assert potential["changed"] == got["scores"]["accounts_changed"] > 0
    assert [s["changed"] for s in got["scores"]["per_score"] if s["score"] != "potential"] == [0]


def test_a_raised_threshold_is_the_tier_rule(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_with(here, "old.abm")
    seed_with(here, "new.abm", (TAILORED, RAISED))
    got = diff_json(capsys, "old.abm", "new.abm")
    assert [d["node"] for d in got["definitions"]] == ["tier:tailored"]
    whys = {m["account"]: m["why"] for m in got["accounts"]["moves"]}
    out_of_tailored = [m["account"] for m in got["accounts"]["moves"] if m["from"] == "tailored"]
    assert out_of_tailored
    assert {whys[k] for k in out_of_tailored} == {"tier rules changed: tailored"}
    assert got["scores"]["accounts_changed"] == 0


# ---------------------------------------------------------------- budget and research
def test_budget_and_research_deltas_follow_the_normatives(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_with(here, "old.abm")
    seed_with(here, "new.abm", (TAILORED, RAISED))
    runs = [tiers_of(capsys, f"{v}.abm", f"{v}.csv") for v in ("old", "new")]
    got = diff_json(capsys, "old.abm", "new.abm")
    # The seed's normatives: per account budget and research minutes, per contact minutes.
    budget = {"tailored": Decimal(1000), "cluster": Decimal(300)}
    per_account = {"tailored": Decimal(180), "cluster": Decimal(30)}
    per_contact = {"tailored": Decimal(60), "cluster": Decimal(15)}
    tiers = {t["tier"]: t for t in got["tiers"]}
    totals = {"budget": [Decimal(0), Decimal(0)], "research_hours": [Decimal(0), Decimal(0)]}
    for tier in ("tailored", "cluster"):
        for side, (name, run) in enumerate(zip(("before", "after"), runs, strict=True)):
            rows = [r for r in run.values() if r["tier"] == tier]
            contacts = sum(int(r["contacts"]) for r in rows)
            assert tiers[tier]["accounts"][name] == len(rows)
            assert Decimal(str(tiers[tier]["budget"][name])) == budget[tier] * len(rows)
            hours = per_account[tier] * len(rows) / 60
            assert Decimal(str(tiers[tier]["research_hours"][name])) == hours
            contact_hours = Decimal(str(tiers[tier]["contact_hours"][name]))
            assert contact_hours == pytest.approx(per_contact[tier] * contacts / 60)
            totals["budget"][side] += budget[tier] * len(rows)
            totals["research_hours"][side] += hours
        assert Decimal(str(tiers[tier]["budget"]["change"])) == (
            Decimal(str(tiers[tier]["budget"]["after"]))
            - Decimal(str(tiers[tier]["budget"]["before"]))
        )
    for what, (before, after) in totals.items():
        assert Decimal(str(got["total"][what]["before"])) == before
        assert Decimal(str(got["total"][what]["change"])) == after - before
    assert tiers["bulk"]["budget"] == {"before": None, "after": None, "change": None}


# ---------------------------------------------------------------- cadences and touches
def test_a_moved_touch_is_a_cadence_change_and_shifts_the_workload(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_with(here, "old.abm")
    seed_with(here, "new.abm", ("touch 4 on day 4: linkedin", "touch 4 on day 5: linkedin"))
    got = diff_json(capsys, "old.abm", "new.abm")
    assert got["accounts"]["moved"] == 0
    assert got["cadences"] == [
        {"cadence": "executive_warmup", "what": "touch 4", "how": "changed", "detail": "day 4 → 5"}
    ]
    touches = got["touches"]
    assert touches and {t["role"] for t in touches} == {"bdr"}
    # The same touches, on other days: the weeks change, the role's total does not.
    assert sum(t["after"] - t["before"] for t in touches) == 0


def test_the_same_playbook_changes_nothing(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_with(here, "old.abm")
    # Reformatting or moving a block is no change: definitions are compared by what they say.
    seed_with(here, "new.abm", ("# The seed pilot", "# The seed pilot, reread"))
    status, out, err = abm(
        capsys, "diff", "old.abm", "new.abm", "--accounts", "data/accounts.csv",
        "--fail-on-moves", "0",
    )  # fmt: skip
    assert status == 0, err
    assert "0 of 300 accounts change tier" in out and "no definition changed" in out


# ---------------------------------------------------------------- CI: --fail-on-moves
def test_fail_on_moves(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_with(here, "old.abm")
    seed_with(here, "new.abm", (TAILORED, RAISED))
    moved = diff_json(capsys, "old.abm", "new.abm")["accounts"]["moved"]
    args = ["diff", "old.abm", "new.abm", "--accounts", "data/accounts.csv", "--fail-on-moves"]
    status, out, _ = abm(capsys, *args, str(moved))
    assert status == 0 and f"{moved} of 300 accounts change tier" in out
    status, out, err = abm(capsys, *args, str(moved - 1))
    assert status == 1 and f"{moved} accounts change tier, more than the {moved - 1}" in err
    assert out  # the report is printed all the same


# ---------------------------------------------------------------- markdown: golden
def test_the_markdown_is_a_pull_request_comment(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_with(here, "old.abm")
    seed_with(here, "new.abm", (TAILORED, RAISED))
    args = ["diff", "old.abm", "new.abm", "--accounts", "data/accounts.csv"]
    args += ["--contacts", "data/contacts.csv", "--format", "markdown"]
    status, out, err = abm(capsys, *args)
    assert status == 0, err
    assert abm(capsys, *args)[1] == out  # deterministic
    expected = GOLDEN / "tailored-threshold.md"
    if UPDATE:
        expected.write_text(out, encoding="utf-8")
    assert expected.exists(), "no golden output: run with ABM_UPDATE_GOLDEN=1"
    assert out == expected.read_text(encoding="utf-8")
    assert out.startswith("## abm diff: ") and "<details>" in out


# ---------------------------------------------------------------- git revisions
def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


@pytest.fixture
def repo(here: Path) -> Path:
    git(here, "init", "-q", "-b", "main")
    git(here, "config", "user.name", "Test")
    git(here, "config", "user.email", "test@example.com")
    (here / "playbooks").mkdir()
    seed_with(here / "playbooks", "pharma_pilot.abm")
    git(here, "add", ".")
    git(here, "commit", "-q", "-m", "the seed")
    return here


def test_a_revision_is_read_from_git(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_with(repo / "playbooks", "pharma_pilot.abm", (TAILORED, RAISED))
    from_git = diff_json(capsys, "main:playbooks/pharma_pilot.abm", "playbooks/pharma_pilot.abm")
    seed_with(repo, "old.abm")
    from_files = diff_json(capsys, "old.abm", "playbooks/pharma_pilot.abm")
    assert from_git["old"] == "main:playbooks/pharma_pilot.abm"
    assert from_git["accounts"] == from_files["accounts"] and from_git["accounts"]["moved"]
    git(repo, "commit", "-q", "-am", "raise the tailored threshold")
    # Both versions from git; `./` is the working folder, as git reads it.
    (repo / "playbooks" / "pharma_pilot.abm").unlink()
    os.chdir(repo / "playbooks")
    both = diff_json(
        capsys, "HEAD~1:./pharma_pilot.abm", "HEAD:playbooks/pharma_pilot.abm", data="../data"
    )
    assert both["accounts"] == from_files["accounts"]


def test_imports_are_read_at_the_same_revision(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SEED.read_text(encoding="utf-8")
    start = text.index("# Y axis")
    end = text.index("tier tailored")
    (repo / "playbooks" / "potential.abm").write_text("abm 1\n\n" + text[start:end], "utf-8")
    main_text = text[:start] + 'import "potential.abm"\n\n' + text[end:]
    (repo / "playbooks" / "pharma_pilot.abm").write_text(main_text, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "potential in its own file")
    shared = repo / "playbooks" / "potential.abm"
    changed = shared.read_text("utf-8")
    for old, new in WEIGHTS:
        changed = changed.replace(old, new)
    shared.write_text(changed, "utf-8")
    got = diff_json(capsys, "HEAD:playbooks/pharma_pilot.abm", "playbooks/pharma_pilot.abm")
    criteria = ["criterion:potential.cases", "criterion:potential.openness"]
    assert [d["node"] for d in got["definitions"]] == criteria
    assert got["scores"]["accounts_changed"] > 0


# ---------------------------------------------------------------- bad input: exit 2
@pytest.mark.parametrize(
    ("old", "message"),
    [
        ("nope:playbooks/pharma_pilot.abm", "unknown git revision: nope"),
        ("main:playbooks/missing.abm", "there is no file playbooks/missing.abm at revision main"),
        ("main:playbooks", "playbooks is a folder at revision main"),
        ("missing.abm", "no such playbook: missing.abm"),
        ("-x:pb.abm", "is not REV:PATH"),
    ],
)
def test_what_cannot_be_read_is_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str], old: str, message: str
) -> None:
    status, out, err = abm(
        capsys, "diff", "--accounts", "data/accounts.csv", "--", old, "playbooks/pharma_pilot.abm"
    )
    assert status == 2 and message in err, err
    assert "Traceback" not in err and out == ""


def test_outside_a_repository_a_revision_is_exit_2(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(here.parent))
    seed_with(here, "new.abm")
    status, _, err = abm(
        capsys, "diff", "main:new.abm", "new.abm", "--accounts", "data/accounts.csv"
    )
    assert status == 2 and "not in a git repository" in err, err


def test_a_playbook_with_errors_is_exit_2_with_its_diagnostics(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_with(repo / "playbooks", "pharma_pilot.abm", (TAILORED, "attractivenes >= 4 {"))
    status, out, err = abm(
        capsys, "diff", "main:playbooks/pharma_pilot.abm", "playbooks/pharma_pilot.abm",
        "--accounts", "data/accounts.csv",
    )  # fmt: skip
    assert status == 2 and out == ""
    assert "NEW (playbooks/pharma_pilot.abm) has errors" in err
    assert "attractivenes" in err and "error[ABM" in err
    # A revision with errors names its files as REV:PATH.
    git(repo, "commit", "-q", "-am", "a typo")
    status, _, err = abm(
        capsys, "diff", "HEAD:playbooks/pharma_pilot.abm", "main~0:playbooks/pharma_pilot.abm",
        "--accounts", "data/accounts.csv",
    )  # fmt: skip
    assert status == 2 and "HEAD:playbooks/pharma_pilot.abm:" in err, err


def test_data_that_does_not_fit_a_version_is_exit_2(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_with(here, "old.abm")
    seed_with(here, "new.abm", ("  name: text\n", "  name: text\n  region: text\n"))
    status, _, err = abm(capsys, "diff", "old.abm", "new.abm", "--accounts", "data/accounts.csv")
    assert status == 2 and "the data does not match what new.abm declares" in err, err
    assert "Traceback" not in err
