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
* ``all`` — every row of the data, activities of accounts not in the accounts file included;
* each tier by its name — its accounts that are not held out.

A contact or activity belongs to the group of its account: through its field that references
accounts, or for an activity with none, through its contact's account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ..engine.run import contact_link
from ..ir import Playbook

GROUPS = ("programme", "control", "outside", "all")
TIERED = "__kpi_tiered"
ACCOUNTS = "__kpi_accounts"


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
    """The view of one data set's rows of one group (a tier's name is any Unicode word)."""
    return f"__kpi_{dataset}_{hashlib.md5(group.encode()).hexdigest()[:12]}"


def groups(playbook: Playbook) -> list[str]:
    """Every group a KPI may be measured on: the four of :data:`GROUPS`, then each tier."""
    return [*GROUPS, *(t.name for t in playbook.tiers if t.name not in GROUPS)]


def cluster_group(value: str) -> str:
    """The group of one cluster's accounts, for a breakdown by cluster (not a playbook name:
    a playbook cannot write ``=``)."""
    return f"cluster={value}"


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
    extra: Sequence[str] = (),
) -> Counts:
    """Create the views of every data set in ``datasets`` (loaded as tables of that name),
    also for the groups of ``extra`` (see :func:`cluster_group`), and count who is where."""
    views(con, playbook, tiered, datasets, window, extra)
    return count(con, playbook, tiered.num_rows, datasets, window)


def views(
    con: duckdb.DuckDBPyConnection,
    playbook: Playbook,
    tiered: pa.Table,
    datasets: set[str],
    window: Window,
    extra: Sequence[str] = (),
) -> None:
    """Create the views alone: nothing is read until a query reads them.

    Every view is a filter of its data set, so that DuckDB reads a data set once per query
    that uses it and pushes the filter into the scan: the activities of the programme are
    the rows dated within the window whose account is among the programme's (a semi-join
    with a few dozen keys), as one would write it by hand. Joining every activity to its
    account's group first, in a table of 10M rows, cost more than the KPIs themselves.
    """
    con.register(TIERED, tiered)
    key = _q(_account_key(playbook))
    inside = ", ".join(_lit(t) for t in programme_tiers(playbook)) or "NULL"
    # A view rather than a copy: the tiered accounts are already in memory, as Arrow.
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {ACCOUNTS} AS SELECT *, CASE "
        f"WHEN \"holdout\" THEN 'control' WHEN \"tier\" IN ({inside}) THEN 'programme' "
        f"ELSE 'outside' END AS __group, \"tier\" AS __tier, "
        f'CAST("cluster" AS VARCHAR) AS __cluster FROM {TIERED}'
    )
    names = [*groups(playbook), *extra]
    for group in names:
        where = "" if group == "all" else f" WHERE {_member(group)}"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view('accounts', group)} AS "
            f"SELECT * EXCLUDE (__group, __tier, __cluster) FROM {ACCOUNTS}{where}"
        )
    if "contacts" in datasets:
        _members(con, names, "contacts", key, _contacts_link(playbook))
    if "activities" in datasets:
        _activities(con, playbook, names, key, window)


def count(
    con: duckdb.DuckDBPyConnection,
    playbook: Playbook,
    accounts_in_all: int,
    datasets: set[str],
    window: Window,
) -> Counts:
    """How many accounts each group has, and where the activities went (after :func:`views`)."""
    accounts = dict.fromkeys(GROUPS, 0)
    for group, n in con.sql(f"SELECT __group, count(*) FROM {ACCOUNTS} GROUP BY 1").fetchall():
        accounts[group] = n
    accounts["all"] = accounts_in_all
    counts = Counts(accounts, dict.fromkeys(GROUPS, 0), 0, 0, 0, 0)
    if "activities" in datasets:
        counts = _count_activities(con, playbook, window, counts)
    return counts


