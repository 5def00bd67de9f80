"""Stop and pause rules applied to what happened: touches after a reply or a meeting, marked.

Input: a connection holding the dated touches (:data:`~abmdsl.schedule.expand.DATED`), the
loaded ``activities`` (and ``contacts``), and the cadences' ``stop on reply``,
``pause account on meeting``… Output: the touches with ``status`` (``planned``, ``stopped``
or ``paused``) and ``status_reason`` (``reply from C-7 on 2027-02-17``), and how many touches
each rule held back.

Which columns of ``activities`` say what, when and with whom is read from their declaration
(:class:`ActivityColumns`): the event is the enum field whose values hold the rules' event
words, the day is the one ``date`` field, the contact and the account are the fields that
``references`` them. A touch is held when it falls on a business day **after** the day of the
event: on the day itself the touch may well have gone out before the reply came in, so it
stays planned. A stop outranks a pause; among several events the earliest one is the reason.

Only the first event of each kind per contact (or per account) matters, so the activities are
cut down to those before they meet the touches: one window query and two hash joins, no loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from ..data.values import ident
from ..engine.run import contact_link
from ..ir import FieldInfo, Playbook, StopRuleIR
from .expand import CONTACTS, DATED, TOUCH_ORDER, ScheduleError

if TYPE_CHECKING:
    import duckdb

ACTIVITIES = "activities"
"""The table the activities file is loaded into."""
RULES, MARKED = "schedule_stop_rules", "schedule_marked"
STATUSES = ("planned", "stopped", "paused")
EXAMPLE = (
    "e.g. `activities { key activity_id: text  contact_id: text references contacts  "
    "type: enum(touch, reply, meeting)  on: date }`"
)


def rule_text(rule: StopRuleIR) -> str:
    """The rule as the playbook writes it: ``stop on reply``, ``pause account on meeting``."""
    return f"{rule.mode}{' account' if rule.account else ''} on {rule.event}"


def rules_in_use(playbook: Playbook) -> list[tuple[str, StopRuleIR]]:
    """(cadence, rule) for every rule of a cadence some tier runs, in the playbook's order."""
    used = {t.cadence for t in playbook.tiers if t.cadence in playbook.cadences}
    return [(n, r) for n, c in playbook.cadences.items() if n in used for r in c.stop_rules]


@dataclass(frozen=True)
class ActivityColumns:
    """Which fields of ``activities`` give an event's kind, its day, its contact and account.

    ``contact`` is the field that ``references contacts`` (or, failing that, the one named as
    the contacts' key); ``account`` the one that ``references accounts`` (or is named as the
    accounts' key). An activity without an account of its own belongs to its contact's.
    """

    date: str
    event: str | None  # None when no cadence in use has a rule
    contact: str | None
    account: str | None

    @classmethod
    def of(cls, playbook: Playbook) -> ActivityColumns:
        """Raises :class:`ScheduleError` when the declaration leaves a rule's inputs unknown."""
        fields = playbook.fields.get(ACTIVITIES)
        if fields is None:
            raise ScheduleError(
                "the playbook declares no `activities`, so the activities file cannot be "
                f"read: declare what a row holds, {EXAMPLE}"
            )
        rules = rules_in_use(playbook)
        contact = _linked(fields, "contacts", playbook.key_field("contacts"))
        account = _linked(fields, "accounts", playbook.key_field("accounts"))
        if any(not r.account for _, r in rules) and contact is None:
            raise ScheduleError(
                f"`{rule_text(next(r for _, r in rules if not r.account))}` needs to know whom "
                "each activity is with, and `activities` do not say: declare the contact, "
                "e.g. `contact_id: text references contacts`"
            )
        if any(r.account for _, r in rules) and account is None and contact is None:
            raise ScheduleError(
                f"`{rule_text(next(r for _, r in rules if r.account))}` needs to know which "
                "account each activity is at, and `activities` do not say: declare it, e.g. "
                "`account_id: text references accounts`"
            )
        return cls(_date_field(fields), _event_field(fields, rules), contact, account)


