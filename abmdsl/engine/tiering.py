"""Scores and tiers of every account as one SQL query (a SQLGlot tree, any dialect).

Input: a checked :class:`abmdsl.ir.Playbook` and the name of a table of accounts (typed
columns named as the playbook declares them). Output: a ``SELECT`` with one row per account:
its columns, every criterion's points (``"score.criterion"``), every score, and ``tier``,
``cluster``, ``rank``, ``demoted_from``, ``demotion``, ``holdout``.

The tiering rules, in SQL as in ``docs/language.md``:

1. Tiers are tried in order; an account goes to the first tier whose condition is true.
2. A tier with ``at most N accounts ranked by E`` keeps the N best by E (descending unless
   ``asc``; ties by the key, ascending; a missing E ranks last); the others go on to the next
   tier whose condition they meet, and remember where they were demoted from.
3. A tier with ``group by F into a..b clusters of m..n accounts`` forms one cluster per value
   of F, largest first (ties by value). A group with fewer than m accounts, a group beyond
   the b largest, the accounts past the first n of a group (in ranking order) and accounts
   with no value of F do not fit: they go on to the next tier, with the reason.
4. ``otherwise`` takes every account left.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from ..ir import Playbook, TierIR
from .scoring import Scope, points_column, score_steps
from .sqlgen import column
from .steps import Steps

TIER, CLUSTER, RANK = "tier", "cluster", "rank"
DEMOTED_FROM, DEMOTION, HOLDOUT = "demoted_from", "demotion", "holdout"
OUTPUT_COLUMNS = (TIER, CLUSTER, RANK, DEMOTED_FROM, DEMOTION, HOLDOUT)


ROW = "__row"


def tiering_query(
    playbook: Playbook,
    table: str = "accounts",
    extra_columns: Sequence[str] = (),
    row_numbers: bool = True,
) -> exp.Select:
    """The whole tiering as one query over ``table``.

    ``table`` holds the declared fields, ``extra_columns`` (passed through untouched) and,
    with ``row_numbers``, ``__row``: the position of the account in its file, which orders
    the result. Without it (a warehouse table) the result is ordered by the key.

    >>> from abmdsl.api import compile_text
    >>> p = compile_text('playbook "P" { horizon 90 days }\\n'
    ...                  'accounts { key id: text  fit: int 1..5 }\\n'
    ...                  'score s scale 1..5 { fit weight 100% = fit }\\n'
    ...                  'tier top when s >= 4\\ntier rest otherwise').playbook
    >>> "CASE WHEN" in tiering_query(p).sql("duckdb")
    True
    """
    key_field = playbook.key_field("accounts")
    key = key_field.name if key_field else ROW
    declared = list(playbook.fields.get("accounts", {}))
    own = [ROW] if row_numbers else []
    builder = Steps(playbook, key, exp.select(), table, [*declared, *extra_columns, *own])
    scope = score_steps(builder)
    _condition_step(builder, scope)
    builder.then(*_initial_outputs())
    for index, tier in enumerate(playbook.tiers):
        _tier_step(builder, index, tier)
    _holdout_step(builder)
    return _final(builder, scope, declared, list(extra_columns), own)


def _when(index: int) -> str:
    return f"__when_{index}"


def _ranking(index: int) -> str:
    return f"__rank_by_{index}"


def _condition_step(builder: Steps, scope: Scope) -> None:
    projections: list[exp.Expression] = []
    for index, tier in enumerate(builder.playbook.tiers):
        condition = exp.true() if tier.when is None else scope.lowering.boolean(tier.when)
        projections.append(exp.alias_(condition, _when(index), quoted=True))
        if tier.capacity is not None and tier.capacity.rank_by is not None:
            projections.append(
                exp.alias_(scope.number(tier.capacity.rank_by), _ranking(index), quoted=True)
            )
    builder.then(*projections)


def _initial_outputs() -> list[exp.Expression]:
    nulls = {
        TIER: "VARCHAR",
        CLUSTER: "VARCHAR",
        RANK: "BIGINT",
        DEMOTED_FROM: "VARCHAR",
        DEMOTION: "VARCHAR",
    }
    return [
        exp.alias_(exp.Cast(this=exp.Null(), to=exp.DataType.build(kind)), name, quoted=True)
        for name, kind in nulls.items()
    ]


def _is_true(node: exp.Expression) -> exp.Expression:
    return exp.Is(this=node, expression=exp.true())


def _tier_step(builder: Steps, index: int, tier: TierIR) -> None:
    open_ = exp.and_(
        exp.Is(this=column(TIER), expression=exp.Null()), _is_true(column(_when(index)))
    )
    eligible = f"__eligible_{index}"
    builder.then(exp.alias_(open_, eligible, quoted=True))
    order = _order(builder, index, tier)
    position: str | None = None
    if tier.capacity is not None or tier.grouping is not None:
        # Ranking sorts the accounts; a tier that neither caps nor clusters needs no order.
        position = f"__position_{index}"
        builder.then(exp.alias_(_row_number([column(eligible)], order), position, quoted=True))
    fits: exp.Expression = _is_true(column(eligible))
    reason: exp.Expression = exp.Null()
    if tier.capacity is not None:
        assert position is not None
        over = exp.GT(this=column(position), expression=exp.Literal.number(tier.capacity.limit))
        reason = _reason(
            exp.and_(fits.copy(), over.copy()),
            _text(f"{tier.name} is full: at most {tier.capacity.limit} accounts, this one ranks "),
            column(position),
        )
        fits = exp.and_(fits, exp.Not(this=over))
    if tier.grouping is not None:
        fits, reason = _grouping_steps(builder, index, tier, fits, reason, order)
    _assign(builder, tier, fits, reason, position)


def _order(builder: Steps, index: int, tier: TierIR) -> list[exp.Ordered]:
    key = exp.Ordered(this=column(builder.key), desc=False, nulls_first=False)
    if tier.capacity is None or tier.capacity.rank_by is None:
        return [key]
    ranked = exp.Ordered(
        this=column(_ranking(index)), desc=tier.capacity.descending, nulls_first=False
    )
    return [ranked, key]


def _row_number(partition: list[exp.Expression], order: list[exp.Ordered]) -> exp.Expression:
    return exp.Window(
        this=exp.RowNumber(),
        partition_by=partition,
        order=exp.Order(expressions=[o.copy() for o in order]),
    )


def _text(value: str) -> exp.Expression:
    return exp.Literal.string(value)


def _reason(when: exp.Expression, *parts: exp.Expression) -> exp.Expression:
    text = (
        exp.DPipe(
            this=parts[0], expression=exp.Cast(this=parts[1], to=exp.DataType.build("VARCHAR"))
        )
        if len(parts) > 1
        else parts[0]
    )
    return exp.Case(ifs=[exp.If(this=when, true=text)], default=exp.Null())


def _grouping_steps(
    builder: Steps,
    index: int,
    tier: TierIR,
    fits: exp.Expression,
    reason: exp.Expression,
    order: list[exp.Ordered],
) -> tuple[exp.Expression, exp.Expression]:
    grouping = tier.grouping
    assert grouping is not None
    value = column(grouping.field)
    candidate = f"__candidate_{index}"
    builder.then(
        exp.alias_(
            exp.and_(fits, exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null()))),
            candidate,
            quoted=True,
        )
    )
    size, member, group_rank = f"__group_size_{index}", f"__member_{index}", f"__group_rank_{index}"
    in_group = [column(candidate), value.copy()]
    builder.then(
        exp.alias_(
            exp.Window(this=exp.Count(this=exp.Star()), partition_by=in_group), size, quoted=True
        ),
        exp.alias_(_row_number(in_group, order), member, quoted=True),
    )
    big_enough = exp.GTE(this=column(size), expression=exp.Literal.number(grouping.min_size or 1))
    builder.then(
        exp.alias_(
            exp.Window(
                this=exp.DenseRank(),
                partition_by=[column(candidate), big_enough.copy()],
                order=exp.Order(
                    expressions=[
                        exp.Ordered(this=column(size), desc=True),
                        exp.Ordered(this=value.copy()),
                    ]
                ),
            ),
            group_rank,
            quoted=True,
        )
    )
    named = exp.Cast(this=value.copy(), to=exp.DataType.build("VARCHAR"))
    checks = [
        (
            exp.Not(this=_is_true(column(candidate))),
            _text(f"no value of {grouping.field} to form a cluster of {tier.name}"),
        ),
        (
            exp.Not(this=big_enough.copy()),
            _concat(
                f'its {grouping.field} group "',
                named,
                '" has ',
                column(size),
                f" accounts, fewer than the {grouping.min_size} a cluster of {tier.name} needs",
            ),
        ),
        (
            exp.GT(this=column(group_rank), expression=exp.Literal.number(grouping.max_clusters)),
            _concat(
                f"{tier.name} keeps its {grouping.max_clusters} largest clusters; the "
                f'{grouping.field} group "',
                named.copy(),
                '" (',
                column(size),
                " accounts) is not one of them",
            ),
        ),
    ]
    if grouping.max_size is not None:
        checks.append(
            (
                exp.GT(this=column(member), expression=exp.Literal.number(grouping.max_size)),
                _concat(
                    f'the {tier.name} cluster "',
                    named.copy(),
                    f'" is full at {grouping.max_size} accounts',
                ),
            )
        )
    misfit = exp.Case(ifs=[exp.If(this=c, true=r) for c, r in checks], default=exp.Null())
    group_reason = exp.Case(ifs=[exp.If(this=_is_true(fits.copy()), true=misfit)], default=reason)
    still = exp.and_(
        _is_true(column(candidate)),
        big_enough,
        exp.LTE(this=column(group_rank), expression=exp.Literal.number(grouping.max_clusters)),
    )
    if grouping.max_size is not None:
        still = exp.and_(
            still, exp.LTE(this=column(member), expression=exp.Literal.number(grouping.max_size))
        )
    return still, group_reason


def _concat(*parts: str | exp.Expression) -> exp.Expression:
    """Text built from literal pieces and columns, as ``||`` (portable across engines)."""
    nodes = [
        _text(p) if isinstance(p, str) else exp.Cast(this=p, to=exp.DataType.build("VARCHAR"))
        for p in parts
    ]
    result = nodes[0]
    for node in nodes[1:]:
        result = exp.DPipe(this=result, expression=node)
    return result


def _assign(
    builder: Steps,
    tier: TierIR,
    fits: exp.Expression,
    reason: exp.Expression,
    position: str | None,
) -> None:
    assigned = _is_true(fits)
    name = _text(tier.name)
    cluster = (
        exp.Cast(this=column(tier.grouping.field), to=exp.DataType.build("VARCHAR"))
        if tier.grouping
        else exp.Null()
    )
    builder.then(
        exp.alias_(_case(assigned, name, column(TIER)), TIER, quoted=True),
        exp.alias_(_case(assigned.copy(), cluster, column(CLUSTER)), CLUSTER, quoted=True),
        exp.alias_(
            _case(assigned.copy(), column(position) if position else exp.Null(), column(RANK)),
            RANK,
            quoted=True,
        ),
        exp.alias_(
            exp.Coalesce(
                this=column(DEMOTED_FROM),
                expressions=[
                    _case(
                        exp.Not(this=exp.Is(this=reason.copy(), expression=exp.Null())),
                        name.copy(),
                        exp.Null(),
                    )
                ],
            ),
            DEMOTED_FROM,
            quoted=True,
        ),
        exp.alias_(
            exp.Coalesce(this=column(DEMOTION), expressions=[reason]), DEMOTION, quoted=True
        ),
    )


def _case(when: exp.Expression, then: exp.Expression, default: exp.Expression) -> exp.Expression:
    return exp.Case(ifs=[exp.If(this=when, true=then)], default=default)


HOLDOUT_SEED = "abm"


def holdout_threshold(share: object) -> str:
    """The 8-hex-digit bound under which a hashed key falls into the holdout."""
    from decimal import Decimal

    assert isinstance(share, Decimal)
    return f"{min(int(share * 16**8), 16**8 - 1):08x}"


def holdout_salt(seed: int | None) -> str:
    """What is hashed before the key: the tier's seed, so a new seed draws a new group."""
    return f"{HOLDOUT_SEED if seed is None else seed}:"


