"""The reference for tiering a whole population: capacity, overflow, clusters, holdout.

Input: a checked playbook and a list of accounts (field → value). Output: one
:class:`Assignment` per account, in input order. Pure Python and plain loops on purpose: it is
the executable definition the SQL in :mod:`abmdsl.engine.tiering` must agree with, account
for account, and it is used only on test-sized data.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .engine.tiering import holdout_salt, holdout_threshold
from .ir import Playbook, TierIR
from .reference import AccountEvaluator, AccountResult, Value


@dataclass
class Assignment:
    tier: str | None = None
    cluster: str | None = None
    rank: int | None = None
    demoted_from: str | None = None
    demotion: str | None = None
    holdout: bool = False


@dataclass
class _Row:
    index: int
    account: Mapping[str, Value]
    key: Value
    result: AccountResult
    conditions: list[Value]
    rankings: list[Value]
    group: Value
    out: Assignment


def assign_tiers(playbook: Playbook, accounts: Sequence[Mapping[str, Value]]) -> list[Assignment]:
    evaluator = AccountEvaluator(playbook)
    key_field = playbook.key_field("accounts")
    rows = []
    for index, account in enumerate(accounts):
        result, conditions, rankings = evaluator.judge(account)
        key = account.get(key_field.name) if key_field else index + 1
        rows.append(_Row(index, account, key, result, conditions, rankings, None, Assignment()))
    for position, tier in enumerate(playbook.tiers):
        _tier(rows, position, tier)
    for row in rows:
        row.out.holdout = _holdout(playbook, row)
    return [row.out for row in rows]


def _order(rows: list[_Row], position: int, tier: TierIR) -> list[_Row]:
    def key(row: _Row) -> tuple[object, ...]:
        by_key = (row.key is None, row.key)
        if tier.capacity is None or tier.capacity.rank_by is None:
            return by_key
        value = row.rankings[position]
        if value is None:
            return (1, 0, *by_key)
        signed = -value if tier.capacity.descending else value  # type: ignore[operator]
        return (0, signed, *by_key)

    return sorted(rows, key=key)


def _tier(rows: list[_Row], position: int, tier: TierIR) -> None:
    eligible = [r for r in rows if r.out.tier is None and r.conditions[position] is True]
    ordered = _order(eligible, position, tier)
    places = {r.index: n for n, r in enumerate(ordered, start=1)}
    reasons: dict[int, str] = {}
    fitting = list(ordered)
    if tier.capacity is not None:
        for row in ordered[tier.capacity.limit :]:
            reasons[row.index] = (
                f"{tier.name} is full: at most {tier.capacity.limit} "
                f"accounts, this one ranks {places[row.index]}"
            )
        fitting = ordered[: tier.capacity.limit]
    if tier.grouping is not None:
        fitting = _clusters(fitting, tier, reasons)
    ranked = tier.capacity is not None or tier.grouping is not None
    for row in fitting:
        row.out.tier, row.out.rank = tier.name, places[row.index] if ranked else None
        if tier.grouping is not None:
            row.out.cluster = _text(row.group)
    for row in eligible:
        if row.index in reasons:
            row.out.demoted_from = row.out.demoted_from or tier.name
            row.out.demotion = row.out.demotion or reasons[row.index]


def _clusters(fitting: list[_Row], tier: TierIR, reasons: dict[int, str]) -> list[_Row]:
    grouping = tier.grouping
    assert grouping is not None
    for row in fitting:
        row.group = _field(row, grouping.field)
    candidates = [r for r in fitting if r.group is not None]
    sizes = Counter(r.group for r in candidates)
    big = sorted(
        (g for g, n in sizes.items() if n >= (grouping.min_size or 1)), key=lambda g: (-sizes[g], g)
    )
    ranks = {g: n for n, g in enumerate(big, start=1)}
    members: Counter[Value] = Counter()
    kept = []
    for row in fitting:  # already in ranking order
        members[row.group] += 1
        reason = _misfit(row, tier, sizes, ranks, members[row.group])
        if reason is None:
            kept.append(row)
        else:
            reasons[row.index] = reason
    return kept


def _misfit(
    row: _Row, tier: TierIR, sizes: Counter[Value], ranks: dict[Value, int], member: int
) -> str | None:
    grouping = tier.grouping
    assert grouping is not None
    if row.group is None:
        return f"no value of {grouping.field} to form a cluster of {tier.name}"
    value, size = _text(row.group), sizes[row.group]
    if size < (grouping.min_size or 1):
        return (
            f'its {grouping.field} group "{value}" has {size} accounts, fewer than the '
            f"{grouping.min_size} a cluster of {tier.name} needs"
        )
    if ranks[row.group] > grouping.max_clusters:
        return (
            f"{tier.name} keeps its {grouping.max_clusters} largest clusters; the "
            f'{grouping.field} group "{value}" ({size} accounts) is not one of them'
        )
    if grouping.max_size is not None and member > grouping.max_size:
        return f'the {tier.name} cluster "{value}" is full at {grouping.max_size} accounts'
    return None


def _field(row: _Row, name: str) -> Value:
    return row.account.get(name)


def _text(value: Value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value}"
    return str(value)


def _holdout(playbook: Playbook, row: _Row) -> bool:
    tier = playbook.tier(row.out.tier) if row.out.tier else None
    if tier is None or tier.holdout is None:
        return False
    salt = holdout_salt(tier.holdout_seed)
    digest = hashlib.md5(f"{salt}{_text(row.key)}".encode()).hexdigest()[:8]
    return digest < holdout_threshold(tier.holdout)
