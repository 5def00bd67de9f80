"""The rows KPIs read: accounts with their tier and group, their contacts and their activities.

Input: a checked playbook, a DuckDB connection, the tiered accounts of a run and the loaded
contacts and activities tables. Output: one view per data set and group (see :data:`GROUPS`),
named by :func:`view`, and a :class:`Counts` of who is where and which activities were left out
and why — none is dropped without being counted.

Groups of accounts:

* ``programme`` — the accounts the pilot works: in a tier with a cadence, not held out (when no
  tier has a cadence, every tier but an ``otherwise`` one);
* ``control`` — the holdout of every tier: the accounts kept out to compare with;
* ``outside`` — the others (the seed's one-to-many tier);
* ``all`` — every row of the data, activities of accounts not in the accounts file included.

A contact or activity belongs to the group of its account: through its field that references
accounts, or for an activity with none, through its contact's account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ..engine.run import contact_link
from ..ir import Playbook

GROUPS = ("programme", "control", "outside", "all")
TIERED = "__kpi_tiered"
ACCOUNTS = "__kpi_accounts"
ACTIVITY_GROUPS = "__kpi_activity_groups"


class PopulationError(Exception):
    """The data cannot be measured as asked (e.g. ``--as-of`` without a date field)."""


@dataclass(frozen=True)
class Window:
    """Which activities count: those dated from ``first`` to ``last``, both included."""

    first: dt.date | None
    last: dt.date | None
    date_field: str | None


@dataclass(frozen=True)
class Counts:
    accounts: dict[str, int]  # group → accounts
    activities: dict[str, int]  # group → activities counted
    unknown_account: int  # activities naming an account that is not in the accounts file
    before_window: int
    after_window: int
    undated: int


def view(dataset: str, group: str) -> str:
    return f"__kpi_{dataset}_{group}"


def programme_tiers(playbook: Playbook) -> list[str]:
    with_cadence = [t.name for t in playbook.tiers if t.cadence]
    return with_cadence or [t.name for t in playbook.tiers if t.when is not None]


def date_field(playbook: Playbook, dataset: str = "activities") -> str | None:
    """The data set's one ``date`` field; ``None`` when it has none."""
    dates = [f.name for f in playbook.fields.get(dataset, {}).values() if f.type == "date"]
    if len(dates) > 1:
        shown = ", ".join(f"`{d}`" for d in dates)
        raise PopulationError(
            f"{dataset} have several date fields ({shown}); say which one dates them "
            "with --date-field"
        )
    return dates[0] if dates else None


def build(
    con: duckdb.DuckDBPyConnection,
    playbook: Playbook,
    tiered: pa.Table,
    datasets: set[str],
    window: Window,
) -> Counts:
    """Create the views of every data set in ``datasets`` (loaded as tables of that name)."""
    con.register(TIERED, tiered)
    key = _q(_account_key(playbook))
    inside = ", ".join(_lit(t) for t in programme_tiers(playbook)) or "NULL"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ACCOUNTS} AS SELECT *, CASE "
        f"WHEN \"holdout\" THEN 'control' WHEN \"tier\" IN ({inside}) THEN 'programme' "
        f"ELSE 'outside' END AS __group FROM {TIERED}"
    )
    accounts = dict.fromkeys(GROUPS, 0)
    for group, n in con.sql(f"SELECT __group, count(*) FROM {ACCOUNTS} GROUP BY 1").fetchall():
        accounts[group] = n
    accounts["all"] = tiered.num_rows
    for group in GROUPS:
        where = "" if group == "all" else f" WHERE __group = {_lit(group)}"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view('accounts', group)} AS "
            f"SELECT * EXCLUDE (__group) FROM {ACCOUNTS}{where}"
        )
    if "contacts" in datasets:
        _members(con, playbook, "contacts", key, _contacts_link(playbook))
    counts = Counts(accounts, dict.fromkeys(GROUPS, 0), 0, 0, 0, 0)
    if "activities" in datasets:
        counts = _activities(con, playbook, key, window, counts)
    return counts


