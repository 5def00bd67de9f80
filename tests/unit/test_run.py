"""Running the seed playbook on data through the CLI: outputs, summary, explain, SQL."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlglot

from abmdsl.cli import main

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "pharma_pilot.abm"
ACCOUNTS = ROOT / "playbooks" / "data" / "accounts.csv"
CONTACTS = ROOT / "playbooks" / "data" / "contacts.csv"


def run(*args: str) -> int:
    return main([str(a) for a in args])


def test_run_writes_one_row_per_account_with_provenance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tiers.csv"
    assert run("run", PLAYBOOK, "--accounts", ACCOUNTS, "--contacts", CONTACTS, "-o", out) == 0
    printed = capsys.readouterr().out
    assert "tailored" in printed and "wrote 300 accounts" in printed
    with out.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    with ACCOUNTS.open(encoding="utf-8-sig") as stream:
        inputs = list(csv.DictReader(stream, delimiter=";"))
    assert [r["account_id"] for r in rows] == [r["account_id"] for r in inputs]
    assert {
        "attractiveness.budget",
        "attractiveness",
        "potential",
        "tier",
        "cluster",
        "rank",
        "demoted_from",
        "demotion",
        "holdout",
        "city",
        "employees",
    } <= set(rows[0])
    assert {r["abmdsl_version"] for r in rows} == {"0.1.0"}
    assert len({r["playbook_sha256"] for r in rows}) == 1
    tiers = {r["tier"] for r in rows}
    assert tiers == {"tailored", "cluster", "bulk"}
    assert sum(r["tier"] == "tailored" for r in rows) <= 5


def test_outputs_are_identical_across_runs_and_formats(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv", "t.parquet", "t.json"):
        assert run("run", PLAYBOOK, "--accounts", ACCOUNTS, "-o", tmp_path / name) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    parquet = pq.read_table(tmp_path / "t.parquet")
    document = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert parquet.num_rows == len(document["accounts"]) == 300
    assert parquet.schema.metadata[b"abmdsl.abmdsl_version"] == b"0.1.0"
    assert document["provenance"]["abmdsl_version"] == "0.1.0"
    assert parquet.column("tier").to_pylist() == [a["tier"] for a in document["accounts"]]


def test_csv_cells_that_look_like_formulas_are_neutralised(tmp_path: Path) -> None:
    data = tmp_path / "accounts.csv"
    header = ACCOUNTS.read_text(encoding="utf-8-sig").splitlines()[0]
    data.write_text(header + "\nX-1;=1+2;pharma;yes;5;5;5;yes;5;+7 495;-3\n", encoding="utf-8")
    out = tmp_path / "tiers.csv"
    assert run("run", PLAYBOOK, "--accounts", data, "-o", out) == 0
    row = next(csv.DictReader(out.open(encoding="utf-8")))
    assert row["name"] == "'=1+2"
    assert row["city"] == "'+7 495"
    assert row["attractiveness"] == "5"


def test_bad_data_is_refused_with_rows_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "accounts.csv"
    lines = ACCOUNTS.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[3].split(";")
    cells[3] = "maybe"  # has_budget
    lines[3] = ";".join(cells)
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "tiers.csv"
    assert run("run", PLAYBOOK, "--accounts", data, "-o", out) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "has_budget" in err
    assert not out.exists()


def test_explain_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("explain", PLAYBOOK, "ACC-0001", "--accounts", ACCOUNTS) == 0
    text = capsys.readouterr().out
    assert "attractiveness =" in text and "tiers tried in order" in text
    assert run("explain", PLAYBOOK, "ACC-0001", "--accounts", ACCOUNTS, "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["account"] == "ACC-0001"
    assert document["tried"][0]["tier"] == "tailored"
    assert run("explain", PLAYBOOK, "ACC-9999", "--accounts", ACCOUNTS) == 2


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark", "snowflake", "bigquery"])
def test_sql_for_each_dialect_parses_back(dialect: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("sql", PLAYBOOK, "--dialect", dialect) == 0
    text = capsys.readouterr().out
    assert sqlglot.parse_one(text.rstrip().rstrip(";"), read=dialect) is not None
    assert '"attractiveness.budget"' in text or "`attractiveness.budget`" in text


def test_printed_duckdb_sql_runs_on_a_table_named_accounts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run("sql", PLAYBOOK) == 0
    query = capsys.readouterr().out
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE accounts AS SELECT 'A' AS account_id, 'n' AS name, "
        "'mining' AS industry, true AS has_budget, 4 AS strategic_initiatives, "
        "5 AS complementary_tech, 5 AS case_studies, false AS insider, "
        "1 AS info_openness"
    )
    cursor = con.execute(query)
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchall()[0], strict=True))
    # One account alone: its industry group is too small to be a cluster.
    assert (row["tier"], row["demoted_from"]) == ("bulk", "cluster")
    assert str(row["attractiveness"]) == "4.600000"


def test_a_new_output_file_gets_the_usual_permissions_not_a_temporary_file_s(
    tmp_path: Path,
) -> None:
    # Written under a temporary name first (0600), then moved into place: the file must still
    # be readable as any other file the user makes (a report shared, a CI artefact uploaded).
    mask = os.umask(0o022)
    try:
        out = tmp_path / "tiers.csv"
        assert main(["run", str(PLAYBOOK), "--accounts", str(ACCOUNTS), "-o", str(out)]) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        out.chmod(0o600)  # an existing file keeps its own
        assert main(["run", str(PLAYBOOK), "--accounts", str(ACCOUNTS), "-o", str(out)]) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    finally:
        os.umask(mask)