def _linked(fields: dict[str, FieldInfo], dataset: str, key: FieldInfo | None) -> str | None:
    """The field that holds the key of ``dataset``: it says so, or it bears the key's name
    (the way contacts find their account, see :func:`abmdsl.engine.run.contact_link`)."""
    named = next((f.name for f in fields.values() if f.references == dataset), None)
    if named is None and key is not None and key.name in fields and not fields[key.name].key:
        named = key.name
    return named


def _date_field(fields: dict[str, FieldInfo]) -> str:
    dates = [f.name for f in fields.values() if f.type == "date"]
    if not dates:
        raise ScheduleError(
            "`activities` have no date field, so nothing says when a reply or a meeting "
            "happened: declare the day of each activity, e.g. `on: date`"
        )
    if len(dates) > 1:
        names = ", ".join(f"`{d}`" for d in dates)
        raise ScheduleError(
            f"`activities` have {len(dates)} date fields ({names}), and the stop and pause "
            "rules need the one day each activity happened: declare one date field, and "
            "keep the other days as text"
        )
    return dates[0]


def _event_field(fields: dict[str, FieldInfo], rules: list[tuple[str, StopRuleIR]]) -> str | None:
    if not rules:
        return None
    events = list(dict.fromkeys(r.event for _, r in rules))
    holders = [f for f in fields.values() if set(f.enum_values) & set(events)]
    words = " or ".join(f"`{e}`" for e in events)
    if not holders:
        raise ScheduleError(
            f"no enum field of `activities` has the value {words}, so the cadences' rules "
            "cannot tell what happened: declare the kind of each activity, e.g. "
            f"`type: enum(touch, {', '.join(events)})`"
        )
    if len(holders) > 1:
        names = " and ".join(f"`{f.name}`" for f in holders)
        raise ScheduleError(
            f"{names} of `activities` both hold {words}, so it is unclear which one says what "
            "happened: keep the event words in one enum field"
        )
    field = holders[0]
    for cadence, rule in rules:
        if rule.event not in field.enum_values:
            raise ScheduleError(
                f"`{field.name}` of `activities` has no value `{rule.event}`, so "
                f"`{rule_text(rule)}` of cadence `{cadence}` could never apply: add "
                f"`{rule.event}` to `{field.name}: enum(…)`"
            )
    return field.name


@dataclass(frozen=True)
class RuleCount:
    """The touches one rule of one cadence held back."""

    cadence: str
    rule: str  # as written: `stop on reply`
    account: bool  # the rule holds the whole account's touches
    status: str  # `stopped` or `paused`
    touches: int
    contacts: int
    accounts: int


def register_rules(con: duckdb.DuckDBPyConnection, playbook: Playbook) -> None:
    rules = rules_in_use(playbook)
    con.register(
        RULES,
        pa.table(
            {
                "cadence": pa.array([c for c, _ in rules], pa.string()),
                "ord": pa.array(range(len(rules)), pa.int32()),
                "mode": pa.array([r.mode for _, r in rules], pa.string()),
                "for_account": pa.array([r.account for _, r in rules], pa.bool_()),
                "event": pa.array([r.event for _, r in rules], pa.string()),
                "rule": pa.array([rule_text(r) for _, r in rules], pa.string()),
            }
        ),
    )


def mark(
    con: duckdb.DuckDBPyConnection, playbook: Playbook, columns: ActivityColumns
) -> tuple[pa.Table, list[RuleCount]]:
    """The dated touches with ``status`` and ``status_reason``, sorted as every output is,
    and the touches each rule held back (rules that held none are listed with 0)."""
    register_rules(con, playbook)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {MARKED} AS {_marked_sql(playbook, columns)}")
    touches = con.sql(
        f"SELECT * EXCLUDE (contact_row, status_rule, status_ord) FROM {MARKED} "
        f"ORDER BY {TOUCH_ORDER}"
    ).to_arrow_table()
    counts = con.sql(
        "SELECT r.cadence, r.rule, r.for_account, "
        "CASE r.mode WHEN 'stop' THEN 'stopped' ELSE 'paused' END, "
        "count(m.touch), count(DISTINCT (m.account, m.contact, m.contact_row)) "
        "FILTER (WHERE m.touch IS NOT NULL), "
        f"count(DISTINCT m.account) FROM {RULES} r LEFT JOIN {MARKED} m "
        "ON m.status_ord = r.ord GROUP BY ALL ORDER BY any_value(r.ord)"
    ).fetchall()
    return touches, [RuleCount(*row) for row in counts]


