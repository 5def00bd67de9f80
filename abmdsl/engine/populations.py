"""The population-level part of tiering: who is eligible for a capped or clustered tier, ranks,
clusters and who fits, as CTEs over only the accounts concerned.

Input: the query steps after the conditions (``__when_<i>``, ``__rank_by_<i>``) and the
playbook's tiers. Output: for each tier with ``at most`` or ``group by``, a :class:`Side`
naming the CTEs that the final step joins back to every account by its identity (``__row``,
or the key when there are no row numbers):

* ``__eligible_<i>``: the accounts whose condition holds and that no earlier tier took;
* ``__ranked_<i>`` (capacity): each of them with its ``__position`` in the tier's order;
* ``__groups_<i>`` (clusters): each value of the field with its ``__size`` and ``__group_rank``;
* ``__fitting_<i>`` (clusters): the accounts that got a place, with their ``__position``.

Why not window functions over the whole table: a window partitioned by eligibility sorts
every account, eligible or not, and its result comes back in partition order, so the query
must sort again at the end. Here only the eligible accounts are ranked, a cluster's members
are the first ``n`` per value (which engines compute as a top-n, without sorting), and the
positions a clustered tier reports are counted only up to its last member.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from ..ir import TierIR
from .sqlgen import column
from .steps import Steps

POSITION, SIZE, GROUP_RANK = "__position", "__size", "__group_rank"


def when(index: int) -> str:
    return f"__when_{index}"


def position_of(index: int) -> str:
    return f"__position_{index}"


def fits_of(index: int) -> str:
    return f"__fits_{index}"


def ranking(index: int) -> str:
    return f"__rank_by_{index}"


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
            return exp.select(column(IDENTITY)).from_(self.fitting)
        assert self.ranked is not None and self.tier.capacity is not None
        limit = exp.Literal.number(self.tier.capacity.limit)
        return (
            exp.select(column(IDENTITY))
            .from_(self.ranked)
            .where(exp.LTE(this=column(POSITION), expression=limit))
        )


IDENTITY = "__id"  # the identity's name inside the side CTEs
POPULATION, ROWS = "__population", "__rows"


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
        names += [when(index), *_kept_columns(builder, index, tier)[1:]]
    unique = [n for n in dict.fromkeys(names) if n != IDENTITY]
    body = exp.select(
        exp.alias_(column(identity), IDENTITY, quoted=True), *[column(n) for n in unique]
    ).from_(builder.current)
    return _with(builder, POPULATION, body)


def _side(builder: Steps, population: str, index: int, tier: TierIR, before: list[Side]) -> Side:
    eligible = _eligible(builder, population, index, tier, before)
    ranked = _ranked(builder, index, tier, eligible) if tier.capacity is not None else None
    groups = fitting = None
    if tier.grouping is not None:
        groups, fitting = _clusters(builder, index, tier, ranked or eligible, eligible)
    return Side(index, tier, eligible, ranked, groups, fitting)


def _with(builder: Steps, name: str, body: exp.Select) -> str:
    builder.query = builder.query.with_(name, as_=body, copy=False)
    return name


def _kept_columns(builder: Steps, index: int, tier: TierIR) -> list[str]:
    """What the side CTEs need of an account: its key, ranking value and cluster field."""
    names = [builder.key]
    if tier.capacity is not None and tier.capacity.rank_by is not None:
        names.append(ranking(index))
    if tier.grouping is not None and tier.grouping.field not in names:
        names.append(tier.grouping.field)
    return names


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
    body = exp.select(
        column(IDENTITY), *[column(name) for name in _kept_columns(builder, index, tier)]
    ).from_(population)
    return _with(builder, f"__eligible_{index}", body.where(exp.and_(*conditions)))


def order_of(
    builder: Steps, index: int, tier: TierIR, table: str | None = None
) -> list[exp.Ordered]:
    """The tier's ranking order: its ``ranked by`` value (a missing one last), then the key."""
    key = exp.Ordered(this=column(builder.key, table), desc=False, nulls_first=False)
    if tier.capacity is None or tier.capacity.rank_by is None:
        return [key]
    ranked = exp.Ordered(
        this=column(ranking(index), table), desc=tier.capacity.descending, nulls_first=False
    )
    return [ranked, key]


def _row_number(
    order: list[exp.Ordered], partition: list[exp.Expression] | None = None
) -> exp.Window:
    return exp.Window(
        this=exp.RowNumber(), partition_by=partition or None, order=exp.Order(expressions=order)
    )


def _ranked(builder: Steps, index: int, tier: TierIR, eligible: str) -> str:
    names = [IDENTITY, *_kept_columns(builder, index, tier)]
    position = exp.alias_(_row_number(order_of(builder, index, tier)), POSITION, quoted=True)
    body = exp.select(*[column(n) for n in names], position).from_(eligible)
    return _with(builder, f"__ranked_{index}", body)


