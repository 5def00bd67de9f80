"""`abm evaluate`: KPIs measured on activities, judged, the verdict, outputs and errors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from abmdsl.api import compile_text
from abmdsl.cli import main
from abmdsl.evaluate import Scorecard, evaluate_playbook

PLAYBOOK = """abm 1
playbook "Pilot" {
  start 2027-01-11
  horizon 90 days
  currency USD
}

accounts {
  key account_id: text
  fit: int 0..5
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
  type: enum(touch, reply, discussion, opportunity)
  level: enum(c_level, c_minus_1) optional
  cost: money optional
  on: date
}

tier pilot when fit >= 3 {
  holdout 50% seed 3
}
tier rest otherwise

baseline inbound "A lead through inbound" = 100 USD

kpi touches "Touches" = count(activities where type = "touch")
  target >= 4
  warn >= 2

kpi engagement "Accounts with a C-level discussion" =
  share(accounts where count(activities where type = "discussion" and level = "c_level") >= 1)
  target >= 50%

kpi cost_per_opportunity = sum(activities.cost) / count(activities where type = "opportunity")
  target <= inbound

kpi average_cost = avg(activities.cost where type = "touch")
kpi median_cost = median(activities.cost where type = "touch")
kpi reached "Accounts touched" = distinct(activities.account_id where type = "touch")
kpi people "Average cost of a touch to C-level" =
  avg(activities.cost where type = "touch" and count(contacts where level = "c_level") >= 1)

