"""Cadence expansion on small hand-made data: counts, dates, gaps, the holdout."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from abmdsl.api import compile_file
from abmdsl.schedule import ScheduleError, build_schedule, count_workload
from abmdsl.schedule.build import Schedule

D = dt.date

WARMUP = """
cadence warm "Classic warming cadence" over 10 business days {
  touch 1 on day 1: gift to c_level "Grabber" by marketing_assistant
  touch 2 on day 1: email to c_minus_1 "Intro" refers to touch 1 by bdr
  touch 3 on day 3: email to c_level refers to touch 1 by bdr
  touch 4 on day 4: linkedin to c_minus_1 refers to touch 1 by bdr
  touch 5 on day 5: call to c_level refers to touch 1 by bdr
  touch 6 on day 7: email to c_minus_1 "Call to action" refers to touch 1 by bdr
  touch 7 on day 8: gift to c_minus_1 "Gift for deputies" refers to touch 1 by marketing_assistant
  touch 8 on day 10: call to c_level, c_minus_1 refers to touch 1 by bdr
  stop on reply
}
"""

PLAYBOOK = """
playbook "Test pilot" {{
  start 2027-01-11
  horizon 90 days
  calendar RU
}}
accounts {{
  key account_id: text
  size: int 0..10
}}
contacts {{
  key contact_id: text
  account_id: text references accounts
  level: enum(c_level, c_minus_1)
  role: enum(decision_maker, influencer) optional
}}
tier top when size >= 5 {{
  research 3 h per account, 1 h per contact
  budget 1000 USD per account
  cadence warm{holdout}
}}
tier rest otherwise
{cadence}
plan {{
  roles lead, bdr, marketing_assistant
  stage launch "Cadence launch" weeks 6..9 {{
    accountable lead
    responsible bdr, marketing_assistant
  }}
}}
"""

ACCOUNTS = "account_id;size\nA1;9\nA2;8\nA3;7\nA4;1\n"
CONTACTS = (
    "contact_id;account_id;level;role\n"
    "C1;A1;c_level;decision_maker\n"
    "C2;A1;c_level;\n"
    "C3;A1;c_minus_1;influencer\n"
    "C4;A2;c_level;decision_maker\n"
    "C5;A4;c_level;\n"
    "C6;ZZ;c_level;\n"
)


def schedule(
    tmp_path: Path,
    accounts: str = ACCOUNTS,
    contacts: str | None = CONTACTS,
    cadence: str = WARMUP,
    holdout: str = "",
) -> Schedule:
    (tmp_path / ".git").mkdir(exist_ok=True)
    path = tmp_path / "test.abm"
    path.write_text(PLAYBOOK.format(cadence=cadence, holdout=holdout), encoding="utf-8")
    compiled = compile_file(path)
    assert compiled.ok, compiled.diagnostics
    assert compiled.playbook is not None
    (tmp_path / "accounts.csv").write_text(accounts, encoding="utf-8")
    contacts_path = None
    if contacts is not None:
        contacts_path = tmp_path / "contacts.csv"
        contacts_path.write_text(contacts, encoding="utf-8")
    return build_schedule(
        compiled.playbook, compiled.sources, tmp_path / "accounts.csv", contacts_path
    )


def test_each_account_contact_and_step_gives_one_touch(tmp_path: Path) -> None:
    rows = schedule(tmp_path).touches.to_pylist()
    per_account = Counter(r["account"] for r in rows)
    # A1: two C-level get touches 1, 3, 5, 8; one deputy gets 2, 4, 6, 7, 8
    # A2: one C-level only; A3 has no contacts; A4 is in a tier without a cadence
    assert per_account == {"A1": 2 * 4 + 5, "A2": 4}
    assert sorted(r["touch"] for r in rows if r["contact"] == "C3") == [2, 4, 6, 7, 8]
    assert {r["contact"] for r in rows} == {"C1", "C2", "C3", "C4"}


def test_step_days_count_business_days_from_the_cadence_start(tmp_path: Path) -> None:
    rows = schedule(tmp_path).touches.to_pylist()
    dates = {r["touch"]: r["date"] for r in rows}
    # cadences start on Monday 15 February (week 6); Saturday 20 February is a Russian working
    # day, 22–23 February are off, so day 8 is 25 February and day 10 is 1 March
    assert dates == {
        1: D(2027, 2, 15),
        2: D(2027, 2, 15),
        3: D(2027, 2, 17),
        4: D(2027, 2, 18),
        5: D(2027, 2, 19),
        6: D(2027, 2, 24),
        7: D(2027, 2, 25),
        8: D(2027, 3, 1),
    }
    assert {r["week"] for r in rows} == {6, 7, 8}
    assert {(r["touch"], r["cadence_day"]) for r in rows} >= {(7, 8), (8, 10)}


def test_touches_carry_the_step_and_the_contact(tmp_path: Path) -> None:
    rows = schedule(tmp_path).touches.to_pylist()
    gift = next(r for r in rows if r["touch"] == 7)
    assert gift["contact"] == "C3"
    assert (gift["channel"], gift["owner"], gift["refers_to"]) == ("gift", "marketing_assistant", 1)
    assert (gift["action"], gift["audience"]) == ("Gift for deputies", "c_minus_1")
    assert (gift["contact_level"], gift["contact_role"]) == ("c_minus_1", "influencer")
    assert (gift["tier"], gift["cadence"]) == ("top", "warm")
    linkedin = next(r for r in rows if r["touch"] == 4)
    assert linkedin["action"] == "linkedin to c_minus_1"  # no note: the step says what it is
    assert all(r["refers_to"] == 1 for r in rows if r["touch"] > 1)


def test_touches_are_sorted_by_date_account_touch_and_contact(tmp_path: Path) -> None:
    rows = schedule(tmp_path).touches.to_pylist()
    keys = [(r["date"], r["account"], r["touch"], r["contact"]) for r in rows]
    assert keys == sorted(keys)


def test_accounts_without_a_targeted_level_are_reported(tmp_path: Path) -> None:
    gaps = schedule(tmp_path).gaps.to_pylist()
    assert gaps == [
        {
            "account": "A2",
            "tier": "top",
            "cadence": "warm",
            "contacts": 1,
            "missing": ["c_minus_1"],
            "lost_touches": [2, 4, 6, 7],
        },
        {
            "account": "A3",
            "tier": "top",
            "cadence": "warm",
            "contacts": 0,
            "missing": ["c_level", "c_minus_1"],
            "lost_touches": [1, 2, 3, 4, 5, 6, 7, 8],
        },
    ]


def test_a_contact_named_twice_by_one_audience_gets_one_touch(tmp_path: Path) -> None:
    cadence = """
