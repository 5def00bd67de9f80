"""The engines benchmark keeps working: `bench/run.py --engines --quick` tiers a few thousand
accounts on DuckDB and on Spark, checks they agree and prints the table (no timing asserted)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bench_support import run_bench


@pytest.mark.slow
def test_bench_engines_quick_prints_the_table(spark_engine: Any) -> None:
    done = run_bench("run.py", "--engines", "--quick", timeout=300)
    assert "| DuckDB (embedded) |" in done.stdout
    assert "| Spark, `local[2]` |" in done.stdout
    assert "Starting Spark" in done.stdout