def _holdout_step(builder: Steps) -> None:
    """A seeded control group per tier: md5 of seed and key, compared as hex text, which
    every engine computes alike (their own hash and random functions differ)."""
    key = exp.Cast(this=column(builder.key), to=exp.DataType.build("VARCHAR"))
    ifs = []
    for tier in builder.playbook.tiers:
        if tier.holdout is None:
            continue
        digest = exp.Substring(
            this=exp.MD5(
                this=exp.DPipe(this=_text(holdout_salt(tier.holdout_seed)), expression=key.copy())
            ),
            start=exp.Literal.number(1),
            length=exp.Literal.number(8),
        )
        ifs.append(
            exp.If(
                this=exp.EQ(this=column(TIER), expression=_text(tier.name)),
                true=exp.LT(this=digest, expression=_text(holdout_threshold(tier.holdout))),
            )
        )
    flag = exp.Case(ifs=ifs, default=exp.false()) if ifs else exp.false()
    builder.then(exp.alias_(flag, HOLDOUT, quoted=True))


def _final(
    builder: Steps, scope: Scope, declared: list[str], extras: list[str], own: list[str]
) -> exp.Select:
    points = [
        points_column(s.name, c.name) for s in builder.playbook.scores.values() for c in s.criteria
    ]
    wanted = [*declared, *extras, *points, *builder.playbook.scores, *OUTPUT_COLUMNS, *own]
    outputs = [
        exp.alias_(scope.finals[n], n, quoted=True) if n in scope.finals else column(n)
        for n in wanted
    ]
    query = builder.query.select(*outputs, copy=False)
    order = column(own[0] if own else builder.key)
    return query.from_(builder.current, copy=False).order_by(exp.Ordered(this=order), copy=False)
