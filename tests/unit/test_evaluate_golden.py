"""Golden scorecards: the seed pilot evaluated on the bundled sample data, in every format.

After a deliberate change to the scorecard: ``ABM_UPDATE_GOLDEN=1 .venv/bin/pytest
tests/unit/test_evaluate_golden.py`` rewrites them; read every changed file before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from abmdsl.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "evaluate"
DATA = ROOT / "playbooks" / "data"
UPDATE = os.environ.get("ABM_UPDATE_GOLDEN") == "1"
CASES = {"day-90": [], "as-of-day-50": ["--as-of", "2027-03-01"]}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_seed_scorecard(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)  # paths in the output are as a user types them
    args = ["evaluate", "playbooks/pharma_pilot.abm", "--accounts", "playbooks/data/accounts.csv"]
    args += ["--contacts", "playbooks/data/contacts.csv"]
    args += ["--activities", "playbooks/data/activities.csv", *CASES[case]]
    outputs = {ext: tmp_path / f"scorecard.{ext}" for ext in ("json", "md", "xml")}
    for path in outputs.values():
        args += ["-o", str(path)]
    assert main(args) == 1  # the sample pilot fails its verdict
    got = {"txt": capsys.readouterr().out.replace(str(tmp_path), "OUT")}
    got |= {ext: path.read_text(encoding="utf-8") for ext, path in outputs.items()}
    for ext, text in got.items():
        expected = GOLDEN / f"{case}.{ext}"
        if UPDATE:
            expected.write_text(text, encoding="utf-8")
        assert expected.exists(), f"no golden {expected.name}: run with ABM_UPDATE_GOLDEN=1"
        assert text == expected.read_text(encoding="utf-8"), expected.name
