"""How cells are spelled: every accepted spelling of each field type, and the rejected ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from abmdsl.data import DataError, load_dataset
from abmdsl.ir import FieldInfo

D = Decimal
KEY = FieldInfo(dataset="accounts", name="id", type="text", key=True)
CON = duckdb.connect()  # one for the module: each load replaces the table `t`


def load_one(tmp_path: Path, type_: str, cells: list[str], delimiter: str = ",", **more: object):
    """Load `id` and one field `x` of ``type_``; return the report and the values of `x`."""
    x = FieldInfo(dataset="accounts", name="x", type=type_, optional=True, **more)

    def quoted(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"'

    lines = [f"id{delimiter}x"] + [f"{i}{delimiter}{quoted(c)}" for i, c in enumerate(cells)]
    path = tmp_path / "values.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_dataset(CON, path, "accounts", {"id": KEY, "x": x}, "t")
    return report, [v for (v,) in CON.sql("SELECT x FROM t ORDER BY __row").fetchall()]


# (type, delimiter) → cells and what they mean. Each group is one file, so that its numbers
# agree on one decimal separator.
ACCEPTED: dict[tuple[str, str], list[tuple[str, object]]] = {
    ("bool", ","): [
        *((c, True) for c in ["true", "TRUE", "t", "yes", "Y", "1", "да", "ДА", "д", "Tak",
                              "истина", "PRAWDA"]),
        *((c, False) for c in ["false", "False", "f", "no", "N", "0", "нет", "Нет", "nie", "NIE",
                               "ложь", "fałsz"]),
    ],
    ("int", ","): [
        ("42", 42), (" 42 ", 42), ("-7", -7), ("+3", 3), ("1 200", 1200),
        ("1\u00a0200\u00a0300", 1200300), ("1,000", 1000), ("5.0", 5), ("5,00", 5), ("−4", -4),
    ],
    ("number", ","): [
        ("3.5", D("3.5")), ("1,234.56", D("1234.56")), ("1,234,567", D("1234567")),
        ("1'234.5", D("1234.5")), (".5", D("0.5")), ("1e3", D("1000")), ("2.5E-2", D("0.025")),
        ("0.1234565", D("0.123457")),  # more than 6 decimals: half away from zero
        ("-0.0000005", D("-0.000001")), ("3,5", D("3.5")),
    ],
    ("number", ";"): [
        ("3,5", D("3.5")), ("-0,25", D("-0.25")), ("1 234,56", D("1234.56")),
        ("1\u202f234,56", D("1234.56")), ("1.234,56", D("1234.56")), ("1.234", D("1234")),
        ("−2,5", D("-2.5")), ("0,250", D("0.25")), ("0.5", D("0.5")),
    ],
    ("percent", ";"): [
        ("25%", D("0.25")), ("25 %", D("0.25")), ("12,5%", D("0.125")), ("0,5", D("0.5")),
        ("100%", D("1")), ("-3%", D("-0.03")), ("33,3333333%", D("0.333333")),
    ],
    ("percent", ","): [("0.25", D("0.25")), ("12.5%", D("0.125"))],
    ("money", ";"): [("1 250,50", D("1250.5")), ("0", D("0")), ("-10", D("-10"))],
    ("money", ","): [("1250.5", D("1250.5")), ("1,250.50", D("1250.5"))],
    ("duration", ","): [
        ("3", D("3")), ("3 days", D("3")), ("1 day", D("1")), ("2 weeks", D("14")),
        ("1.5 w", D("10.5")), ("12 h", D("0.5")), ("4 hours", D("0.166667")),
        ("90 min", D("0.0625")), ("30 minutes", D("0.020833")), ("2 Days", D("2")),
    ],
    ("duration", ";"): [("1,5 d", D("1.5")), ("0,5", D("0.5"))],
    ("date", ","): [
        ("2027-01-11", dt.date(2027, 1, 11)), ("11.01.2027", dt.date(2027, 1, 11)),
        ("1.2.2027", dt.date(2027, 2, 1)), ("2027-1-5", dt.date(2027, 1, 5)),
        ("2027-01-11 14:30", dt.date(2027, 1, 11)), ("2027-01-11T00:00:00Z", dt.date(2027, 1, 11)),
        ("29.02.2028", dt.date(2028, 2, 29)),
    ],
    ("enum", ","): [
        ("pharma", "pharma"), ("Pharma", "pharma"), ("IT services", "it_services"),
        ("it-services", "it_services"), (" mining ", "mining"),
    ],
    ("text", ","): [
        ("  padded\u00a0", "padded"), ("", None), ("   ", None), ('say "hi"', 'say "hi"'),
        ("a,b", "a,b"), ("line\nbreak", "line\nbreak"),
    ],
}  # fmt: skip
ENUM = ("pharma", "mining", "it_services")


@pytest.mark.parametrize(("type_", "delimiter"), ACCEPTED, ids="-".join)
def test_accepted_spellings(tmp_path: Path, type_: str, delimiter: str) -> None:
    cases = ACCEPTED[type_, delimiter]
    more = {"enum_values": ENUM} if type_ == "enum" else {}
    _, values = load_one(tmp_path, type_, [c for c, _ in cases], delimiter, **more)
    assert list(zip([c for c, _ in cases], values, strict=True)) == cases


REJECTED: dict[str, tuple[str, list[str]]] = {
    "int": ("is not a whole number", ["abc", "3.5", "1e3", "99999999999999999999", "1 2"]),
    "number": ("is not a number", ["abc", "1,2,3", "3..5", "inf", "NaN", "0x10", "1 2 3"]),
    "money": ("is not an amount", ["100 USD", "$100", "1 250 руб."]),
    "percent": ("is not a percentage", ["25%%", "abc%", "%"]),
    "date": (
        "is not a date",
        ["2027-13-40", "2027-02-29", "11/01/2027", "11.01.27", "Jan 11, 2027", "2027-01-11 25h"],
    ),
    "bool": ("is not true or false", ["maybe", "2", "yes!"]),
    "duration": ("is not a duration", ["2 business days", "3 fortnights", "h", "-"]),
    "enum": ("is not one of pharma, mining, it_services", ["pharmacy", "IT"]),
}


@pytest.mark.parametrize("type_", REJECTED)
def test_rejected_spellings(tmp_path: Path, type_: str) -> None:
    message, cells = REJECTED[type_]
    more = {"enum_values": ENUM} if type_ == "enum" else {}
    with pytest.raises(DataError) as caught:
        load_one(tmp_path, type_, cells, **more)
    assert [(p.row, p.line, p.column, p.message) for p in caught.value.problems] == [
        (row, row + 1, "x", f"`{cell}` {message}") for row, cell in enumerate(cells, 1)
    ]


# ------------------------------------------------------------------------ the decimal separator


def test_decimal_comma_is_sniffed_from_plain_values(tmp_path: Path) -> None:
    report, values = load_one(tmp_path, "number", ["3,5", "1.234", "2"], delimiter=";")
    assert report.decimal_comma is True
    assert values == [Decimal("3.5"), Decimal("1234"), Decimal("2")]


def test_decimal_point_is_sniffed_from_plain_values(tmp_path: Path) -> None:
    report, values = load_one(tmp_path, "number", ["3.5", "1,234", "2"], delimiter=";")
    assert report.decimal_comma is False
    assert values == [Decimal("3.5"), Decimal("1234"), Decimal("2")]


def test_a_tie_goes_to_the_comma_in_semicolon_files(tmp_path: Path) -> None:
    report, values = load_one(tmp_path, "number", ["1.234", "7"], delimiter=";")
    assert (report.decimal_comma, values) == (True, [Decimal("1234"), Decimal("7")])
    report, values = load_one(tmp_path, "number", ["1.234", "7"], delimiter=",")
    assert (report.decimal_comma, values) == (False, [Decimal("1.234"), Decimal("7")])


def test_unambiguous_values_are_read_either_way(tmp_path: Path) -> None:
    _, values = load_one(tmp_path, "number", ["3,5", "3,5", "0.25"], delimiter=";")
    assert values == [Decimal("3.5"), Decimal("3.5"), Decimal("0.25")]
    _, values = load_one(tmp_path, "number", ["3.5", "3.5", "0,25"], delimiter=",")
    assert values == [Decimal("3.5"), Decimal("3.5"), Decimal("0.25")]
