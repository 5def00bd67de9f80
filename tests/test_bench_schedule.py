"""The schedule benchmark keeps working: `bench/run.py --schedule --quick` runs, checks the
hand-written expansion against abmdsl's touches row for row and prints its table.

No timing is asserted here (machines differ); docs/performance.md holds the figures.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.bench_support import bench_module, run_bench

schedule = bench_module("schedule")


def test_bench_schedule_quick_prints_the_table() -> None:
    done = run_bench("run.py", "--schedule", "--quick")
    assert "| engine | time | touches/s | ÷ (a) |" in done.stdout
    assert "| (a) DuckDB SQL by hand" in done.stdout
    assert "`abm schedule`'s path" in done.stdout
    assert "200 accounts, 1,600 contacts, a 12-step cadence: 19,200 touches" in done.stdout
    assert "Peak memory (VmHWM)" in done.stdout
    assert "written to" not in done.stderr  # the quick run writes nothing


def test_the_generated_contacts_are_seeded_and_cover_every_account() -> None:
    ids = pa.array([f"ACC-{n}" for n in range(50)])
    table = schedule.contacts(ids, 8, seed=3)
    assert table.column_names == ["contact_id", "account_id", "level", "role"]
    rows = table.to_pylist()
    assert len({r["contact_id"] for r in rows}) == 400
    per_account: dict[str, int] = {}
    for row in rows:
        per_account[row["account_id"]] = per_account.get(row["account_id"], 0) + 1
    assert set(per_account.values()) == {8} and len(per_account) == 50
    assert {r["level"] for r in rows} == set(schedule.LEVELS)
    assert {r["role"] for r in rows} == set(schedule.ROLES)
    assert schedule.contacts(ids, 8, seed=3).equals(table)


def test_the_plain_variant_has_neither_window_nor_limits() -> None:
    full, _ = schedule.compiled(False, accounts=200)
    plain, _ = schedule.compiled(True, accounts=200)
    assert full.cadences["warmup"].recontact_days == 2
    assert plain.cadences["warmup"].recontact_days is None
    assert full.plan is not None and full.plan.capacity["bdr"].touches_per_day == 1200
    assert plain.plan is not None and "bdr" not in plain.plan.capacity
    assert len(full.cadences["warmup"].steps) == 12


def test_a_mismatch_stops_the_benchmark() -> None:
    want = pa.table({"touch": pa.array([1, 2], pa.int32())})
    with pytest.raises(schedule.Mismatch, match="touch"):
        schedule.verify("(a)", pa.table({"touch": pa.array([1, 3], pa.int32())}), want)
    with pytest.raises(schedule.Mismatch, match="columns"):
        schedule.verify("(a)", pa.table({"touch": pa.array([1, 2], pa.int64())}), want)
    schedule.verify("(a)", want, want)
