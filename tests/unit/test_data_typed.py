"""Typed Parquet columns are checked and loaded as they are, with the text path's results.

Each test writes the same rows as CSV and as Parquet (with typed columns, or with columns whose
types do not match their fields) and compares what `load_dataset` and `run_playbook` make of
them: the same problems (row, column, message, hint), the same table, the same tiers.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from abmdsl.api import compile_file
from abmdsl.data import DataError, check_unchanged, load_dataset
from abmdsl.engine.run import run_playbook
from abmdsl.ir import FieldInfo

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "playbooks" / "pharma_pilot.abm"
SAMPLE = ROOT / "playbooks" / "data" / "accounts.csv"


def field(name: str, type_: str, **more: object) -> FieldInfo:
    return FieldInfo(dataset="accounts", name=name, type=type_, **more)


FIELDS = {
    f.name: f
    for f in [
        field("account_id", "text", key=True),
        field("name", "text"),
        field("industry", "enum", enum_values=("pharma", "mining", "retail")),
        field("has_budget", "bool"),
        field("info_openness", "int", low=Decimal(1), high=Decimal(5)),
        field("revenue", "money", optional=True),
        field("share", "percent", low=Decimal(0), high=Decimal("0.5"), optional=True),
        field("since", "date", optional=True),
        field("cycle", "duration", optional=True),
    ]
}
TYPES = {
    "account_id": pa.string(),
    "name": pa.string(),
    "industry": pa.string(),
    "has_budget": pa.bool_(),
    "info_openness": pa.int8(),
    "revenue": pa.decimal128(12, 2),
    "share": pa.float64(),
    "since": pa.date32(),
    "cycle": pa.int32(),
    "city": pa.string(),  # an extra column
}


def rows_table(rows: list[dict[str, object]], types: dict[str, pa.DataType] = TYPES) -> pa.Table:
    return pa.table({n: pa.array([r.get(n) for r in rows], t) for n, t in types.items()})


def as_csv(table: pa.Table, path: Path) -> Path:
    """The same rows as a CSV file: empty cells for nulls, values as DuckDB writes them."""
    con = duckdb.connect()
    con.register("t", table)
    con.execute(f"COPY (SELECT * FROM t) TO '{path}' (HEADER, DELIMITER ',')")
    return path


def as_parquet(table: pa.Table, path: Path) -> Path:
    pq.write_table(table, path)
    return path


def problems(path: Path, fields: dict[str, FieldInfo] = FIELDS) -> list[tuple[object, ...]]:
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), path, "accounts", fields, "accounts")
    return [(p.row, p.column, p.message, p.hint) for p in caught.value.problems]


def loaded(path: Path, copy: bool = True) -> tuple[list[tuple[object, ...]], object]:
    con = duckdb.connect()
    report = load_dataset(con, path, "accounts", FIELDS, "accounts", copy=copy)
    return con.sql("SELECT * FROM accounts ORDER BY __row").fetchall(), report


GOOD = [
    {
        "account_id": "A-1",
        "name": "Acme",
        "industry": "pharma",
        "has_budget": True,
        "info_openness": 3,
        "revenue": Decimal("1250.50"),
        "share": 0.25,
        "since": dt.date(2027, 1, 11),
        "cycle": 14,
        "city": "Kazan",
    },
    {
        "account_id": "A-2",
        "name": "Beta",
        "industry": "retail",
        "has_budget": False,
        "info_openness": 5,
        "since": None,
        "city": None,
    },
]


def test_bad_typed_values_give_the_same_problems_as_csv(tmp_path: Path) -> None:
    bad = [
        *GOOD,
        {**GOOD[0], "account_id": "A-3", "info_openness": 7},  # above the range
        {**GOOD[0], "account_id": "A-4", "industry": "farma"},  # not one of the enum's
        {**GOOD[0], "account_id": "A-1"},  # a key already used
        {**GOOD[0], "account_id": None},  # an empty key
        {**GOOD[0], "account_id": "", "name": "Blank"},  # an empty key, as a blank string
        {**GOOD[0], "account_id": "A-7", "has_budget": None},  # empty required fields
        {**GOOD[0], "account_id": "A-8", "info_openness": None, "name": None},
        {**GOOD[0], "account_id": "A-9", "share": 0.75, "info_openness": 0},  # out of range
        {**GOOD[0], "account_id": "A-10", "share": float("nan")},  # not a percentage
    ]
    table = rows_table(bad)
    from_parquet = problems(as_parquet(table, tmp_path / "a.parquet"))
    from_csv = problems(as_csv(table, tmp_path / "a.csv"))
    assert from_parquet == from_csv
    assert {kind for _, _, kind, _ in from_parquet} >= {
        "7 is above the declared range 1..5",
        "`farma` is not one of pharma, mining, retail",
        "`A-1` is already the key of row 1",
        "empty key",
        "empty value in a required field",
        "0.75 is above the declared range 0%..50%",
        "`nan` is not a percentage",
    }


def test_a_date_the_text_path_cannot_read_is_not_a_date(tmp_path: Path) -> None:
    table = rows_table(GOOD[:1]).set_column(
        7,
        "since",
        pa.array([3_650_000], pa.int32()).cast(pa.date32()),  # the year 11963
    )
    from_parquet = problems(as_parquet(table, tmp_path / "a.parquet"))
    assert from_parquet == problems(as_csv(table, tmp_path / "a.csv"))
    assert [message for _, _, message, _ in from_parquet] == ["`11963-05-13` is not a date"]


def test_typed_columns_load_as_the_same_table_without_text(tmp_path: Path) -> None:
    table = rows_table(GOOD)
    rows, report = loaded(as_parquet(table, tmp_path / "a.parquet"))
    assert rows == loaded(as_csv(table, tmp_path / "a.csv"))[0]
    assert report.typed_fields == tuple(FIELDS)  # every field was read as it is
    assert report.view_of is None  # copied: the default


def test_a_view_of_the_file_when_asked_not_to_copy(tmp_path: Path) -> None:
    path = as_parquet(rows_table(GOOD), tmp_path / "a.parquet")
    rows, report = loaded(path, copy=False)
    assert rows == loaded(path)[0]
    assert report.view_of is not None
    check_unchanged(path, report)
    os.utime(path, ns=(0, 0))  # the file changes after it was checked
    with pytest.raises(DataError, match="the file changed while it was read"):
        check_unchanged(path, report)


def test_columns_whose_types_do_not_match_are_read_as_text(tmp_path: Path) -> None:
    as_text = {
        **{n: pa.string() for n in TYPES},
        "info_openness": pa.float64(),  # a whole number as a float: read from its text
        "cycle": pa.float64(),  # a duration as a float: read from its text
    }
    written = [
        {
            **GOOD[0],
            "has_budget": "yes",
            "revenue": "1 250,50",
            "share": "25%",
            "since": "11.01.2027",
            "cycle": 14.0,
            "info_openness": 3.0,
        },
        {**GOOD[1], "has_budget": "no", "info_openness": 5.0},
    ]
    rows, report = loaded(as_parquet(rows_table(written, as_text), tmp_path / "a.parquet"))
    assert rows == loaded(as_parquet(rows_table(GOOD), tmp_path / "b.parquet"))[0]
    assert set(report.typed_fields) == {"account_id", "name", "industry"}


def test_strings_the_typed_reading_cannot_take_go_the_text_way(tmp_path: Path) -> None:
    messy = [
        {**GOOD[0], "account_id": " A-1 ", "name": "Acme\u00a0", "industry": "Pharma"},
        {**GOOD[1], "name": "  "},  # blank: empty, and `name` is required
    ]
    table = rows_table(messy)
    assert problems(as_parquet(table, tmp_path / "a.parquet")) == problems(
        as_csv(table, tmp_path / "a.csv")
    )
    messy[1]["name"] = "Beta"
    rows, report = loaded(as_parquet(rows_table(messy), tmp_path / "b.parquet"))
    assert rows == loaded(as_parquet(rows_table(GOOD), tmp_path / "c.parquet"))[0]
    assert not {"account_id", "name", "industry"} & set(report.typed_fields)


def test_trailing_empty_rows_of_a_parquet_file_are_not_rows(tmp_path: Path) -> None:
    path = as_parquet(rows_table([*GOOD, {}, {}]), tmp_path / "a.parquet")
    rows, report = loaded(path, copy=False)
    assert len(rows) == report.rows == 2
    assert report.view_of is not None


def test_timestamps_floats_and_decimals_read_as_their_text_would_be(tmp_path: Path) -> None:
    types = {
        **TYPES,
        "since": pa.timestamp("us"),
        "revenue": pa.float64(),
        "share": pa.decimal128(10, 8),
        "cycle": pa.decimal128(6, 3),
    }
    written = [
        {
            **GOOD[0],
            "since": dt.datetime(2027, 1, 11, 14, 30),
            "revenue": 1e-07,
            "share": Decimal("0.12345650"),
            "cycle": Decimal("1.500"),
        },
        {**GOOD[1], "revenue": 5e-07},
    ]
    table = rows_table(written, types)
    rows, report = loaded(as_parquet(table, tmp_path / "a.parquet"))
    assert rows == loaded(as_csv(table, tmp_path / "a.csv"))[0]
    assert report.typed_fields == tuple(FIELDS)
    assert [r[5:9] for r in rows] == [
        (Decimal("0"), Decimal("0.123457"), dt.date(2027, 1, 11), Decimal("1.5")),
        (Decimal("0.000001"), None, None, None),
    ]


def test_abm_run_on_parquet_tiers_as_on_csv(tmp_path: Path) -> None:
    compiled = compile_file(str(SEED))
    assert compiled.playbook is not None
    con = duckdb.connect()
    load_dataset(con, SAMPLE, "accounts", compiled.playbook.fields["accounts"], "accounts")
    # Typed as a compact export stores them: narrow integers, booleans, strings.
    typed = con.sql(
        "SELECT * EXCLUDE (__row) REPLACE (CAST(strategic_initiatives AS TINYINT) AS "
        "strategic_initiatives, CAST(info_openness AS TINYINT) AS info_openness) "
        "FROM accounts ORDER BY __row"
    ).to_arrow_table()
    parquet = as_parquet(typed, tmp_path / "accounts.parquet")
    by_csv = run_playbook(compiled.playbook, compiled.sources, SAMPLE).table
    by_parquet = run_playbook(compiled.playbook, compiled.sources, parquet).table
    assert by_parquet.num_rows == by_csv.num_rows
    assert by_parquet.to_pylist() == by_csv.to_pylist()
    assert by_parquet.schema.field("attractiveness").type == pa.decimal64(18, 6)


def test_a_broken_parquet_file_is_one_problem(tmp_path: Path) -> None:
    path = as_parquet(rows_table(GOOD), tmp_path / "a.parquet")
    data = bytearray(path.read_bytes())
    data[8:40] = b"\xff" * 32  # the first column's pages, not the footer
    path.write_bytes(bytes(data))
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), path, "accounts", FIELDS, "accounts")
    (problem,) = caught.value.problems
    assert problem.message.startswith("cannot be read as Parquet")
