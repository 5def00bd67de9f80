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
from .clusters import no_value
from .names import IDENTITY, MISFIT, fits_of, position_of, ranking, when
from .populations import Side, constrained, rows_cte, side_ctes
from .scoring import Scope, points_column, score_steps
from .sqlgen import column
from .steps import Steps, concat, text

TIER, CLUSTER, RANK = "tier", "cluster", "rank"
DEMOTED_FROM, DEMOTION, HOLDOUT = "demoted_from", "demotion", "holdout"
OUTPUT_COLUMNS = (TIER, CLUSTER, RANK, DEMOTED_FROM, DEMOTION, HOLDOUT)


ROW = "__row"


def tiering_query(
    playbook: Playbook,
    table: str = "accounts",
    extra_columns: Sequence[str] = (),
    row_numbers: bool = True,
    ordered: bool = True,
) -> exp.Select:
    """The whole tiering as one query over ``table``.

    ``table`` holds the declared fields, ``extra_columns`` (passed through untouched) and,
    with ``row_numbers``, ``__row``: the position of the account in its file, which orders
    the result. Without it (a warehouse table) the result is ordered by the key. With
    ``ordered=False`` the query has no ``ORDER BY`` and the caller puts the rows in order
    (:func:`abmdsl.engine.run.tier_table` does, much faster than a sort in SQL).

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
    identity = ROW if row_numbers else key
    sides = side_ctes(builder, identity)
    _join_step(builder, identity, sides)
    _assigned_step(builder)
    _reason_step(builder, sides)
    _output_step(builder, sides)
    order = (own[0] if own else key) if ordered else None
    return _final(builder, scope, declared, list(extra_columns), own, order)


def _condition_step(builder: Steps, scope: Scope) -> None:
    projections: list[exp.Expression] = []
    for index, tier in enumerate(builder.playbook.tiers):
        condition = exp.true() if tier.when is None else scope.lowering.boolean(tier.when)
        projections.append(exp.alias_(condition, when(index), quoted=True))
        if tier.capacity is not None and tier.capacity.rank_by is not None:
            projections.append(
                exp.alias_(scope.number(tier.capacity.rank_by), ranking(index), quoted=True)
            )
    builder.then(*projections)


def _misfit_of(index: int) -> str:
    return f"__misfit_{index}"


def _assigned(index: int) -> str:
    return f"__assigned_{index}"


def _reason(index: int) -> str:
    return f"__reason_{index}"


def _join_step(builder: Steps, identity: str, sides: list[Side]) -> None:
    """Every account, with what the side CTEs know about it (NULL: they do not list it)."""
    rows = rows_cte(builder, sides)
    joins: list[tuple[str, exp.Expression]] = []
    projections: list[exp.Expression] = []
    if rows is not None:
        joins.append((rows, _on(builder, rows, identity, IDENTITY)))
    for side in sides:
        index = side.index
        projections.append(_named(column(position_of(index), rows), position_of(index)))
        if side.fitting is not None:
            projections.append(_named(_is_true(column(fits_of(index), rows)), fits_of(index)))
        if side.groups is not None:
            field = side.tier.grouping.field  # type: ignore[union-attr]
            joins.append((side.groups, _on(builder, side.groups, field, field)))
            projections.append(_named(column(MISFIT, side.groups), _misfit_of(index)))
    builder.then_joined(joins, *projections)


def _on(builder: Steps, side: str, mine: str, theirs: str) -> exp.Expression:
    return exp.EQ(this=column(mine, builder.current), expression=column(theirs, side))


def _named(node: exp.Expression, name: str) -> exp.Expression:
    return exp.alias_(node, name, quoted=True)


def _assigned_step(builder: Steps) -> None:
    """``__assigned_<i>``: the account meets tier i's condition and got a place in it (never
    NULL). An account can meet several; the first such tier takes it."""
    projections = []
    for index, tier in enumerate(builder.playbook.tiers):
        if tier.grouping is not None:
            taken: exp.Expression = column(fits_of(index))
        elif tier.capacity is not None:
            limit = exp.Literal.number(tier.capacity.limit)
            taken = _is_true(exp.LTE(this=column(position_of(index)), expression=limit))
        else:
            taken = _is_true(column(when(index)))
        projections.append(_named(taken, _assigned(index)))
    builder.then(*projections)


def _eligible(index: int) -> exp.Expression:
    """Tier i's condition holds and no earlier tier took the account."""
    taken = [column(_assigned(earlier)) for earlier in range(index)]
    condition = _is_true(column(when(index)))
    if not taken:
        return condition
    return exp.and_(condition, exp.Not(this=exp.Paren(this=exp.or_(*taken))))


def _reason_step(builder: Steps, sides: list[Side]) -> None:
    """``__reason_<i>``: why an account eligible for tier i did not get a place in it."""
    projections = []
    for side in sides:
        checks = _why_not(side)
        reason = exp.Case(ifs=[exp.If(this=c, true=r) for c, r in checks], default=exp.Null())
        projections.append(_named(reason, _reason(side.index)))
    if projections:
        builder.then(*projections)


