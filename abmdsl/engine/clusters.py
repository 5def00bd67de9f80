"""The clusters of a tier: the groups, their sizes and ranks, and who gets a place.

Input: the query steps and a tier with ``group by F into a..b clusters of m..n accounts``,
and the CTE of its candidates' source (its eligible accounts, or its ranked ones when it also
has a capacity). Output: ``__groups_<i>`` (one row per value of F: ``__size``,
``__group_rank``, ``__misfit``) and the CTE of the accounts placed, with their
``__position``. A cluster is one value of F; the b largest groups of at least m accounts form
clusters (ties by value), each keeping its first n accounts in the tier's order.
"""

from __future__ import annotations

from sqlglot import exp

from ..ir import TierIR
from .names import (
    GROUP_RANK,
    IDENTITY,
    MISFIT,
    POSITION,
    SIZE,
    add_cte,
    kept_columns,
    order_of,
    row_number,
)
from .sqlgen import column
from .steps import Steps, concat, select_from, text


def _candidates(builder: Steps, index: int, tier: TierIR, source: str) -> str:
    """The accounts that may form clusters: eligible, within the capacity, with a value."""
    grouping = tier.grouping
    assert grouping is not None
    names = [IDENTITY, *kept_columns(builder, index, tier)]
    conditions: list[exp.Expression] = [
        exp.Not(this=exp.Is(this=column(grouping.field), expression=exp.Null()))
    ]
    if tier.capacity is not None:
        names.append(POSITION)
        limit = exp.Literal.number(tier.capacity.limit)
        conditions.append(exp.LTE(this=column(POSITION), expression=limit))
    body = select_from(source, *[column(n) for n in names]).where(exp.and_(*conditions), copy=False)
    return add_cte(builder, f"__candidates_{index}", body)


def cluster_ctes(
    builder: Steps, index: int, tier: TierIR, source: str, eligible: str
) -> tuple[str, str]:
    """The groups' sizes and ranks, and the accounts that got a place in a cluster."""
    grouping = tier.grouping
    assert grouping is not None
    value = column(grouping.field)
    candidates_name = _candidates(builder, index, tier, source)
    sizes = add_cte(
        builder,
        f"__group_sizes_{index}",
        select_from(
            candidates_name,
            value.copy(),
            exp.alias_(exp.Count(this=exp.Star()), SIZE, quoted=True),
        ).group_by(value.copy(), copy=False),
    )
    ranks = add_cte(builder, f"__group_ranks_{index}", _group_ranks(sizes, grouping.field, tier))
    groups = add_cte(builder, f"__groups_{index}", _group_misfits(ranks, tier))
    members = add_cte(
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
    return select_from(
        sizes, column(field), column(SIZE), exp.alias_(rank, GROUP_RANK, quoted=True)
    )


def _group_misfits(ranks: str, tier: TierIR) -> exp.Select:
    """Each group with ``__misfit``: why its candidates that got no place got none. It depends
    on the group only, so it is built once per group rather than once per account."""
    grouping = tier.grouping
    assert grouping is not None
    named = exp.Cast(this=column(grouping.field), to=exp.DataType.build("VARCHAR"))
    size = column(SIZE)
    too_small = exp.Not(
        this=exp.GTE(this=size.copy(), expression=exp.Literal.number(grouping.min_size or 1))
    )
    checks = [
        (
            too_small,
            concat(
                f'its {grouping.field} group "',
                named,
                '" has ',
                size.copy(),
                f" accounts, fewer than the {grouping.min_size} a cluster of {tier.name} needs",
            ),
        ),
        (
            exp.GT(this=column(GROUP_RANK), expression=exp.Literal.number(grouping.max_clusters)),
            concat(
                f"{tier.name} keeps its {grouping.max_clusters} largest clusters; the "
                f'{grouping.field} group "',
                named.copy(),
                '" (',
                size.copy(),
                " accounts) is not one of them",
            ),
        ),
    ]
    full = (
        concat(
            f'the {tier.name} cluster "', named.copy(), f'" is full at {grouping.max_size} accounts'
        )
        if grouping.max_size is not None
        else exp.Null()
    )
    misfit = exp.Case(ifs=[exp.If(this=c, true=r) for c, r in checks], default=full)
    names = [column(grouping.field), column(SIZE), column(GROUP_RANK)]
    return select_from(ranks, *names, exp.alias_(misfit, MISFIT, quoted=True))


def no_value(tier: TierIR) -> exp.Expression:
    """Why an eligible account with no value of the grouping field got no place."""
    grouping = tier.grouping
    assert grouping is not None
    return text(f"no value of {grouping.field} to form a cluster of {tier.name}")


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
        select_from(candidates, *[column(n, candidates) for n in names])
        .join(
            exp.table_(groups),
            on=exp.EQ(
                this=column(grouping.field, candidates), expression=column(grouping.field, groups)
            ),
        )
        .where(kept, copy=False)
    )
    if grouping.max_size is None:
        return body
    order = order_of(builder, index, tier, candidates)
    member = row_number(order, [column(grouping.field, candidates)])
    first = exp.LTE(this=member, expression=exp.Literal.number(grouping.max_size))
    return body.qualify(first, copy=False)


def _fitting(builder: Steps, index: int, tier: TierIR, eligible: str, members: str) -> str:
    """The members with their position among all eligible accounts (ordered by key).

    Only accounts up to the last member can come before a member, so only they are ranked.
    """
    last = exp.Subquery(this=select_from(members, exp.Max(this=column(builder.key))))
    placed = add_cte(
        builder,
        f"__placed_{index}",
        select_from(
            eligible,
            column(IDENTITY),
            exp.alias_(row_number(order_of(builder, index, tier)), POSITION, quoted=True),
        ).where(exp.LTE(this=column(builder.key), expression=last), copy=False),
    )
    body = select_from(placed, column(IDENTITY), column(POSITION)).where(
        _member_of(members), copy=False
    )
    return add_cte(builder, f"__fitting_{index}", body)


def _member_of(members: str) -> exp.Expression:
    return exp.In(
        this=column(IDENTITY), query=exp.Subquery(this=select_from(members, column(IDENTITY)))
    )