def _activities(
    con: duckdb.DuckDBPyConnection, playbook: Playbook, key: str, window: Window, counts: Counts
) -> Counts:
    fields = playbook.fields.get("activities", {})
    to_account = next((f.name for f in fields.values() if f.references == "accounts"), None)
    if to_account is None and _account_key(playbook) in fields:
        to_account = _account_key(playbook)
    to_contact = next((f.name for f in fields.values() if f.references == "contacts"), None)
    if to_account is not None:
        account = f"a.{_q(to_account)}"
        joins = ""
    elif to_contact is not None and "contacts" in _tables(con):
        contact_key = _q(_key(playbook, "contacts"))
        account = f"c.{_q(_contacts_link(playbook))}"
        joins = f" LEFT JOIN contacts c ON c.{contact_key} = a.{_q(to_contact)}"
    else:
        account = "NULL"
        joins = ""
    day = f"a.{_q(window.date_field)}" if window.date_field else "NULL"
    bounds = [
        f"{day} < DATE '{window.first.isoformat()}'" if window.first else "false",
        f"{day} > DATE '{window.last.isoformat()}'" if window.last else "false",
    ]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ACTIVITY_GROUPS} AS SELECT a.__row, "
        f"coalesce(g.__group, '-') AS __group, CASE WHEN {day} IS NULL AND "
        f"{'true' if window.date_field and (window.first or window.last) else 'false'} "
        f"THEN 'undated' WHEN {bounds[0]} THEN 'before' WHEN {bounds[1]} THEN 'after' "
        f"ELSE 'in' END AS __when FROM activities a{joins} "
        f"LEFT JOIN {ACCOUNTS} g ON g.{key} = {account}"
    )
    # Activities are many (10M in the benchmark): each view filters them with a semi-join on
    # the narrow table of row numbers above, rather than joining every column.
    for group in GROUPS:
        of_group = "" if group == "all" else f" AND __group = {_lit(group)}"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view('activities', group)} AS SELECT * "
            f"FROM activities WHERE __row IN (SELECT __row FROM {ACTIVITY_GROUPS} "
            f"WHERE __when = 'in'{of_group})"
        )
    rows = con.sql(
        f"SELECT __group, __when, count(*) FROM {ACTIVITY_GROUPS} GROUP BY ALL"
    ).fetchall()
    activities = dict.fromkeys(GROUPS, 0)
    left = {"before": 0, "after": 0, "undated": 0}
    unknown = 0
    for group, when, n in rows:
        if when == "in":
            activities["all"] += n
            if group in activities:
                activities[group] += n
            else:
                unknown += n
        else:
            left[when] += n
    return Counts(
        counts.accounts, activities, unknown, left["before"], left["after"], left["undated"]
    )


def _members(
    con: duckdb.DuckDBPyConnection, playbook: Playbook, dataset: str, key: str, link: str | None
) -> None:
    for group in GROUPS:
        if group == "all" or link is None:
            body = f"SELECT * FROM {dataset}"
            if link is None and group != "all":
                body += " WHERE false"
        else:
            body = (
                f"SELECT * FROM {dataset} WHERE {_q(link)} IN "
                f"(SELECT {key} FROM {ACCOUNTS} WHERE __group = {_lit(group)})"
            )
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view(dataset, group)} AS {body}")


def _contacts_link(playbook: Playbook) -> str | None:
    return contact_link(playbook)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}


def _account_key(playbook: Playbook) -> str:
    return _key(playbook, "accounts")


def _key(playbook: Playbook, dataset: str) -> str:
    key = playbook.key_field(dataset)  # type: ignore[arg-type]
    if key is None:
        raise PopulationError(f"{dataset} declare no key field")
    return key.name


def _q(name: str | None) -> str:
    return '"' + (name or "").replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
