"""The raw cells checked against the declared fields, in SQL over all rows at once.

Input: a :class:`~abmdsl.data.readers.Raw` table and the data set's declared fields.
Output: a staged table with each declared field's clean text (``v<i>``) and typed value
(``p<i>``) next to the extra columns, and the problems found: missing or repeated columns,
unreadable values, values out of range or not among the enum's, empty required values, empty
and duplicate keys. Messages are built in Python for the (bounded) problems only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from ..diagnostics import did_you_mean
from ..ir import FieldInfo
from ..numbers import percent, plain
from .errors import MAX_PROBLEMS, Problem
from .readers import Raw
from .scratch import Scratch, first
from .values import (
    NUMERIC_TYPES,
    PARSERS,
    SQL_TYPES,
    WHITESPACE,
    clean,
    ident,
    literal,
    number_part,
    out_of_range,
)

COMMA_DECIMAL = r"[+-]?(\d{1,3}([ .\x{00a0}\x{202f}]\d{3})+|\d+),\d+"
DOT_DECIMAL = r"[+-]?(\d{1,3}([ ,\x{00a0}\x{202f}]\d{3})+|\d+)\.\d+"
COMMA_THOUSANDS = r"[+-]?[1-9]\d{0,2}(,\d{3})+"
DOT_THOUSANDS = r"[+-]?[1-9]\d{0,2}(\.\d{3})+"
SHOWN_VALUE = 40


@dataclass
class Columns:
    """Which raw cell holds each declared field, and the extra columns with their output names."""

    declared: dict[str, str] = field(default_factory=dict)  # field name → cell SQL
    extras: list[tuple[str, str]] = field(default_factory=list)  # output name, raw cell
    problems: list[Problem] = field(default_factory=list)


def match_columns(
    con: duckdb.DuckDBPyConnection, raw: Raw, fields: dict[str, FieldInfo], file: str
) -> Columns:
    """Match the header to the fields: exactly, after trimming whitespace and a byte-order mark.

    A blank header over an empty column (a trailing delimiter) is ignored; over values it is
    named ``column<N>``. Extra names that collide with another column (DuckDB ignores case) get
    ``_2``, ``_3``….
    """
    headers = _name_blank_headers(con, raw, [h.strip(WHITESPACE) for h in raw.headers])
    columns = Columns()
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(headers):
        if name is not None:
            positions.setdefault(name, []).append(i)
    extra_names = [h for h in positions if h not in fields]
    listed = False  # the file's other columns are listed once, on the first miss without a match
    for name in fields:
        found = positions.get(name)
        if found:
            columns.declared[name] = raw.cells[found[0]]
            if len(found) > 1:
                columns.problems.append(_repeated(file, name, len(found)))
        elif raw.schemaless:
            columns.declared[name] = "NULL"
        else:
            columns.problems.append(_missing(file, name, extra_names, list_them=not listed))
            listed = listed or did_you_mean(name, extra_names) is None
    taken = {n.lower() for n in fields} | {"__row"}
    for i, name in enumerate(headers):
        if name is not None and name not in fields:
            out = _unique(name, taken)
            taken.add(out.lower())
            columns.extras.append((out, raw.cells[i]))
    return columns


def _name_blank_headers(
    con: duckdb.DuckDBPyConnection, raw: Raw, headers: list[str]
) -> list[str | None]:
    """Blank header names: ``column<N>`` over values, ``None`` (drop it) over an empty column."""
    blank = [i for i, h in enumerate(headers) if not h]
    if not blank:
        return list(headers)
    counts = first(
        con,
        f"SELECT {', '.join(f'count({clean(raw.cells[i])})' for i in blank)} "
        f"FROM {ident(raw.table)}",
    )
    named: list[str | None] = list(headers)
    for i, count in zip(blank, counts, strict=True):
        named[i] = f"column{i + 1}" if count else None
    return named


def _unique(name: str, taken: set[str]) -> str:
    out, n = name, 1
    while out.lower() in taken:
        n += 1
        out = f"{name}_{n}"
    return out


def _missing(file: str, name: str, others: list[str], list_them: bool) -> Problem:
    """A missing column; the hint names a close column, or else lists the others (once)."""
    hint = did_you_mean(name, others)
    if hint is None and list_them and others:
        listed = ", ".join(f"`{o}`" for o in others[:12]) + (", …" if len(others) > 12 else "")
        hint = f"the file's other columns are {listed}"
    return Problem(file, None, None, name, f"the column `{name}` is missing", hint)


def _repeated(file: str, name: str, times: int) -> Problem:
    return Problem(
        file,
        None,
        None,
        name,
        f"the column `{name}` appears {times} times",
        "keep one of them, or rename the others",
    )


def drop_trailing_blank_rows(con: duckdb.DuckDBPyConnection, raw: Raw) -> None:
    """Rows after the last one with any value are not data (spreadsheets leave `;;;` lines)."""
    if not raw.cells:
        return
    filled = " OR ".join(f"{clean(c)} IS NOT NULL" for c in raw.cells)
    con.execute(
        f"DELETE FROM {ident(raw.table)} WHERE __row > "
        f"(SELECT coalesce(max(__row), 0) FROM {ident(raw.table)} WHERE {filled})"
    )


def _cleaned(raw: Raw, columns: Columns) -> str:
    texts = [f"{clean(cell)} AS v{i}" for i, cell in enumerate(columns.declared.values())]
    extras = [f"{cell} AS x{j}" for j, (_, cell) in enumerate(columns.extras)]
    return (
        f"SELECT __row, __line, {', '.join([*texts, *extras]) or 'NULL AS v_'} "
        f"FROM {ident(raw.table)}"
    )


def sniff_decimal_comma(
    con: duckdb.DuckDBPyConnection,
    raw: Raw,
    columns: Columns,
    fields: dict[str, FieldInfo],
) -> bool:
    """Whether numbers use a decimal comma: by the values that show their separator plainly
    (`3,5`, `0,25`, `1 234,5` against `3.5`, `1,234.5`); a tie goes to a comma when the file is
    `;`-delimited, as Excel writes it where the comma is the decimal separator.
    """
    numeric = [i for i, n in enumerate(columns.declared) if fields[n].type in NUMERIC_TYPES]
    if not numeric:
        return raw.delimiter == ";"
    parts = " UNION ALL ".join(f"SELECT {number_part(f'v{i}')} AS n FROM cleaned" for i in numeric)
    comma, dot = first(
        con,
        f"WITH cleaned AS ({_cleaned(raw, columns)}) SELECT "
        f"count(*) FILTER (WHERE {_shows(COMMA_DECIMAL, COMMA_THOUSANDS)}), "
        f"count(*) FILTER (WHERE {_shows(DOT_DECIMAL, DOT_THOUSANDS)}) FROM ({parts})",
    )
    return comma > dot or (comma == dot and raw.delimiter == ";")


def _shows(decimal: str, thousands: str) -> str:
    shows, hides = (f"regexp_full_match(n, {literal(p)})" for p in (decimal, thousands))
    return f"{shows} AND NOT {hides}"


def stage(
    con: duckdb.DuckDBPyConnection,
    raw: Raw,
    columns: Columns,
    fields: dict[str, FieldInfo],
    decimal_comma: bool,
    scratch: Scratch,
) -> str:
    """A temporary table: ``__row``, ``__line``, then ``v<i>``/``p<i>`` per field, ``x<j>``."""
    prepared, typed = [], []
    for i, name in enumerate(columns.declared):
        parser = PARSERS[fields[name].type]
        texts = parser.prepare(f"v{i}", decimal_comma)
        prepared += [f"{t} AS t{i}_{k}" for k, t in enumerate(texts)]
        value = parser.typed(f"v{i}", tuple(f"t{i}_{k}" for k in range(len(texts))), fields[name])
        typed.append(f"v{i}, CAST({value} AS {SQL_TYPES[fields[name].type]}) AS p{i}")
    extras = [f"x{j}" for j in range(len(columns.extras))]
    table = scratch.table("stage")
    selected = ", ".join(["__row", "__line", *typed, *extras])
    con.execute(
        f"CREATE TEMP TABLE {ident(table)} AS SELECT {selected} "
        f"FROM (SELECT *{''.join(', ' + p for p in prepared)} FROM ({_cleaned(raw, columns)}))"
    )
    return table


# ----------------------------------------------------------------------------------- problems


def row_problems(
    con: duckdb.DuckDBPyConnection,
    staged: str,
    columns: Columns,
    fields: dict[str, FieldInfo],
    file: str,
    scratch: Scratch,
) -> tuple[list[Problem], int]:
    """The problems of single values and of keys, sorted by row then field; and their count."""
    names = list(columns.declared)
    checks = [_value_check(staged, i, fields[n]) for i, n in enumerate(names)]
    checks += [_duplicate_check(staged, i) for i, n in enumerate(names) if fields[n].key]
    if not checks:
        return [], 0
    found = scratch.table("problems")
    con.execute(f"CREATE TEMP TABLE {ident(found)} AS {' UNION ALL '.join(checks)}")
    (total,) = first(con, f"SELECT count(*) FROM {ident(found)}")
    rows = con.execute(
        f"SELECT * FROM {ident(found)} ORDER BY row, field, kind LIMIT {MAX_PROBLEMS}"
    ).fetchall()
    problems = [
        Problem(file, row, line, names[i], *MESSAGES[kind](fields[names[i]], value, other))
        for row, line, i, value, kind, other in rows
    ]
    return problems, total


def _value_check(staged: str, i: int, info: FieldInfo) -> str:
    empty = "'empty_key'" if info.key else "NULL" if info.optional else "'empty'"
    low, high = out_of_range(f"p{i}", info)
    kind = (
        f"CASE WHEN v{i} IS NULL THEN {empty} WHEN p{i} IS NULL THEN 'type' "
        f"WHEN {low} THEN 'low' WHEN {high} THEN 'high' END"
    )
    return (
        f"SELECT * FROM (SELECT __row AS row, __line AS line, {i} AS field, v{i} AS value, "
        f"{kind} AS kind, CAST(NULL AS BIGINT) AS other FROM {ident(staged)}) "
        "WHERE kind IS NOT NULL"
    )


def _duplicate_check(staged: str, i: int) -> str:
    return (
        f"SELECT row, line, {i} AS field, value, 'duplicate' AS kind, first AS other FROM ("
        f"SELECT __row AS row, __line AS line, v{i} AS value, "
        f"min(__row) OVER (PARTITION BY p{i}) AS first FROM {ident(staged)} "
        f"WHERE p{i} IS NOT NULL) WHERE row > first"
    )


Message = tuple[str, str | None]

TYPE_MESSAGES: dict[str, Message] = {
    "int": ("is not a whole number", "write a whole number, such as 42"),
    "number": ("is not a number", "write a number such as 3.5 or 3,5 (1 234,5 groups thousands)"),
    "money": ("is not an amount", "write a plain number such as 1250.50 or 1 250,50, no currency"),
    "percent": ("is not a percentage", "write 25% or the fraction 0.25"),
    "date": ("is not a date", "write dates as 2027-01-11 or 11.01.2027"),
    "bool": ("is not true or false", "write true/false, yes/no, 1/0, да/нет or tak/nie"),
    "duration": (
        "is not a duration",
        "write days (3), or a number and a unit: 4 h, 30 min, 2 weeks",
    ),
}


def _shown(value: str) -> str:
    return value if len(value) <= SHOWN_VALUE else value[: SHOWN_VALUE - 1] + "…"


def _wrong_type(info: FieldInfo, value: str, other: int | None) -> Message:
    if info.type == "enum":
        allowed = ", ".join(info.enum_values)
        return f"`{_shown(value)}` is not one of {allowed}", did_you_mean(value, info.enum_values)
    message, hint = TYPE_MESSAGES[info.type]
    return f"`{_shown(value)}` {message}", hint


def _bound(info: FieldInfo, value: Decimal | None) -> str:
    if value is None:
        return "…"
    return percent(value) if info.type == "percent" else plain(value)


def _outside(side: str) -> Callable[[FieldInfo, str, int | None], Message]:
    def message(info: FieldInfo, value: str, other: int | None) -> Message:
        declared = f"{_bound(info, info.low)}..{_bound(info, info.high)}"
        hint = None
        if info.type == "percent" and not value.endswith("%"):
            hint = f"a percentage without `%` is a fraction: write `{value}%` if you meant that"
        return f"{_shown(value)} is {side} the declared range {declared}", hint

    return message


MESSAGES: dict[str, Callable[[FieldInfo, str, int | None], Message]] = {
    "type": _wrong_type,
    "low": _outside("below"),
    "high": _outside("above"),
    "empty": lambda info, value, other: (
        "empty value in a required field",
        "fill it in, or declare the field `optional` in the playbook",
    ),
    "empty_key": lambda info, value, other: (
        "empty key",
        f"every row needs its own `{info.name}`",
    ),
    "duplicate": lambda info, value, other: (
        f"`{_shown(value)}` is already the key of row {other}",
        "keys must be unique: merge the two rows, or give one of them another key",
    ),
}
