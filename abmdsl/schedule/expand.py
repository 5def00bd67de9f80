"""Cadence expansion: tiered accounts × contacts × steps → dated touches, in one DuckDB query.

Input: a connection holding the tiered accounts (registered as :data:`TIERED`) and the
loaded ``contacts`` table, the playbook, and the business days of the cadences
(:data:`DAYS`: day 1, 2, … → date). Output: Arrow tables — the touches, the buying-committee
gaps per account, and per-tier counts for the normatives.

An account gets its tier's cadence unless it is in the holdout (the control group gets
nothing). A contact gets a step when one of its tag fields (the ``contacts`` enum fields, such
as ``level`` and ``role``) holds a value the step's audience names; a contact named twice by
one audience still gets one touch. Nothing here loops over accounts or contacts in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import pyarrow as pa

from ..data.values import ident
from ..engine.run import contact_link
from ..engine.tiering import CLUSTER, HOLDOUT, TIER, holdout_salt, holdout_threshold
from ..ir import Playbook, StepIR
from .settle import Settling, settle

if TYPE_CHECKING:
    import duckdb

CONTACTS = "contacts"
"""The table :func:`abmdsl.engine.run.run_playbook` loads the contacts into."""
TIERED, STEPS, TIER_CADENCE, DAYS, TARGETS = (
    "schedule_tiered",
    "schedule_steps",
    "schedule_tier_cadence",
    "schedule_days",
    "schedule_targets",
)
ARM_HASH = f"substr(md5('{holdout_salt(None)}' || p.contact), 1, 8)"
"""A/B variants split contacts as the holdout splits accounts: md5 of the seed and the key,
its first 8 hex digits compared as text with each variant's cumulative bound."""
DUE = "schedule_due"
"""Touches on their cadence days, before the re-contact windows and daily limits move them."""
DATED = "schedule_dated"
"""The touches with their dates, before sorting: what the stop and pause rules mark."""
TOUCH_ORDER = "date, account, touch, contact, contact_row"
"""The order of the touches in every output; the last key makes it total."""
CONTACT_PREFIX = "contact_"
"""Fields of a contact copied onto each touch get this prefix, so that a contact field named
`date` or `channel` cannot collide with the touch's own columns."""


class ScheduleError(Exception):
    """The playbook or the data cannot give a schedule; the message says how to fix it."""


@dataclass(frozen=True)
class ContactColumns:
    """Which fields of ``contacts`` identify a contact, link it and tag it for audiences."""

    key: str | None
    link: str
    tags: tuple[str, ...]
    shown: tuple[str, ...]

    @classmethod
    def of(cls, playbook: Playbook) -> ContactColumns:
        fields = playbook.fields.get("contacts", {})
        link = contact_link(playbook)
        if link is None:
            raise ScheduleError(
                "the playbook's `contacts` do not say which account each contact belongs to: "
                "declare a field such as `account_id: text references accounts`"
            )
        key = next((f.name for f in fields.values() if f.key), None)
        tags = tuple(f.name for f in fields.values() if f.enum_values)
        if not tags:  # audiences are not checked then: match them against any text field
            tags = tuple(
                f.name for f in fields.values() if f.type == "text" and f.name not in (key, link)
            )
        shown = tuple(
            f.name
            for f in fields.values()
            if f.name not in (key, link) and (f.enum_values or f.type == "text")
        )
        return cls(key, link, tags, shown)


def register_cadences(
    con: duckdb.DuckDBPyConnection,
    playbook: Playbook,
    days: list[dt.date],
    offsets: dict[str, int] | None = None,
) -> None:
    """Put the steps, the tiers' cadences and the business days into ``con`` as tables.

    ``offsets``: tier → business days between the first day of ``days`` and the tier's
    cadence start (0 for every tier when not given).
    """
    offsets = offsets or {}
    steps = [(name, s) for name, c in playbook.cadences.items() for s in c.steps]
    con.register(STEPS, _steps_table(steps))
    pairs = [(t.name, t.cadence) for t in playbook.tiers if t.cadence in playbook.cadences]
    con.register(
        TIER_CADENCE,
        pa.table(
            {
                "tier": [p[0] for p in pairs],
                "cadence": [p[1] for p in pairs],
                "ord": pa.array(range(len(pairs)), pa.int32()),  # the tiers' order
                "offset": pa.array([offsets.get(p[0], 0) for p in pairs], pa.int64()),
            }
        ),
    )
    register_days(con, days)
    targets: dict[tuple[str, str], int] = {}
    for name, step in steps:
        for who in step.audience:
            targets.setdefault((name, who), len(targets))
    con.register(
        TARGETS,
        pa.table(
            {
                "cadence": [k[0] for k in targets],
                "target": [k[1] for k in targets],
                "ord": list(targets.values()),
            }
        ),
    )