def _candidates(builder: Steps, index: int, tier: TierIR, source: str) -> str:
    """The accounts that may form clusters: eligible, within the capacity, with a value."""
    grouping = tier.grouping
    assert grouping is not None
    names = [IDENTITY, *_kept_columns(builder, index, tier)]
    conditions: list[exp.Expression] = [
        exp.Not(this=exp.Is(this=column(grouping.field), expression=exp.Null()))
    ]
    if tier.capacity is not None:
        names.append(POSITION)
        limit = exp.Literal.number(tier.capacity.limit)
        conditions.append(exp.LTE(this=column(POSITION), expression=limit))
    body = exp.select(*[column(n) for n in names]).from_(source).where(exp.and_(*conditions))
    return _with(builder, f"__candidates_{index}", body)


def _clusters(
    builder: Steps, index: int, tier: TierIR, source: str, eligible: str
) -> tuple[str, str]:
    """The groups' sizes and ranks, and the accounts that got a place in a cluster."""
    grouping = tier.grouping
    assert grouping is not None
    value = column(grouping.field)
    candidates_name = _candidates(builder, index, tier, source)
    sizes = _with(
        builder,
        f"__group_sizes_{index}",
        exp.select(value.copy(), exp.alias_(exp.Count(this=exp.Star()), SIZE, quoted=True))
        .from_(candidates_name)
        .group_by(value.copy()),
    )
    groups = _with(builder, f"__groups_{index}", _group_ranks(sizes, grouping.field, tier))
    members = _with(
        builder, f"__members_{index}", _members(builder, index, tier, candidates_name, groups)
    )
    if tier.capacity is not None:  # positions are known already, for every eligible account
        return groups, members
    return groups, _fitting(builder, index, tier, eligible, members)


def _group_ranks(sizes: str, field: str, tier: TierIR) -> exp.Select:
    """Each value's place among the groups big enough, largest first (ties by value)."""
    grouping = tier.grouping
    assert grouping is not None
    big_enough = exp.GTE(this=column(SIZE), expression=exp.Literal.number(grouping.min_size or 1))
    rank = exp.Window(
        this=exp.DenseRank(),
        partition_by=[big_enough],
        order=exp.Order(
            expressions=[
                exp.Ordered(this=column(SIZE), desc=True),
                exp.Ordered(this=column(field)),
            ]
        ),
    )
    return exp.select(column(field), column(SIZE), exp.alias_(rank, GROUP_RANK, quoted=True)).from_(
        sizes
    )


def _members(builder: Steps, index: int, tier: TierIR, candidates: str, groups: str) -> exp.Select:
    """The first ``n`` accounts (in the tier's order) of each of the largest groups."""
    grouping = tier.grouping
    assert grouping is not None
    kept = exp.and_(
        exp.GTE(this=column(SIZE, groups), expression=exp.Literal.number(grouping.min_size or 1)),
        exp.LTE(
            this=column(GROUP_RANK, groups),
            expression=exp.Literal.number(grouping.max_clusters),
        ),
    )
    names = [IDENTITY, builder.key] + ([POSITION] if tier.capacity is not None else [])
    body = (
        exp.select(*[column(n, candidates) for n in names])
        .from_(candidates)
        .join(
            groups,
            on=exp.EQ(
                this=column(grouping.field, candidates), expression=column(grouping.field, groups)
            ),
        )
        .where(kept)
    )
    if grouping.max_size is None:
        return body
    order = order_of(builder, index, tier, candidates)
    member = _row_number(order, [column(grouping.field, candidates)])
    return body.qualify(exp.LTE(this=member, expression=exp.Literal.number(grouping.max_size)))


def _fitting(builder: Steps, index: int, tier: TierIR, eligible: str, members: str) -> str:
    """The members with their position among all eligible accounts (ordered by key).

    Only accounts up to the last member can come before a member, so only they are ranked.
    """
    last = exp.Subquery(this=exp.select(exp.Max(this=column(builder.key))).from_(members))
    placed = _with(
        builder,
        f"__placed_{index}",
        exp.select(
            column(IDENTITY),
            exp.alias_(_row_number(order_of(builder, index, tier)), POSITION, quoted=True),
        )
        .from_(eligible)
        .where(exp.LTE(this=column(builder.key), expression=last)),
    )
    body = exp.select(column(IDENTITY), column(POSITION)).from_(placed).where(_member_of(members))
    return _with(builder, f"__fitting_{index}", body)


def _member_of(members: str) -> exp.Expression:
    return exp.In(
        this=column(IDENTITY), query=exp.Subquery(this=exp.select(column(IDENTITY)).from_(members))
    )


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
    body = exp.select(
        _named(identity, IDENTITY), *[c for _, columns in tables for c in columns]
    ).from_(tables[0][0])
    for n, (name, _) in enumerate(tables[1:], start=1):
        earlier = ids[:n]
        known = exp.Coalesce(this=earlier[0], expressions=earlier[1:]) if n > 1 else earlier[0]
        on = exp.EQ(this=column(IDENTITY, name), expression=known.copy())
        body = body.join(name, on=on, join_type="FULL")
    return _with(builder, ROWS, body)


def _named(node: exp.Expression, name: str) -> exp.Expression:
    return exp.alias_(node, name, quoted=True)