def _activity_account(con: duckdb.DuckDBPyConnection, playbook: Playbook) -> _Link:
    """How an activity names its account: its own field, or its contact's."""
    fields = playbook.fields.get("activities", {})
    to_account = next((f.name for f in fields.values() if f.references == "accounts"), None)
    if to_account is None and _account_key(playbook) in fields:
        to_account = _account_key(playbook)
    to_contact = next((f.name for f in fields.values() if f.references == "contacts"), None)
    if to_account is not None:
        return _Link(f"a.{_q(to_account)}", "", None)
    if to_contact is not None and "contacts" in _tables(con):
        contact_key = _q(_key(playbook, "contacts"))
        link = _q(_contacts_link(playbook))
        return _Link(
            f"c.{link}",
            f" LEFT JOIN contacts c ON c.{contact_key} = a.{_q(to_contact)}",
            (f"a.{_q(to_contact)}", f"SELECT {contact_key} FROM contacts WHERE {link}"),
        )
    return _Link("NULL", "", None)


@dataclass(frozen=True)
class _Link:
    account: str  # the account's key, over ``activities a`` and the joins
    joins: str
    # Through a contact: (the activity's contact, the contacts' keys up to `IN (accounts)`).
    contact: tuple[str, str] | None


def _bounds(window: Window) -> tuple[str, str, str]:
    """(undated, before, after): SQL conditions over ``a``, the activity."""
    day = f"a.{_q(window.date_field)}" if window.date_field else "NULL"
    bounded = bool(window.date_field and (window.first or window.last))
    return (
        f"{day} IS NULL" if bounded else "false",
        f"{day} < DATE '{window.first.isoformat()}'"
        if window.first and window.date_field
        else "false",
        f"{day} > DATE '{window.last.isoformat()}'"
        if window.last and window.date_field
        else "false",
    )


def _activities(
    con: duckdb.DuckDBPyConnection, playbook: Playbook, names: list[str], key: str, window: Window
) -> None:
    link = _activity_account(con, playbook)
    # Plain bounds, which exclude the undated too: DuckDB pushes them into the file's scan.
    day = f"a.{_q(window.date_field)}"
    # Conditional lists, not `[…] * bool(…)`: the f-string would be built from a missing date.
    within = " AND ".join(
        (
            [f"{day} >= DATE '{window.first.isoformat()}'"]
            if window.date_field and window.first
            else []
        )
        + (
            [f"{day} <= DATE '{window.last.isoformat()}'"]
            if window.date_field and window.last
            else []
        )
    )
    within = within or "true"
    for group in names:
        members = f"SELECT {key} FROM {ACCOUNTS} WHERE {_member(group)}"
        if group == "all":
            of_group = ""
        elif link.contact is not None:
            contact, contacts = link.contact
            of_group = f" AND {contact} IN ({contacts} IN ({members}))"
        elif link.account != "NULL":
            of_group = f" AND {link.account} IN ({members})"
        else:
            of_group = " AND false"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view('activities', group)} AS SELECT a.* "
            f"FROM activities a WHERE {within}{of_group}"
        )


def _count_activities(
    con: duckdb.DuckDBPyConnection, playbook: Playbook, window: Window, counts: Counts
) -> Counts:
    link = _activity_account(con, playbook)
    undated, before, after = _bounds(window)
    key = _q(_account_key(playbook))
    # Only the key and the date are read, and the accounts' key and group: a narrow join.
    rows = con.sql(
        f"SELECT g.__group, CASE WHEN {undated} THEN 'undated' WHEN {before} THEN 'before' "
        f"WHEN {after} THEN 'after' ELSE 'in' END AS __when, count(*) "
        f"FROM activities a{link.joins} "
        f"LEFT JOIN (SELECT {key}, __group FROM {ACCOUNTS}) g ON g.{key} = {link.account} "
        "GROUP BY ALL"
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
    con: duckdb.DuckDBPyConnection, names: list[str], dataset: str, key: str, link: str | None
) -> None:
    for group in names:
        if group == "all" or link is None:
            body = f"SELECT * FROM {dataset}"
            if link is None and group != "all":
                body += " WHERE false"
        else:
            body = (
                f"SELECT * FROM {dataset} WHERE {_q(link)} IN "
                f"(SELECT {key} FROM {ACCOUNTS} WHERE {_member(group)})"
            )
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view(dataset, group)} AS {body}")


def _member(group: str) -> str:
    """The condition on ``__group``, ``__tier`` and ``__cluster`` an account of ``group`` meets."""
    if group in GROUPS:
        return f"__group = {_lit(group)}"
    if group.startswith("cluster="):
        return f"(__cluster = {_lit(group.removeprefix('cluster='))} AND __group <> 'control')"
    return f"(__tier = {_lit(group)} AND __group <> 'control')"


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