def register_days(con: duckdb.DuckDBPyConnection, days: list[dt.date]) -> None:
    """Business day 1, 2, … of the cadences → its date, as the table :data:`DAYS`."""
    con.register(
        DAYS,
        pa.table({"day": pa.array(range(1, len(days) + 1), pa.int32()), "date": days}),
    )


def _steps_table(steps: list[tuple[str, StepIR]]) -> pa.Table:
    return pa.table(
        {
            "cadence": pa.array([n for n, _ in steps], pa.string()),
            "touch": pa.array([s.touch for _, s in steps], pa.int32()),
            "day": pa.array([s.day for _, s in steps], pa.int32()),
            "channel": pa.array([s.channel for _, s in steps], pa.string()),
            "audience": pa.array([list(s.audience) for _, s in steps], pa.list_(pa.string())),
            "action": pa.array([s.note or _default_action(s) for _, s in steps], pa.string()),
            "refers_to": pa.array([s.refers_to for _, s in steps], pa.int32()),
            "owner": pa.array([s.owner for _, s in steps], pa.string()),
            "variant_names": pa.array(
                [[v.name for v in s.variants] for _, s in steps], pa.list_(pa.string())
            ),
            "variant_notes": pa.array(
                [[v.note for v in s.variants] for _, s in steps], pa.list_(pa.string())
            ),
            "variant_upto": pa.array([_upto(s) for _, s in steps], pa.list_(pa.string())),
        }
    )


def _upto(step: StepIR) -> list[str]:
    """Each variant's upper bound for the hashed contact key, as 8 hex digits (the last
    variant takes the rest: ``~`` sorts after every hex digit)."""
    bounds, total = [], Decimal(0)
    for variant in step.variants[:-1]:
        total += variant.share
        bounds.append(holdout_threshold(total))
    return [*bounds, "~"] if step.variants else []


def _default_action(step: StepIR) -> str:
    """A step without a note still says what to do: ``linkedin to c_minus_1``."""
    return f"{step.channel} to {', '.join(step.audience)}"


def _ctes(playbook: Playbook, columns: ContactColumns) -> str:
    """The accounts in the programme and the contacts with their tags, as SQL."""
    key = playbook.key_field("accounts")
    assert key is not None  # the checker requires a key for accounts
    contact = (
        f"CAST({ident(columns.key)} AS VARCHAR)"
        if columns.key
        else "'row ' || CAST(__row AS VARCHAR)"
    )
    tags = ", ".join(f"CAST({ident(t)} AS VARCHAR)" for t in columns.tags)
    shown = "".join(
        f", CAST({ident(f)} AS VARCHAR) AS {ident(CONTACT_PREFIX + f)}" for f in columns.shown
    )
    return (
        f"WITH treated AS (SELECT CAST(t.{ident(key.name)} AS VARCHAR) AS account, "
        f"t.{ident(TIER)} AS tier, tc.ord AS tier_ord, tc.offset AS day_offset, "
        f"t.{ident(CLUSTER)} AS cluster, tc.cadence "
        f"FROM {TIERED} t JOIN {TIER_CADENCE} tc ON tc.tier = t.{ident(TIER)} "
        f"WHERE NOT coalesce(t.{ident(HOLDOUT)}, false)), "
        f"people AS (SELECT {contact} AS contact, "
        f"CAST({ident(columns.link)} AS VARCHAR) AS account, "
        f"list_filter([{tags}]::VARCHAR[], lambda x: x IS NOT NULL) AS tags{shown}, "
        f"__row AS contact_row FROM {ident(CONTACTS)}) "
    )


