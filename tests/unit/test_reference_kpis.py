"""The reference evaluator of KPIs: each rule of docs/language/kpis.md, on hand-computed data."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from pathlib import Path

import pytest

from abmdsl.api import compile_text
from abmdsl.ir import Playbook
from abmdsl.reference import EvalError, Value
from abmdsl.reference_kpis import Measures, judge, measure, passed, verdict

ROOT = Path(__file__).resolve().parents[2]
HEADER = 'playbook "Test" {\n  horizon 90 days\n  currency USD\n}\n'
DATASETS = """
accounts {
  key account_id: text
  employees: int 0..100000 optional
  industry: enum(pharma, retail, mining)
  delta: number optional
}

contacts {
  key contact_id: text
  account_id: text references accounts
  level: enum(c_level, c_minus_1)
}

activities {
  key activity_id: text
  account_id: text references accounts
  contact_id: text optional references contacts
  type: enum(touch, reply, meeting, contract)
  level: enum(c_level, c_minus_1) optional
  cost: money optional
  took: duration optional
  on: date optional
}
"""

D = Decimal


def account(key: str, employees: int | None, industry: str) -> dict[str, Value]:
    return {
        "account_id": key,
        "employees": None if employees is None else D(employees),
        "industry": industry,
    }


def contact(key: str, account_id: str, level: str) -> dict[str, Value]:
    return {"contact_id": key, "account_id": account_id, "level": level}


def activity(
    key: str, account_id: str, contact_id: str | None, type_: str, cost: str | None, **more: Value
) -> dict[str, Value]:
    row: dict[str, Value] = {
        "activity_id": key,
        "account_id": account_id,
        "contact_id": contact_id,
        "type": type_,
        "cost": None if cost is None else D(cost),
    }
    return row | more


# A1 (pharma, 100 people) has contacts C1 (c_level) and C2; A2 (retail, 250) has C3 (c_level);
# A3 (pharma, size unknown) has no contacts. Costs: touches 10.5, 20, 3 and one missing; a reply
# with no cost; meetings 7 and 20.00 (the same value as 20).
DATA: dict[str, list[dict[str, Value]]] = {
    "accounts": [
        account("A1", 100, "pharma"),
        account("A2", 250, "retail"),
        account("A3", None, "pharma"),
    ],
    "contacts": [
        contact("C1", "A1", "c_level"),
        contact("C2", "A1", "c_minus_1"),
        contact("C3", "A2", "c_level"),
    ],
    "activities": [
        activity("X1", "A1", "C1", "touch", "10.5", level="c_level"),
        activity("X2", "A1", "C2", "touch", "20"),
        activity("X3", "A1", "C1", "reply", None),
        activity("X4", "A2", "C3", "touch", "3", level="c_minus_1"),
        activity("X5", "A2", None, "meeting", "7"),
        activity("X6", "A3", None, "touch", None),
        activity("X7", "A2", "C3", "meeting", "20.00"),
    ],
}


def compiled(body: str, datasets: str = DATASETS) -> Playbook:
    result = compile_text(HEADER + datasets + body)
    assert result.ok, [d for d in result.diagnostics if d.severity.value == "error"]
    assert result.playbook is not None
    return result.playbook


def kpi_value(expr: str, data: dict[str, list[dict[str, Value]]] | None = None) -> Value:
    measures = measure(compiled(f"kpi k = {expr}\n"), DATA if data is None else data)
    return measures.kpis["k"]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # count: rows whose condition is true; a missing condition does not count.
        ("count(accounts)", D(3)),
        ("count(activities)", D(7)),
        ('count(activities where type = "touch")', D(4)),
        ("count(accounts where employees > 150)", D(1)),  # A2; A3's is missing
        ("count(accounts where not (employees > 150))", D(1)),  # A1; not missing is missing
        ("count(accounts where employees is missing)", D(1)),  # A3
        ('count(activities where type = "contract")', D(0)),
        # sum: of the values present; 0 over no rows and over missing values only.
        ("sum(activities.cost)", D("60.5")),  # 10.5 + 20 + 3 + 7 + 20
        ('sum(activities.cost where type = "touch")', D("33.5")),
        ('sum(activities.cost where type = "contract")', D(0)),
        ('sum(activities.cost where type = "reply")', D(0)),
        ("sum(accounts.employees)", D(350)),
        # avg: the exact sum ÷ the number of values present, rounded like a quotient.
        ("avg(activities.cost)", D("12.1")),  # 60.5 / 5
        ('avg(activities.cost where type = "touch")', D("11.166667")),  # 33.5 / 3
        ("avg(accounts.employees)", D(175)),  # A3 is skipped, not a zero
        ('avg(activities.cost where type = "reply")', None),
        ('avg(activities.cost where type = "contract")', None),
        # median: the middle value, or the mean of the two middle ones.
        ("median(activities.cost)", D("10.5")),  # 3, 7, [10.5], 20, 20
        ('median(activities.cost where type = "meeting")', D("13.5")),  # (7 + 20) / 2
        ('median(activities.cost where type = "reply")', None),
        # share: true rows ÷ all rows, a fraction.
        ('share(accounts where industry = "pharma")', D("0.666667")),  # 2 / 3
        ("share(accounts where employees > 150)", D("0.333333")),  # missing is not counted
        ('share(accounts where industry = "mining")', D(0)),
        ("share(accounts)", D(1)),
        # distinct: different values present, compared by value (20 = 20.00).
        ("distinct(activities.cost)", D(4)),  # 10.5, 20, 3, 7
        ("distinct(activities.contact_id)", D(3)),  # C1, C2, C3; missing skipped
        ('distinct(activities.account_id where type = "meeting")', D(1)),  # A2
        ('distinct(activities.cost where type = "reply")', D(0)),
        # Arithmetic on aggregates is reference.py's: division by zero is missing.
        ('sum(activities.cost) / count(activities where type = "contract")', None),
        ('coalesce(sum(activities.cost) / count(activities where type = "contract"), 0 USD)', D(0)),
        ("count(contacts) / count(accounts)", D(1)),
    ],
)
def test_aggregates(expr: str, expected: Value) -> None:
    assert kpi_value(expr) == expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # Activities per account: A1 has 2 touches, A2 and A3 one each.
        ('share(accounts where count(activities where type = "touch") >= 2)', D("0.333333")),
        ("count(accounts where count(contacts) = 0)", D(1)),  # A3
        # A1: 10.5 + 20 = 30.5; A2: 3 + 7 + 20 = 30; A3: nothing, so 0.
        ("count(accounts where sum(activities.cost) > 20 USD)", D(2)),
        ("count(accounts where avg(activities.cost) is missing)", D(1)),  # A3: no cost at all
        ("count(accounts where distinct(activities.contact_id) = 2)", D(1)),  # A1: C1, C2
        # The other way round: the contact an activity belongs to. X1, X3 (C1), X4, X7 (C3).
        ('count(activities where count(contacts where level = "c_level") >= 1)', D(4)),
        ('count(contacts where count(accounts where industry = "pharma") = 1)', D(2)),
        # A name of the outer row: touches of accounts with more than 150 people (A2's X4).
        (
            'count(accounts where count(activities where type = "touch" and employees > 150) >= 1)',
            D(1),
        ),
        # The inner row's field wins: X1 is the only activity whose own level is c_level
        # (by their contacts' level, C1 and C3 would both count).
        ('count(contacts where count(activities where level = "c_level") >= 1)', D(1)),
        # Three levels: A1's two contacts each have a touch; A2's one; A3 has no contacts.
        (
            'count(accounts where count(contacts where count(activities where type = "touch")'
            " >= 1) >= 2)",
            D(1),
        ),
        # A name two levels out: the account's industry, inside activities inside contacts.
        (
            "count(accounts where count(contacts where count(activities where "
            'industry = "pharma") >= 1) >= 1)',
            D(1),
        ),
        # Over the same data set an inner aggregate ranges over all rows: the average is 12.1.
        ("count(activities where cost > avg(activities.cost))", D(2)),  # X2, X7
        ("count(accounts where employees >= max(avg(accounts.employees), 0))", D(1)),  # A2
    ],
)
def test_nested_aggregates(expr: str, expected: Value) -> None:
    assert kpi_value(expr) == expected


def test_the_contacts_of_an_account_are_found_through_the_key_field_name() -> None:
    # No `references`: a field named like the accounts' key links them (as check/links.py says).
    datasets = DATASETS.replace("account_id: text references accounts", "account_id: text")
    playbook = compiled("kpi k = count(accounts where count(contacts) >= 2)\n", datasets)
    assert measure(playbook, DATA).kpis["k"] == D(1)  # A1


def test_a_missing_link_links_to_nothing() -> None:
    # X5 and X6 have no contact: they belong to no contact, and no contact to them.
    assert kpi_value("count(activities where count(contacts) = 0)") == D(2)
    # X5 (A2's meeting with no contact) is nobody's: only C3 has a meeting, X7.
    assert kpi_value('count(contacts where count(activities where type = "meeting") >= 1)') == D(1)


def test_no_rows_at_all() -> None:
    empty: dict[str, list[dict[str, Value]]] = {"accounts": [], "activities": []}
    # contacts are not given at all: a declared data set with no rows.
    assert kpi_value("count(contacts)", empty) == D(0)
    assert kpi_value("sum(activities.cost)", empty) == D(0)
    assert kpi_value("distinct(activities.contact_id)", empty) == D(0)
    assert kpi_value("avg(activities.cost)", empty) is None
    assert kpi_value("median(activities.cost)", empty) is None
    assert kpi_value('share(contacts where level = "c_level")', empty) is None
    assert kpi_value("share(accounts)", empty) is None
    assert kpi_value("count(accounts where count(activities) = 0)", empty) == D(0)


def test_a_field_a_row_lacks_is_missing() -> None:
    data = {"accounts": [{"account_id": "A1", "industry": "pharma"}]}
    assert kpi_value("count(accounts where employees is missing)", data) == D(1)
    assert kpi_value("sum(accounts.employees)", data) == D(0)


def test_average_and_median_round_half_away_from_zero() -> None:
    def deltas(*values: str) -> dict[str, list[dict[str, Value]]]:
        rows = [account(f"A{i}", 1, "pharma") | {"delta": D(v)} for i, v in enumerate(values)]
        return {"accounts": rows}

    # 0.0000025 rounds up to 0.000003 (banker's rounding would give 0.000002) ...
    assert kpi_value("avg(accounts.delta)", deltas("0.000002", "0.000003")) == D("0.000003")
    assert kpi_value("median(accounts.delta)", deltas("0.000002", "0.000003")) == D("0.000003")
    # ... and -0.0000025 down to -0.000003.
    negative = deltas("-0.000002", "-0.000003")
    assert kpi_value("avg(accounts.delta)", negative) == D("-0.000003")
    assert kpi_value("median(accounts.delta)", negative) == D("-0.000003")
    # 2 / 3 is 0.666667, as the quotient 2 / 3 is.
    assert kpi_value("avg(accounts.delta)", deltas("1", "1", "0")) == D("0.666667")
    assert kpi_value("avg(accounts.delta)", deltas("1", "1", "0")) == kpi_value("2 / 3")
    assert kpi_value("median(accounts.delta)", deltas("5", "-1", "2")) == D(2)  # odd: the middle


def test_results_are_six_place_decimals() -> None:
    value = kpi_value("count(accounts)")
    assert isinstance(value, Decimal) and value.as_tuple().exponent == -6
    assert str(kpi_value("avg(activities.cost)")) == "12.100000"


def test_durations_and_dates() -> None:
    data = {
        "activities": [
            activity("X1", "A1", None, "touch", None, took=D("0.5"), on=dt.date(2027, 1, 11)),
            activity("X2", "A1", None, "touch", None, took=D(1), on=dt.date(2027, 2, 1)),
        ]
    }
    assert kpi_value("sum(activities.took)", data) == D("1.5")  # days
    assert kpi_value("count(activities where took > 6 h)", data) == D(2)
    assert kpi_value("count(activities where on >= 2027-02-01)", data) == D(1)
    assert kpi_value("distinct(activities.on)", data) == D(2)


def test_an_overflowing_sum_is_an_error() -> None:
    data = {"activities": [activity(f"X{i}", "A1", None, "touch", "1E25") for i in range(10)]}
    with pytest.raises(EvalError, match="overflow"):
        kpi_value("sum(activities.cost)", data)


def test_kpis_and_baselines_use_each_other_in_any_order() -> None:
    playbook = compiled(
        """
