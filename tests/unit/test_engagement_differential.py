"""One semantics for engagement scores: the compiled SQL on DuckDB agrees with the reference.

Generated accounts (with their tier), contacts and activities — missing types, channels,
levels and contacts, activities of unknown accounts, dates before and after the day, on both
sides of the window — scored and measured both ways, for the programme and a control group.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abmdsl.api import compile_text
from abmdsl.engine.run import run_playbook
from abmdsl.evaluate import EvaluateError, evaluate_playbook
from abmdsl.evaluate.compile import KpiCompiler, Output
from abmdsl.evaluate.engagement import scored_accounts
from abmdsl.ir import Playbook
from abmdsl.reference_engagement import last_period, scores, weight
from abmdsl.reference_kpis import measure

DAY = dt.date(2027, 3, 31)

PLAYBOOK = """abm 1
playbook "Engagement" {
  start 2027-01-01
  horizon 90 days
  currency USD
}

accounts {
  key account_id: text
  size: int 0..5 optional
}

contacts {
  key contact_id: text
  account_id: text references accounts
  role: enum(champion, buyer, user) optional
  decides: bool optional
}

activities {
  key activity_id: text
  account_id: text optional references accounts
  contact_id: text optional references contacts
  type: enum(touch, reply, meeting, discussion)
  level: enum(c_level, c_minus_1) optional
  channel: enum(email, call, gift) optional
  on: date optional
}

tier tailored when size >= 3
tier bulk otherwise

engagement attention "Account engagement" {
  reply 5 points
  meeting 10 points
  discussion 20.5 points
  reply by gift 7 points
  level c_level x2
  role champion x1.5
  level c_minus_1 x0.333333
  tier tailored x1.25
  within 30 days
  decay 10% per week
  roll up max
}

engagement breadth {
  touch 1 point
  reply 3 points
  decides true x3
  role buyer x0.5
  roll up average
}

engagement daily {
  meeting 2 points
  meeting by call 1.5 points
  decay 3% per day
}

kpi mean_attention = avg(accounts.attention)
kpi engaged = share(accounts where attention >= 10)
  target >= 30%
kpi total_breadth = sum(accounts.breadth)
kpi middle = median(accounts: attention + daily)
kpi lift = mean_attention - (avg(accounts.attention) of control)
kpi busy = count(accounts where count(activities where attention > 5) >= 1)
kpi high = latest(accounts.daily)

