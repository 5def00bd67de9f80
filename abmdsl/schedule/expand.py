"""Cadence expansion: tiered accounts × contacts × steps → dated touches, in DuckDB queries.

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
PERSONS = "schedule_persons"
"""The contacts in the programme with their accounts, numbered (``person``) in queue order."""
DUE = "schedule_due"
"""Touches on their cadence days, before the re-contact windows and daily limits move them:
their number (``seq``) and what the windows and limits read, not their texts."""
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
            "audience_text": pa.array([", ".join(s.audience) for _, s in steps], pa.string()),
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
    keep: bool = True,
) -> tuple[pa.Table, Settling]:
    """Every touch: one row per account × contact × step, sorted by date, account, touch;
    and how the re-contact windows and daily limits settled (see :mod:`.settle`).

    ``days(n)`` gives the first ``n`` business days of the cadences: a role's daily limit may
    move touches past the longest cadence's last day. ``keep``: also keep the dated touches
    as the table :data:`DATED`, which the stop and pause rules mark afterwards.
    """
    # The contacts in the programme, each with its account, numbered in the order of a role's
    # queue after the day: tier, account, contact key and row (tens of thousands of rows to
    # sort, not a million touches). A touch is then `seq`, its contact's number times `width`
    # plus its touch number: an account runs its tier's one cadence, so the cadence never
    # breaks a tie, and a cadence numbers its touches once each, in order. The touches the
    # window and the limits move carry only that number and what the rules read; their texts
    # are joined on once they are dated, from this table and the steps.
    width = 1 + max((s.touch for c in playbook.cadences.values() for s in c.steps), default=0)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {PERSONS} AS "
        + _ctes(playbook, columns)
        + "SELECT a.*, p.* EXCLUDE (account), row_number() OVER "
        "(ORDER BY a.tier_ord, a.account, p.contact, p.contact_row) AS person "
        "FROM treated a JOIN people p ON p.account = a.account"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {DUE} AS "
        f"SELECT p.person * {width} + s.touch AS seq, "
        "CAST(s.day + p.day_offset AS BIGINT) AS slot, 0 AS moved, s.day AS cadence_day, "
        f"s.touch, s.owner, p.cadence, p.contact_row FROM {PERSONS} p JOIN {STEPS} s "
        "ON s.cadence = p.cadence AND list_has_any(p.tags, s.audience)"
    )
    source, settling = settle(con, playbook, DUE)
    ((last,),) = con.sql(f"SELECT coalesce(max(slot), 1) FROM {source}").fetchall()
    register_days(con, days(int(last)))
    shown = "".join(f", p.{ident(CONTACT_PREFIX + f)}" for f in columns.shown)
    # Only the columns the output needs go through the joins: gathering a list column (the
    # contact's tags, a step's audience or variants) for each of a million rows costs more
    # than the rest of the row. Without A/B steps no touch has a variant, so the contact's
    # hash is not computed.
    if any(s.variants for c in playbook.cadences.values() for s in c.steps):
        arm = f"list_position(list_transform(s.variant_upto, lambda x: {ARM_HASH} < x), true)"
        action, variant = f"coalesce(s.variant_notes[{arm}], s.action)", f"s.variant_names[{arm}]"
    else:
        action, variant = "s.action", "CAST(NULL AS VARCHAR)"
    first = f"DATE '{start.isoformat()}'"
    dated = (
        f"SELECT d.date, CAST(date_diff('day', {first}, d.date) // 7 + 1 AS INTEGER) AS week, "
        "s.day AS cadence_day, p.account, p.tier, p.cluster, p.contact"
        f"{shown}, p.cadence, s.touch, s.channel, s.audience_text AS audience, "
        f"{action} AS action, s.refers_to, s.owner, {variant} AS variant, m.moved, "
        f"p.contact_row FROM {source} m JOIN {PERSONS} p ON p.person = m.seq // {width} "
        f"JOIN {STEPS} s ON s.cadence = p.cadence AND s.touch = m.seq % {width} "
        f"JOIN {DAYS} d ON d.day = m.slot"
    )
    if keep:  # with `contact_row`, which tells apart two rows of one contact key
        con.execute(f"CREATE OR REPLACE TEMP TABLE {DATED} AS {dated}")
        dated = DATED
    else:  # read once: writing a million wide rows to a table first costs more than the joins
        dated = f"({dated})"
    sql = f"SELECT * EXCLUDE (contact_row) FROM {dated} ORDER BY {TOUCH_ORDER}"
    return con.sql(sql).to_arrow_table(), settling


def gaps(con: duckdb.DuckDBPyConnection, playbook: Playbook, columns: ContactColumns) -> pa.Table:
    """Accounts in the programme missing a level or role their cadence targets.

    Columns: ``account``, ``tier``, ``cadence``, ``contacts`` (how many the account has),
    ``missing`` (the targeted values nobody holds, in the cadence's order) and ``lost_touches``
    (the steps that reach nobody at the account).
    """
    # Nobody at an account holds a value exactly when the values all its contacts hold do not
    # include it: one set per account, rather than a search of its contacts per value and step
    sql = _ctes(playbook, columns) + (
        ", held AS (SELECT account, count(*) AS contacts, "
        "list_distinct(flatten(list(tags))) AS tags FROM people GROUP BY account), "
        "missing AS (SELECT a.account, list(t.target ORDER BY t.ord) AS missing "
        f"FROM treated a JOIN {TARGETS} t ON t.cadence = a.cadence "
        "LEFT JOIN held h ON h.account = a.account "
        "WHERE NOT list_contains(coalesce(h.tags, []::VARCHAR[]), t.target) "
        "GROUP BY a.account), "
        "lost AS (SELECT a.account, list(s.touch ORDER BY s.touch) AS lost_touches "
        f"FROM treated a JOIN {STEPS} s ON s.cadence = a.cadence "
        "LEFT JOIN held h ON h.account = a.account "
        "WHERE NOT list_has_any(coalesce(h.tags, []::VARCHAR[]), s.audience) "
        "GROUP BY a.account) "
        "SELECT a.account, a.tier, a.cadence, coalesce(h.contacts, 0) AS contacts, m.missing, "
        "coalesce(l.lost_touches, []) AS lost_touches "
        "FROM treated a JOIN missing m ON m.account = a.account "
        "LEFT JOIN lost l ON l.account = a.account "
        "LEFT JOIN held h ON h.account = a.account ORDER BY a.account"
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