def touches(
    con: duckdb.DuckDBPyConnection,
    playbook: Playbook,
    columns: ContactColumns,
    start: dt.date,
    days: Callable[[int], list[dt.date]],
) -> tuple[pa.Table, Settling]:
    """Every touch: one row per account × contact × step, sorted by date, account, touch;
    and how the re-contact windows and daily limits settled (see :mod:`.settle`).

    ``days(n)`` gives the first ``n`` business days of the cadences: a role's daily limit may
    move touches past the longest cadence's last day.
    """
    shown = "".join(f", p.{ident(CONTACT_PREFIX + f)}" for f in columns.shown)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {DUE} AS "
        + _ctes(playbook, columns)
        + "SELECT CAST(s.day + a.day_offset AS BIGINT) AS slot, 0 AS moved, "
        "s.day AS cadence_day, a.account, a.tier, "
        f"a.tier_ord, a.cluster, p.contact{shown}, p.contact_row, a.cadence, s.touch, "
        "s.channel, array_to_string(s.audience, ', ') AS audience, "
        "coalesce(s.variant_notes[arm], s.action) AS action, s.refers_to, s.owner, "
        f"s.variant_names[arm] AS variant FROM treated a JOIN {STEPS} s ON s.cadence = a.cadence "
        "JOIN people p ON p.account = a.account AND list_has_any(p.tags, s.audience), "
        f"LATERAL (SELECT list_position(list_transform(s.variant_upto, lambda x: {ARM_HASH} < x), "
        "true) AS arm)"
    )
    source, settling = settle(con, playbook, DUE)
    ((last,),) = con.sql(f"SELECT coalesce(max(slot), 1) FROM {source}").fetchall()
    register_days(con, days(int(last)))
    shown = "".join(f", t.{ident(CONTACT_PREFIX + f)}" for f in columns.shown)
    # kept as a table (with `contact_row`, which tells apart two rows of one contact key) so
    # that the stop and pause rules can mark these very rows afterwards
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {DATED} AS "
        "SELECT d.date, CAST(date_diff('day', $start, d.date) // 7 + 1 AS INTEGER) AS week, "
        "t.cadence_day, t.account, t.tier, t.cluster, t.contact"
        f"{shown}, t.cadence, t.touch, t.channel, t.audience, t.action, t.refers_to, t.owner, "
        f"t.variant, t.moved, t.contact_row FROM {source} t JOIN {DAYS} d ON d.day = t.slot",
        {"start": start},
    )
    sql = f"SELECT * EXCLUDE (contact_row) FROM {DATED} ORDER BY {TOUCH_ORDER}"
    return con.sql(sql).to_arrow_table(), settling


def gaps(con: duckdb.DuckDBPyConnection, playbook: Playbook, columns: ContactColumns) -> pa.Table:
    """Accounts in the programme missing a level or role their cadence targets.

    Columns: ``account``, ``tier``, ``cadence``, ``contacts`` (how many the account has),
    ``missing`` (the targeted values nobody holds, in the cadence's order) and ``lost_touches``
    (the steps that reach nobody at the account).
    """
    sql = _ctes(playbook, columns) + (
        ", missing AS (SELECT a.account, list(t.target ORDER BY t.ord) AS missing "
        f"FROM treated a JOIN {TARGETS} t ON t.cadence = a.cadence "
        "WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.account = a.account "
        "AND list_contains(p.tags, t.target)) GROUP BY a.account), "
        "lost AS (SELECT a.account, list(s.touch ORDER BY s.touch) AS lost_touches "
        f"FROM treated a JOIN {STEPS} s ON s.cadence = a.cadence "
        "WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.account = a.account "
        "AND list_has_any(p.tags, s.audience)) GROUP BY a.account), "
        "sizes AS (SELECT account, count(*) AS contacts FROM people GROUP BY account) "
        "SELECT a.account, a.tier, a.cadence, coalesce(z.contacts, 0) AS contacts, m.missing, "
        "coalesce(l.lost_touches, []) AS lost_touches "
        "FROM treated a JOIN missing m ON m.account = a.account "
        "LEFT JOIN lost l ON l.account = a.account "
        "LEFT JOIN sizes z ON z.account = a.account ORDER BY a.account"
    )
    return con.sql(sql).to_arrow_table()


def tier_counts(con: duckdb.DuckDBPyConnection, playbook: Playbook, contacts: bool) -> pa.Table:
    """Per tier: accounts in the programme, accounts in the holdout, and (with contacts) the
    contacts of the accounts in the programme — the quantities the normatives multiply."""
    key = playbook.key_field("accounts")
    assert key is not None
    holdout = f"coalesce(t.{ident(HOLDOUT)}, false)"
    if contacts:
        link = contact_link(playbook)
        assert link is not None
        people = (
            f"LEFT JOIN (SELECT CAST({ident(link)} AS VARCHAR) AS account, count(*) AS n "
            f"FROM {ident(CONTACTS)} GROUP BY 1) c "
            f"ON c.account = CAST(t.{ident(key.name)} AS VARCHAR)"
        )
        counted = f"sum(CASE WHEN NOT {holdout} THEN coalesce(c.n, 0) ELSE 0 END)"
    else:
        people, counted = "", "NULL"
    sql = (
        f"SELECT t.{ident(TIER)} AS tier, count(*) FILTER (WHERE NOT {holdout}) AS accounts, "
        f"count(*) FILTER (WHERE {holdout}) AS holdout, CAST({counted} AS BIGINT) AS contacts "
        f"FROM {TIERED} t {people} GROUP BY 1"
    )
    return con.sql(sql).to_arrow_table()
