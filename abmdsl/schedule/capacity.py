"""The plan's capacity applied to the schedule: daily touch limits, hours and budget.

Input: a connection holding the touches before any limit (a table with ``slot``, the business
day of the touch counted from the cadence start, and ``owner``), and the playbook's
``plan.capacity`` and ``plan.budget``. Output: the same touches with each role's touches
kept within its ``N touches per day`` — the overflow moved to the next business days, never
dropped — and, for the summary, the research hours and budget set against what the plan
declares.

The daily limit is a queue per role: touches are taken in the order of their day, the tier's
order in the playbook, the account key, the contact key (then the cadence and the touch), and
each goes on the first day, from its own, that still has room. That queue is computed with
window functions, not a loop: with ``A(d)`` the role's touches due by day ``d`` and ``L`` its
limit, the backlog after day ``d`` is ``W(d) − min(0, min W(e) for e ≤ d)`` where
``W(d) = A(d) − L·d``; the touches done by day ``d`` are ``S(d) = A(d) − backlog(d)``; and the
``k``-th touch in the queue (from 0) is done on the first day with ``S(d) > k``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import pyarrow as pa

from ..ir import Playbook

if TYPE_CHECKING:
    import duckdb

    from .build import TierLoad
    from .plan import DatedStage

LIMITS = "schedule_limits"
RESEARCH_WORDS = ("research", "исслед", "badani", "forsch", "recherch")
"""A stage whose name or title holds one of these (any case) is where research hours go."""


def daily_limits(playbook: Playbook) -> dict[str, int]:
    """Role → its ``touches per day`` limit.

    >>> from abmdsl.api import compile_text
    >>> pb = compile_text('playbook "P" { horizon 90 days } tier all otherwise '
    ...     'plan { roles bdr  capacity bdr 40 touches per day }').playbook
    >>> daily_limits(pb)
    {'bdr': 40}
    """
    capacity = playbook.plan.capacity if playbook.plan else {}
    return {r: c.touches_per_day for r, c in capacity.items() if c.touches_per_day is not None}


WITHIN_DAY = "r.tier_ord, r.account, r.contact, r.contact_row, r.cadence, r.touch"
"""A role's queue takes touches by day, then in this order (columns of the source as ``r``):
the tier's place, the account, the contact (then the cadence and the touch number)."""


def spill_sql(source: str, within_day: str = WITHIN_DAY, limits: str = LIMITS) -> str:
    """A query over ``source`` giving its rows with ``slot`` moved within the daily limits
    (registered as ``limits``, :data:`LIMITS` unless another table holds them with the same
    columns) and ``moved``: by how many business days.

    ``within_day``: the order of a role's touches due on one day (see :data:`WITHIN_DAY`); a
    source that numbers its touches in that order beforehand may pass that number instead,
    which sorts faster.
    """
    # A touch's place in its role's queue is the number of the role's touches due on earlier
    # days plus its place among those due on its own: numbering within each role and day
    # sorts many small groups rather than each role's whole queue. The k-th touch goes on the
    # first day whose served count exceeds k: the days' served counts cut 0, 1, 2, … into
    # runs, one per day, and each k is looked up in its run with an equality join (an ASOF
    # join on `k < served` gives the same, more slowly).
    return (
        "WITH spill_in AS (SELECT r.*, l.per_day AS cap, "
        f"row_number() OVER (PARTITION BY r.owner, r.slot ORDER BY {within_day}) - 1 AS k_day "
        f"FROM {source} r JOIN {limits} l ON l.role = r.owner), "
        "spill_due AS (SELECT owner, slot, count(*) AS n FROM spill_in GROUP BY ALL), "
        "spill_before AS (SELECT owner, slot, "
        "sum(n) OVER (PARTITION BY owner ORDER BY slot) - n AS before FROM spill_due), "
        "spill_ranked AS (SELECT i.* EXCLUDE (k_day), b.before + i.k_day AS k "
        "FROM spill_in i JOIN spill_before b ON b.owner = i.owner AND b.slot = i.slot), "
        "spill_bounds AS (SELECT owner, any_value(cap) AS cap, "
        "max(slot) + CAST(ceil(count(*) / any_value(cap)) AS BIGINT) AS last "
        "FROM spill_in GROUP BY owner), "
        "spill_grid AS (SELECT owner, cap, unnest(generate_series(1, last)) AS slot "
        "FROM spill_bounds), "
        "spill_flow AS (SELECT g.owner, g.slot, sum(coalesce(d.n, 0)) OVER w AS arrived, "
        "sum(coalesce(d.n, 0)) OVER w - g.cap * g.slot AS excess "
        "FROM spill_grid g LEFT JOIN spill_due d ON d.owner = g.owner AND d.slot = g.slot "
        "WINDOW w AS (PARTITION BY g.owner ORDER BY g.slot)), "
        "spill_done AS (SELECT owner, slot, arrived - (excess - least(0, min(excess) OVER "
        "(PARTITION BY owner ORDER BY slot))) AS served FROM spill_flow), "
        "spill_firsts AS (SELECT owner, served, min(slot) AS slot FROM spill_done GROUP BY ALL), "
        "spill_runs AS (SELECT owner, slot, CAST(coalesce(lag(served) OVER "
        "(PARTITION BY owner ORDER BY served), 0) AS BIGINT) AS low, "
        "CAST(served AS BIGINT) AS high FROM spill_firsts), "
        "spill_slots AS (SELECT owner, slot, unnest(range(low, high)) AS k FROM spill_runs) "
        "SELECT q.* EXCLUDE (cap, k, slot, moved), f.slot, "
        "CAST(q.moved + f.slot - q.slot AS INTEGER) AS moved "
        "FROM spill_ranked q JOIN spill_slots f ON f.owner = q.owner AND f.k = q.k "
        "UNION ALL BY NAME "
        f"SELECT * FROM {source} WHERE owner IS NULL OR owner NOT IN (SELECT role FROM {limits})"
    )


