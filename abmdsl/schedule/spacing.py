"""The re-contact window in the schedule: a contact's touches at least N business days apart.

Input: a connection holding the touches (a table with ``slot``, the business day counted from
the cadence start, and ``moved``) and the cadences' ``recontact after N business days``.
Output: a query giving the same touches, each contact's later touches moved later where they
came too soon, in the order they had.

The rule as a loop is ``day(i) = max(slot(i), day(i − 1) + N)`` over a contact's touches in
the cadence's order (cadence day, then touch number: the order before anything moved them, so
that a touch a daily limit pushed past the next one goes back in its place). Unrolled,
``day(i) = N·i + max(slot(j) − N·j for j ≤ i)``: a running maximum, so it is one window
function, not a loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from ..ir import Playbook

if TYPE_CHECKING:
    import duckdb

WINDOWS = "schedule_recontact"


def windows(playbook: Playbook) -> dict[str, int]:
    """Cadence → its re-contact window in business days (cadences with one)."""
    return {
        name: c.recontact_days
        for name, c in playbook.cadences.items()
        if c.recontact_days is not None
    }


def register_windows(con: duckdb.DuckDBPyConnection, gaps: dict[str, int]) -> None:
    con.register(
        WINDOWS,
        pa.table(
            {
                "cadence": pa.array(list(gaps), pa.string()),
                "gap": pa.array(list(gaps.values()), pa.int64()),
            }
        ),
    )


CONTACT = "account, contact, contact_row"
"""The columns that tell one contact's touches from another's."""


def spaced_sql(
    source: str, contact: str = CONTACT, numbered: bool = False, windows: str = WINDOWS
) -> str:
    """A query over ``source`` with each contact's touches spread to the cadence's window
    (registered as ``windows``, :data:`WINDOWS` unless another table holds them with the
    same columns); ``moved`` grows by the days a touch was moved.

    ``contact``: columns of ``source`` that tell contacts apart (see :data:`CONTACT`).
    ``numbered``: ``source`` has a column ``i`` already numbering each contact's touches
    from 0 in the cadence's order (cadence day, then touch number), which is kept; otherwise
    they are numbered here. The order never changes from one pass to the next, so a caller
    that spaces the same touches again and again numbers them once.
    """
    partition = f"PARTITION BY {contact}"
    number = (
        ""
        if numbered
        else f", row_number() OVER ({partition} ORDER BY t.cadence_day, t.touch) - 1 AS i"
    )
    dropped = "gap, spaced, slot, moved" if numbered else "gap, i, spaced, slot, moved"
    return (
        f"WITH spaced_in AS (SELECT t.*, g.gap{number} "
        f"FROM {source} t JOIN {windows} g ON g.cadence = t.cadence), "
        "spaced_out AS (SELECT *, gap * i + max(slot - gap * i) OVER "
        f"({partition} ORDER BY i ROWS UNBOUNDED PRECEDING) AS spaced FROM spaced_in) "
        f"SELECT * EXCLUDE ({dropped}), CAST(spaced AS BIGINT) AS slot, "
        "CAST(moved + spaced - slot AS INTEGER) AS moved FROM spaced_out "
        "UNION ALL BY NAME "
        f"SELECT * FROM {source} WHERE cadence NOT IN (SELECT cadence FROM {windows})"
    )
