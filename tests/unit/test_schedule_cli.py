"""`abm schedule` on the bundled sample data: outputs, iCalendar read back, errors."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import holidays
import icalendar
import pyarrow.parquet as pq
import pytest

from abmdsl.api import compile_file
from abmdsl.cli_schedule import main
from abmdsl.engine.run import run_playbook

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "pharma_pilot.abm"
ACCOUNTS = ROOT / "playbooks" / "data" / "accounts.csv"
CONTACTS = ROOT / "playbooks" / "data" / "contacts.csv"
SEED = ["schedule", str(PLAYBOOK), "--accounts", str(ACCOUNTS), "--contacts", str(CONTACTS)]


def schedule(*args: object) -> int:
    return main([*SEED, *(str(a) for a in args)])


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as stream:
        return list(csv.DictReader(stream, delimiter=delimiter))


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed scheduled once, in every format."""
    folder = tmp_path_factory.mktemp("seed")
    paths = {f: folder / f"touches.{f}" for f in ("csv", "json", "ics", "parquet")}
    for path in paths.values():
        assert schedule("-o", path) == 0
    paths["days"] = folder / "days.ics"
    assert schedule("-o", paths["days"], "--ics-per", "owner-day") == 0
    paths["plan"], paths["gaps"] = folder / "plan.csv", folder / "gaps.csv"
    assert schedule("--plan", paths["plan"], "--gaps", paths["gaps"]) == 0
    return paths


def expected_touches() -> Counter[str]:
    """Touches per account, counted independently: the seed cadence's 4 C-level and 5 C-1 steps
    for every contact of an account in a tier with the cadence and not in the holdout."""
    compiled = compile_file(PLAYBOOK)
    assert compiled.playbook is not None
    run = run_playbook(compiled.playbook, compiled.sources, ACCOUNTS)
    pilot = {
        r["account_id"]
        for r in run.table.to_pylist()
        if r["tier"] in ("tailored", "cluster") and not r["holdout"]
    }
    per_level = {"c_level": 4, "c_minus_1": 5}
    counts: Counter[str] = Counter()
    for contact in read_csv(CONTACTS, ";"):
        if contact["account_id"] in pilot:
            counts[contact["account_id"]] += per_level[contact["level"]]
    return counts


def test_every_touch_of_the_sample_pilot_is_scheduled(seed: dict[str, Path]) -> None:
    rows = read_csv(seed["csv"])
    assert Counter(r["account"] for r in rows) == expected_touches()
    assert {r["tier"] for r in rows} == {"tailored", "cluster"}
    assert set(rows[0]) >= {"date", "account", "contact", "channel", "action", "owner"}
    assert {r["abmdsl_version"] for r in rows} == {"0.1.0"}


def test_no_touch_falls_on_a_russian_day_off(seed: dict[str, Path]) -> None:
    ru = holidays.country_holidays("RU", years=2027)
    for row in read_csv(seed["csv"]):
        day = dt.date.fromisoformat(row["date"])
        assert day not in ru, row
        assert day.weekday() < 5 or day in ru.weekend_workdays, row


def test_the_deputies_gift_is_touch_7_on_the_8th_business_day(seed: dict[str, Path]) -> None:
    rows = read_csv(seed["csv"])
    gifts = [r for r in rows if r["touch"] == "7"]
    assert gifts and {(r["date"], r["cadence_day"], r["channel"]) for r in gifts} == {
        ("2027-02-25", "8", "gift")
    }
    assert {r["contact_level"] for r in gifts} == {"c_minus_1"}
    first = {r["contact_level"] for r in rows if r["touch"] == "1"}
    assert first == {"c_level"}  # the C-level get the grabber first
    assert {r["refers_to"] for r in rows if r["touch"] != "1"} == {"1"}


def test_the_holdout_gets_nothing(seed: dict[str, Path]) -> None:
    compiled = compile_file(PLAYBOOK)
    assert compiled.playbook is not None
    run = run_playbook(compiled.playbook, compiled.sources, ACCOUNTS)
    holdout = {r["account_id"] for r in run.table.to_pylist() if r["holdout"]}
    assert holdout
    assert not holdout & {r["account"] for r in read_csv(seed["csv"])}
    document = json.loads(seed["json"].read_text(encoding="utf-8"))
    assert document["holdout_accounts_skipped"] == len(holdout)