def register_limits(con: duckdb.DuckDBPyConnection, limits: dict[str, int]) -> None:
    con.register(
        LIMITS,
        pa.table(
            {
                "role": pa.array(list(limits), pa.string()),
                "per_day": pa.array(list(limits.values()), pa.int64()),
            }
        ),
    )


@dataclass(frozen=True)
class Budgeted:
    """What the normatives need set against what the plan has: research hours and money."""

    research_hours: Decimal  # the tiers' research hours, in the programme
    research_capacity: Decimal | None  # the research roles' hours over the research stages
    research_roles: tuple[str, ...]
    research_stages: tuple[str, ...]
    budget: Decimal  # the tiers' budgets, in the programme
    plan_budget: Decimal | None

    @property
    def over_hours(self) -> bool:
        cap = self.research_capacity
        return cap is not None and self.research_hours > cap

    @property
    def over_budget(self) -> bool:
        return self.plan_budget is not None and self.budget > self.plan_budget


def budgeted(playbook: Playbook, tiers: list[TierLoad], stages: list[DatedStage]) -> Budgeted:
    """The tiers' research hours and budget beside the plan's hours capacity and budget.

    The research capacity is that of the roles ``responsible`` in the research stages (a
    stage whose name or title mentions research): ``per week`` times the stages' weeks, or
    ``per day`` times their business days (the smaller when a role has both).
    """
    research = [s for s in stages if _mentions_research(s.name, s.title)]
    roles = sorted({r for s in research for r in s.raci.get("responsible", ())})
    capacity = playbook.plan.capacity if playbook.plan else {}
    weeks = len({w for s in research for w in range(s.first_week, s.last_week + 1)})
    days = sum(s.business_days for s in research)
    hours: list[Decimal] = []
    for role in roles:
        limit = capacity.get(role)
        if limit is None or (limit.hours_per_week is None and limit.hours_per_day is None):
            continue
        options = [
            limit.hours_per_week * weeks if limit.hours_per_week is not None else None,
            limit.hours_per_day * days if limit.hours_per_day is not None else None,
        ]
        hours.append(min(o for o in options if o is not None))
    return Budgeted(
        research_hours=sum((t.research_hours or Decimal(0) for t in tiers), Decimal(0)),
        research_capacity=sum(hours, Decimal(0)) if hours else None,
        research_roles=tuple(r for r in roles if r in capacity),
        research_stages=tuple(s.name for s in research),
        budget=sum((t.budget or Decimal(0) for t in tiers), Decimal(0)),
        plan_budget=playbook.plan.budget if playbook.plan else None,
    )


def _mentions_research(name: str, title: str | None) -> bool:
    text = f"{name} {title or ''}".casefold()
    return any(word in text for word in RESEARCH_WORDS)