verdict "It works" pass when touches and (engagement or cost_per_opportunity)
"""

ACCOUNTS = "account_id;fit\n" + "".join(f"A-{n};{3 + n % 3}\n" for n in range(1, 9)) + "Z-1;0\n"
CONTACTS = "contact_id;account_id;level\nC-1;A-1;c_level\nC-2;A-2;c_minus_1\n"


def write(folder: Path, activities: list[str], contacts: str = CONTACTS) -> dict[str, Path]:
    files = {
        "pilot.abm": PLAYBOOK,
        "accounts.csv": ACCOUNTS,
        "contacts.csv": contacts,
        "activities.csv": "activity_id;account_id;contact_id;type;level;cost;on\n"
        + "".join(line + "\n" for line in activities),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return {name.split(".")[0]: folder / name for name in files}


def programme(folder: Path) -> tuple[list[str], list[str]]:
    """The accounts of the programme and of the control group, from `abm run` itself."""
    import csv

    assert main(["run", str(folder / "pilot.abm"), "--accounts", str(folder / "accounts.csv"),
                 "-o", str(folder / "tiers.csv")]) == 0  # fmt: skip
    with (folder / "tiers.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    inside = [r["account_id"] for r in rows if r["tier"] == "pilot" and r["holdout"] == "false"]
    control = [r["account_id"] for r in rows if r["holdout"] == "true"]
    return inside, control


def card(paths: dict[str, Path], **options: object) -> Scorecard:
    compiled = compile_text(paths["pilot"].read_text(), str(paths["pilot"]))
    assert compiled.playbook is not None, compiled.diagnostics
    return evaluate_playbook(
        compiled.playbook,
        compiled.sources,
        paths["accounts"],
        paths["activities"],
        paths["contacts"],
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def groups(tmp_path: Path) -> tuple[list[str], list[str]]:
    write(tmp_path, [])
    return programme(tmp_path)


def test_kpis_are_measured_on_the_programme_only(tmp_path: Path, groups: tuple) -> None:
    inside, control = groups
    assert len(inside) >= 3 and control, (inside, control)
    a, b, c = inside[:3]
    activities = [
        f"T-1;{a};C-1;touch;c_level;10;2027-02-01",
        f"T-2;{a};;touch;;20;2027-02-02",
        f"T-3;{b};;touch;;25;2027-02-03",
        f"T-4;{c};;touch;;40;2027-02-04",
        f"D-1;{a};C-1;discussion;c_level;;2027-02-10",
        f"O-1;{b};;opportunity;;;2027-02-20",
        # the control group's and an outside account's activities are not the programme's
        f"T-9;{control[0]};;touch;;1000;2027-02-01",
        "T-8;Z-1;;touch;;1000;2027-02-01",
    ]
    contacts = f"contact_id;account_id;level\nC-1;{a};c_level\nC-2;{b};c_minus_1\n"
    paths = write(tmp_path, activities, contacts)
    result = card(paths)
    values = {k.name: k.value for k in result.kpis}
    assert values["touches"] == 4
    assert values["engagement"] == (Decimal(1) / len(inside)).quantize(Decimal("0.000001"))
    assert values["cost_per_opportunity"] == Decimal(95)  # 10 + 20 + 25 + 40, one opportunity
    assert values["average_cost"] == Decimal("23.75")
    assert values["median_cost"] == Decimal("22.5")  # (20 + 25) / 2
    assert values["reached"] == 3
    assert values["people"] == Decimal(10)  # the one touch whose contact is C-level
    statuses = {k.name: k.status for k in result.kpis}
    assert statuses["touches"] == "pass"
    assert statuses["cost_per_opportunity"] == "pass"
    assert statuses["average_cost"] == "no target"
    assert result.verdict is True
    assert result.counts.activities == {"programme": 6, "control": 1, "outside": 1, "all": 8}


def test_no_data_is_never_a_pass(tmp_path: Path, groups: tuple) -> None:
    inside, _ = groups
    paths = write(tmp_path, [f"T-{n};{inside[0]};;touch;;5;2027-02-0{n}" for n in range(1, 3)])
    result = card(paths)
    by = {k.name: k for k in result.kpis}
    assert by["touches"].status == "warn"  # 2 touches: at the warn level, under the target
    assert by["cost_per_opportunity"].value is None
    assert by["cost_per_opportunity"].status == "no data"
    assert by["median_cost"].value == Decimal(5)
    assert result.verdict is False
    assert result.failing == ("touches", "engagement", "cost_per_opportunity")


def test_activities_outside_the_window_or_of_unknown_accounts_are_counted(
    tmp_path: Path, groups: tuple
) -> None:
    inside, _ = groups
    paths = write(
        tmp_path,
        [
            f"T-1;{inside[0]};;touch;;5;2027-01-10",  # the day before the start
            f"T-2;{inside[0]};;touch;;5;2027-04-11",  # the day after the 90th
            f"T-3;{inside[0]};;touch;;5;2027-04-10",  # the 90th day: counted
            "T-4;NOBODY;;touch;;5;2027-02-01",
        ],
    )
    result = card(paths)
    assert result.counts.before_window == 1
    assert result.counts.after_window == 1
    assert result.counts.unknown_account == 1
    assert result.counts.activities["programme"] == 1
    assert {k.name: k.value for k in result.kpis}["touches"] == 1


def test_as_of_cuts_the_data_and_projects_counts_to_the_horizon(
    tmp_path: Path, groups: tuple
) -> None:
    inside, _ = groups
    activities = [f"T-{n};{inside[0]};;touch;;5;2027-01-{10 + n}" for n in range(1, 4)]
    activities.append(f"T-9;{inside[0]};;touch;;5;2027-03-01")
    paths = write(tmp_path, activities)
    result = card(paths, as_of=__import__("datetime").date(2027, 2, 9))  # day 30 of 90
    by = {k.name: k for k in result.kpis}
    assert result.elapsed_days == 30
    assert by["touches"].value == 3 and by["touches"].status == "warn"
    assert by["touches"].projected == 9  # 3 × 90 / 30
    assert by["touches"].projected_status == "pass"
    assert by["average_cost"].projected == Decimal(5)  # a rate is not scaled
    assert result.counts.after_window == 1


def test_cli_outputs_and_exit_codes(tmp_path: Path, groups: tuple) -> None:
    inside, _ = groups
    paths = write(tmp_path, [f"T-{n};{inside[0]};;touch;;5;2027-02-0{n}" for n in range(1, 6)])
    outputs = [tmp_path / f"card.{ext}" for ext in ("json", "md", "xml")]
    args = ["evaluate", str(paths["pilot"]), "--accounts", str(paths["accounts"])]
    args += ["--activities", str(paths["activities"]), "--contacts", str(paths["contacts"])]
    for path in outputs:
        args += ["-o", str(path)]
    # engagement fails and cost per opportunity has no data: the verdict cannot pass
    assert main(args) == 1
    first = [p.read_bytes() for p in outputs]
    assert main(args) == 1
    assert [p.read_bytes() for p in outputs] == first  # deterministic
    data = json.loads(outputs[0].read_text())
    assert data["verdict"]["passed"] is None
    assert data["verdict"]["failing"] == ["engagement", "cost_per_opportunity"]
    assert [k["status"] for k in data["kpis"]][:3] == ["pass", "fail", "no data"]
    assert data["kpis"][0]["value"] == "5"
    suite = ET.parse(outputs[2]).getroot()
    cases = suite.findall("testcase")
    assert len(cases) == 8  # seven KPIs and the verdict
    assert suite.get("failures") == "1"  # engagement; the verdict, without data, is skipped
    assert cases[0].find("failure") is None
    assert cases[1].find("failure") is not None
    assert cases[2].find("skipped") is not None
    assert "| Touches (`touches`) | 5 | >= 4 | >= 2 | PASS | - |" in outputs[1].read_text()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--as-of", "2026-12-01"], "before the pilot starts"),
        (["--as-of", "March"], "not a date"),
        (["-o", "card.pdf"], "cannot write card.pdf"),
        (["--date-field", "when"], "no date field `when`"),
    ],
)
def test_bad_requests_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    paths = write(tmp_path, [])
    args = ["evaluate", str(paths["pilot"]), "--accounts", str(paths["accounts"])]
    args += ["--activities", str(paths["activities"]), *extra]
    with pytest.raises(SystemExit) if "March" in extra else _nothing():
        assert main(args) == 2
    assert message in capsys.readouterr().err


def test_a_bad_activities_file_names_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = write(tmp_path, ["T-1;A-1;;touch;;5;2027-02-01", "T-2;A-1;;lunch;;5;2027-02-31"])
    args = ["evaluate", str(paths["pilot"]), "--accounts", str(paths["accounts"])]
    assert main([*args, "--activities", str(paths["activities"])]) == 2
    err = capsys.readouterr().err
    assert "activities.csv" in err and "row 2" in err and "type" in err and "on" in err


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize("by", ["tier", "cluster", "group"])
def test_a_breakdown_splits_every_kpi(by: str, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "card.json"
    args = ["evaluate", str(root / "playbooks" / "pharma_pilot.abm")]
    args += ["--accounts", str(root / "playbooks" / "data" / "accounts.csv")]
    args += ["--activities", str(root / "playbooks" / "data" / "activities.csv")]
    assert main([*args, "--by", by, "-o", str(out)]) == 1
    data = json.loads(out.read_text())
    groups = {g["name"]: g for g in data["breakdown"]["groups"]}
    whole = {k["name"]: Decimal(k["value"]) for k in data["kpis"] if k["value"] is not None}
    counts = data["counts"]["accounts"]
    if by == "group":
        assert list(groups) == ["programme", "control", "outside"]
        assert {n: Decimal(v) for n, v in groups["programme"]["kpis"].items() if v} == whole
        assert [g["accounts"] for g in groups.values()] == [
            counts["programme"],
            counts["control"],
            counts["outside"],
        ]
    elif by == "tier":
        assert list(groups) == ["tailored", "cluster", "bulk"]
        # Counts add up over the programme's tiers; the holdout is in none of them.
        programme = [groups["tailored"], groups["cluster"]]
        assert sum(Decimal(g["kpis"]["pipeline"]) for g in programme) == whole["pipeline"]
        assert sum(g["accounts"] for g in programme) == counts["programme"]
    else:
        assert set(groups) == {"it_services", "pharma", "retail"}
        total = sum(Decimal(g["kpis"]["tender_invitations"]) for g in groups.values())
        assert total == whole["tender_invitations"]  # every invitation is in the cluster tier