verdict pass when engaged
"""

_TYPES = {
    "accounts": {"account_id": "VARCHAR", "size": "BIGINT", "tier": "VARCHAR"},
    "contacts": {
        "contact_id": "VARCHAR",
        "account_id": "VARCHAR",
        "role": "VARCHAR",
        "decides": "BOOLEAN",
    },
    "activities": {
        "activity_id": "VARCHAR",
        "account_id": "VARCHAR",
        "contact_id": "VARCHAR",
        "type": "VARCHAR",
        "level": "VARCHAR",
        "channel": "VARCHAR",
        "on": "DATE",
    },
}


def _or_none(values: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from([*values, None])


@st.composite
def data(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    accounts = [
        {
            "account_id": f"A-{n}",
            "size": draw(st.one_of(st.none(), st.integers(0, 5).map(Decimal))),
            "tier": draw(_or_none(["tailored", "bulk"])),
        }
        for n in range(draw(st.integers(0, 4)))
    ]
    account_ids = _or_none([a["account_id"] for a in accounts] + ["A-99"])
    contacts = [
        {
            "contact_id": f"C-{n}",
            "account_id": draw(account_ids),
            "role": draw(_or_none(["champion", "buyer", "user"])),
            "decides": draw(st.sampled_from([True, False, None])),
        }
        for n in range(draw(st.integers(0, 5)))
    ]
    contact_ids = _or_none([c["contact_id"] for c in contacts] + ["C-99"])
    activities = [
        {
            "activity_id": f"X-{n}",
            "account_id": draw(account_ids),
            "contact_id": draw(contact_ids),
            "type": draw(_or_none(["touch", "reply", "meeting", "discussion"])),
            "level": draw(_or_none(["c_level", "c_minus_1"])),
            "channel": draw(_or_none(["email", "call", "gift"])),
            "on": draw(
                st.one_of(st.none(), st.integers(-3, 120).map(lambda d: DAY - dt.timedelta(days=d)))
            ),
        }
        for n in range(draw(st.integers(0, 14)))
    ]
    return {"accounts": accounts, "contacts": contacts, "activities": activities}


def _playbook() -> Playbook:
    compiled = compile_text(PLAYBOOK, "engagement.abm")
    assert compiled.playbook is not None, compiled.diagnostics
    return compiled.playbook


PLAYBOOK_IR = _playbook()
QUERY = KpiCompiler(
    PLAYBOOK_IR, lambda dataset, group: f"t_{dataset}_{group}", day=DAY, date_field="on"
).compile()
SCORES = scored_accounts(
    PLAYBOOK_IR,
    list(PLAYBOOK_IR.engagements),
    "t_accounts_programme",
    "t_activities_programme",
    "t_contacts_programme",
    DAY,
    "on",
).sql("duckdb")


def _connect(groups: dict[str, dict[str, list[dict[str, Any]]]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for group, data_of_group in groups.items():
        for dataset, types in _TYPES.items():
            columns = ", ".join(f'"{name}" {kind}' for name, kind in types.items())
            con.execute(f"CREATE TABLE t_{dataset}_{group} ({columns})")
            if data_of_group[dataset]:
                marks = ", ".join("?" for _ in types)
                con.executemany(
                    f"INSERT INTO t_{dataset}_{group} VALUES ({marks})",
                    [[row[name] for name in types] for row in data_of_group[dataset]],
                )
    return con


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data(), data())
def test_compiled_scores_and_kpis_agree_with_the_reference(
    rows: dict[str, list[dict[str, Any]]], control: dict[str, list[dict[str, Any]]]
) -> None:
    con = _connect({"programme": rows, "control": control})
    got = con.sql(SCORES).fetchall()
    names = list(PLAYBOOK_IR.engagements)
    expected = {n: scores(PLAYBOOK_IR, PLAYBOOK_IR.engagements[n], rows, DAY) for n in names}
    width = len(_TYPES["accounts"])
    for row in got:
        for n, value in zip(names, row[width:], strict=True):
            assert value == expected[n][row[0]], (n, row[0])
    (values,) = con.sql(QUERY.query.sql("duckdb")).fetchall()
    measured = dict(zip(QUERY.outputs, values, strict=True))
    reference = measure(PLAYBOOK_IR, rows, {"control": control}, day=DAY)
    for name, value in reference.kpis.items():
        assert measured[Output("value", name)] == value, name


def test_a_decay_weight_is_rounded_half_away_from_zero() -> None:
    assert weight(Decimal("0.1"), 3) == Decimal("0.729000")
    assert weight(Decimal("0.5"), 20) == Decimal("0.000001")  # 0.00000095…
    assert weight(Decimal("0.5"), 21) == Decimal("0.000000")
    assert last_period(Decimal("0.5"), None) == 20
    assert last_period(Decimal("0.5"), 4) == 4


def test_one_account_by_hand() -> None:
    """Points × decay × multipliers, the best person, then the tier."""
    rows = {
        "accounts": [{"account_id": "A-1", "size": Decimal(4), "tier": "tailored"}],
        "contacts": [
            {"contact_id": "C-1", "account_id": "A-1", "role": "champion", "decides": None}
        ],
        "activities": [
            # 10 points, c_level x2, champion x1.5, 8 days old: one week, weight 0.9 → 27
            {
                "activity_id": "X-1",
                "account_id": "A-1",
                "contact_id": "C-1",
                "type": "meeting",
                "level": "c_level",
                "channel": None,
                "on": DAY - dt.timedelta(days=8),
            },
            # to the account itself: a gift reply, 7 points, today: 7
            {
                "activity_id": "X-2",
                "account_id": "A-1",
                "contact_id": None,
                "type": "reply",
                "level": None,
                "channel": "gift",
                "on": DAY,
            },
            # 30 days old: outside `within 30 days`
            {
                "activity_id": "X-3",
                "account_id": "A-1",
                "contact_id": None,
                "type": "discussion",
                "level": None,
                "channel": None,
                "on": DAY - dt.timedelta(days=30),
            },
        ],
    }
    expected = Decimal("33.750000")  # max(27, 7) × 1.25
    assert scores(PLAYBOOK_IR, PLAYBOOK_IR.engagements["attention"], rows, DAY) == {"A-1": expected}
    con = _connect({"programme": rows})
    (row,) = con.sql(SCORES).fetchall()
    assert row[3] == expected


@pytest.mark.parametrize("strategy", ["sum", "max", "average"])
def test_every_roll_up_compiles(strategy: str) -> None:
    text = PLAYBOOK.replace("roll up max", f"roll up {strategy}")
    compiled = compile_text(text, "engagement.abm")
    assert compiled.playbook is not None
    assert compiled.playbook.engagements["attention"].roll_up == strategy


ROUND_TRIP = """playbook "Attention" {
  start 2027-01-11
  horizon 90 days
  currency USD
}

