"""The team's workload: touches counted per week, channel, owner role and day, in DuckDB.

Input: the touches table of a :class:`~abmdsl.schedule.build.Schedule` and the pilot's last
day. Output: a :class:`Workload` of small counts, for the terminal summary and the JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa

UNASSIGNED = "(no owner)"
"""A step without `by ROLE` still has to be done by someone: counted under this name."""


@dataclass(frozen=True)
class Workload:
    touches: int
    accounts: int
    contacts: int
    after_horizon: int  # touches dated after the pilot's last day
    by_channel: dict[str, int]  # busiest first, ties by name
    by_owner: dict[str, int]
    by_week_channel: dict[int, dict[str, int]]
    by_owner_week: dict[str, dict[int, int]]
    peak_day: dict[str, tuple[dt.date, int]]  # owner → the busiest day and its touches
    moved: int = 0  # touches moved past their day by a role's daily limit
    moved_max: int = 0  # business days, at most
    moved_avg: Decimal = Decimal(0)  # business days, on average over the touches moved
    variants: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    """(cadence, touch) → variant → touches: how each A/B test split."""

    @property
    def weeks(self) -> list[int]:
        return sorted(self.by_week_channel)


def count_workload(touches: pa.Table, end: dt.date) -> Workload:
    import duckdb

    con = duckdb.connect()
    con.register("touches", touches)
    owner = f"coalesce(owner, '{UNASSIGNED}')"

    def rows(sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return con.sql(sql, params=params).fetchall()

    ((total, accounts, contacts, late),) = rows(
        "SELECT count(*), count(DISTINCT account), count(DISTINCT (account, contact)), "
        "count(*) FILTER (WHERE date > $end) FROM touches",
        {"end": end},
    )
    ((moved, moved_max, moved_avg),) = rows(
        "SELECT count(*) FILTER (WHERE moved > 0), coalesce(max(moved), 0), "
        "coalesce(CAST(avg(moved) FILTER (WHERE moved > 0) AS DECIMAL(18, 1)), 0) FROM touches"
    )
    variants: dict[tuple[str, int], dict[str, int]] = {}
    for cadence, touch, variant, n in rows(
        "SELECT cadence, touch, variant, count(*) FROM touches "
        "WHERE variant IS NOT NULL GROUP BY ALL ORDER BY ALL"
    ):
        variants.setdefault((cadence, touch), {})[variant] = n
    by_channel = dict(rows("SELECT channel, count(*) n FROM touches GROUP BY 1 ORDER BY n DESC, 1"))
    by_owner = dict(rows(f"SELECT {owner}, count(*) n FROM touches GROUP BY 1 ORDER BY n DESC, 1"))
    by_week_channel: dict[int, dict[str, int]] = {}
    for week, channel, n in rows(
        "SELECT week, channel, count(*) FROM touches GROUP BY ALL ORDER BY ALL"
    ):
        by_week_channel.setdefault(week, {})[channel] = n
    by_owner_week: dict[str, dict[int, int]] = {o: {} for o in by_owner}
    for who, week, n in rows(
        f"SELECT {owner}, week, count(*) FROM touches GROUP BY ALL ORDER BY ALL"
    ):
        by_owner_week[who][week] = n
    peak = {
        who: (day, n)
        for who, day, n in rows(
            f"SELECT {owner} o, date, count(*) n FROM touches GROUP BY 1, 2 "
            "QUALIFY row_number() OVER (PARTITION BY o ORDER BY n DESC, date) = 1"
        )
    }
    return Workload(
        total,
        accounts,
        contacts,
        late,
        by_channel,
        by_owner,
        {w: by_week_channel[w] for w in sorted(by_week_channel)},
        {o: dict(sorted(by_owner_week[o].items())) for o in by_owner},
        {o: peak[o] for o in by_owner},
        moved,
        moved_max,
        Decimal(moved_avg),
        variants,
    )
