"""A role's daily touch limit in the schedule: overflow moves to later business days, in the
documented order, never dropped; and research hours and budget beside the plan's."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from abmdsl.api import compile_file
from abmdsl.schedule import build_schedule, count_workload
from abmdsl.schedule.build import Schedule
from abmdsl.schedule.capacity import register_limits, spill_sql
from abmdsl.schedule.report import render
from tests.unit.test_schedule_expand import ACCOUNTS, CONTACTS, PLAYBOOK, WARMUP

D = dt.date


def limited(tmp_path: Path, plan_lines: str = "") -> Schedule:
    """The expansion tests' schedule, with ``plan_lines`` added to its plan."""
    (tmp_path / ".git").mkdir(exist_ok=True)
    text = PLAYBOOK.format(cadence=WARMUP, holdout="").replace(
        "  roles lead, bdr, marketing_assistant\n",
        "  roles lead, bdr, marketing_assistant\n" + plan_lines,
    )
    path = tmp_path / "test.abm"
    path.write_text(text, encoding="utf-8")
    compiled = compile_file(path)
    assert compiled.ok and compiled.playbook is not None, compiled.diagnostics
    (tmp_path / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    (tmp_path / "contacts.csv").write_text(CONTACTS, encoding="utf-8")
    return build_schedule(
        compiled.playbook, compiled.sources, tmp_path / "accounts.csv", tmp_path / "contacts.csv"
    )


def test_a_daily_limit_moves_the_overflow_to_the_next_business_days(tmp_path: Path) -> None:
    free = limited(tmp_path).touches.to_pylist()
    sched = limited(tmp_path, "  capacity bdr 1 touches per day\n")
    rows = sched.touches.to_pylist()
    assert len(rows) == len(free)  # nothing is dropped
    per_day = Counter(r["date"] for r in rows if r["owner"] == "bdr")
    assert max(per_day.values()) == 1
    # Touch 3 (day 3) goes to C1, C2 and C4: one a day, in account then contact order. The
    # queue carries on: touch 6 (day 7) lands on day 10, so touch 8 (day 10, four contacts)
    # starts on day 11 — 2 March, as 22 and 23 February are Russian holidays.
    threes = [(r["date"], r["contact"], r["moved"]) for r in rows if r["touch"] == 3]
    assert threes == [
        (D(2027, 2, 17), "C1", 0),
        (D(2027, 2, 18), "C2", 1),
        (D(2027, 2, 19), "C4", 2),
    ]
    eights = [(r["date"], r["account"], r["contact"]) for r in rows if r["touch"] == 8]
    assert eights == [
        (D(2027, 3, 2), "A1", "C1"),
        (D(2027, 3, 3), "A1", "C2"),
        (D(2027, 3, 4), "A1", "C3"),
        (D(2027, 3, 5), "A2", "C4"),
    ]
    assert [r["moved"] for r in rows if r["touch"] == 8] == [1, 2, 3, 4]
    untouched = [r for r in rows if r["owner"] != "bdr"]
    assert all(r["moved"] == 0 for r in untouched)


def test_the_summary_counts_the_touches_moved(tmp_path: Path) -> None:
    sched = limited(tmp_path, "  capacity bdr 1 touches per day\n")
    load = count_workload(sched.touches, sched.end)
    assert load.moved == sum(1 for r in sched.touches.to_pylist() if r["moved"])
    assert load.moved_max == 4
    assert "moved to later business days to keep within the daily limits (bdr 1" in render(
        sched, load
    )


def test_research_hours_and_budget_are_set_against_the_plan(tmp_path: Path) -> None:
    sched = limited(
        tmp_path,
        "  capacity lead 1 h per week\n  budget 500 USD\n",
    )
    b = sched.budgeted
    assert b is not None
    assert b.budget == Decimal(3000)  # three accounts in `top`, 1000 USD each
    assert b.over_budget
    assert b.research_capacity is None  # no research stage in this plan
    text = render(sched, count_workload(sched.touches, sched.end))
    assert "the tiers' budgets come to 3000 USD, over the plan's budget of 500 USD" in text


# ---------------------------------------------------------------- the queue against a loop
def greedy(rows: list[dict[str, object]], limits: dict[str, int]) -> dict[int, int]:
    """The rule as a loop: in the documented order, each touch on its first day with room."""
    order = sorted(
        rows, key=lambda r: (r["slot"], r["tier_ord"], r["account"], r["contact"], r["touch"])
    )
    used: Counter[tuple[str, int]] = Counter()
    out = {}
    for r in order:
        day = r["slot"]
        owner = r["owner"]
        if owner in limits:
            while used[(owner, day)] >= limits[owner]:
                day += 1
            used[(owner, day)] += 1
        out[r["touch"]] = day
    return out


touch_rows = st.lists(
    st.tuples(
        st.integers(1, 6),
        st.integers(0, 2),
        st.sampled_from(["A", "B", "C"]),
        st.sampled_from(["x", "y"]),
        st.sampled_from(["bdr", "ma", None]),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(touch_rows, st.integers(1, 3), st.integers(1, 4))
def test_the_sql_queue_is_the_loop(rows: list[tuple], bdr: int, ma: int) -> None:
    table = [
        {
            "slot": slot,
            "moved": 0,
            "tier_ord": tier,
            "account": account,
            "contact": contact,
            "contact_row": 0,
            "cadence": "c",
            "touch": k,  # unique, so the loop's result can be looked up
            "owner": owner,
        }
        for k, (slot, tier, account, contact, owner) in enumerate(rows)
    ]
    limits = {"bdr": bdr, "ma": ma}
    con = duckdb.connect()
    con.register("due", pa.Table.from_pylist(table) if table else _empty())
    register_limits(con, limits)
    got = dict(con.sql(f"SELECT touch, slot FROM ({spill_sql('due')})").fetchall())
    assert got == greedy(table, limits)


def _empty() -> pa.Table:
    return pa.table(
        {
            "slot": pa.array([], pa.int64()),
            "moved": pa.array([], pa.int64()),
            "tier_ord": pa.array([], pa.int64()),
            "account": pa.array([], pa.string()),
            "contact": pa.array([], pa.string()),
            "contact_row": pa.array([], pa.int64()),
            "cadence": pa.array([], pa.string()),
            "touch": pa.array([], pa.int64()),
            "owner": pa.array([], pa.string()),
        }
    )
