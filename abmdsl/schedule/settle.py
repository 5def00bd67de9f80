"""The re-contact windows and the daily limits, made to hold together.

Input: a connection holding the touches on their cadence days (a table with ``slot``,
``moved``, ``owner``, ``cadence_day`` …) and the playbook's windows and limits. Output: the
name of a table of the same touches on days that keep every contact's touches at least N
business days apart **and** every role within its daily limit, and a :class:`Settling` that
says how many passes that took.

Each rule alone is one query (:mod:`.spacing`, :mod:`.capacity`), but each can undo the
other: a touch the daily limit moves may come too close to the contact's next touch, and a
touch the window moves may land on a full day. Both only ever move touches later, so applying
them in turn until the window moves nothing more climbs to the earliest days that satisfy
both; a real schedule settles in a few passes. The number of passes is bounded all the same,
and a schedule that has not settled by then keeps its daily limits (a team cannot do more
than it can) and is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..ir import Playbook
from . import capacity, spacing

if TYPE_CHECKING:
    import duckdb

SPACED, SLOTTED = "schedule_spaced", "schedule_slotted"
MAX_PASSES = 40
"""Rounds of window-then-limits before giving up on a schedule that keeps moving."""


@dataclass(frozen=True)
class Settling:
    """How the windows and limits were applied: ``passes`` rounds of both (0 when only one
    of them, or neither, applies), and whether the last one moved nothing."""

    passes: int
    settled: bool


def settle(con: duckdb.DuckDBPyConnection, playbook: Playbook, source: str) -> tuple[str, Settling]:
    """The table holding ``source``'s touches within the windows and the limits."""
    gaps, limits = spacing.windows(playbook), capacity.daily_limits(playbook)
    if gaps:
        spacing.register_windows(con, gaps)
    if limits:
        capacity.register_limits(con, limits)
    if gaps:
        _create(con, SPACED, spacing.spaced_sql(source))
        source = SPACED
    if not limits:
        return source, Settling(0, True)
    _create(con, SLOTTED, capacity.spill_sql(source))
    if not gaps:
        return SLOTTED, Settling(0, True)
    for passes in range(1, MAX_PASSES + 1):
        before = _moved(con, SLOTTED)
        _create(con, SPACED, spacing.spaced_sql(SLOTTED))
        if _moved(con, SPACED) == before:  # the window moved nothing: both rules hold
            return SLOTTED, Settling(passes, True)
        _create(con, SLOTTED, capacity.spill_sql(SPACED))
    return SLOTTED, Settling(MAX_PASSES, False)


def _create(con: duckdb.DuckDBPyConnection, table: str, sql: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {sql}")


def _moved(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Business days moved, over all touches: a pass that moves nothing leaves it as it is
    (both rules only move touches later, so any move makes it grow)."""
    ((total,),) = con.sql(f"SELECT coalesce(sum(moved), 0) FROM {table}").fetchall()
    return int(total)
