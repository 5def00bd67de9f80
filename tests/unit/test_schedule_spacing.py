"""The re-contact window in the schedule: a contact's touches at least N business days apart,
in their order, and the window applied before the daily limits."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from abmdsl.api import compile_file
from abmdsl.schedule import build_schedule
from abmdsl.schedule.build import Schedule
from abmdsl.schedule.spacing import register_windows, spaced_sql
from tests.unit.test_schedule_expand import ACCOUNTS, CONTACTS, PLAYBOOK, WARMUP


def spaced(tmp_path: Path, window: str, plan_lines: str = "") -> Schedule:
    (tmp_path / ".git").mkdir(exist_ok=True)
    cadence = WARMUP.replace("  stop on reply\n", f"  stop on reply\n  {window}\n")
    text = PLAYBOOK.format(cadence=cadence, holdout="").replace(
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


def days_of(schedule: Schedule, contact: str) -> list[tuple[int, int, int]]:
    rows = [r for r in schedule.touches.to_pylist() if r["contact"] == contact]
    return [(r["touch"], r["cadence_day"], r["moved"]) for r in rows]


def test_a_contacts_touches_are_kept_apart(tmp_path: Path) -> None:
    sched = spaced(tmp_path, "recontact after 3 business days")
    # C1 is C-level: touches 1, 3, 5 and 8 on days 1, 3, 5, 10 → days 1, 4, 7, 10
    assert days_of(sched, "C1") == [(1, 1, 0), (3, 3, 1), (5, 5, 2), (8, 10, 0)]
    # C3 is a deputy: touches 2, 4, 6, 7, 8 on days 1, 4, 7, 8, 10 → 1, 4, 7, 10, 13
    assert days_of(sched, "C3") == [(2, 1, 0), (4, 4, 0), (6, 7, 0), (7, 8, 2), (8, 10, 3)]


def test_a_window_already_kept_moves_nothing(tmp_path: Path) -> None:
    sched = spaced(tmp_path, "recontact after 1 business days")
    assert all(r["moved"] == 0 for r in sched.touches.to_pylist())


def test_the_daily_limit_queues_what_the_window_gives(tmp_path: Path) -> None:
    limit = "  capacity marketing_assistant 1 touches per day\n"
    sched = spaced(tmp_path, "recontact after 3 business days", limit)
    rows = sched.touches.to_pylist()
    # the three C-level gifts of day 1 queue in account, then contact order
    gifts = [(r["account"], r["contact"], r["moved"]) for r in rows if r["touch"] == 1]
    assert gifts == [("A1", "C1", 0), ("A1", "C2", 1), ("A2", "C4", 2)]
    # the deputy's gift (day 8) is moved by the window, to day 10, where the limit has room
    assert [r["moved"] for r in rows if r["touch"] == 7] == [2]


# ---------------------------------------------------------------- the window against a loop
def loop(rows: list[dict[str, object]], gap: int) -> dict[int, int]:
    """The rule as written: in the cadence's order, each touch no sooner than N days after
    the one before, whatever day an earlier pass may have moved it to."""
    out: dict[int, int] = {}
    last: dict[str, int] = {}
    for r in sorted(rows, key=lambda r: (r["contact"], r["cadence_day"], r["touch"])):
        day = r["slot"]
        if r["contact"] in last:
            day = max(day, last[r["contact"]] + gap)
        last[r["contact"]] = day
        out[r["touch"]] = day
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 8), st.integers(0, 3), st.sampled_from(["x", "y"])),
        min_size=1,
        max_size=30,
    ),
    st.integers(1, 4),
)
def test_the_sql_window_is_the_loop(rows: list[tuple[int, int, str]], gap: int) -> None:
    table = [
        {
            "slot": day + moved,  # a daily limit may have moved it already
            "cadence_day": day,
            "moved": moved,
            "account": "A",
            "contact": contact,
            "contact_row": 0,
            "cadence": "c",
            "touch": k,
        }
        for k, (day, moved, contact) in enumerate(rows)
    ]
    con = duckdb.connect()
    con.register("touches_in", pa.Table.from_pylist(table))
    register_windows(con, {"c": gap})
    got = dict(con.sql(f"SELECT touch, slot FROM ({spaced_sql('touches_in')})").fetchall())
    assert got == loop(table, gap)
