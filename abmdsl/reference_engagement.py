"""The reference evaluator of engagement scores: the executable definition of what an
``engagement`` block means (``docs/language/engagement.md``).

Input: a checked playbook's :class:`~abmdsl.ir.EngagementIR`, the rows of one group of accounts
(data set → rows, as :mod:`abmdsl.reference_kpis` takes them; each account row may carry its
``tier``), and the day ages are counted to. Output: each account's score, a six-place
``Decimal`` (0 for an account with nothing counted). Small and slow on purpose; the compiled
score (:mod:`abmdsl.evaluate.engagement`) must agree with it. Only :func:`weight`, the decay's
table of weights, is shared with it: SQL has no exact power, so it joins these values.

The rules:

* an activity **counts** when its type (the value of the type field) has points — the points of
  its type *by its channel* when the block gives them, else of its type — and, with ``within N
  days`` or a decay, when it is dated and its age (days from its date to the day, the day itself
  age 0) is at least 0 and, with ``within``, below N;
* its **value** is its points, times the decay's weight for its age (with ``decay R per week``:
  ``(1 − R)`` to the power of its whole weeks of age), then times each multiplier whose field
  holds the value (the activity's own field, or its contact's) — fields in the order each first
  appears in the block. Every product is rounded to six places half away from zero, as
  everywhere in the language;
* its **person** is its contact; an activity without a contact is the account's own, one
  "person" more. A person's score is the sum of the values of their activities;
* an account's score **rolls up** its persons' scores: ``sum`` (the default), ``max`` or
  ``average`` (the sum ÷ the number of persons, rounded to six places); nothing counted: 0;
* the account's **tier** multiplier applies last, to the rolled-up score;
* an activity belongs to the account its field that names accounts holds; when activities
  declare no such field, to its contact's account.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal, localcontext
from functools import cache

from .ir import EngagementIR, FieldInfo, MultiplierIR, Playbook
from .reference import PRECISION, Value, quantize

Rows = Sequence[Mapping[str, Value]]
Data = Mapping[str, Rows]
TIER = "tier"  # the key of an account row holding its tier


@cache
def weight(rate: Decimal, periods: int) -> Decimal:
    """The decay's weight after ``periods`` whole periods: ``(1 − rate) ** periods``, rounded.

    >>> weight(Decimal("0.1"), 2), weight(Decimal("0.5"), 30)
    (Decimal('0.810000'), Decimal('0.000000'))
    """
    with localcontext() as context:
        context.prec = PRECISION
        return quantize((1 - rate) ** periods)


def last_period(rate: Decimal, bound: int | None) -> int:
    """The last period whose weight is not 0 (at most ``bound``): every later one weighs 0."""
    last, k = 0, 1
    while (bound is None or k <= bound) and weight(rate, k) > 0:
        last, k = k, k + 1
    return last


def links(playbook: Playbook) -> tuple[str | None, str | None, str | None]:
    """(the activities' field naming their account, the one naming their contact, the contacts'
    field naming their account)."""
    fields = playbook.fields
    return (
        _linked(fields, "activities", "accounts"),
        _linked(fields, "activities", "contacts"),
        _linked(fields, "contacts", "accounts"),
    )


def _linked(fields: Mapping[str, Mapping[str, FieldInfo]], child: str, parent: str) -> str | None:
    own = fields.get(child, {})
    named = next((f.name for f in own.values() if f.references == parent), None)
    key = next((f.name for f in fields.get(parent, {}).values() if f.key), None)
    if named is None and key is not None and key in own and not own[key].key:
        named = key
    return named


def date_field(playbook: Playbook) -> str | None:
    dates = [f.name for f in playbook.fields.get("activities", {}).values() if f.type == "date"]
    return dates[0] if dates else None


def scores(
    playbook: Playbook,
    score: EngagementIR,
    data: Data,
    day: dt.date | None,
    dated_by: str | None = None,
) -> dict[Value, Decimal]:
    """Each account's score (by its key), for the accounts of ``data``.

    ``day`` is the day ages are counted to (the as-of date or the pilot's last day); a score
    with ``within`` or ``decay`` needs one. ``dated_by`` is the activities' date field (their
    one date field when not given).
    """
    key = playbook.key_field("accounts")
    assert key is not None, "checked playbooks key their accounts"
    account_of, contact_of, contact_account = links(playbook)
    contacts_key = playbook.key_field("contacts")
    contacts = {row.get(contacts_key.name): row for row in data.get("contacts", ()) if contacts_key}
    dated = score.within_days is not None or score.decay is not None
    dated_by = dated_by or date_field(playbook)
    if dated and (day is None or dated_by is None):
        raise ValueError(f"`{score.name}` counts activities by their age: it needs a day")
    by_person: dict[Value, dict[Value, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for activity in data.get("activities", ()):
        points = _points(score, activity)
        if points is None:
            continue
        value = points
        if dated:
            assert day is not None and dated_by is not None
            on = activity.get(dated_by)
            if not isinstance(on, dt.date):
                continue
            age = (day - on).days
            if age < 0 or (score.within_days is not None and age >= score.within_days):
                continue
            if score.decay is not None:
                value = _times(value, weight(score.decay, age // score.decay_days))
        person = activity.get(contact_of) if contact_of else None
        contact = contacts.get(person) if person is not None else None
        for multiplier in score.multipliers:
            row = activity if multiplier.source == "activities" else contact
            if multiplier.source != "tier" and row is not None and _holds(row, multiplier):
                value = _times(value, multiplier.factor)
        if account_of is not None:
            account = activity.get(account_of)
        else:
            account = contact.get(contact_account) if contact and contact_account else None
        if account is not None:
            by_person[account][person] += value
    out: dict[Value, Decimal] = {}
    for account in data.get("accounts", ()):
        persons = list(by_person.get(account.get(key.name), {}).values())
        total = _roll_up(score, persons)
        for multiplier in score.multipliers:
            if multiplier.source == "tier" and account.get(TIER) == multiplier.value:
                total = _times(total, multiplier.factor)
        out[account.get(key.name)] = total
    return out


def _points(score: EngagementIR, activity: Mapping[str, Value]) -> Decimal | None:
    if score.type_field is None:
        return None
    kind = activity.get(score.type_field)
    channel = activity.get(score.channel_field) if score.channel_field else None
    own = next((p for p in score.points if p.type == kind and p.channel is None), None)
    by_channel = next(
        (
            p
            for p in score.points
            if p.type == kind and p.channel is not None and p.channel == channel
        ),
        None,
    )
    found = by_channel or own
    return None if found is None else found.points


def _holds(row: Mapping[str, Value], multiplier: MultiplierIR) -> bool:
    value = row.get(multiplier.field)
    if isinstance(value, bool):
        return ("true" if value else "false") == multiplier.value
    return value == multiplier.value


def _times(value: Decimal, factor: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = PRECISION
        return quantize(value * factor)


def _roll_up(score: EngagementIR, persons: list[Decimal]) -> Decimal:
    if not persons:
        return quantize(Decimal(0))
    with localcontext() as context:
        context.prec = PRECISION
        if score.roll_up == "max":
            return quantize(max(persons))
        if score.roll_up == "average":
            return quantize(sum(persons, Decimal(0)) / len(persons))
        return quantize(sum(persons, Decimal(0)))
