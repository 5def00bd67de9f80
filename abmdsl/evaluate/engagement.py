"""Engagement scores → SQLGlot: each account's scores as columns of its row.

Input: a checked playbook, the names of the scores wanted, and the tables holding one group's
accounts (with their ``tier``), activities and contacts. Output: a ``SELECT`` of every column
of the accounts plus one column per score, which :class:`~abmdsl.evaluate.compile.KpiCompiler`
reads in place of the accounts, and which ``abm evaluate --scores`` writes out.

The semantics are :mod:`abmdsl.reference_engagement`'s. Per score, one grouped subquery over
the activities: the points of each activity's type (by channel first) as a ``CASE``; the decay's
weights, computed in Python with ``Decimal`` (SQL has no exact power), joined as a small
``VALUES`` table by the activity's whole periods of age; one ``CASE`` per multiplied field;
every product cast back to six places, which rounds half away from zero as the reference does.
Persons' sums are rolled up per account and ``LEFT JOIN``-ed to the accounts: an account
with nothing counted scores 0. No Python loop over rows: the database does them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from sqlglot import exp

from .. import ast
from ..engine.sqlgen import Unsupported, column, decimal, exact_division
from ..ir import EngagementIR, MultiplierIR, Playbook
from ..reference_engagement import last_period, links, weight

_ONE = exp.Literal.number(1)


def used(playbook: Playbook) -> list[str]:
    """The scores some KPI, baseline or threshold reads, in the playbook's order."""
    if not playbook.engagements:
        return []
    exprs: list[ast.Expr] = [b.expr for b in playbook.baselines.values()]
    for kpi in playbook.kpis.values():
        exprs += [e for e in (kpi.expr, kpi.target, kpi.warn) if e is not None]
        if kpi.target_range is not None:
            exprs += [kpi.target_range.low, kpi.target_range.high]
    names = {n for e in exprs for n in _names(e)}
    return [n for n in playbook.engagements if n in names]


def _names(expr: ast.Expr) -> Iterator[str]:
    from ..check.links import children

    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Aggregate) and node.field is not None:
            yield node.field
        stack.extend(children(node))


def needs_contacts(playbook: Playbook, names: Iterable[str]) -> bool:
    """Whether the scores read contacts: a contact's field multiplies, or activities name
    their account only through their contact."""
    account_of, contact_of, _ = links(playbook)
    for name in names:
        score = playbook.engagements[name]
        if any(m.source == "contacts" for m in score.multipliers):
            return True
        if account_of is None and contact_of is not None:
            return True
    return False


def scored_accounts(
    playbook: Playbook,
    names: Iterable[str],
    accounts: str,
    activities: str,
    contacts: str | None,
    day: dt.date | None,
    date_field: str | None,
    partition: str | None = None,
) -> exp.Select:
    """``SELECT a.*, <score> AS name, … FROM accounts a LEFT JOIN <scores per account> …``.

    With ``partition`` (a column every table holds: a simulation's ``__run``), each account's
    scores are those of its partition's activities alone.
    """
    key = playbook.key_field("accounts")
    if key is None:
        raise Unsupported("`accounts` have no key field")
    select = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("a")))
    select = select.from_(exp.alias_(exp.to_table(accounts), "a"))
    for n, name in enumerate(names):
        score = playbook.engagements[name]
        alias = f"__e{n}"
        body = _per_account(playbook, score, activities, contacts, day, date_field, partition)
        on: exp.Expression = exp.EQ(
            this=column("__account", alias), expression=column(key.name, "a")
        )
        if partition is not None:
            on = exp.and_(on, _same(partition, alias, "a"))
        select = select.join(exp.alias_(exp.Subquery(this=body), alias), on=on, join_type="LEFT")
        value = decimal(
            exp.Coalesce(this=column("__score", alias), expressions=[exp.Literal.number(0)])
        )
        tiers = [m for m in score.multipliers if m.source == "tier"]
        if tiers:
            value = _times(value, _factor(tiers, column("tier", "a")))
        select = select.select(exp.alias_(value, name, quoted=True))
    return select