accounts {
  key account_id: text
  fit: int 0..5
}

activities {
  key activity_id: text
  account_id: text references accounts
  type: enum(touch, reply, discussion)
  on: date
}

tier pilot when fit >= 3
tier rest otherwise

engagement attention {
  reply 5 points
  discussion 20 points
  within 60 days
}

kpi attentive = share(accounts where attention >= 20)
  target >= 50%

verdict pass when attentive
"""

NEXT_QUARTER = """playbook "Next quarter" {
  horizon 90 days
  currency USD
}

accounts {
  key account_id: text
  fit: int 0..5
  prior_attention: number optional
}

tier warm when prior_attention >= 20
tier cold otherwise
"""


def test_scores_written_by_evaluate_tier_a_later_run(tmp_path: Path) -> None:
    """`abm evaluate --scores` → the score joined into the accounts → a tier rule reads it."""
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,fit\nP-1,5\nP-2,4\nB-1,1\n")
    activities = tmp_path / "activities.csv"
    activities.write_text(
        "activity_id,account_id,type,on\n"
        "E-1,P-1,discussion,2027-04-01\n"
        "E-2,P-2,reply,2027-04-01\n"
        "E-3,B-1,discussion,2027-01-12\n"  # older than 60 days at the pilot's last day
    )
    compiled = compile_text(ROUND_TRIP, "pilot.abm")
    assert compiled.playbook is not None, compiled.diagnostics
    out = tmp_path / "scores.csv"
    card = evaluate_playbook(compiled.playbook, compiled.sources, accounts, activities, scores=out)
    assert card.passed
    with out.open(newline="") as stream:
        written = {r["account_id"]: r for r in csv.DictReader(stream)}
    assert {k: (r["tier"], r["group"], r["attention"]) for k, r in written.items()} == {
        "B-1": ("rest", "outside", "0"),
        "P-1": ("pilot", "programme", "20"),
        "P-2": ("pilot", "programme", "5"),
    }
    joined = tmp_path / "next.csv"
    joined.write_text(
        "account_id,fit,prior_attention\n"
        + "".join(f"{k},{r['fit']},{written[k]['attention']}\n" for k, r in _rows(accounts))
    )
    later = compile_text(NEXT_QUARTER, "next.abm")
    assert later.playbook is not None, later.diagnostics
    tiers = run_playbook(later.playbook, later.sources, joined).table.to_pylist()
    assert {r["account_id"]: r["tier"] for r in tiers} == {
        "P-1": "warm",
        "P-2": "cold",
        "B-1": "cold",
    }


def _rows(path: Path) -> list[tuple[str, dict[str, str]]]:
    with path.open(newline="") as stream:
        return [(r["account_id"], r) for r in csv.DictReader(stream)]


def test_without_a_start_the_as_of_date_is_the_day(tmp_path: Path) -> None:
    """A pilot with no `start` counts ages to `--as-of` (and is refused without one)."""
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,fit\nP-1,5\nP-2,4\n")
    activities = tmp_path / "activities.csv"
    activities.write_text("activity_id,account_id,type,on\nE-1,P-1,discussion,2027-04-01\n")
    compiled = compile_text(ROUND_TRIP.replace("  start 2027-01-11\n", ""), "pilot.abm")
    assert compiled.playbook is not None, compiled.diagnostics
    pb, sources = compiled.playbook, compiled.sources
    assert evaluate_playbook(pb, sources, accounts, activities, as_of=dt.date(2027, 4, 2)).passed
    # 60 days later the discussion is out of the window: nobody is engaged any more.
    later = evaluate_playbook(pb, sources, accounts, activities, as_of=dt.date(2027, 5, 31))
    assert not later.passed
    with pytest.raises(EvaluateError, match="pass --as-of"):
        evaluate_playbook(pb, sources, accounts, activities)