kpi per_account = touches / accounts_count
kpi touches = count(activities where type = "touch")
kpi accounts_count = count(accounts)
baseline doubled = touches * 2
kpi over_limit = count(activities where cost > limit)
baseline limit = 15 USD
kpi about_doubled = count(activities where doubled = 8 and type = "meeting")
"""
    )
    measures = measure(playbook, DATA)
    assert measures.kpis == {
        "per_account": D("1.333333"),  # 4 / 3
        "touches": D(4),
        "accounts_count": D(3),
        "over_limit": D(2),  # X2 and X7 cost 20
        "about_doubled": D(2),  # a baseline inside a where: X5 and X7
    }
    order = ["per_account", "touches", "accounts_count", "over_limit", "about_doubled"]
    assert list(measures.kpis) == order
    assert measures.baselines == {"doubled": D(8), "limit": D(15)}


def test_a_field_shadows_a_baseline_of_the_same_name() -> None:
    playbook = compiled("baseline cost = 100 USD\nkpi k = count(activities where cost > 5 USD)\n")
    assert measure(playbook, DATA).kpis["k"] == D(4)  # 10.5, 20, 7, 20: the field, not 100


def test_a_long_chain_of_kpis_needs_no_deep_recursion() -> None:
    # Written last-first, so evaluating on demand alone would nest 600 definitions deep.
    count = 600
    lines = [f"kpi k{i} = k{i - 1} + 1" for i in range(count - 1, 0, -1)]
    playbook = compiled("\n".join([*lines, "kpi k0 = count(accounts)", ""]))
    assert measure(playbook, DATA).kpis[f"k{count - 1}"] == D(count - 1 + 3)


def test_targets_ranges_and_warn_levels() -> None:
    playbook = compiled(
        """