def categories(event: icalendar.Event) -> list[str]:
    return [str(c) for c in event["CATEGORIES"].cats]


def split_events(path: Path) -> tuple[list[icalendar.Event], list[icalendar.Event]]:
    """The stages' events and the others (touches, or owner-days), as read back."""
    events = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    stages = [e for e in events if categories(e)[0] == "stage"]
    return stages, [e for e in events if categories(e)[0] != "stage"]


def test_the_ics_has_one_event_per_touch(seed: dict[str, Path]) -> None:
    rows = read_csv(seed["csv"])
    _, events = split_events(seed["ics"])
    assert len(events) == len(rows)
    assert len({str(e["UID"]) for e in events}) == len(rows)
    for event, row in zip(events, rows, strict=True):
        assert event.decoded("DTSTART") == dt.date.fromisoformat(row["date"])
        assert event.decoded("DTEND") == dt.date.fromisoformat(row["date"]) + dt.timedelta(1)
        assert str(event["SUMMARY"]) == (
            f"{row['account']}: {row['channel']} to {row['contact']} (touch {row['touch']})"
        )
        assert str(event["DESCRIPTION"]).startswith(row["action"])
        assert event.decoded("DTSTAMP") == dt.datetime(2027, 1, 11, tzinfo=dt.UTC)
    for line in seed["ics"].read_bytes().split(b"\r\n"):
        assert len(line) <= 75


def test_the_ics_per_owner_day_has_one_event_per_role_and_day(seed: dict[str, Path]) -> None:
    rows = read_csv(seed["csv"])
    per_day = Counter((r["date"], r["owner"]) for r in rows)
    _, events = split_events(seed["days"])
    assert len(events) == len(per_day)
    for event in events:
        day = event.decoded("DTSTART").isoformat()
        owner, _, rest = str(event["SUMMARY"]).partition(": ")
        assert rest.startswith(f"{per_day[day, owner]} touch")
        assert len(str(event["DESCRIPTION"]).splitlines()) == per_day[day, owner]


def test_the_ics_has_one_event_per_stage_over_its_days(seed: dict[str, Path]) -> None:
    plan = read_csv(seed["plan"])
    for name in ("ics", "days"):
        stages, touches = split_events(seed[name])
        assert [str(e["SUMMARY"]) for e in stages] == [r["title"] for r in plan]
        for event, row in zip(stages, plan, strict=True):
            assert event.decoded("DTSTART") == dt.date.fromisoformat(row["start"])
            # DTEND is exclusive: the day after the stage's last day
            assert event.decoded("DTEND") == dt.date.fromisoformat(row["end"]) + dt.timedelta(1)
            text = str(event["DESCRIPTION"])
            assert text.startswith(f"stage {row['stage']}: ")
            for kind in ("responsible", "accountable", "consulted", "informed"):
                if row[kind]:
                    assert f"{kind}: {row[kind]}" in text.splitlines(), (kind, text)
            assert event.decoded("DTSTAMP") == dt.datetime(2027, 1, 11, tzinfo=dt.UTC)
        uids = [str(e["UID"]) for e in stages + touches]
        assert len(set(uids)) == len(uids)
    cadences = next(e for e in split_events(seed["ics"])[0] if "Cadence" in str(e["SUMMARY"]))
    assert (cadences.decoded("DTSTART"), cadences.decoded("DTEND")) == (
        dt.date(2027, 2, 15),
        dt.date(2027, 3, 15),
    )


