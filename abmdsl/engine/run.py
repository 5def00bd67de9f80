"""Running a playbook on account data: load, tier in DuckDB, return the table with provenance.

Input: a checked playbook and the paths of the accounts (and optionally contacts) files.
Output: a :class:`Run` holding the tiered accounts as an Arrow table (one row per input
account, in input order), the provenance of the run and per-account contact counts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..__about__ import __version__
from ..ir import Playbook
from .tiering import tiering_query

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    from sqlglot import exp


@dataclass(frozen=True)
class Provenance:
    """What a run is made of, so that it can be reproduced and audited."""

    playbook_sha256: str
    data_sha256: str
    abmdsl_version: str = __version__

    def as_dict(self) -> dict[str, str]:
        return {
            "playbook_sha256": self.playbook_sha256,
            "data_sha256": self.data_sha256,
            "abmdsl_version": self.abmdsl_version,
        }


CONTACTS = "contacts"


@dataclass
class Run:
    """The tiered accounts; with contacts, a ``contacts`` column counts each account's."""

    playbook: Playbook
    table: pa.Table
    provenance: Provenance
    extra_columns: list[str] = field(default_factory=list)
    contacts_known: bool = False


def playbook_hash(sources: dict[str, str]) -> str:
    """SHA-256 over the playbook's files (main file first, then imports), names included."""
    digest = hashlib.sha256()
    for name, text in sources.items():
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


def connect() -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # abm reports progress itself
    return con


def run_playbook(
    playbook: Playbook,
    sources: dict[str, str],
    accounts: Path,
    contacts: Path | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Run:
    """Tier every account of ``accounts``; raises :class:`abmdsl.data.DataError` on bad data."""
    from ..data import load_dataset

    con = con or connect()
    report = load_dataset(
        con, accounts, "accounts", playbook.fields.get("accounts", {}), "accounts"
    )
    query = tiering_query(playbook, "accounts", report.extra_columns)
    data_hash = report.sha256
    if contacts is not None:
        contacts_report = load_dataset(
            con, contacts, "contacts", playbook.fields.get("contacts", {}), "contacts"
        )
        query = _with_contact_counts(playbook, query)
        data_hash = hashlib.sha256((data_hash + contacts_report.sha256).encode()).hexdigest()
    table = con.sql(query.sql("duckdb")).to_arrow_table()
    provenance = Provenance(playbook_hash(sources), data_hash)
    return Run(playbook, table, provenance, list(report.extra_columns), contacts is not None)


def contact_link(playbook: Playbook) -> str | None:
    """The field of contacts that names their account."""
    fields = playbook.fields.get("contacts", {})
    link = next((f.name for f in fields.values() if f.references == "accounts"), None)
    key = playbook.key_field("accounts")
    if link is None and key is not None and key.name in fields:
        link = key.name
    return link


def _with_contact_counts(playbook: Playbook, query: exp.Select) -> exp.Select:
    from sqlglot import exp

    from .sqlgen import column

    link, key = contact_link(playbook), playbook.key_field("accounts")
    if link is None or key is None:
        return query
    counts = (
        exp.select(
            exp.alias_(column(link), "account", quoted=True),
            exp.alias_(exp.Count(this=exp.Star()), "n", quoted=True),
        )
        .from_("contacts")
        .group_by(column(link))
    )
    everything = exp.Column(this=exp.Star(), table=exp.to_identifier("q"))
    return (
        exp.select(
            everything,
            exp.alias_(
                exp.Coalesce(this=column("n", "c"), expressions=[exp.Literal.number(0)]),
                CONTACTS,
                quoted=True,
            ),
        )
        .from_(exp.alias_(exp.Subquery(this=query), "q"))
        .join(
            exp.alias_(exp.Subquery(this=counts), "c"),
            on=exp.EQ(this=column(key.name, "q"), expression=column("account", "c")),
            join_type="LEFT",
        )
        .order_by(column("__row", "q"))
    )
