"""The evaluation benchmark keeps working: `bench/run.py --evaluate --quick` runs, checks every
engine's KPI values against abmdsl's and prints its table.

No timing is asserted here (machines differ); docs/performance.md holds the figures.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from tests.bench_support import bench_module, run_bench

evaluate = bench_module("evaluate")


def test_bench_evaluate_quick_prints_the_table() -> None:
    done = run_bench("run.py", "--evaluate", "--quick")
    assert "| engine | 20,000 | rows/s | ÷ (a) |" in done.stdout
    assert "| (a) DuckDB SQL by hand |" in done.stdout
    assert "`abm evaluate`'s path" in done.stdout
    assert "Peak memory (VmHWM)" in done.stdout
    assert "written to" not in done.stderr  # the quick run writes nothing


def test_the_generated_activities_follow_the_declaration() -> None:
    ids = pa.array([f"ACC-{n:08d}" for n in range(1, 201)])
    table = evaluate.activities(20_000, ids, ids.slice(0, 10), dt.date(2027, 1, 11), 90, seed=5)
    assert table.column_names == [
        "activity_id", "account_id", "contact_id", "type", "level", "channel", "cost", "on",
    ]  # fmt: skip
    rows = table.to_pylist()
    types = [r["type"] for r in rows]
    assert types.count("touch") > 0.8 * len(rows)
    assert 0 < types.count("tender_invitation") < types.count("opportunity") < types.count("reply")
    assert all((r["cost"] is not None) == (r["type"] == "touch") for r in rows)
    assert {r["cost"] for r in rows if r["cost"] is not None} == {
        Decimal(p) for p in (2, 5, 15, 120)
    }
    days = [r["on"] for r in rows]
    inside = [d for d in days if dt.date(2027, 1, 11) <= d <= dt.date(2027, 4, 10)]
    assert 0.95 * len(days) < len(inside) < len(days)
    assert len({r["activity_id"] for r in rows}) == len(rows)
    again = evaluate.activities(20_000, ids, ids.slice(0, 10), dt.date(2027, 1, 11), 90, seed=5)
    assert again.equals(table)


def test_a_mismatch_stops_the_benchmark() -> None:
    with pytest.raises(evaluate.Mismatch, match="engagement"):
        evaluate.verify("(a)", {"engagement": Decimal("0.1")}, {"engagement": Decimal("0.2")})
    evaluate.verify("(a)", {"pipeline": Decimal("6.000000")}, {"pipeline": Decimal(6)})
