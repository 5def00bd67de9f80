"""The re-contact windows and the daily limits, made to hold together.

Input: a connection holding the touches on their cadence days (a table with ``seq``,
``slot``, ``moved``, ``owner``, ``cadence``, ``cadence_day``, ``touch`` and ``contact_row``)
and the playbook's windows and limits. Output: the name of a table of the touches' ``seq``,
``slot`` and ``moved`` on days that keep every contact's touches at least N business days
apart **and** every role within its daily limit (the input table itself when there is
neither), and a :class:`Settling` that says how many passes that took.

Each rule alone is one query (:mod:`.spacing`, :mod:`.capacity`), but each can undo the
other: a touch the daily limit moves may come too close to the contact's next touch, and a
touch the window moves may land on a full day. Both only ever move touches later, so applying
them in turn until the window moves nothing more climbs to the earliest days that satisfy
both; a real schedule settles in a few passes. The number of passes is bounded all the same,
and a schedule that has not settled by then keeps its daily limits (a team cannot do more
than it can) and is reported.

The passes run on a narrow copy of the touches: the columns the rules read, with each
touch's place in its role's queue (``seq``) and among its contact's touches (``i``) numbered
once, since neither order changes from pass to pass. Copying every column of a million
touches, and sorting them by the account and contact keys, in each pass took most of the
time of a large schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from ..ir import Playbook
from . import capacity, spacing

if TYPE_CHECKING:
    import duckdb

NARROW, SPACED, SLOTTED = "schedule_settling", "schedule_spaced", "schedule_slotted"
WINDOWS, LIMITS = "schedule_settling_windows", "schedule_settling_limits"
"""The windows and limits by the number :func:`_code` gives the cadence and the role."""
MAX_PASSES = 40
"""Rounds of window-then-limits before giving up on a schedule that keeps moving."""


@dataclass(frozen=True)
class Settling:
    """How the windows and limits were applied: ``passes`` rounds of both (0 when only one
    of them, or neither, applies), and whether the last one moved nothing."""

    passes: int
    settled: bool


def settle(con: duckdb.DuckDBPyConnection, playbook: Playbook, source: str) -> tuple[str, Settling]:
    """The table holding ``source``'s touches within the windows and the limits.

    ``source``'s ``seq`` numbers its touches in the order of a role's queue after their day
    (:data:`.capacity.WITHIN_DAY`), and ``contact_row`` tells its contacts apart:
    one row of the contacts, so one contact at one account.
    """
    gaps, limits = spacing.windows(playbook), capacity.daily_limits(playbook)
    if not gaps and not limits:
        return source, Settling(0, True)
    # The owner and the cadence become numbers (their place among the limits and windows, -1
    # for those without one): the passes sort and copy every touch, and texts cost more to
    # move than numbers.
    con.register(
        WINDOWS,
        pa.table({"cadence": pa.array(range(len(gaps)), pa.int32()), "gap": list(gaps.values())}),
    )
    con.register(
        LIMITS,
        pa.table(
            {"role": pa.array(range(len(limits)), pa.int32()), "per_day": list(limits.values())}
        ),
    )
    numbered = (
        ", row_number() OVER (PARTITION BY contact_row ORDER BY cadence_day, touch) - 1 AS i"
        if gaps
        else ""
    )
    _create(
        con,
        NARROW,
        f"SELECT seq, slot, moved, {_code('owner', limits)} AS owner, "
        f"{_code('cadence', gaps)} AS cadence, contact_row{numbered} FROM {source}",
    )
    source = NARROW
    if gaps:
        _create(con, SPACED, _spaced(source))
        source = SPACED
    if not limits:
        return source, Settling(0, True)
    _create(con, SLOTTED, _spilled(source))
    if not gaps:
        return SLOTTED, Settling(0, True)
    for passes in range(1, MAX_PASSES + 1):
        before = _moved(con, SLOTTED)
        _create(con, SPACED, _spaced(SLOTTED))
        if _moved(con, SPACED) == before:  # the window moved nothing: both rules hold
            return SLOTTED, Settling(passes, True)
        _create(con, SLOTTED, _spilled(SPACED))
    return SLOTTED, Settling(MAX_PASSES, False)


def _code(column: str, names: dict[str, int]) -> str:
    """``column``'s place among ``names`` as SQL, -1 for another value or NULL."""
    cases = "".join(f"WHEN {_text(name)} THEN {i} " for i, name in enumerate(names))
    return f"CAST(CASE {column} {cases}ELSE -1 END AS INTEGER)" if names else "-1"


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _spaced(source: str) -> str:
    return spacing.spaced_sql(source, contact="contact_row", numbered=True, windows=WINDOWS)


def _spilled(source: str) -> str:
    return capacity.spill_sql(source, within_day="r.seq", limits=LIMITS)


def _create(con: duckdb.DuckDBPyConnection, table: str, sql: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {sql}")


def _moved(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Business days moved, over all touches: a pass that moves nothing leaves it as it is
    (both rules only move touches later, so any move makes it grow)."""
    ((total,),) = con.sql(f"SELECT coalesce(sum(moved), 0) FROM {table}").fetchall()
    return int(total)
