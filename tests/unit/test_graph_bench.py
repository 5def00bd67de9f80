"""The graph benchmark keeps working: `bench/graph.py --quick` runs and prints its table.

No time is asserted here (machines differ); docs/performance.md holds the figures.
"""

from __future__ import annotations

from pathlib import Path

from tests.bench_support import run_bench

ROOT = Path(__file__).resolve().parents[2]


def test_graph_bench_quick_prints_its_table() -> None:
    done = run_bench("graph.py", "--quick")
    assert "| what | time | goal | met |" in done.stdout
    assert "| build and check |" in done.stdout
    assert "definitions: a graph of" in done.stdout


def test_the_doc_has_the_graph_figures_between_their_markers() -> None:
    text = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    figures = text.split("<!-- graph-bench:start -->", 1)[1].split("<!-- graph-bench:end -->")[0]
    assert "| build and check |" in figures
