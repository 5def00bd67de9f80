"""The loaded table: one row per input row, declared fields typed, extra columns passed through."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from abmdsl.api import compile_file
from abmdsl.data import DataError, load_dataset
from abmdsl.ir import FieldInfo

ROOT = Path(__file__).resolve().parents[2]
KEY = FieldInfo(dataset="accounts", name="id", type="text", key=True)
NOTE = FieldInfo(dataset="accounts", name="note", type="text", optional=True)


def write(tmp_path: Path, text: str, name: str = "a.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_report(tmp_path: Path) -> None:
    path = write(tmp_path, "id;note;Источник\nA;x;web\nB;;\n")
    report = load_dataset(duckdb.connect(), path, "accounts", {"id": KEY, "note": NOTE}, "t")
    assert report.rows == 2
    assert report.columns == ["id", "note", "Источник"]
    assert report.extra_columns == ["Источник"]
    assert (report.format, report.encoding, report.delimiter) == ("csv", "utf-8", ";")
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_extra_columns_pass_through_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path, 'id,Notes, Owner ,score\nA," keep  spaces ",Ann,007\nB,,Bob,\n')
    con = duckdb.connect()
    load_dataset(con, path, "accounts", {"id": KEY}, "t")
    assert con.sql("SELECT * FROM t").fetchall() == [
        ("A", " keep  spaces ", "Ann", "007", 1),
        ("B", None, "Bob", None, 2),
    ]
    assert con.sql("SELECT * FROM t").columns == ["id", "Notes", "Owner", "score", "__row"]


def test_extra_names_that_collide_get_a_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "id,note,NOTE,x,x,__row\nA,a,b,c,d,e\n")
    con = duckdb.connect()
    report = load_dataset(con, path, "accounts", {"id": KEY, "note": NOTE}, "t")
    assert report.extra_columns == ["NOTE_2", "x", "x_2", "__row_2"]
    assert con.sql("SELECT * FROM t").fetchall() == [("A", "a", "b", "c", "d", "e", 1)]


def test_blank_headers(tmp_path: Path) -> None:
    # A trailing delimiter adds an empty column, which is dropped; a blank name over values
    # gets one.
    path = write(tmp_path, "id;;note;\nA;1;x;\nB;;y;\n")
    con = duckdb.connect()
    report = load_dataset(con, path, "accounts", {"id": KEY, "note": NOTE}, "t")
    assert report.columns == ["id", "note", "column2"]
    assert con.sql("SELECT * FROM t").fetchall() == [("A", "x", "1", 1), ("B", "y", None, 2)]


def test_every_row_is_kept_and_trailing_empty_rows_are_not_rows(tmp_path: Path) -> None:
    fields = {"note": NOTE}
    path = write(tmp_path, "note;other\nx;1\n;\n;\ny;\n;\n;\n")
    con = duckdb.connect()
    report = load_dataset(con, path, "accounts", fields, "t")
    assert report.rows == 4
    assert con.sql("SELECT * FROM t").fetchall() == [
        ("x", "1", 1), (None, None, 2), (None, None, 3), ("y", None, 4),
    ]  # fmt: skip


def test_header_only_file_is_an_empty_table(tmp_path: Path) -> None:
    con = duckdb.connect()
    report = load_dataset(con, write(tmp_path, "id,note\n"), "accounts", {"id": KEY}, "t")
    assert report.rows == 0
    assert con.sql("SELECT * FROM t").columns == ["id", "note", "__row"]


def test_an_empty_json_array_is_an_empty_table(tmp_path: Path) -> None:
    con = duckdb.connect()
    report = load_dataset(con, write(tmp_path, "[]", "a.json"), "accounts", {"id": KEY}, "t")
    assert (report.rows, report.format) == (0, "json")
    assert con.sql("SELECT * FROM t").columns == ["id", "__row"]


def test_the_table_is_replaced(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 1 AS other")
    load_dataset(con, write(tmp_path, "id\nA\n"), "accounts", {"id": KEY}, "t")
    assert con.sql("SELECT * FROM t").fetchall() == [("A", 1)]


def test_the_connection_is_left_as_it_was(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    load_dataset(con, write(tmp_path, "id\nA\n"), "accounts", {"id": KEY}, "t")
    setting = con.sql("SELECT current_setting('preserve_insertion_order')").fetchall()
    assert setting == [(False,)]
    assert con.sql("SELECT table_name FROM duckdb_tables()").fetchall() == [("t",)]


def test_the_seed_playbook_fields(tmp_path: Path) -> None:
    playbook = compile_file(ROOT / "playbooks" / "pharma_pilot.abm").playbook
    assert playbook is not None
    fields = playbook.fields["activities"]
    path = write(
        tmp_path,
        "activity_id;account_id;contact_id;type;level;channel;cost;on\n"
        "T-1;A-1;C-1;touch;c_level;email;1 500,50;11.01.2027\n"
        "T-2;A-1;;Meeting;;;;2027-01-20\n",
    )
    con = duckdb.connect()
    report = load_dataset(con, path, "activities", fields, "activities")
    assert report.decimal_comma is True
    rows = con.sql('SELECT activity_id, type, cost, CAST("on" AS VARCHAR) FROM activities')
    assert rows.fetchall() == [
        ("T-1", "touch", Decimal("1500.5"), "2027-01-11"),
        ("T-2", "meeting", None, "2027-01-20"),
    ]


def test_a_large_csv_loads_completely(tmp_path: Path) -> None:
    fields = {
        "id": FieldInfo(dataset="accounts", name="id", type="int", key=True),
        "score": FieldInfo(dataset="accounts", name="score", type="number", low=Decimal(0)),
        "ok": FieldInfo(dataset="accounts", name="ok", type="bool"),
    }
    n = 200_000
    lines = [f'{i};{i % 1000},{i % 10};{"да" if i % 3 else "нет"};"note {i}"' for i in range(n)]
    path = tmp_path / "big.csv"
    path.write_bytes(("id;score;ok;note\r\n" + "\r\n".join(lines) + "\r\n").encode("cp1251"))
    con = duckdb.connect()
    report = load_dataset(con, path, "accounts", fields, "big")
    assert (report.rows, report.decimal_comma, report.encoding) == (n, True, "cp1251")
    assert con.sql(
        "SELECT count(*), sum(id), sum(score), count(*) FILTER (WHERE ok), "
        "count(*) FILTER (WHERE __row = id + 1) FROM big"
    ).fetchall() == [(n, n * (n - 1) // 2, Decimal("99990000"), 133_333, n)]
    last = con.sql("SELECT * FROM big ORDER BY __row DESC LIMIT 1").fetchall()
    assert last == [(n - 1, Decimal("999.9"), True, f"note {n - 1}", n)]


def test_a_large_csv_with_problems_reports_the_first_ones(tmp_path: Path) -> None:
    fields = {"id": FieldInfo(dataset="accounts", name="id", type="int", key=True)}
    path = tmp_path / "big.csv"
    path.write_text("id\n" + "".join(f"{i % 100_000}\n" for i in range(200_000)))
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), path, "accounts", fields, "big")
    assert caught.value.total == 100_000
    first = caught.value.problems[0]
    assert (first.row, first.line, first.message) == (
        100_001,
        100_002,
        "`0` is already the key of row 1",
    )
