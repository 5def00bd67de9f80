"""The raw cells checked against the declared fields, in SQL over all rows at once.

Input: a :class:`~abmdsl.data.readers.Raw` table and the data set's declared fields.
Output: a staged table with each declared field's clean text (``v<i>``) and typed value
(``p<i>``) next to the extra columns, and the problems found: missing or repeated columns,
unreadable values, values out of range or not among the enum's, empty required values, empty
and duplicate keys. Messages are built in Python for the (bounded) problems only.

A field read from a typed cell (:mod:`.typed`) has the cell itself as ``v<i>`` (NULL when
empty) and its text only where a problem is reported. When every field is read so, the stage
is a view: nothing is copied, and :func:`screen` checks every value in one scan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

import duckdb

from ..diagnostics import did_you_mean
from ..ir import FieldInfo
from ..numbers import percent, plain
from .errors import MAX_PROBLEMS, Problem
from .readers import Raw
from .scratch import Scratch, first
from .typed import Sql
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


def drop_trailing_blank_rows(con: duckdb.DuckDBPyConnection, raw: Raw, scratch: Scratch) -> Raw:
    """Rows after the last one with any value are not data (spreadsheets leave `;;;` lines).

    Rows are numbered 1..n; the last one is looked at first, since it is nearly always filled
    and finding the last filled row of a large file takes a scan of every cell.
    """
    if not raw.cells:
        return raw
    filled = " OR ".join(f"{clean(c)} IS NOT NULL" for c in raw.cells)
    table = ident(raw.table)
    (rows,) = first(con, f"SELECT count(*) FROM {table}")
    # Rows first, then cells: a literal row number lets DuckDB skip to it in a Parquet file.
    if first(con, f"SELECT 1 FROM (SELECT * FROM {table} WHERE __row = {rows}) WHERE {filled}"):
        return raw
    (last,) = first(con, f"SELECT coalesce(max(__row), 0) FROM {table} WHERE {filled}")
    if raw.query is None:
        con.execute(f"DELETE FROM {table} WHERE __row > {last}")
        return raw
    query = f"SELECT * FROM ({raw.query}) WHERE __row <= {last}"
    return replace(raw, table=scratch.view("rows", query), query=query)


def _source(raw: Raw) -> str:
    # A view over the file is inlined, so that a stage built on it reads the file itself.
    return f"({raw.query})" if raw.query is not None else ident(raw.table)


def _cleaned(raw: Raw, columns: Columns, typed: Mapping[str, Sql]) -> str:
    texts = [
        f"{cell if name in typed else clean(cell)} AS v{i}"
        for i, (name, cell) in enumerate(columns.declared.items())
    ]
    extras = [f"{cell} AS x{j}" for j, (_, cell) in enumerate(columns.extras)]
    return (
        f"SELECT __row, __line, {', '.join([*texts, *extras]) or 'NULL AS v_'} FROM {_source(raw)}"
    )


def sniff_decimal_comma(
    con: duckdb.DuckDBPyConnection,
    raw: Raw,
    columns: Columns,
    fields: dict[str, FieldInfo],
    typed: Mapping[str, Sql],
) -> bool:
    """Whether numbers use a decimal comma: by the values that show their separator plainly
    (`3,5`, `0,25`, `1 234,5` against `3.5`, `1,234.5`); a tie goes to a comma when the file is
    `;`-delimited, as Excel writes it where the comma is the decimal separator. Fields read
    from typed cells have no separator, and are not looked at.
    """
    numeric = [
        i
        for i, n in enumerate(columns.declared)
        if fields[n].type in NUMERIC_TYPES and n not in typed
    ]
    if not numeric:
        return raw.delimiter == ";"
    parts = " UNION ALL ".join(f"SELECT {number_part(f'v{i}')} AS n FROM cleaned" for i in numeric)
    comma, dot = first(
        con,
        f"WITH cleaned AS ({_cleaned(raw, columns, typed)}) SELECT "
        f"count(*) FILTER (WHERE {_shows(COMMA_DECIMAL, COMMA_THOUSANDS)}), "
        f"count(*) FILTER (WHERE {_shows(DOT_DECIMAL, DOT_THOUSANDS)}) FROM ({parts})",
    )
    return comma > dot or (comma == dot and raw.delimiter == ";")


def _shows(decimal: str, thousands: str) -> str:
    shows, hides = (f"regexp_full_match(n, {literal(p)})" for p in (decimal, thousands))
    return f"{shows} AND NOT {hides}"


@dataclass(frozen=True)
class Staged:
    """The staged rows: a temporary table, or a view whose ``query`` reads the file itself."""

    table: str
    query: str | None = None


def stage(
    con: duckdb.DuckDBPyConnection,
    raw: Raw,
    columns: Columns,
    fields: dict[str, FieldInfo],
    decimal_comma: bool,
    scratch: Scratch,
    typed: Mapping[str, Sql] | None = None,
) -> Staged:
    """``__row``, ``__line``, then ``v<i>``/``p<i>`` per field, ``x<j>``.

    Fields in ``typed`` take their value from the typed cell by that SQL; the others are
    parsed from text. When every field is typed and the raw rows are a view of the file, the
    stage is a view too (its values are cheap to compute again); otherwise a table, so that
    text is parsed once.
    """
    typed = typed or {}
    prepared, values = [], []
    for i, name in enumerate(columns.declared):
        info = fields[name]
        if name in typed:
            value = typed[name](f"v{i}")
        else:
            parser = PARSERS[info.type]
            texts = parser.prepare(f"v{i}", decimal_comma)
            prepared += [f"{t} AS t{i}_{k}" for k, t in enumerate(texts)]
            value = parser.typed(f"v{i}", tuple(f"t{i}_{k}" for k in range(len(texts))), info)
        values.append(f"v{i}, CAST({value} AS {SQL_TYPES[info.type]}) AS p{i}")
    extras = [f"x{j}" for j in range(len(columns.extras))]
    selected = ", ".join(["__row", "__line", *values, *extras])
    query = (
        f"SELECT {selected} FROM (SELECT *{''.join(', ' + p for p in prepared)} "
        f"FROM ({_cleaned(raw, columns, typed)}))"
    )
    if raw.query is not None and len(typed) == len(columns.declared):
        return Staged(scratch.view("stage", query), query)
    table = scratch.table("stage")
    con.execute(f"CREATE TEMP TABLE {ident(table)} AS {query}")
    return Staged(table)


# ----------------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Screen:
    """What one scan of the staged rows found: whether any value or key may have a problem
    (then :func:`row_problems` lists them), and how many cells each gate caught."""

    suspect: bool
    gated: dict[str, int]


def screen(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    columns: Columns,
    fields: dict[str, FieldInfo],
    gates: Mapping[str, Sql] | None = None,
) -> Screen:
    """Count, in one scan, the values :func:`row_problems` would report, whether a key may be
    repeated, and the cells each of ``gates`` (field → condition on its ``v<i>``) catches.

    A repeated key is found by counting distinct hashes of the keys: equal keys have equal
    hashes, so fewer hashes than keys means a repeat or (rarely) two keys with one hash, and
    :func:`row_problems` then looks at the keys themselves. A hash table of 64-bit numbers is
    smaller and faster to build than one of the keys.
    """
    gates = gates or {}
    names = list(columns.declared)
    bad = " OR ".join(f"({_bad(i, fields[n])})" for i, n in enumerate(names))
    counts = [f"count(*) FILTER (WHERE {bad})"] if names else []
    for i, name in enumerate(names):
        if fields[name].key:
            counts.append(
                f"count(p{i}) - count(DISTINCT CASE WHEN p{i} IS NOT NULL THEN hash(p{i}) END)"
            )
    gated = [name for name in names if name in gates]
    counts += [f"count(*) FILTER (WHERE {gates[n](f'v{names.index(n)}')})" for n in gated]
    if not counts:
        return Screen(False, {})
    found = first(con, f"SELECT {', '.join(counts)} FROM {ident(staged.table)}")
    checks = found[: len(found) - len(gated)]
    return Screen(any(checks), dict(zip(gated, found[len(found) - len(gated) :], strict=True)))


def row_problems(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    columns: Columns,
    fields: dict[str, FieldInfo],
    file: str,
    scratch: Scratch,
) -> tuple[list[Problem], int]:
    """The problems of single values and of keys, sorted by row then field; and their count."""
    names = list(columns.declared)
    checks = [_value_check(staged.table, i, fields[n]) for i, n in enumerate(names)]
    checks += [_duplicate_check(staged.table, i) for i, n in enumerate(names) if fields[n].key]
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


def _bad(i: int, info: FieldInfo) -> str:
    """SQL: field i's value has a problem (:func:`_kind` is not NULL), as a plain condition,
    which DuckDB tests several times faster than it builds the kind's text."""
    low, high = out_of_range(f"p{i}", info)
    missing = (
        f"v{i} IS NOT NULL AND p{i} IS NULL" if info.optional and not info.key else f"p{i} IS NULL"
    )
    return " OR ".join(c for c in (missing, low, high) if c != "false")


def _kind(i: int, info: FieldInfo) -> str:
    """SQL: the kind of problem of field i's value (see :data:`MESSAGES`), NULL if none."""
    empty = "'empty_key'" if info.key else "NULL" if info.optional else "'empty'"
    low, high = out_of_range(f"p{i}", info)
    return (
        f"CASE WHEN v{i} IS NULL THEN {empty} WHEN p{i} IS NULL THEN 'type' "
        f"WHEN {low} THEN 'low' WHEN {high} THEN 'high' END"
    )


def _value_check(staged: str, i: int, info: FieldInfo) -> str:
    # A typed cell is shown as its text, which is what the text path shows for it.
    return (
        f"SELECT * FROM (SELECT __row AS row, __line AS line, {i} AS field, "
        f"CAST(v{i} AS VARCHAR) AS value, {_kind(i, info)} AS kind, "
        f"CAST(NULL AS BIGINT) AS other FROM {ident(staged)}) WHERE kind IS NOT NULL"
    )


def _duplicate_check(staged: str, i: int) -> str:
    return (
        f"SELECT row, line, {i} AS field, value, 'duplicate' AS kind, first AS other FROM ("
        f"SELECT __row AS row, __line AS line, CAST(v{i} AS VARCHAR) AS value, "
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
