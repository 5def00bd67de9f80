"""The benchmark code keeps working: `bench/run.py --quick` runs and prints its table.

No timing is asserted here (machines differ); docs/performance.md holds the figures.
"""

from __future__ import annotations

from pathlib import Path

from abmdsl.api import compile_text
from tests.bench_support import bench_module, run_bench

ROOT = Path(__file__).resolve().parents[1]


run = bench_module("run")
realistic_playbook = bench_module("generate").realistic_playbook
tiering = bench_module("tiering")
generated = bench_module("accounts")


def test_bench_quick_prints_the_table() -> None:
    done = run_bench("run.py", "--quick", timeout=120)
    assert "| what | time | ratio to Lark's bare parse | goal | met |" in done.stdout
    assert "`compile_text`" in done.stdout
    assert "`abm --version`" in done.stdout
    assert "Heaviest imports" in done.stdout
    assert "| (a) DuckDB SQL by hand |" in done.stdout
    assert "| (b) Polars by hand |" in done.stdout
    assert "The reference evaluator tiered 2,000 accounts" in done.stdout


def test_the_generated_playbook_is_clean_and_as_long_as_asked() -> None:
    text = realistic_playbook(600, seed=3)
    assert len(text.splitlines()) >= 600
    result = compile_text(text)
    assert result.ok and result.diagnostics == [], result.diagnostics[:3]


def test_write_doc_replaces_only_the_figures(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Perf\n\nprose\n\n{run.START}\nold\n{run.END}\n\nmore prose\n")
    run.write_doc("new figures", doc)
    assert doc.read_text() == (
        f"# Perf\n\nprose\n\n{run.START}\nnew figures\n{run.END}\n\nmore prose\n"
    )


def test_the_tiering_benchmark_runs_and_checks_every_engine(tmp_path: Path) -> None:
    results = tiering.run_benchmark([3_000], {3_000: 1}, tmp_path, peaks=False, reference_rows=500)
    assert set(results.timings[3_000].seconds) == set(tiering.ENGINES)
    assert results.timings[3_000].rows == 3_000
    assert results.reference.rows == 500
    shown = tiering.table(results, "a test machine")
    assert "| abmdsl: compiled query over the Parquet file, whole output |" in shown


def test_the_check_catches_a_different_tier(tmp_path: Path) -> None:
    """The benchmark's verification is not a no-op: one account moved is one too many."""
    import pyarrow as pa
    import pytest

    path = generated.write_accounts(2_000, tmp_path / "accounts.parquet", seed=5)
    playbook = tiering.seed_playbook()
    want = tiering.abmdsl_full(playbook, path)
    tiering.verify("polars", tiering.polars_by_hand(playbook, path), want)
    tiering.verify("duckdb", tiering.duckdb_by_hand(playbook, path), want)
    tiers = want.column("tier").to_pylist()
    tiers[tiers.index("bulk")] = "cluster"
    moved = want.set_column(want.schema.get_field_index("tier"), "tier", pa.array(tiers))
    with pytest.raises(tiering.Mismatch):
        tiering.verify("moved", moved, want)
    with pytest.raises(tiering.Mismatch):
        tiering.verify_order("reversed", want.take(pa.array(range(1_999, -1, -1))))


def test_the_hand_written_holdout_is_the_playbooks() -> None:
    from abmdsl.engine.tiering import holdout_threshold

    tier = tiering.seed_playbook().tier("cluster")
    assert tier is not None and tier.holdout_seed is None
    assert holdout_threshold(tier.holdout) == tiering.HOLDOUT_BELOW


def test_generated_accounts_are_reproducible_and_narrow() -> None:
    first, again = generated.accounts(5_000, seed=9), generated.accounts(5_000, seed=9)
    assert first.equals(again)
    assert first.schema.field("info_openness").type == "int8"
    assert len(set(first.column("account_id").to_pylist())) == 5_000
    assert not generated.accounts(5_000, seed=10).equals(first)


def test_the_doc_has_the_tiering_figures_between_their_markers() -> None:
    text = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    figures = text.split(run.TIERING_START, 1)[1].split(run.TIERING_END)[0]
    assert "| (a) DuckDB SQL by hand |" in figures
    assert "Peak memory" in figures
