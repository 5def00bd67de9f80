"""Problems in data files: each kind reported at its row, line and column, all of them, in order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from abmdsl.data import DataError, Problem, load_dataset, render_problems
from abmdsl.data.errors import MAX_PROBLEMS


def field(name: str, type_: str, **more: object):
    from abmdsl.ir import FieldInfo

    return FieldInfo(dataset="accounts", name=name, type=type_, **more)


FIELDS = {
    f.name: f
    for f in [
        field("account_id", "text", key=True),
        field("name", "text"),
        field("industry", "enum", enum_values=("pharma", "mining", "retail")),
        field("info_openness", "int", low=Decimal(1), high=Decimal(5)),
        field("share", "percent", low=Decimal(0), high=Decimal("0.5"), optional=True),
        field("since", "date", optional=True),
    ]
}
HEADER = "account_id;name;industry;info_openness;share;since\n"


def problems_of(path: Path, fields=FIELDS) -> list[tuple]:
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), path, "accounts", fields, "accounts")
    return [(p.row, p.line, p.column, p.message) for p in caught.value.problems]


def write(tmp_path: Path, text: str, name: str = "accounts.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_each_kind_of_problem_at_its_row_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "A-1;Acme;pharma;7;10%;2027-01-11\n"  # above the range
        + "A-2;Beta;farma;abc;;2027-13-40\n"  # bad enum, not a number, not a date
        + "A-1;;mining;0;60%;\n"  # duplicate key, empty required, below, above
        + ";Delta;retail;3;0,6;\n"  # empty key; a fraction above the range
        + "A-5;Echo;retail;;;\n",  # empty required int
    )
    assert problems_of(path) == [
        (1, 2, "info_openness", "7 is above the declared range 1..5"),
        (2, 3, "industry", "`farma` is not one of pharma, mining, retail"),
        (2, 3, "info_openness", "`abc` is not a whole number"),
        (2, 3, "since", "`2027-13-40` is not a date"),
        (3, 4, "account_id", "`A-1` is already the key of row 1"),
        (3, 4, "name", "empty value in a required field"),
        (3, 4, "info_openness", "0 is below the declared range 1..5"),
        (3, 4, "share", "60% is above the declared range 0%..50%"),
        (4, 5, "account_id", "empty key"),
        (4, 5, "share", "0,6 is above the declared range 0%..50%"),
        (5, 6, "info_openness", "empty value in a required field"),
    ]


def test_hints(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "A-1;Acme;Farma;x;0,6;\nA-1;Beta;retail;1;;\n")
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), path, "accounts", FIELDS, "accounts")
    assert [p.hint for p in caught.value.problems] == [
        "did you mean `pharma`?",
        "write a whole number, such as 42",
        "a percentage without `%` is a fraction: write `0,6%` if you meant that",
        "keys must be unique: merge the two rows, or give one of them another key",
    ]


def test_every_duplicate_after_the_first_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "account_id\nA\nB\nA\nA\nB\n")
    assert problems_of(path, {"account_id": FIELDS["account_id"]}) == [
        (3, 4, "account_id", "`A` is already the key of row 1"),
        (4, 5, "account_id", "`A` is already the key of row 1"),
        (5, 6, "account_id", "`B` is already the key of row 2"),
    ]


def test_keys_are_compared_as_typed_values(tmp_path: Path) -> None:
    fields = {"id": field("id", "int", key=True)}
    path = write(tmp_path, "id\n1\n001\n1.0\n")
    assert problems_of(path, fields) == [
        (2, 3, "id", "`001` is already the key of row 1"),
        (3, 4, "id", "`1.0` is already the key of row 1"),
    ]


def test_missing_columns_with_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, "account_id;Name;industri;notes\nA;a;pharma;x\n")
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), path, "accounts", FIELDS, "accounts")
    assert caught.value.problems[:3] == [
        Problem(str(path), None, None, "name", "the column `name` is missing",
                "did you mean `Name`?"),
        Problem(str(path), None, None, "industry", "the column `industry` is missing",
                "did you mean `industri`?"),
        Problem(str(path), None, None, "info_openness", "the column `info_openness` is missing",
                "the file's other columns are `Name`, `industri`, `notes`"),
    ]  # fmt: skip
    assert [p.column for p in caught.value.problems] == [
        "name", "industry", "info_openness", "share", "since",
    ]  # fmt: skip


def test_header_whitespace_and_bom_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbf account_id \t,\xc2\xa0name\nA,Acme\n")
    fields = {"account_id": FIELDS["account_id"], "name": FIELDS["name"]}
    con = duckdb.connect()
    assert load_dataset(con, path, "accounts", fields, "accounts").columns == list(fields)
    assert con.sql("SELECT * FROM accounts").fetchall() == [("A", "Acme", 1)]


def test_a_repeated_declared_column(tmp_path: Path) -> None:
    path = write(tmp_path, "account_id,name,name\nA,x,y\n")
    fields = {"account_id": FIELDS["account_id"], "name": FIELDS["name"]}
    assert problems_of(path, fields) == [
        (None, None, "name", "the column `name` appears 2 times"),
    ]


def test_row_problems_are_reported_along_with_missing_columns(tmp_path: Path) -> None:
    fields = {"account_id": FIELDS["account_id"], "name": FIELDS["name"]}
    path = write(tmp_path, "account_id\nA\nA\n")
    assert problems_of(path, fields) == [
        (None, None, "name", "the column `name` is missing"),
        (2, 3, "account_id", "`A` is already the key of row 1"),
    ]


def test_lines_count_line_breaks_inside_quoted_values(tmp_path: Path) -> None:
    fields = {"account_id": FIELDS["account_id"], "info_openness": FIELDS["info_openness"]}
    path = write(tmp_path, 'account_id,info_openness\n"A\n1",9\nB,9\n"C\r\n\r\n3",9\nD,9\n')
    assert [(row, line) for row, line, _, _ in problems_of(path, fields)] == [
        (1, 2), (2, 4), (3, 5), (4, 8),
    ]  # fmt: skip


def test_a_blank_line_leaves_the_lines_unknown(tmp_path: Path) -> None:
    fields = {"account_id": FIELDS["account_id"], "info_openness": FIELDS["info_openness"]}
    path = write(tmp_path, "account_id,info_openness\nA,9\n\nB,9\n\n\n")
    assert [(row, line) for row, line, _, _ in problems_of(path, fields)] == [
        (1, None), (2, None),
    ]  # fmt: skip


def test_trailing_newlines_keep_the_lines_known(tmp_path: Path) -> None:
    fields = {"account_id": FIELDS["account_id"], "info_openness": FIELDS["info_openness"]}
    path = write(tmp_path, "account_id,info_openness\r\nA,9\r\n\r\n\r\n")
    assert problems_of(path, fields) == [
        (1, 2, "info_openness", "9 is above the declared range 1..5")
    ]


def test_lines_with_too_many_or_too_few_values(tmp_path: Path) -> None:
    path = write(tmp_path, 'account_id;name\nA;"multi\nline"\nB\nC;c;extra\nD;d\n')
    fields = {"account_id": FIELDS["account_id"], "name": FIELDS["name"]}
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), path, "accounts", fields, "accounts")
    assert [(p.row, p.line, p.message, p.hint) for p in caught.value.problems] == [
        (None, 4, "this line has 1 values, but the header has 2",
         "every line needs a value for each column, separated by `;`, even empty"),
        (None, 5, "this line has 3 values, but the header has 2",
         "a value that contains `;` must be in double quotes"),
    ]  # fmt: skip


def test_json_items_that_are_not_objects(tmp_path: Path) -> None:
    path = write(tmp_path, '[{"account_id": "A"}, [1, 2], "B"]', "a.json")
    assert problems_of(path, {"account_id": FIELDS["account_id"]}) == [
        (2, None, None, "this item is an array, not an object"),
        (3, None, None, "this item is a string, not an object"),
    ]


def test_ndjson_rows_are_lines(tmp_path: Path) -> None:
    text = '{"account_id": "A", "info_openness": 3}\n{"account_id": "B", "info_openness": 6}\n'
    path = write(tmp_path, text, "a.ndjson")
    fields = {"account_id": FIELDS["account_id"], "info_openness": FIELDS["info_openness"]}
    assert problems_of(path, fields) == [
        (2, 2, "info_openness", "6 is above the declared range 1..5")
    ]


def test_xlsx_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for row in (["account_id", "info_openness"], ["A", 3], ["B", 6.5], [None, None], ["D", 1]):
        book.active.append(row)
    path = tmp_path / "a.xlsx"
    book.save(path)
    fields = {"account_id": FIELDS["account_id"], "info_openness": FIELDS["info_openness"]}
    assert problems_of(path, fields) == [
        (2, None, "info_openness", "`6.5` is not a whole number"),
        (3, None, "account_id", "empty key"),
        (3, None, "info_openness", "empty value in a required field"),
    ]


# ------------------------------------------------------------------------------ many problems


def test_render_shows_twenty_then_a_count(tmp_path: Path) -> None:
    rows = "".join(f"A-{i};n;pharma;9;;\n" for i in range(1, 35))
    path = write(tmp_path, HEADER + rows)
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), path, "accounts", FIELDS, "accounts")
    error = caught.value
    assert (error.total, len(error.problems)) == (34, 34)
    lines = str(error).splitlines()
    assert len(lines) == 21
    assert lines[0] == (
        f"{path}: row 1 (line 2), column `info_openness`: 9 is above the declared range 1..5"
    )
    assert lines[19].startswith(f"{path}: row 20 (line 21)")
    assert lines[20] == "… and 14 more problems"
    assert render_problems(error.problems, error.total) == str(error)


def test_problems_are_capped_but_counted(tmp_path: Path) -> None:
    path = write(tmp_path, "account_id\n" + "A\n" * (MAX_PROBLEMS + 51))
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), path, "accounts", {"account_id": FIELDS["account_id"]}, "t")
    assert len(caught.value.problems) == MAX_PROBLEMS
    assert caught.value.total == MAX_PROBLEMS + 50
    assert str(caught.value).endswith(f"… and {MAX_PROBLEMS + 30} more problems")


def test_render_without_row_or_line() -> None:
    problems = [
        Problem("a.csv", None, None, None, "the file is empty", "a data file starts with a header"),
        Problem("a.csv", None, 4, None, "this line has 3 values, but the header has 2"),
        Problem("a.csv", None, None, "name", "the column `name` is missing"),
        Problem("a.xlsx", 3, None, "x", "empty key"),
    ]
    assert render_problems(problems, total=5) == "\n".join(
        [
            "a.csv: the file is empty",
            "  = hint: a data file starts with a header",
            "a.csv: line 4: this line has 3 values, but the header has 2",
            "a.csv: column `name`: the column `name` is missing",
            "a.xlsx: row 3, column `x`: empty key",
            "… and 1 more problem",
        ]
    )


def test_a_failed_load_leaves_the_table_as_it_was(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE accounts AS SELECT 'old' AS account_id")
    path = write(tmp_path, "account_id\nA\nA\n")
    with pytest.raises(DataError):
        load_dataset(con, path, "accounts", {"account_id": FIELDS["account_id"]}, "accounts")
    assert con.sql("SELECT * FROM accounts").fetchall() == [("old",)]
    leftovers = con.sql("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '__abm%'")
    assert leftovers.fetchall() == []