def _marked_sql(playbook: Playbook, columns: ActivityColumns) -> str:
    if columns.event is None:  # no rules: every touch stays planned
        return (
            f"SELECT *, 'planned' AS status, CAST(NULL AS VARCHAR) AS status_reason, "
            f"CAST(NULL AS VARCHAR) AS status_rule, CAST(NULL AS INTEGER) AS status_ord "
            f"FROM {DATED}"
        )
    touch = "account, contact, contact_row, cadence, touch"
    return (
        _events_sql(playbook, columns)
        + ", stop_first AS (SELECT * FROM stop_events QUALIFY row_number() OVER "
        "(PARTITION BY scope, whom, event ORDER BY on_date, who NULLS LAST, act_row) = 1), "
        "stop_hits AS ("
        + " UNION ALL ".join(
            "SELECT t.account, t.contact, t.contact_row, t.cadence, t.touch, r.ord, r.mode, "
            "r.rule, r.for_account, e.event, e.on_date, e.who "
            f"FROM {DATED} t JOIN {RULES} r ON r.cadence = t.cadence AND "
            f"{'' if account else 'NOT '}r.for_account "
            f"JOIN stop_first e ON e.scope = '{scope}' AND e.whom = t.{scope} "
            "AND e.event = r.event AND e.on_date < t.date"
            for scope, account in (("contact", False), ("account", True))
        )
        + "), stop_reason AS (SELECT * FROM stop_hits QUALIFY row_number() OVER "
        f"(PARTITION BY {touch} ORDER BY mode = 'pause', on_date, ord) = 1) "
        "SELECT t.*, CASE h.mode WHEN 'stop' THEN 'stopped' WHEN 'pause' THEN 'paused' "
        "ELSE 'planned' END AS status, "
        "h.event || CASE WHEN h.for_account THEN ' at ' || t.account || "
        "coalesce(' with ' || h.who, '') ELSE ' from ' || h.who END "
        "|| ' on ' || strftime(h.on_date, '%Y-%m-%d') AS status_reason, "
        "h.rule AS status_rule, h.ord AS status_ord "
        f"FROM {DATED} t LEFT JOIN stop_reason h USING ({touch})"
    )


def _events_sql(playbook: Playbook, columns: ActivityColumns) -> str:
    """``stop_events``: each activity of a rule's kind, as (scope, whom, event, day, who)."""
    assert columns.event is not None
    text = "CAST(a.{} AS VARCHAR)".format
    contact = text(ident(columns.contact)) if columns.contact else "CAST(NULL AS VARCHAR)"
    account = text(ident(columns.account)) if columns.account else "CAST(NULL AS VARCHAR)"
    people = ""
    link, key = contact_link(playbook), playbook.key_field("contacts")
    if columns.contact and link is not None and key is not None:
        # an activity that names a contact but no account is at the contact's account
        people = (
            f"LEFT JOIN (SELECT DISTINCT CAST({ident(key.name)} AS VARCHAR) AS id, "
            f"CAST({ident(link)} AS VARCHAR) AS account FROM {ident(CONTACTS)}) p "
            f"ON p.id = {contact} "
        )
        account = f"coalesce({account}, p.account)"
    return (
        f"WITH stop_acts AS (SELECT {text(ident(columns.event))} AS event, "
        f"a.{ident(columns.date)} AS on_date, {contact} AS who, {account} AS account, "
        f"a.__row AS act_row FROM {ident(ACTIVITIES)} a {people}"
        f"WHERE a.{ident(columns.date)} IS NOT NULL "
        f"AND {text(ident(columns.event))} IN (SELECT event FROM {RULES})), "
        "stop_events AS (SELECT 'contact' AS scope, who AS whom, event, on_date, who, act_row "
        "FROM stop_acts WHERE who IS NOT NULL UNION ALL "
        "SELECT 'account', account, event, on_date, who, act_row "
        "FROM stop_acts WHERE account IS NOT NULL)"
    )
