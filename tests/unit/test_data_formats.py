"""Every format, encoding and delimiter loads the same five accounts into the same typed table."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from abmdsl.data import DataError, load_dataset
from abmdsl.data.formats import decode, detect_format, sniff_delimiter, text_format
from abmdsl.ir import FieldInfo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"


def field(name: str, type_: str, **more: object) -> FieldInfo:
    return FieldInfo(dataset="accounts", name=name, type=type_, **more)


FIELDS = {
    f.name: f
    for f in [
        field("account_id", "text", key=True),
        field("name", "text"),
        field("industry", "enum", enum_values=("pharma", "mining", "it_services")),
        field("has_budget", "bool"),
        field("employees", "int", low=Decimal(0), high=Decimal(1_000_000)),
        field("revenue", "money"),
        field("share", "percent", low=Decimal(0), high=Decimal(1)),
        field("score", "number", low=Decimal(1), high=Decimal(5)),
        field("since", "date"),
        field("cycle", "duration", optional=True),
    ]
}
HEADER = [*FIELDS, "Примечание"]

# The same five accounts as a Russian Excel user types them…
RU = [
    [
        "A-1",
        "Фарма Плюс",
        "pharma",
        "да",
        "1 200",
        "1 234,50",
        "25%",
        "3,5",
        "11.01.2027",
        "3",
        "первый",
    ],
    ["A-2", "Рудник", "Mining", "нет", "50", "0", "0,5", "1", "2027-02-01", "2 weeks", ""],
    [
        "A-3",
        "Софт; и ко",
        "it_services",
        "1",
        "7",
        "99,99",
        "12,5 %",
        "5",
        "01.03.2027",
        "4 h",
        "с «кавычками»",
    ],
    ["A-4", "Завод", "pharma", "Нет", "0", "1 000 000", "0", "2,25", "31.12.2027", "", ""],
    ["A-5", "Ещё", "mining", "ДА", "42", "10,10", "100%", "4", "2027-06-30", "0,5", "x"],
]
# …and what they mean.
EXPECTED = [
    (
        "A-1",
        "Фарма Плюс",
        "pharma",
        True,
        1200,
        Decimal("1234.5"),
        Decimal("0.25"),
        Decimal("3.5"),
        dt.date(2027, 1, 11),
        Decimal("3"),
        "первый",
        1,
    ),
    (
        "A-2",
        "Рудник",
        "mining",
        False,
        50,
        Decimal("0"),
        Decimal("0.5"),
        Decimal("1"),
        dt.date(2027, 2, 1),
        Decimal("14"),
        None,
        2,
    ),
    (
        "A-3",
        "Софт; и ко",
        "it_services",
        True,
        7,
        Decimal("99.99"),
        Decimal("0.125"),
        Decimal("5"),
        dt.date(2027, 3, 1),
        Decimal("0.166667"),
        "с «кавычками»",
        3,
    ),
    (
        "A-4",
        "Завод",
        "pharma",
        False,
        0,
        Decimal("1000000"),
        Decimal("0"),
        Decimal("2.25"),
        dt.date(2027, 12, 31),
        None,
        None,
        4,
    ),
    (
        "A-5",
        "Ещё",
        "mining",
        True,
        42,
        Decimal("10.1"),
        Decimal("1"),
        Decimal("4"),
        dt.date(2027, 6, 30),
        Decimal("0.5"),
        "x",
        5,
    ),
]


def _english(row: list[str]) -> list[str]:
    """The same row as an English-locale export writes it: dot decimals, comma thousands."""
    out = [v.replace(",", ".") for v in row]
    out[4] = out[4].replace(" ", ",")
    out[5] = out[5].replace(" ", ",")
    out[1], out[10] = row[1], row[10]
    return out


def csv_text(rows: list[list[str]], delimiter: str) -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if delimiter in v or '"' in v else v

    return "".join(delimiter.join(cell(v) for v in r) + "\r\n" for r in [HEADER, *rows])


def write_cp1251(path: Path) -> Path:
    path = path / "accounts.csv"
    path.write_bytes(csv_text(RU, ";").encode("cp1251"))
    return path


def write_utf8_bom_comma(path: Path) -> Path:
    path = path / "accounts.csv"
    path.write_bytes(csv_text([_english(r) for r in RU], ",").encode("utf-8-sig"))
    return path


def write_tsv(path: Path) -> Path:
    path = path / "accounts.tsv"
    path.write_text(csv_text([_english(r) for r in RU], "\t"), encoding="utf-8")
    return path


def write_pipe_utf16(path: Path) -> Path:
    path = path / "accounts.txt"
    path.write_bytes(csv_text(RU, "|").encode("utf-16"))
    return path


def _typed(row: tuple) -> dict[str, object]:
    """A row as a program would write it: real numbers, booleans and dates; `cycle` as text."""
    values = dict(zip(HEADER, row, strict=False))
    values["employees"] = int(values["employees"])
    for name in ("revenue", "share", "score"):
        values[name] = float(values[name])
    values["cycle"] = {None: None, Decimal("0.166667"): "4 h"}.get(
        values["cycle"], str(values["cycle"])
    )
    return values


def write_xlsx(path: Path) -> Path:
    path = path / "accounts.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in EXPECTED:
        values = _typed(row)
        sheet.append([values[h] for h in HEADER])
        sheet.cell(sheet.max_row, HEADER.index("share") + 1).number_format = "0%"
    book.save(path)
    return path


def write_parquet(path: Path) -> Path:
    path = path / "accounts.parquet"
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (account_id VARCHAR, name VARCHAR, industry VARCHAR, has_budget BOOLEAN, "
        "employees BIGINT, revenue DOUBLE, share DOUBLE, score DECIMAL(4,2), since DATE, "
        'cycle VARCHAR, "Примечание" VARCHAR)'
    )
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[_typed(r)[h] for h in HEADER] for r in EXPECTED],
    )
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    return path


def _json_rows() -> list[dict[str, object]]:
    rows = []
    for row in EXPECTED:
        values = _typed(row)
        values["since"] = values["since"].isoformat()  # type: ignore[union-attr]
        rows.append({k: v for k, v in values.items() if v is not None})
    return rows


def write_json(path: Path) -> Path:
    path = path / "accounts.json"
    path.write_text(json.dumps(_json_rows(), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_ndjson(path: Path) -> Path:
    path = path / "accounts.ndjson"
    lines = [json.dumps(r, ensure_ascii=False) for r in _json_rows()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


WRITERS: dict[str, tuple[Callable[[Path], Path], tuple]] = {
    # name: (writer, (format, encoding, delimiter, decimal_comma))
    "csv-cp1251-semicolon": (write_cp1251, ("csv", "cp1251", ";", True)),
    "csv-utf8-bom-comma": (write_utf8_bom_comma, ("csv", "utf-8-sig", ",", False)),
    "tsv": (write_tsv, ("csv", "utf-8", "\t", False)),
    "txt-utf16-pipe": (write_pipe_utf16, ("csv", "utf-16", "|", True)),
    "xlsx": (write_xlsx, ("xlsx", None, None, False)),
    "parquet": (write_parquet, ("parquet", None, None, False)),
    "json": (write_json, ("json", "utf-8", None, False)),
    "ndjson": (write_ndjson, ("ndjson", "utf-8", None, False)),
}


@pytest.mark.parametrize("name", WRITERS)
def test_every_format_loads_the_same_table(tmp_path: Path, name: str) -> None:
    writer, (fmt, encoding, delimiter, decimal_comma) = WRITERS[name]
    path = writer(tmp_path)
    con = duckdb.connect()
    report = load_dataset(con, path, "accounts", FIELDS, "accounts")
    assert con.sql("SELECT * FROM accounts ORDER BY __row").fetchall() == EXPECTED
    assert (report.format, report.encoding, report.delimiter) == (fmt, encoding, delimiter)
    assert report.decimal_comma is decimal_comma
    assert report.rows == 5
    assert report.columns == HEADER and report.extra_columns == ["Примечание"]
    assert len(report.sha256) == 64


def test_declared_columns_have_the_declared_sql_types(tmp_path: Path) -> None:
    con = duckdb.connect()
    load_dataset(con, write_cp1251(tmp_path), "accounts", FIELDS, "accounts")
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE accounts)").fetchall())
    assert types == {
        "account_id": "VARCHAR", "name": "VARCHAR", "industry": "VARCHAR",
        "has_budget": "BOOLEAN", "employees": "BIGINT", "revenue": "DECIMAL(38,6)",
        "share": "DECIMAL(38,6)", "score": "DECIMAL(38,6)", "since": "DATE",
        "cycle": "DECIMAL(38,6)", "Примечание": "VARCHAR", "__row": "BIGINT",
    }  # fmt: skip


def test_parquet_extra_columns_keep_their_types(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 'A-1' AS account_id, 7 AS visits) TO '{path}' (FORMAT parquet)")
    fields = {"account_id": FIELDS["account_id"]}
    load_dataset(con, path, "accounts", fields, "accounts")
    assert con.sql("SELECT visits + 1 FROM accounts").fetchall() == [(8,)]


def test_extension_is_not_needed(tmp_path: Path) -> None:
    con = duckdb.connect()
    for writer in (write_cp1251, write_json, write_ndjson, write_parquet, write_xlsx):
        path = writer(tmp_path)
        renamed = path.rename(tmp_path / "export")
        report = load_dataset(con, renamed, "accounts", FIELDS, "accounts")
        assert report.format == path.suffix.lstrip("."), path
        assert con.sql("SELECT * FROM accounts").fetchall() == EXPECTED


def test_fixture_polish_cp1250(tmp_path: Path) -> None:
    fields = {
        "contact_id": FieldInfo(dataset="contacts", name="contact_id", type="text", key=True),
        "name": FieldInfo(dataset="contacts", name="name", type="text"),
        "active": FieldInfo(dataset="contacts", name="active", type="bool"),
        "budget": FieldInfo(dataset="contacts", name="budget", type="money"),
    }
    con = duckdb.connect()
    report = load_dataset(con, FIXTURES / "contacts_pl.csv", "contacts", fields, "contacts")
    assert (report.encoding, report.delimiter, report.decimal_comma) == ("cp1250", ";", True)
    assert con.sql("SELECT * FROM contacts").fetchall() == [
        ("C-1", "Łukasz Żółć", True, Decimal("12500.5"), 1),
        ("C-2", "Małgorzata Wąs", False, Decimal("0.99"), 2),
    ]


def test_fixture_russian_activities_cp1251() -> None:
    fields = {
        "activity_id": FieldInfo(dataset="activities", name="activity_id", type="text", key=True),
        "type": FieldInfo(dataset="activities", name="type", type="enum",
                          enum_values=("touch", "reply", "meeting")),
        "cost": FieldInfo(dataset="activities", name="cost", type="money", optional=True),
        "on": FieldInfo(dataset="activities", name="on", type="date"),
    }  # fmt: skip
    con = duckdb.connect()
    path = FIXTURES / "activities_ru.csv"
    report = load_dataset(con, path, "activities", fields, "activities")
    assert (report.encoding, report.delimiter, report.decimal_comma) == ("cp1251", ";", True)
    assert report.extra_columns == ["Комментарий"]
    assert con.sql("SELECT * FROM activities").fetchall() == [
        ("T-1", "touch", Decimal("1500"), dt.date(2027, 1, 12), "Письмо «Привет»", 1),
        ("T-2", "meeting", None, dt.date(2027, 1, 20), "Встреча в офисе", 2),
        ("T-3", "reply", Decimal("0.5"), dt.date(2027, 2, 3), None, 3),
    ]


# ------------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("id;score\n1;3,5\n2;4,25\n", ";"),
        ("id,score\n1,3.5\n2,4.25\n", ","),
        ("id\tname\n1\tAcme, Inc\n", "\t"),
        ("id|name\n1|a;b\n", "|"),
        ('"id";"note"\n"1";"a, b, c, d"\n', ";"),
        ("id\n1\n2\n", ","),
    ],
)
def test_sniff_delimiter(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_decode_encodings() -> None:
    path = Path("x.csv")
    assert decode(path, "имя;Łódź".encode()).encoding == "utf-8"
    assert decode(path, "имя".encode("utf-8-sig")).text == "имя"
    assert decode(path, "имя".encode("utf-16")).encoding == "utf-16"
    assert decode(path, "id;имя".encode("utf-16-le")).encoding == "utf-16-le"
    assert decode(path, "Компания;Отрасль".encode("cp1251")).encoding == "cp1251"
    assert decode(path, "Spółka;Branża;Łódź".encode("cp1250")).encoding == "cp1250"


def test_detect_format() -> None:
    assert detect_format(Path("a.csv"), b"PAR1xxxx") == "parquet"
    assert detect_format(Path("a.jsonl"), b"{}") == "ndjson"
    assert text_format('[{"a": 1}]', "text") == "json"
    assert text_format('{"a": 1}\n', "json") == "ndjson"
    assert text_format("a,b\n", "text") == "csv"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.csv", "the file is empty"),
        (b"  \n\n", "a.csv", "the file is empty"),
        (b"\x00\x01\x02\x03" * 50, "a.bin", "not a recognised format: binary data, not text"),
        (b"\xd0\xcf\x11\xe0rest", "a.xls", "an old Excel (.xls) workbook is not supported"),
        (b"a,b\n", "a.xlsx", "not a valid XLSX file"),
        (b"a,b\n", "a.parquet", "not a valid PARQUET file"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, name: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), path, "accounts", FIELDS, "accounts")
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == (str(path), None, None)
    assert problem.message == message


def test_broken_workbooks(tmp_path: Path) -> None:
    fields = {"account_id": FIELDS["account_id"]}
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(write_xlsx(tmp_path).read_bytes()[:600])
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("readme.txt", "hello")
    messages = []
    for path in (empty, damaged, archive):
        with pytest.raises(DataError) as caught:
            load_dataset(duckdb.connect(), path, "accounts", fields, "accounts")
        messages += [p.message for p in caught.value.problems]
    assert messages == [
        "the first sheet is empty",
        "not a valid XLSX file: the archive is damaged",
        "not a recognised format: a ZIP archive that is not an XLSX workbook",
    ]


def test_xlsx_header_below_empty_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for row in ([], [], ["account_id", "name"], ["A", "Acme"], [None, None], [" ", None]):
        book.active.append(row)
    path = tmp_path / "a.xlsx"
    book.save(path)
    con = duckdb.connect()
    fields = {"account_id": FIELDS["account_id"], "name": FIELDS["name"]}
    assert load_dataset(con, path, "accounts", fields, "accounts").rows == 1
    assert con.sql("SELECT * FROM accounts").fetchall() == [("A", "Acme", 1)]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), tmp_path / "nope.csv", "accounts", FIELDS, "accounts")
    assert [p.message for p in caught.value.problems] == ["no such file"]


def test_malformed_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('[{"account_id": "A"},\n {"account_id": ]')
    with pytest.raises(DataError) as caught:
        load_dataset(duckdb.connect(), path, "accounts", {"account_id": FIELDS["account_id"]}, "t")
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (2, "cannot be read as JSON: expecting value")
