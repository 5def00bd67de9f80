"""The simulation benchmark keeps working: `bench/run.py --simulate --quick` runs, checks the
hand-written KPIs against abmdsl's run by run and prints its table, writing nothing.

No timing is asserted here (machines differ); docs/performance.md holds the figures.
"""

from __future__ import annotations

from pathlib import Path

from tests.bench_support import run_bench

ROOT = Path(__file__).resolve().parents[1]


def test_the_quick_simulation_benchmark_runs_and_writes_nothing() -> None:
    doc = ROOT / "docs" / "performance.md"
    before = doc.read_bytes()
    done = run_bench("run.py", "--simulate", "--quick")
    assert "(a) DuckDB by hand" in done.stdout
    assert "| 40 | 3 |" in done.stdout
    assert doc.read_bytes() == before
