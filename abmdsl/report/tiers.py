"""The tier table: counts, normatives and each listed account with why it landed there.

Input: a :class:`~abmdsl.engine.run.Run` (tiered accounts), the tiers' loads from the schedule
when there is one, and how many accounts to list per tier. Output:
:class:`~abmdsl.report.model.TierSummary` rows, each with its accounts explained by
:func:`abmdsl.explain.explain` — the same words as ``abm explain``.

A tier lists its accounts best first (rank, then the scores in the order declared, then the
key) up to the limit; the rest are counted, never dropped silently.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..explain import Explanation, explain
from ..numbers import plain
from .matrix import condition_text
from .model import AccountLine, TierSummary

if TYPE_CHECKING:
    from ..engine.run import Run
    from ..ir import Playbook, TierIR
    from ..schedule.build import TierLoad

LISTED = 50  # accounts listed one by one per tier; the seed's programme (45) fits in full
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#882255")
OTHERWISE = "#8C96A0"  # the catch-all tier: grey, it is outside the programme's focus


def tier_colours(playbook: Playbook) -> dict[str, str]:
    """A colour per tier, fixed by its place (Okabe–Ito: readable by colour-blind readers).

    >>> from abmdsl.api import compile_file
    >>> tier_colours(compile_file("playbooks/pharma_pilot.abm").playbook)["bulk"]
    '#8C96A0'
    """
    out, n = {}, 0
    for tier in playbook.tiers:
        if tier.when is None:
            out[tier.name] = OTHERWISE
        else:
            out[tier.name] = PALETTE[n % len(PALETTE)]
            n += 1
    return out


def summarise_tiers(
    run: Run, loads: dict[str, TierLoad] | None, listed: int = LISTED
) -> tuple[TierSummary, ...]:
    playbook = run.playbook
    rows = _rows(run)
    colours = tier_colours(playbook)
    by_tier: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_tier[row["tier"]].append(row)
    out = []
    for tier in playbook.tiers:
        members = by_tier.get(tier.name, [])
        best = sorted(members, key=lambda r: _order(r, playbook))[:listed]
        lines = tuple(_line(run, r) for r in best)
        out.append(_summary(tier, members, lines, colours[tier.name], loads, run))
    return tuple(out)


def _rows(run: Run) -> list[dict[str, Any]]:
    """The few columns the table needs, as Python values, in input order."""
    playbook = run.playbook
    key = playbook.key_field("accounts")
    wanted = [key.name if key else "__row", "tier", "cluster", "rank", "holdout"]
    wanted += [c for c in ("contacts",) if _counts_contacts(run)]
    wanted += list(playbook.scores)
    if "name" in playbook.fields.get("accounts", {}):
        wanted.append("name")
    data = {c: run.table.column(c).to_pylist() for c in dict.fromkeys(wanted)}
    keys = data.pop(wanted[0])
    return [
        {"key": str(k), **{c: values[i] for c, values in data.items()}} for i, k in enumerate(keys)
    ]


def _counts_contacts(run: Run) -> bool:
    """Contacts were given and the playbook says how they link to accounts."""
    return run.contacts_known and "contacts" in run.table.column_names


def _order(row: dict[str, Any], playbook: Playbook) -> tuple[Any, ...]:
    scores = tuple(
        -(row[s] if row[s] is not None else Decimal("-Infinity")) for s in playbook.scores
    )
    rank = row["rank"]
    return (rank is None, rank or 0, *scores, row["key"])


def _line(run: Run, row: dict[str, Any]) -> AccountLine:
    e = explain(run, row["key"])
    axes = list(run.playbook.scores)[:2]
    x = e.scores.get(axes[0]) if len(axes) == 2 else None
    y = e.scores.get(axes[1]) if len(axes) == 2 else None
    return AccountLine(
        key=row["key"],
        label=row.get("name"),
        x=None if x is None else str(x),
        y=None if y is None else str(y),
        tier=e.tier,
        cluster=e.cluster,
        holdout=e.holdout,
        why=why(e),
        explanation=e,
    )


def why(e: Explanation) -> str:
    """One line: each tier tried before the account's own, and why it was not that one."""
    parts = []
    for t in e.tried:
        if t.demoted:
            parts.append(f"not {t.tier}: {t.demoted}")
        elif t.matched is not True:
            parts.append(f"not {t.tier}: " + ("; ".join(t.failures) or "its condition is missing"))
    if e.tier is None:
        parts.append("no tier")
    if e.holdout:
        parts.append("in the holdout (the control group)")
    return "; ".join(parts) if parts else f"meets the condition of {e.tier}"


def _summary(
    tier: TierIR,
    members: list[dict[str, Any]],
    lines: tuple[AccountLine, ...],
    colour: str,
    loads: dict[str, TierLoad] | None,
    run: Run,
) -> TierSummary:
    holdout = sum(1 for r in members if r["holdout"])
    programme = len(members) - holdout
    contacts = (
        sum(r["contacts"] or 0 for r in members if not r["holdout"])
        if _counts_contacts(run)
        else None
    )
    load = loads.get(tier.name) if loads else None
    research, budget = _normatives(tier, programme, contacts, load)
    currency = run.playbook.currency
    clusters = Counter(r["cluster"] for r in members if r["cluster"] is not None)
    return TierSummary(
        name=tier.name,
        title=tier.title,
        colour=colour,
        condition=condition_text(tier),
        accounts=len(members),
        programme=programme,
        holdout=holdout,
        contacts=contacts,
        research_hours=None if research is None else f"{plain(research)} h",
        budget=None if budget is None else f"{plain(budget)} {currency}",
        cadence=tier.cadence,
        capacity=f"at most {tier.capacity.limit} accounts" if tier.capacity else None,
        clusters=dict(sorted(clusters.items())),
        listed=lines,
        not_listed=len(members) - len(lines),
    )


def _normatives(
    tier: TierIR, programme: int, contacts: int | None, load: TierLoad | None
) -> tuple[Decimal | None, Decimal | None]:
    """Research hours and budget: the schedule's own figures when it was built; without
    contacts, what the per-account normatives give (per-contact research needs contacts)."""
    if load is not None:
        return load.research_hours, load.budget
    research = None
    if tier.research_per_account_min is not None or tier.research_per_contact_min is not None:
        minutes = (tier.research_per_account_min or Decimal(0)) * programme
        minutes += (tier.research_per_contact_min or Decimal(0)) * (contacts or 0)
        research = (minutes / 60).quantize(Decimal("0.01"))  # as `abm schedule`
    budget = tier.budget_per_account * programme if tier.budget_per_account is not None else None
    return research, budget
