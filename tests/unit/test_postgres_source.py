"""Data read from PostgreSQL: a table or a query gives what the same rows in a CSV file give.

The sample data is loaded into a private server (``tests/engine_postgres.py``) with real
column types — booleans, integers, numerics, dates — and read back through `abm` with
``--accounts postgresql://…``; the results must be byte for byte those of the CSV files
(but for ``data_sha256``, which hashes what was read). Mistakes in the URL, a server that is
not there, a missing table and a query that writes are bad input: exit 2, with a message
that names the source without its password.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb
import pytest

from abmdsl.api import compile_file
from abmdsl.cli import main
from abmdsl.data import DataError, load_dataset, parse_source
from abmdsl.engine.run import run_playbook
from tests.engine_postgres import create_table

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "pharma_pilot.abm"
DATA = ROOT / "playbooks" / "data"

# The sample files as a database would hold them: typed columns, NULL for an empty cell.
TYPED = {
    "accounts": (
        "SELECT account_id, name, industry, has_budget = 'yes' AS has_budget, "
        "CAST(strategic_initiatives AS INTEGER) AS strategic_initiatives, "
        "CAST(complementary_tech AS SMALLINT) AS complementary_tech, "
        "CAST(case_studies AS BIGINT) AS case_studies, insider = 'yes' AS insider, "
        "CAST(info_openness AS INTEGER) AS info_openness, city, employees FROM raw"
    ),
    "contacts": "SELECT * FROM raw",
    "activities": (
        'SELECT * REPLACE (CAST(cost AS DECIMAL(12, 2)) AS cost, CAST("on" AS DATE) AS "on") '
        "FROM raw"
    ),
}


@pytest.fixture(scope="module")
def server(postgres_engine: Any) -> str:
    """The URL of a database holding the sample data: ``accounts``, ``contacts``,
    ``activities`` in the files' order, and ``accounts_shuffled`` in another."""
    url: str = postgres_engine.url
    con = duckdb.connect()
    for name, select in TYPED.items():
        con.execute(
            f"CREATE TABLE raw AS SELECT * FROM read_csv('{DATA / name}.csv', all_varchar=true, "
            "delim=';', header=true)"
        )
        create_table(url, name, con.sql(select).to_arrow_table())
        if name == "accounts":
            shuffled = con.sql(f"SELECT * FROM ({select}) ORDER BY md5(account_id)")
            create_table(url, "accounts_shuffled", shuffled.to_arrow_table())
        con.execute("DROP TABLE raw")
    return url


def run(*args: object) -> int:
    return main([str(a) for a in args])


def without_data_hash(path: Path) -> str:
    """The CSV at ``path`` without its ``data_sha256`` column (it hashes what was read)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    drop = rows[0].index("data_sha256")
    out = io.StringIO()
    csv.writer(out).writerows([r[:drop] + r[drop + 1 :] for r in rows])
    return out.getvalue()


def query_url(url: str, sql: str) -> str:
    return f"{url}?query={quote(sql)}"


def test_a_table_and_a_query_tier_as_the_csv_file_does(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contacts = DATA / "contacts.csv"
    assert run("run", PLAYBOOK, "--accounts", DATA / "accounts.csv", "--contacts", contacts,
               "-o", tmp_path / "file.csv") == 0  # fmt: skip
    expected = capsys.readouterr().out.replace("file.csv", "X")
    sources = {
        "table": f"{server}?table=accounts",
        "query": query_url(server, "SELECT * FROM accounts_shuffled ORDER BY account_id"),
    }
    for kind, accounts in sources.items():
        out = tmp_path / f"{kind}.csv"
        assert run("run", PLAYBOOK, "--accounts", accounts, "--contacts",
                   f"{server}?table=contacts", "-o", out) == 0  # fmt: skip
        assert capsys.readouterr().out.replace(f"{kind}.csv", "X") == expected, kind
        assert without_data_hash(out) == without_data_hash(tmp_path / "file.csv"), kind


def test_the_query_runs_in_postgres_on_the_same_server(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--engine postgres`` without ``--database`` uses the accounts' server."""
    accounts = f"{server}?table=accounts"
    assert run("run", PLAYBOOK, "--accounts", accounts, "-o", tmp_path / "duck.csv") == 0
    assert run("run", PLAYBOOK, "--accounts", accounts, "--engine", "postgres",
               "-o", tmp_path / "pg.csv") == 0  # fmt: skip
    capsys.readouterr()
    assert (tmp_path / "pg.csv").read_bytes() == (tmp_path / "duck.csv").read_bytes()