baseline floor_level = 2
kpi touches = count(activities where type = "touch")
  target >= floor_level * 3
  warn >= floor_level + count(contacts) / 9
kpi touches_per_account = touches / count(accounts)
  target in 1..2
kpi meeting_cost = avg(activities.cost where type = "meeting")
  target <= count(accounts) * 5 USD
kpi no_target = count(accounts)
"""
    )
    measures = measure(playbook, DATA)
    assert measures.targets == {"touches": D(6), "meeting_cost": D(15)}
    assert measures.ranges == {"touches_per_account": (D(1), D(2))}
    assert measures.warns == {"touches": D("2.333333")}  # 2 + 3 / 9
    # 4 touches: below 6, above 2.333333; 1.333333 in 1..2; 13.5 USD <= 15 USD.
    outcomes = judge(playbook, measures)
    assert outcomes == {"touches": "warn", "touches_per_account": "pass", "meeting_cost": "pass"}
    assert passed(outcomes) == {"touches": False, "touches_per_account": True, "meeting_cost": True}


def test_judging_is_three_valued() -> None:
    playbook = compiled(
        """
baseline unknown = avg(accounts.employees where employees > 1000)
kpi no_data = avg(activities.cost where type = "contract")
  target >= 1 USD
kpi against_unknown = count(accounts)
  target >= unknown
