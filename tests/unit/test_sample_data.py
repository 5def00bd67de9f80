"""The bundled sample data: reproducible from its generator, and a pilot that could happen.

`playbooks/data/generate.py` writes accounts.csv, contacts.csv and activities.csv from one
seed; the activities come from running and scheduling the seed playbook on the other two.
"""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from abmdsl.api import compile_file
from abmdsl.data import load_dataset
from abmdsl.engine.run import run_playbook
from abmdsl.ir import Playbook
from abmdsl.schedule import BusinessCalendar

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "playbooks" / "data"
PLAYBOOK = ROOT / "playbooks" / "pharma_pilot.abm"
FILES = ("accounts.csv", "contacts.csv", "activities.csv")
COLUMNS = ["activity_id", "account_id", "contact_id", "type", "level", "channel", "cost", "on"]
CADENCE_CHANNELS = {"email", "call", "linkedin", "gift"}

Row = dict[str, str]


def read(name: str) -> list[Row]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream, delimiter=";"))


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    compiled = compile_file(PLAYBOOK)
    assert compiled.ok and compiled.playbook is not None
    return compiled.playbook


@pytest.fixture(scope="module")
def activities() -> list[Row]:
    return read("activities.csv")


@pytest.fixture(scope="module")
def groups(playbook: Playbook) -> dict[str, str]:
    """Each account's group: `programme`, `control` (the holdout) or `outside`."""
    compiled = compile_file(PLAYBOOK)
    run = run_playbook(playbook, compiled.sources, DATA / "accounts.csv", DATA / "contacts.csv")
    cadenced = {t.name for t in playbook.tiers if t.cadence in playbook.cadences}
    return {
        row["account_id"]: "control"
        if row["holdout"]
        else ("programme" if row["tier"] in cadenced else "outside")
        for row in run.table.select(["account_id", "tier", "holdout"]).to_pylist()
    }


def test_the_generator_reproduces_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    generator = DATA / "generate.py"
    done = subprocess.run(
        [sys.executable, str(generator), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for name in FILES:
        fix = f"run `python {generator.relative_to(ROOT)}`"
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), f"{name}: {fix}"


def test_activities_load_against_the_seed_declaration(playbook: Playbook) -> None:
    con = duckdb.connect()
    report = load_dataset(
        con, DATA / "activities.csv", "activities", playbook.fields["activities"], "activities"
    )  # raises DataError on any problem
    assert report.columns == COLUMNS
    assert report.extra_columns == []
    assert report.delimiter == ";"
    assert 500 <= report.rows <= 5000
    keys = con.execute("SELECT count(DISTINCT activity_id) FROM activities").fetchall()
    assert keys == [(report.rows,)]


def test_every_activity_names_a_known_account_and_its_own_contact(
    activities: list[Row],
) -> None:
    accounts = {row["account_id"] for row in read("accounts.csv")}
    contacts = {row["contact_id"]: row for row in read("contacts.csv")}
    for row in activities:
        assert row["account_id"] in accounts, row
        contact = contacts[row["contact_id"]]  # every sample activity comes from a contact
        assert contact["account_id"] == row["account_id"], row
        assert contact["level"] == row["level"], row


def test_touches_fall_on_business_days_within_the_pilot(
    playbook: Playbook, activities: list[Row]
) -> None:
    assert playbook.start is not None
    calendar = BusinessCalendar.of(playbook)
    last = playbook.start + dt.timedelta(days=playbook.horizon_days - 1)
    for row in activities:
        on = dt.date.fromisoformat(row["on"])
        assert playbook.start <= on <= last, row
        if row["type"] == "touch":
            assert calendar.is_business_day(on), row
            assert row["cost"], row


def test_touches_cost_what_the_simulate_block_says(
    playbook: Playbook, activities: list[Row]
) -> None:
    assert playbook.simulation is not None
    costs = {c.item: c.amount for c in playbook.simulation.costs if c.per == "touch"}
    for row in activities:
        if row["type"] == "touch" and row["channel"] in CADENCE_CHANNELS:
            assert float(row["cost"]) == costs[row["channel"]], row
        elif row["type"] != "touch":
            assert row["cost"] == "", row


def test_the_funnel_is_consistent(activities: list[Row]) -> None:
    """Each stage has its earlier one: a reply follows a touch of the same contact (unless it
    came in on its own), a meeting a reply and a discussion a meeting of that contact; an
    opportunity follows a discussion at the account, a tender invitation an opportunity and
    a contract a tender invitation. A contact replies once, and is touched no more after."""
    by_contact: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    by_account: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for row in activities:
        on = dt.date.fromisoformat(row["on"])
        by_contact[row["contact_id"], row["type"]].append(on)
        by_account[row["account_id"], row["type"]].append(on)

    def before(dates: list[dt.date], on: dt.date, strictly: bool) -> bool:
        return any(d < on or (d == on and not strictly) for d in dates)

    earlier = {"reply": "touch", "meeting": "reply", "discussion": "meeting"}
    for row in activities:
        kind, on = row["type"], dt.date.fromisoformat(row["on"])
        if kind in earlier and not (kind == "reply" and row["channel"] == "inbound"):
            needed = by_contact[row["contact_id"], earlier[kind]]
            assert before(needed, on, strictly=kind == "meeting"), row
    deals = {"opportunity": "discussion", "tender_invitation": "opportunity"}
    deals["contract"] = "tender_invitation"
    for row in activities:
        kind, on = row["type"], dt.date.fromisoformat(row["on"])
        if kind in deals:
            assert before(by_account[row["account_id"], deals[kind]], on, strictly=True), row
    for (contact, kind), dates in by_contact.items():
        if kind == "reply":
            assert len(dates) == 1, contact
            touches = by_contact.get((contact, "touch"), [])
            assert all(d <= dates[0] for d in touches), contact  # stop on reply
    for (account, kind), dates in by_account.items():
        if kind == "opportunity":
            assert len(dates) == 1, account


def test_the_groups_get_what_the_pilot_gives_them(
    activities: list[Row], groups: dict[str, str]
) -> None:
    """Cadence touches only in the programme; the holdout and the bulk accounts get cold
    email (and inbound requests), so that both can be compared with the programme."""
    seen: dict[str, set[str]] = defaultdict(set)
    for row in activities:
        group = groups[row["account_id"]]
        if row["type"] == "touch":
            seen[group].add(row["channel"])
    assert seen["programme"] == CADENCE_CHANNELS
    assert seen["control"] == {"cold_email"}
    assert seen["outside"] == {"cold_email"}
    cold = [r for r in activities if groups[r["account_id"]] == "outside"]
    assert sum(r["type"] == "touch" for r in cold) == 20
    assert 1 <= sum(r["type"] == "opportunity" for r in cold) <= 2