def test_json_holds_the_plan_raci_gaps_and_workload(seed: dict[str, Path]) -> None:
    document = json.loads(seed["json"].read_text(encoding="utf-8"))
    assert document["cadence_start"] == {
        "date": "2027-02-15",
        "stage": "cadences",
        "reason": "stage `cadences` starts in week 6",
    }
    stages = {s["stage"]: s for s in document["plan"]}
    assert (stages["research"]["start"], stages["research"]["end"]) == ("2027-02-01", "2027-02-07")
    assert document["raci"]["presale"] == {"responses": "R", "wrap_up": "I"}
    assert len(document["touches"]) == document["workload"]["touches"]
    assert sum(document["workload"]["by_owner"].values()) == len(document["touches"])
    tiers = {t["tier"]: t for t in document["tiers"]}
    assert tiers["tailored"]["budget"] == 5 * 1000
    assert all(g["missing"] for g in document["coverage_gaps"])
    off = {d["date"] for d in document["playbook"]["days_off_and_working_weekends"]}
    assert {"2027-02-20", "2027-02-23", "2027-03-08"} <= off


def test_plan_and_gaps_files(seed: dict[str, Path]) -> None:
    plan = {r["stage"]: r for r in read_csv(seed["plan"])}
    assert (plan["cadences"]["start"], plan["cadences"]["end"]) == ("2027-02-15", "2027-03-14")
    assert plan["cadences"]["responsible"] == "bdr, marketing_assistant"
    gaps = read_csv(seed["gaps"])
    assert gaps
    assert {g["missing"] for g in gaps} <= {"c_level", "c_minus_1", "c_level, c_minus_1"}


def test_outputs_are_byte_identical_across_runs(seed: dict[str, Path], tmp_path: Path) -> None:
    for name in ("csv", "json", "ics", "days"):
        again = tmp_path / seed[name].name
        extra = ["--ics-per", "owner-day"] if name == "days" else []
        assert schedule("-o", again, *extra) == 0
        assert again.read_bytes() == seed[name].read_bytes(), name
    assert pq.read_table(seed["parquet"]).num_rows == len(read_csv(seed["csv"]))


def test_the_summary_shows_plan_workload_gaps_and_holdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert schedule() == 0
    out = capsys.readouterr().out
    for text in (
        "cadences start on 2027-02-15",
        "the plan",
        "RACI",
        "touches per week",
        "workload per role",
        "busiest day",
        "lack a contact their cadence targets",
        "reach nobody",
        "1 holdout account gets no touches",
    ):
        assert text in out, text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--contacts"], "give the contacts file with `--contacts contacts.csv`"),
        (["-o", "touches.xlsx"], "cannot write touches.xlsx"),
        (["--plan", "plan.ics"], "cannot write plan.ics"),
        (["--ics-per", "owner-day"], "--ics-per is for an .ics output"),
    ],
)
def test_usage_mistakes_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = list(SEED)
    if args == ["--contacts"]:
        argv = argv[:-2]
        args = []
    assert main(argv + [str(tmp_path / a) if "." in a else a for a in args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_playbook_without_start_says_how_to_fix_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    text = PLAYBOOK.read_text(encoding="utf-8").replace("  start 2027-01-11\n", "")
    (tmp_path / "p.abm").write_text(text, encoding="utf-8")
    argv = ["schedule", str(tmp_path / "p.abm"), *SEED[2:]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "no start date" in err and "`start 2027-01-11`" in err


def test_bad_data_and_missing_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "contacts.csv"
    bad.write_text("contact_id;account_id;level;role\nC1;ACC-0001;ceo;CEO\n", encoding="utf-8")
    assert main([*SEED[:-1], str(bad)]) == 2
    assert "level" in capsys.readouterr().err
    assert main([*SEED[:-1], str(tmp_path / "missing.csv")]) == 2
    assert "no such contacts file" in capsys.readouterr().err


def test_a_playbook_without_cadences_needs_no_contacts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    text = PLAYBOOK.read_text(encoding="utf-8").replace("  cadence executive_warmup\n", "")
    (tmp_path / "p.abm").write_text(text, encoding="utf-8")
    out = tmp_path / "touches.ics"
    argv = ["schedule", str(tmp_path / "p.abm"), "--accounts", str(ACCOUNTS), "-o", str(out)]
    assert main(argv) == 0
    assert "0 touches" in capsys.readouterr().out
    stages, touches = split_events(out)
    assert touches == [] and len(stages) == 8
