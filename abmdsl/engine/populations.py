"""The population-level part of tiering: who is eligible for a capped or clustered tier, the
ranking, the clusters and who gets a place, as CTEs over only the accounts concerned.

Input: the query steps after the conditions (``__when_<i>``, ``__rank_by_<i>``) and the
playbook's tiers. Output: the CTEs below, and for each tier with ``at most`` or ``group by`` a
:class:`Side` naming them. The final step joins ``__rows`` and each ``__groups_<i>`` back to
every account, by its identity (``__row``, or the key when there are no row numbers) and by
its value of the cluster field.

* ``__population``: every account's identity, key, conditions, ranking values and cluster
  fields (narrow, so that an engine can keep it cheaply);
* ``__eligible_<i>``: the accounts whose condition holds and that no earlier tier took;
* ``__ranked_<i>`` (capacity): each of them with its ``__position`` in the tier's order;
* ``__candidates_<i>``, ``__group_sizes_<i>``, ``__group_ranks_<i>``, ``__groups_<i>``
  (clusters, made by :mod:`.clusters`): the accounts that may form clusters; each value of
  the field with its ``__size``, ``__group_rank`` and ``__misfit`` (why its accounts got no
  place);
* ``__members_<i>``, ``__placed_<i>``, ``__fitting_<i>`` (clusters, :mod:`.clusters`): the
  accounts that got a place, with their ``__position``;
* ``__rows``: every account ranked or placed by any tier, with ``__position_<i>`` and
  ``__fits_<i>``.

Why not window functions over the whole table, as before: a window partitioned by
eligibility sorts every account, eligible or not (four sorts of the whole table for the seed
pilot), and hands the rows back in partition order, so the query had to sort them again at
the end. Here only eligible accounts are ranked, a cluster's members are the first ``n`` per
value (engines compute that as a top-n, without sorting), and the positions a clustered tier
reports are counted only up to its last member. docs/performance.md has the figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from ..ir import TierIR
from .clusters import cluster_ctes
from .names import (
    IDENTITY,
    POPULATION,
    POSITION,
    ROWS,
    add_cte,
    fits_of,
    kept_columns,
    order_of,
    position_of,
    row_number,
    when,
)
from .sqlgen import column
from .steps import Steps, select_from


@dataclass(frozen=True)
class Side:
    """The CTEs of one capped or clustered tier; ``fits`` lists who got a place in it."""

    index: int
    tier: TierIR
    eligible: str
    ranked: str | None  # capacity: every eligible account with its position
    groups: str | None  # clusters: one row per value of the field
    fitting: str | None  # clusters: the accounts placed, with their position

    @property
    def fits(self) -> exp.Select:
        """The identities of the accounts this tier takes."""
        if self.fitting is not None:
            return select_from(self.fitting, column(IDENTITY))
        assert self.ranked is not None and self.tier.capacity is not None
        limit = exp.Literal.number(self.tier.capacity.limit)
        within = exp.LTE(this=column(POSITION), expression=limit)
        return select_from(self.ranked, column(IDENTITY)).where(within, copy=False)


def constrained(tier: TierIR) -> bool:
    return tier.capacity is not None or tier.grouping is not None


def side_ctes(builder: Steps, identity: str) -> list[Side]:
    """Add the CTEs of every capped or clustered tier, in tier order, after ``builder.current``.

    >>> from abmdsl.api import compile_text
    >>> from abmdsl.engine.tiering import tiering_query
    >>> p = compile_text('playbook "P" { horizon 90 days }\\n'
    ...                  'accounts { key id: text  fit: int 1..5 }\\n'
    ...                  'score s scale 1..5 { fit weight 100% = fit }\\n'
    ...                  'tier top when s >= 4 { at most 2 accounts ranked by s desc }\\n'
    ...                  'tier rest otherwise').playbook
    >>> '"__ranked_0"' in tiering_query(p).sql("duckdb")
    True
    """
    tiers = [(i, t) for i, t in enumerate(builder.playbook.tiers) if constrained(t)]
    if not tiers:
        return []
    population = _population(builder, identity, max(i for i, _ in tiers))
    sides: list[Side] = []
    for index, tier in tiers:
        sides.append(_side(builder, population, index, tier, sides))
    return sides


def _population(builder: Steps, identity: str, last: int) -> str:
    """What the side CTEs read of every account: its identity, key, conditions, ranking
    values and cluster fields; a narrow table, so that engines keep it cheaply if they keep it
    (DuckDB runs the scoring once for it, rather than once per tier)."""
    names = [builder.key]
    for index, tier in enumerate(builder.playbook.tiers[: last + 1]):
        names += [when(index), *kept_columns(builder, index, tier)[1:]]
    unique = [n for n in dict.fromkeys(names) if n != IDENTITY]
    body = select_from(
        builder.current,
        exp.alias_(column(identity), IDENTITY, quoted=True),
        *[column(n) for n in unique],
    )
    return add_cte(builder, POPULATION, body)


def _side(builder: Steps, population: str, index: int, tier: TierIR, before: list[Side]) -> Side:
    eligible = _eligible(builder, population, index, tier, before)
    ranked = _ranked(builder, index, tier, eligible) if tier.capacity is not None else None
    groups = fitting = None
    if tier.grouping is not None:
        groups, fitting = cluster_ctes(builder, index, tier, ranked or eligible, eligible)
    return Side(index, tier, eligible, ranked, groups, fitting)


def _eligible(builder: Steps, population: str, index: int, tier: TierIR, before: list[Side]) -> str:
    """Accounts whose condition holds and that no earlier tier took (first match wins)."""
    # A WHERE clause keeps the rows whose condition is true, so no `IS TRUE` is needed here:
    # engines filter a bare condition by narrowing a selection, far faster than computing
    # `(a AND b) IS TRUE` for every row.
    conditions: list[exp.Expression] = [column(when(index))]
    constrained_before = {side.index: side for side in before}
    for earlier in range(index):
        if earlier in constrained_before:  # it took only the accounts that fit
            taken = exp.In(
                this=column(IDENTITY), query=exp.Subquery(this=constrained_before[earlier].fits)
            )
        else:  # it took every account whose condition held
            taken = _is_true(column(when(earlier)))
        conditions.append(exp.Not(this=exp.Paren(this=taken)))
    body = select_from(
        population,
        column(IDENTITY),
        *[column(name) for name in kept_columns(builder, index, tier)],
    )
    return add_cte(builder, f"__eligible_{index}", body.where(exp.and_(*conditions), copy=False))


def _ranked(builder: Steps, index: int, tier: TierIR, eligible: str) -> str:
    names = [IDENTITY, *kept_columns(builder, index, tier)]
    position = exp.alias_(row_number(order_of(builder, index, tier)), POSITION, quoted=True)
    body = select_from(eligible, *[column(n) for n in names], position)
    return add_cte(builder, f"__ranked_{index}", body)


def _is_true(node: exp.Expression) -> exp.Expression:
    return exp.Is(this=node, expression=exp.true())


def rows_cte(builder: Steps, sides: list[Side]) -> str | None:
    """``__rows``: every account some tier ranked or placed, with ``__position_<i>`` and
    ``__fits_<i>`` of each such tier, so that the final step joins one table to every account
    (each join costs a pass over all accounts), however many tiers there are."""
    tables: list[tuple[str, list[exp.Expression]]] = []
    for side in sides:
        if side.ranked is not None:
            position = column(POSITION, side.ranked)
            tables.append((side.ranked, [_named(position, position_of(side.index))]))
        if side.fitting is not None:
            listed = exp.Not(
                this=exp.Is(this=column(IDENTITY, side.fitting), expression=exp.Null())
            )
            columns = [_named(listed, fits_of(side.index))]
            if side.ranked is None:
                position = column(POSITION, side.fitting)
                columns.append(_named(position, position_of(side.index)))
            tables.append((side.fitting, columns))
    if not tables:
        return None
    ids = [column(IDENTITY, name) for name, _ in tables]
    identity = exp.Coalesce(this=ids[0], expressions=ids[1:]) if len(ids) > 1 else ids[0]
    body = select_from(
        tables[0][0], _named(identity, IDENTITY), *[c for _, columns in tables for c in columns]
    )
    for n, (name, _) in enumerate(tables[1:], start=1):
        earlier = ids[:n]
        known = exp.Coalesce(this=earlier[0], expressions=earlier[1:]) if n > 1 else earlier[0]
        on = exp.EQ(this=column(IDENTITY, name), expression=known.copy())
        body = body.join(exp.table_(name), on=on, join_type="FULL", copy=False)
    return add_cte(builder, ROWS, body)


def _named(node: exp.Expression, name: str) -> exp.Expression:
    return exp.alias_(node, name, quoted=True)
