"""The terminal summary of a run: accounts per tier and cluster, hours and budget.

Input: a :class:`abmdsl.engine.run.Run`. Output: :class:`Summary` rows (also used by reports)
and their text rendering. Normatives come from the tiers: research per account and per
contact (contacts counted when the run was given them) and the marketing budget per account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .engine.run import CONTACTS, Run
from .engine.tiering import CLUSTER, DEMOTED_FROM, DEMOTION, HOLDOUT, TIER
from .numbers import plain


@dataclass
class TierLine:
    tier: str
    accounts: int
    holdout: int
    clusters: dict[str, int]
    research_hours: Decimal | None
    contact_hours: Decimal | None
    budget: Decimal | None


@dataclass
class Summary:
    accounts: int
    lines: list[TierLine]
    currency: str
    contacts_known: bool
    # (tier left, why) → how many accounts; capacity ranks are left out so that alike group
    demotions: dict[tuple[str, str], int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def research_hours(self) -> Decimal:
        return sum(
            (line.research_hours for line in self.lines if line.research_hours is not None),
            Decimal(0),
        )

    @property
    def contact_hours(self) -> Decimal | None:
        if not self.contacts_known:
            return None
        return sum(
            (line.contact_hours for line in self.lines if line.contact_hours is not None),
            Decimal(0),
        )

    @property
    def budget(self) -> Decimal:
        return sum((line.budget for line in self.lines if line.budget is not None), Decimal(0))


def summarise(run: Run) -> Summary:
    """Counts per tier and cluster, computed by DuckDB over the run's table."""
    import duckdb

    con = duckdb.connect()
    con.register("tiered", run.table)
    contacts = f'sum("{CONTACTS}")' if run.contacts_known else "0"
    per_tier = {
        row[0]: row[1:]
        for row in con.execute(
            f'SELECT "{TIER}", count(*), count(*) FILTER (WHERE "{HOLDOUT}"), {contacts} '
            f"FROM tiered GROUP BY 1"
        ).fetchall()
    }
    clusters: dict[str, dict[str, int]] = {}
    for tier, cluster, count in con.execute(
        f'SELECT "{TIER}", "{CLUSTER}", count(*) FROM tiered WHERE "{CLUSTER}" IS NOT NULL '
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        clusters.setdefault(tier, {})[cluster] = count
    lines = []
    for tier in run.playbook.tiers:
        count, holdout, contact_count = per_tier.get(tier.name, (0, 0, 0))
        lines.append(
            TierLine(
                tier=tier.name,
                accounts=count,
                holdout=holdout,
                clusters=clusters.get(tier.name, {}),
                research_hours=_hours(tier.research_per_account_min, count),
                contact_hours=_hours(tier.research_per_contact_min, int(contact_count or 0))
                if run.contacts_known
                else None,
                budget=tier.budget_per_account * count
                if tier.budget_per_account is not None
                else None,
            )
        )
    demotions = {
        (tier, reason): count
        for tier, reason, count in con.execute(
            f'SELECT "{DEMOTED_FROM}", regexp_replace("{DEMOTION}", \', this one ranks [0-9]+$\', '
            f"''), count(*) FROM tiered WHERE \"{DEMOTED_FROM}\" IS NOT NULL GROUP BY ALL "
            "ORDER BY ALL"
        ).fetchall()
    }
    return Summary(
        run.table.num_rows,
        lines,
        run.playbook.currency,
        run.contacts_known,
        demotions,
        _cluster_notes(run, clusters),
    )


def _cluster_notes(run: Run, clusters: dict[str, dict[str, int]]) -> list[str]:
    """Tiers that formed fewer clusters than they ask for."""
    notes = []
    for tier in run.playbook.tiers:
        if tier.grouping is None:
            continue
        formed = len(clusters.get(tier.name, {}))
        if formed < tier.grouping.min_clusters:
            notes.append(
                f"{tier.name} formed {formed} cluster{'s' * (formed != 1)}, fewer "
                f"than the {tier.grouping.min_clusters} it asks for"
            )
    return notes


def _hours(minutes: Decimal | None, count: int) -> Decimal | None:
    return None if minutes is None else minutes * count / 60


def render_summary(summary: Summary) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{summary.accounts} accounts", title_justify="left")
    for name in (
        "tier",
        "accounts",
        "clusters",
        "holdout",
        "research h (accounts)",
        "research h (contacts)",
        f"budget {summary.currency}",
    ):
        table.add_column(name, justify="left" if name in ("tier", "clusters") else "right")
    for line in summary.lines:
        table.add_row(
            line.tier,
            str(line.accounts),
            ", ".join(f"{k}: {v}" for k, v in line.clusters.items()) or "-",
            str(line.holdout) if line.holdout else "-",
            _num(line.research_hours),
            _num(line.contact_hours),
            _num(line.budget),
        )
    table.add_row(
        "total",
        str(summary.accounts),
        "",
        "",
        _num(summary.research_hours),
        _num(summary.contact_hours),
        _num(summary.budget),
        end_section=True,
    )
    out = StringIO()
    Console(file=out, width=120, color_system=None).print(table)
    text = out.getvalue()
    for (tier, reason), count in summary.demotions.items():
        text += f"{count} left {tier}: {reason}\n"
    for note in summary.notes:
        text += f"note: {note}\n"
    if not summary.contacts_known:
        text += "research per contact is not counted: give --contacts to count it\n"
    return text


def _num(value: Decimal | None) -> str:
    return "-" if value is None else plain(value.quantize(Decimal("0.1")))