cadence warm over 3 business days {
  day 1: email to c_level, decision_maker by bdr
  day 3: call to influencer by bdr
}
"""
    sched = schedule(tmp_path, cadence=cadence)
    rows = sched.touches.to_pylist()
    # C1 is both C-level and a decision maker: one email, not two
    assert sorted((r["contact"], r["touch"]) for r in rows) == [
        ("C1", 1),
        ("C2", 1),
        ("C3", 2),
        ("C4", 1),
    ]
    gaps = {g["account"]: g["missing"] for g in sched.gaps.to_pylist()}
    assert gaps == {"A2": ["influencer"], "A3": ["c_level", "decision_maker", "influencer"]}


def test_the_holdout_gets_no_touches_and_is_counted(tmp_path: Path) -> None:
    accounts = "account_id;size\n" + "".join(f"H{i:02d};9\n" for i in range(40))
    contacts = "contact_id;account_id;level;role\n" + "".join(
        f"K{i:02d};H{i:02d};c_level;\n" for i in range(40)
    )
    sched = schedule(tmp_path, accounts, contacts, holdout="\n  holdout 25%")
    top = next(t for t in sched.tiers if t.tier == "top")
    touched = {r["account"] for r in sched.touches.to_pylist()}
    assert top.holdout > 0 and sched.holdout_skipped == top.holdout
    assert len(touched) == top.accounts == 40 - top.holdout
    assert sched.touches.num_rows == 4 * top.accounts  # touches 1, 3, 5, 8 to the C-level


def test_normatives_count_the_accounts_in_the_programme(tmp_path: Path) -> None:
    tiers = {t.tier: t for t in schedule(tmp_path).tiers}
    top = tiers["top"]
    assert (top.accounts, top.contacts, top.holdout) == (3, 4, 0)
    assert top.research_hours == 3 * 3 + 4 * 1
    assert top.budget == 3000
    assert (tiers["rest"].research_hours, tiers["rest"].budget) == (None, None)


def test_workload_counts_per_owner_week_and_day(tmp_path: Path) -> None:
    sched = schedule(tmp_path)
    load = count_workload(sched.touches, sched.end)
    assert load.touches == 17 and load.accounts == 2 and load.contacts == 4
    assert load.by_owner == {"bdr": 13, "marketing_assistant": 4}
    assert load.by_owner_week["marketing_assistant"] == {6: 3, 7: 1}  # gifts: 3 C-level, 1 C-1
    assert load.peak_day["bdr"] == (D(2027, 3, 1), 4)  # touch 8 to all four contacts
    assert load.after_horizon == 0


def test_cadences_need_contacts_and_a_start(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match="--contacts"):
        schedule(tmp_path, contacts=None)
    (tmp_path / ".git").rmdir()
    text = PLAYBOOK.format(cadence=WARMUP, holdout="").replace("  start 2027-01-11\n", "")
    (tmp_path / "test.abm").write_text(text, encoding="utf-8")
    compiled = compile_file(tmp_path / "test.abm")
    assert compiled.playbook is not None
    with pytest.raises(ScheduleError, match="start 2027-01-11"):
        build_schedule(compiled.playbook, {}, tmp_path / "accounts.csv", tmp_path / "contacts.csv")


def test_many_accounts_expand_without_a_python_loop(tmp_path: Path) -> None:
    n = 20_000
    accounts = "account_id;size\n" + "".join(f"A{i};9\n" for i in range(n))
    contacts = "contact_id;account_id;level;role\n" + "".join(
        f"C{i}a;A{i};c_level;\nC{i}b;A{i};c_minus_1;\n" for i in range(n)
    )
    sched = schedule(tmp_path, accounts, contacts)
    assert sched.touches.num_rows == n * (4 + 5)
    assert sched.gaps.num_rows == 0