def test_evaluate_reads_activities_from_postgres(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [DATA / f"{n}.csv" for n in ("accounts", "activities", "contacts")]
    args = ["--accounts", "--activities", "--contacts"]
    code = run("evaluate", PLAYBOOK, *[x for pair in zip(args, files, strict=True) for x in pair])
    expected = capsys.readouterr().out
    urls = [f"{server}?table={n}" for n in ("accounts", "activities", "contacts")]
    flags = [x for pair in zip(args, urls, strict=True) for x in pair]
    assert run("evaluate", PLAYBOOK, *flags) == code
    assert capsys.readouterr().out == expected
    assert run("evaluate", PLAYBOOK, *flags, "--engine", "postgres") == code
    assert capsys.readouterr().out == expected


def test_the_data_hash_is_that_of_the_rows_read(server: str) -> None:
    compiled = compile_file(PLAYBOOK)
    assert compiled.playbook is not None
    table = parse_source(f"{server}?table=accounts")
    ordered = parse_source(query_url(server, "SELECT * FROM accounts_shuffled ORDER BY 1"))
    shuffled = parse_source(query_url(server, "SELECT * FROM accounts_shuffled"))
    hashes = [
        run_playbook(compiled.playbook, compiled.sources, s).provenance.data_sha256
        for s in (table, table, ordered, shuffled)
    ]
    assert hashes[0] == hashes[1] == hashes[2] != hashes[3]


def test_problems_name_the_source_and_the_row(server: str) -> None:
    compiled = compile_file(PLAYBOOK)
    assert compiled.playbook is not None
    secret = server.replace("abm@", "abm:hunter2@")
    sql = "SELECT account_id, name, 'chemistry' AS industry, has_budget, strategic_initiatives, "
    sql += "complementary_tech, case_studies, insider, 9 AS info_openness FROM accounts LIMIT 2"
    source = parse_source(query_url(secret, sql))
    fields = compiled.playbook.fields["accounts"]
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), source, "accounts", fields, "accounts")
    text = str(caught.value)
    assert "hunter2" not in text
    assert f"{server} (query: SELECT account_id" in text
    assert "…): row 1, column `industry`: `chemistry` is not one of" in text
    assert "…): row 2, column `info_openness`: 9 is above the declared range 1..5" in text


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        ("", "say what to read: add ?table=NAME or ?query=SELECT"),
        ("?table=accounts&query=SELECT%201", "say what to read"),
        ("?table=a.b.c", "not a table name: 'a.b.c'"),
        ("?table=nowhere", "?table=nowhere: no such table or view"),
        ("?query=DELETE%20FROM%20accounts%20RETURNING%20*", "in a read-only transaction"),
        ("?query=SELEC%201", "syntax error at or near"),
    ],
)
def test_bad_sources_are_bad_input(
    server: str, suffix: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("run", PLAYBOOK, "--accounts", server + suffix) == 2
    assert message in capsys.readouterr().err


def test_an_unreachable_server_is_bad_input(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    port = server.rsplit(":", 1)[1].split("/")[0]
    url = server.replace("abm@", "abm:hunter2@").replace(f":{port}/", ":1/") + "?table=accounts"
    for engine in ("duckdb", "postgres"):
        assert run("run", PLAYBOOK, "--accounts", url, "--engine", engine) == 2
        err = capsys.readouterr().err
        assert "cannot connect to PostgreSQL at postgresql://abm@127.0.0.1:1/abm" in err
        assert "hunter2" not in err and "Traceback" not in err
    with pytest.raises(ValueError, match="name the database"):
        parse_source("postgresql://abm@127.0.0.1/?table=accounts")


def test_a_schedule_reads_postgres_as_it_reads_files(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = ["--accounts", DATA / "accounts.csv", "--contacts", DATA / "contacts.csv"]
    assert run("schedule", PLAYBOOK, *files) == 0
    expected = capsys.readouterr().out
    urls = ["--accounts", f"{server}?table=accounts", "--contacts", f"{server}?table=contacts"]
    assert run("schedule", PLAYBOOK, *urls) == 0
    assert capsys.readouterr().out == expected
