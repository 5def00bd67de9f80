"""The dialect contract: the same compiled SQL gives the same answers on every engine.

Each test runs on DuckDB (the embedded default), Spark (local mode) and PostgreSQL (a server
the tests start), and compares the result with DuckDB's own and, where one exists, with the
reference evaluator's. See docs/engines.md for what the compiler may use in SQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from abmdsl.api import compile_file
from abmdsl.engine.run import run_playbook
from abmdsl.evaluate.scorecard import evaluate_playbook

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "pharma_pilot.abm"
DATA = ROOT / "playbooks" / "data"


@pytest.fixture(scope="module")
def seed() -> Any:
    compiled = compile_file(PLAYBOOK)
    assert compiled.ok
    return compiled


def test_the_sample_tiers_are_the_same_on_every_engine(seed: Any, engine: Any) -> None:
    args = (seed.playbook, seed.sources, DATA / "accounts.csv", DATA / "contacts.csv")
    expected = run_playbook(*args).table
    got = run_playbook(*args, engine=engine).table
    assert got.schema == expected.schema
    assert got.to_pylist() == expected.to_pylist()


def test_the_sample_scorecard_is_the_same_on_every_engine(seed: Any, engine: Any) -> None:
    args = (
        seed.playbook,
        seed.sources,
        DATA / "accounts.csv",
        DATA / "activities.csv",
        DATA / "contacts.csv",
    )
    expected = evaluate_playbook(*args, by="tier")
    got = evaluate_playbook(*args, by="tier", engine=engine)
    assert got.kpis == expected.kpis
    assert got.breakdown == expected.breakdown
    assert got.verdict == expected.verdict