kpi range_end = count(accounts)
  target in 1..3
kpi below_warn = count(accounts)
  target >= 10
  warn >= 5
kpi unknown_warn = count(accounts)
  target >= 10
  warn >= count(accounts) * unknown
"""
    )
    measures = measure(playbook, DATA)
    assert measures.baselines["unknown"] is None
    assert measures.warns["unknown_warn"] is None
    assert judge(playbook, measures) == {
        "no_data": None,  # the KPI is missing: no data
        "against_unknown": None,  # the comparison with a missing target is missing
        "range_end": "pass",  # both ends are included
        "below_warn": "fail",
        "unknown_warn": "fail",  # only a true comparison warns
    }


# The seed's five KPIs. Four accounts; activities (account, type, level, cost):
#   t1 A1 touch 10 · t2 A2 touch 30 · t3 A3 touch (no cost)
#   d1 A1 discussion c_level · d2 A2 discussion c_minus_1 · d3 A2 discussion (no level)
#   o1 A1 opportunity 500 · o2 A2 opportunity (no cost) · o3 A1 opportunity 60
#   i1 A1 tender_invitation · i2 A3 tender_invitation 100
# tender_invitations = 2 (target >= 4 fails, warn >= 2 warns);
# engagement = accounts with a c_level discussion ÷ accounts = 1 / 4 = 0.25 (A1; d3's level is
#   missing, so it is no c_level discussion): below 30%, warns at >= 20%;
# cost_per_opportunity = (10 + 30 + 500 + 60 + 100) / 3 = 700 / 3 = 233.333333 USD <= 1500: passes;
# cadence_conversion = distinct accounts with a discussion {A1, A2} ÷ with a touch {A1, A2, A3}
#   = 2 / 3 = 0.666667 >= 5%: passes;
# pipeline = 3 opportunities, target >= 6: fails.
# Verdict: tender_invitations and engagement and (…) = false and false and true = false.
@functools.cache
def seed() -> Playbook:
    result = compile_text((ROOT / "playbooks" / "pharma_pilot.abm").read_text(encoding="utf-8"))
    assert result.ok and result.playbook is not None
    return result.playbook


def seed_activity(key: str, account_id: str, type_: str, **more: Value) -> dict[str, Value]:
    return {"activity_id": key, "account_id": account_id, "type": type_, **more}


SEED_DATA: dict[str, list[dict[str, Value]]] = {
    "accounts": [{"account_id": f"A{i}"} for i in range(1, 5)],
    "activities": [
        seed_activity("t1", "A1", "touch", cost=D(10)),
        seed_activity("t2", "A2", "touch", cost=D(30)),
        seed_activity("t3", "A3", "touch"),
        seed_activity("d1", "A1", "discussion", level="c_level"),
        seed_activity("d2", "A2", "discussion", level="c_minus_1"),
        seed_activity("d3", "A2", "discussion", level=None),
        seed_activity("o1", "A1", "opportunity", cost=D(500)),
        seed_activity("o2", "A2", "opportunity"),
        seed_activity("o3", "A1", "opportunity", cost=D(60)),
        seed_activity("i1", "A1", "tender_invitation"),
        seed_activity("i2", "A3", "tender_invitation", cost=D(100)),
    ],
}


def test_the_seed_kpis() -> None:
    playbook = seed()
    measures = measure(playbook, SEED_DATA)
    assert measures == Measures(
        kpis={
            "tender_invitations": D(2),
            "engagement": D("0.25"),
            "cost_per_opportunity": D("233.333333"),
            "cadence_conversion": D("0.666667"),
            "pipeline": D(3),
        },
        baselines={"inbound_cost_per_opportunity": D(1500), "traditional_conversion": D("0.05")},
        targets={
            "tender_invitations": D(4),
            "engagement": D("0.3"),
            "cost_per_opportunity": D(1500),
            "cadence_conversion": D("0.05"),
            "pipeline": D(6),
        },
        ranges={},
        warns={"tender_invitations": D(2), "engagement": D("0.2")},
    )
    outcomes = judge(playbook, measures)
    assert outcomes == {
        "tender_invitations": "warn",
        "engagement": "warn",
        "cost_per_opportunity": "pass",
        "cadence_conversion": "pass",
        "pipeline": "fail",
    }
    assert verdict(playbook, passed(outcomes)) is False


def test_the_seed_with_no_opportunities_has_no_cost_per_opportunity() -> None:
    playbook = seed()
    data = {
        "accounts": SEED_DATA["accounts"],
        "activities": [a for a in SEED_DATA["activities"] if a["type"] != "opportunity"],
    }
    measures = measure(playbook, data)
    assert measures.kpis["cost_per_opportunity"] is None
    assert measures.kpis["pipeline"] == D(0)
    assert judge(playbook, measures)["cost_per_opportunity"] is None


@pytest.mark.parametrize(
    ("tender", "engagement", "cost", "conversion", "expected"),
    [
        (True, True, True, False, True),
        (True, True, None, True, True),  # `or`: one passed is enough
        (True, True, None, False, None),
        (True, True, None, None, None),
        (False, None, None, None, False),  # `and`: one failed is enough
        (True, None, True, True, None),
        (True, True, False, False, False),
    ],
)
def test_the_verdict_is_three_valued(
    tender: bool | None,
    engagement: bool | None,
    cost: bool | None,
    conversion: bool | None,
    expected: bool | None,
) -> None:
    kpis = {
        "tender_invitations": tender,
        "engagement": engagement,
        "cost_per_opportunity": cost,
        "cadence_conversion": conversion,
    }
    assert verdict(seed(), kpis) is expected


def test_a_kpi_left_out_of_the_verdicts_input_has_no_data() -> None:
    assert verdict(seed(), {"tender_invitations": True, "engagement": True}) is None


def test_no_verdict() -> None:
    assert verdict(compiled("kpi k = count(accounts)\n  target >= 1\n"), {"k": True}) is None


def test_verdict_with_not() -> None:
    playbook = compiled("kpi k = count(accounts)\n  target >= 1\nverdict pass when not k\n")
    assert [verdict(playbook, {"k": v}) for v in (True, False, None)] == [False, True, None]