def _why_not(side: Side) -> list[tuple[exp.Expression, exp.Expression]]:
    """(condition, reason) pairs, in the order they are checked; each reason is a text."""
    tier, index = side.tier, side.index
    checks: list[tuple[exp.Expression, exp.Expression]] = []
    if tier.capacity is not None:
        over = exp.GT(
            this=column(position_of(index)), expression=exp.Literal.number(tier.capacity.limit)
        )
        full = concat(
            f"{tier.name} is full: at most {tier.capacity.limit} accounts, this one ranks ",
            column(position_of(index)),
        )
        checks.append((_is_true(over), full))
    if tier.grouping is not None:
        eligible = (
            exp.Not(this=exp.Is(this=column(position_of(index)), expression=exp.Null()))
            if tier.capacity is not None
            else _eligible(index)
        )
        misfit = _misfit(tier, index)
        checks.append((exp.and_(eligible, exp.Not(this=column(fits_of(index)))), misfit))
    return checks


def _misfit(tier: TierIR, index: int) -> exp.Expression:
    """Why an eligible account within the capacity did not get a place in a cluster."""
    grouping = tier.grouping
    assert grouping is not None
    no_field = exp.Is(this=column(grouping.field), expression=exp.Null())
    return exp.Case(
        ifs=[exp.If(this=no_field, true=no_value(tier))], default=column(_misfit_of(index))
    )


def _output_step(builder: Steps, sides: list[Side]) -> None:
    tiers = list(enumerate(builder.playbook.tiers))
    first = [(column(_assigned(i)), t) for i, t in tiers]
    reasons = [(column(_reason(s.index)), s.tier) for s in sides]
    demoted = [(exp.Not(this=exp.Is(this=r, expression=exp.Null())), t) for r, t in reasons]
    builder.then(
        _named(_first(first, lambda i, t: text(t.name), "VARCHAR"), TIER),
        _named(_first(first, lambda i, t: _cluster_of(t), "VARCHAR"), CLUSTER),
        _named(_first(first, _rank_of, "BIGINT"), RANK),
        _named(_first(demoted, lambda i, t: text(t.name), "VARCHAR"), DEMOTED_FROM),
        _named(_coalesce([r.copy() for r, _ in reasons]), DEMOTION),
        _named(_holdout(builder, first), HOLDOUT),
    )


def _first(cases, value, kind: str) -> exp.Expression:
    """The value for the first case that holds, in tier order; a typed NULL when none does."""
    null = exp.Cast(this=exp.Null(), to=exp.DataType.build(kind))
    ifs = [exp.If(this=c.copy(), true=value(n, t)) for n, (c, t) in enumerate(cases)]
    return exp.Case(ifs=ifs, default=null) if ifs else null


def _cluster_of(tier: TierIR) -> exp.Expression:
    if tier.grouping is None:
        return exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR"))
    return exp.Cast(this=column(tier.grouping.field), to=exp.DataType.build("VARCHAR"))


def _rank_of(index: int, tier: TierIR) -> exp.Expression:
    if constrained(tier):
        return column(position_of(index))
    return exp.Cast(this=exp.Null(), to=exp.DataType.build("BIGINT"))


def _coalesce(values: list[exp.Expression]) -> exp.Expression:
    null = exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR"))
    if not values:
        return null
    return exp.Coalesce(this=values[0], expressions=values[1:]) if len(values) > 1 else values[0]


def _is_true(node: exp.Expression) -> exp.Expression:
    operand = node if isinstance(node, exp.Column) else exp.Paren(this=node)
    return exp.Is(this=operand, expression=exp.true())


HOLDOUT_SEED = "abm"


def holdout_threshold(share: object) -> str:
    """The 8-hex-digit bound under which a hashed key falls into the holdout."""
    from decimal import Decimal

    assert isinstance(share, Decimal)
    return f"{min(int(share * 16**8), 16**8 - 1):08x}"


def holdout_salt(seed: int | None) -> str:
    """What is hashed before the key: the tier's seed, so a new seed draws a new group."""
    return f"{HOLDOUT_SEED if seed is None else seed}:"


def _holdout(builder: Steps, first: list[tuple[exp.Expression, TierIR]]) -> exp.Expression:
    """A seeded control group per tier: md5 of seed and key, compared as hex text, which
    every engine computes alike (their own hash and random functions differ). Only for the
    accounts a tier with a holdout takes, so only they are hashed."""
    key = exp.Cast(this=column(builder.key), to=exp.DataType.build("VARCHAR"))

    def drawn(tier: TierIR) -> exp.Expression:
        if tier.holdout is None:
            return exp.false()
        salted = exp.DPipe(this=text(holdout_salt(tier.holdout_seed)), expression=key.copy())
        digest = exp.Substring(
            this=exp.MD5(this=salted),
            start=exp.Literal.number(1),
            length=exp.Literal.number(8),
        )
        return exp.LT(this=digest, expression=text(holdout_threshold(tier.holdout)))

    if not any(tier.holdout is not None for _, tier in first):
        return exp.false()
    ifs = [exp.If(this=taken.copy(), true=drawn(tier)) for taken, tier in first]
    return exp.Case(ifs=ifs, default=exp.false())


def _final(
    builder: Steps,
    scope: Scope,
    declared: list[str],
    extras: list[str],
    own: list[str],
    order: str | None,
) -> exp.Select:
    points = [
        points_column(s.name, c.name) for s in builder.playbook.scores.values() for c in s.criteria
    ]
    wanted = [*declared, *extras, *points, *builder.playbook.scores, *OUTPUT_COLUMNS, *own]
    outputs = [
        exp.alias_(scope.finals[n], n, quoted=True) if n in scope.finals else column(n)
        for n in wanted
    ]
    query = builder.query.select(*outputs, copy=False).from_(
        exp.table_(builder.current), copy=False
    )
    if order is None:
        return query
    return query.order_by(exp.Ordered(this=column(order)), copy=False)