def _per_account(
    playbook: Playbook,
    score: EngagementIR,
    activities: str,
    contacts: str | None,
    day: dt.date | None,
    date_field: str | None,
    partition: str | None,
) -> exp.Select:
    account_of, contact_of, contact_account = links(playbook)
    contact_key = playbook.key_field("contacts")
    points = _points(score)
    # The partition is one more key of every grouping, and of the join with the contacts.
    parts = [] if partition is None else [partition]
    if points is None:  # no type has points: nothing counts
        return exp.select(
            exp.alias_(exp.Null(), "__account", quoted=True),
            *(exp.alias_(exp.Null(), p, quoted=True) for p in parts),
            exp.alias_(decimal(exp.Literal.number(0)), "__score", quoted=True),
        ).where(exp.false())
    inner = exp.select().from_(exp.alias_(exp.to_table(activities), "x"))
    with_contact = contact_of is not None and contacts is not None and contact_key is not None
    if with_contact:
        assert contact_of is not None and contact_key is not None and contacts is not None
        on: exp.Expression = exp.EQ(
            this=column(contact_key.name, "c"), expression=column(contact_of, "x")
        )
        if partition is not None:
            on = exp.and_(on, _same(partition, "c", "x"))
        inner = inner.join(exp.alias_(exp.to_table(contacts), "c"), on=on, join_type="LEFT")
    if account_of is not None:
        account: exp.Expression = column(account_of, "x")
    elif with_contact and contact_account is not None:
        account = column(contact_account, "c")
    else:
        raise Unsupported(f"`{score.name}`: activities name no account, and no contacts say it")
    value = decimal(points)
    conditions: list[exp.Expression] = [
        exp.Not(this=exp.Is(this=points.copy(), expression=exp.Null())),
        exp.Not(this=exp.Is(this=account.copy(), expression=exp.Null())),
    ]
    if score.within_days is not None or score.decay is not None:
        if day is None or date_field is None:
            raise Unsupported(
                f"`{score.name}` counts activities by their age, up to the pilot's last day or "
                "the as-of date: give the playbook a `start`, or pass --as-of"
            )
        age = exp.DateDiff(
            this=exp.Cast(this=exp.Literal.string(day.isoformat()), to=exp.DataType.build("DATE")),
            expression=column(date_field, "x"),
            unit=exp.var("DAY"),
        )
        conditions.append(exp.GTE(this=age, expression=exp.Literal.number(0)))
        if score.within_days is not None:
            limit = exp.Literal.number(score.within_days)
            conditions.append(exp.LT(this=age.copy(), expression=limit))
        if score.decay is not None:
            periods = age.copy()
            if score.decay_days != 1:
                periods = exp.IntDiv(this=periods, expression=exp.Literal.number(score.decay_days))
            inner = inner.join(
                _weights(score),
                on=exp.EQ(this=column("k", "w"), expression=periods),
                join_type="LEFT",
            )
            weight_of = exp.Coalesce(this=column("w", "w"), expressions=[exp.Literal.number(0)])
            value = _times(value, weight_of)
    for run in _by_field(m for m in score.multipliers if m.source != "tier"):
        table = "x" if run[0].source == "activities" else "c"
        if table == "c" and not with_contact:
            continue  # no contact, no contact's field: the multiplier never applies
        value = _times(value, _factor(run, column(run[0].field, table)))
    inner = inner.select(
        exp.alias_(account, "__account", quoted=True),
        exp.alias_(
            column(contact_of, "x") if contact_of is not None else exp.Null(),
            "__person",
            quoted=True,
        ),
        *(exp.alias_(column(p, "x"), p, quoted=True) for p in parts),
        exp.alias_(exp.Sum(this=value), "__points", quoted=True),
    )
    inner = inner.where(exp.and_(*conditions)).group_by(
        *(exp.Literal.number(i) for i in range(1, 3 + len(parts)))
    )
    total = column("__points")
    rolled: exp.Expression
    if score.roll_up == "max":
        rolled = exp.Max(this=total)
    elif score.roll_up == "average":
        rolled = exact_division(exp.Sum(this=total), exp.Count(this=exp.Star()))
    else:
        rolled = exp.Sum(this=total)
    return (
        exp.select(
            exp.alias_(column("__account"), "__account", quoted=True),
            *(exp.alias_(column(p), p, quoted=True) for p in parts),
            exp.alias_(decimal(rolled), "__score", quoted=True),
        )
        .from_(exp.alias_(exp.Subquery(this=inner), "__persons"))
        .group_by(column("__account"), *(column(p) for p in parts))
    )


def _same(partition: str, left: str, right: str) -> exp.Expression:
    return exp.EQ(this=column(partition, left), expression=column(partition, right))


def _points(score: EngagementIR) -> exp.Expression | None:
    """An activity's points: by its type and channel first, then by its type; else NULL."""
    if score.type_field is None or not score.points:
        return None
    kind = column(score.type_field, "x")
    ordered = [p for p in score.points if p.channel is not None]
    ordered += [p for p in score.points if p.channel is None]
    case = exp.Case()
    for p in ordered:
        condition: exp.Expression = exp.EQ(this=kind.copy(), expression=exp.Literal.string(p.type))
        if p.channel is not None and score.channel_field is not None:
            on_channel = exp.EQ(
                this=column(score.channel_field, "x"), expression=exp.Literal.string(p.channel)
            )
            condition = exp.and_(condition, on_channel)
        case = case.when(condition, decimal(exp.Literal.number(f"{p.points:f}")))
    return case


def _weights(score: EngagementIR) -> exp.Expression:
    """The decay's weight of each whole number of periods, while it is not 0."""
    assert score.decay is not None
    bound = None
    if score.within_days is not None:
        bound = (score.within_days - 1) // score.decay_days
    rows = [
        exp.Tuple(
            expressions=[
                exp.Literal.number(k),
                decimal(exp.Literal.number(f"{weight(score.decay, k):f}")),
            ]
        )
        for k in range(last_period(score.decay, bound) + 1)
    ]
    values = exp.Values(
        expressions=rows,
        alias=exp.TableAlias(
            this=exp.to_identifier("w"),
            columns=[exp.to_identifier("k"), exp.to_identifier("w")],
        ),
    )
    return values


def _by_field(multipliers: Iterable[MultiplierIR]) -> list[list[MultiplierIR]]:
    """The multipliers in runs of one field each (the checker sorted them by field)."""
    runs: list[list[MultiplierIR]] = []
    for m in multipliers:
        if runs and runs[-1][0].field == m.field and runs[-1][0].source == m.source:
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def _factor(run: list[MultiplierIR], value: exp.Expression) -> exp.Expression:
    case = exp.Case()
    for m in run:
        match: exp.Expression = (
            exp.Boolean(this=m.value == "true") if m.boolean else exp.Literal.string(m.value)
        )
        case = case.when(
            exp.EQ(this=value.copy(), expression=match),
            decimal(exp.Literal.number(f"{m.factor:f}")),
        )
    return case.else_(decimal(_ONE.copy()))


def _times(value: exp.Expression, factor: exp.Expression) -> exp.Expression:
    return decimal(exp.Mul(this=decimal(value), expression=decimal(factor)))
