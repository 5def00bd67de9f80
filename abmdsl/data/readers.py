"""Each format read by DuckDB (XLSX by fastexcel) into one raw table of cells, in file order.

Input: a data file's path and bytes.
Output: :class:`Raw` — a temporary table with ``__row`` (1-based data row), ``__line`` (the
physical line where the row starts, or NULL) and one column ``c0``, ``c1``… per file column,
holding the cells as they are (text for CSV, XLSX and JSON; Parquet keeps its types), plus the
header names. A Parquet file is a temporary view over the file instead: its cells are typed
already, and copying them would cost more than reading the file again. A file whose
structure is broken (a CSV line with too many values, a JSON item that is not an object)
raises :class:`~abmdsl.data.errors.DataError` here.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .errors import MAX_PROBLEMS, DataError, Problem
from .formats import Text, decode, detect_format, sniff_delimiter, text_format, unreadable
from .scratch import Scratch, column_names, first
from .values import ident, literal


@dataclass(frozen=True)
class Raw:
    """The cells of a file in a temporary table; see the module docstring."""

    table: str
    headers: list[str]
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    schemaless: bool = False  # an empty JSON array: no header to check
    query: str | None = None  # for a view over the file: the SELECT that defines it

    @property
    def cells(self) -> list[str]:
        return [f"c{i}" for i in range(len(self.headers))]


def read(con: duckdb.DuckDBPyConnection, path: Path, data: bytes, scratch: Scratch) -> Raw:
    """The raw table of the file at ``path`` (whose bytes are ``data``), in whichever format."""
    if not data.strip():
        raise unreadable(path, "the file is empty", "a data file starts with a header row")
    kind = detect_format(path, data)
    if kind in BINARY_READERS:
        return BINARY_READERS[kind](con, path, scratch)
    text = decode(path, data)
    if not text.text.strip():
        raise unreadable(path, "the file is empty", "a data file starts with a header row")
    kind = text_format(text.text, kind)
    return TEXT_READERS[kind](con, path, data, text, scratch)


def _source(path: Path, text: Text, scratch: Scratch) -> Path:
    # DuckDB reads UTF-8 only: anything else is transcoded to a temporary file first.
    return path if text.encoding == "utf-8" else scratch.text_file(text.text, path.suffix)


def _duckdb_failure(path: Path, what: str, error: duckdb.Error) -> DataError:
    message = str(error).split("\n", 1)[0]
    message = re.sub(r"^[A-Za-z ]+Error: ", "", message)
    line = re.search(r"\bline (\d+)", message)
    problem = Problem(
        str(path),
        None,
        int(line.group(1)) if line else None,
        None,
        f"cannot be read as {what}: {message}",
    )
    return DataError([problem])


# ---------------------------------------------------------------------------------------- CSV


def read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, data: bytes, text: Text, scratch: Scratch
) -> Raw:
    delimiter = sniff_delimiter(text.text, prefer_tab=path.suffix.lower() == ".tsv")
    width = len(next(csv.reader(io.StringIO(text.text), delimiter=delimiter), [""]))
    source = _source(path, text, scratch)
    loaded, rejects, scans = (scratch.table(r) for r in ("csv", "rejects", "scans"))
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    try:
        con.execute(
            f"CREATE TEMP TABLE {ident(loaded)} AS SELECT * FROM read_csv("
            f"{literal(str(source))}, delim={literal(delimiter)}, quote='\"', escape='\"', "
            f"header=false, auto_detect=false, columns={columns}, store_rejects=true, "
            f"rejects_table={literal(rejects)}, rejects_scan={literal(scans)})"
        )
    except duckdb.Error as error:
        raise _duckdb_failure(path, "CSV", error) from None
    _raise_rejected(con, path, rejects, source, delimiter, width)
    header = first(con, f"SELECT * FROM {ident(loaded)} WHERE rowid = 0")
    raw = scratch.table("raw")
    line = _csv_lines(con, loaded, width, text.text)
    cells = ", ".join(f"c{i}" for i in range(width))
    con.execute(
        f"CREATE TEMP TABLE {ident(raw)} AS SELECT rowid AS __row, {line} AS __line, {cells} "
        f"FROM {ident(loaded)} WHERE rowid >= 1"
    )
    headers = [h or "" for h in header]
    return Raw(raw, headers, "csv", text.encoding, delimiter)


def _raise_rejected(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    rejects: str,
    source: Path,
    delimiter: str,
    width: int,
) -> None:
    """Lines DuckDB could not split into the header's columns, as problems with their line."""
    rows = con.execute(
        f"SELECT line_byte_position, error_type, error_message FROM {ident(rejects)} "
        f"ORDER BY line_byte_position LIMIT {MAX_PROBLEMS}"
    ).fetchall()
    if not rows:
        return
    (total,) = first(con, f"SELECT count(*) FROM {ident(rejects)}")
    utf8 = source.read_bytes()  # the bytes DuckDB read, which its positions count
    problems, line, counted = [], 1, 0
    for position, kind, message in rows:  # sorted by position: count each byte once
        line, counted = line + utf8.count(b"\n", counted, position), position
        problems.append(
            Problem(str(path), None, line, None, *_rejection(kind, message, delimiter, width))
        )
    raise DataError(problems, total)


def _rejection(kind: str, message: str, delimiter: str, width: int) -> tuple[str, str | None]:
    found = re.search(r"Found: (\d+)", message)
    shown = "TAB" if delimiter == "\t" else f"`{delimiter}`"
    if kind == "TOO MANY COLUMNS" and found:
        return (
            f"this line has {found.group(1)} values, but the header has {width}",
            f"a value that contains {shown} must be in double quotes",
        )
    if kind == "MISSING COLUMNS" and found:
        return (
            f"this line has {found.group(1)} values, but the header has {width}",
            f"every line needs a value for each column, separated by {shown}, even empty",
        )
    return (
        f"cannot be read as CSV: {message.splitlines()[0]}",
        'a value with quotes in it is written "like ""this"""',
    )


def _csv_lines(con: duckdb.DuckDBPyConnection, loaded: str, width: int, text: str) -> str:
    """SQL for the physical line each row starts on, when it can be known exactly.

    A quoted value may hold line breaks; DuckDB skips blank lines. The count is exact when the
    file's lines add up to the header's, the rows' and their embedded breaks; otherwise NULL.
    """
    physical = text.rstrip("\r\n").count("\n") + 1
    breaks = (
        " + ".join(
            f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(width)
        )
        if '"' in text
        else "0"
    )
    header_breaks, rows, inner = first(
        con,
        f"SELECT sum(CASE WHEN rowid = 0 THEN {breaks} END), count(*) - 1, "
        f"sum(CASE WHEN rowid > 0 THEN {breaks} END) FROM {ident(loaded)}",
    )
    header_breaks, inner = int(header_breaks or 0), int(inner or 0)
    if physical != 1 + header_breaks + rows + inner:
        return "CAST(NULL AS BIGINT)"
    if breaks == "0":
        return "rowid + 1"
    before = "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
    return (
        f"1 + {header_breaks} + rowid + coalesce(sum({breaks}) OVER (ORDER BY rowid {before}), 0)"
    )


# --------------------------------------------------------------------------------------- JSON


def read_json(
    con: duckdb.DuckDBPyConnection, path: Path, data: bytes, text: Text, scratch: Scratch
) -> Raw:
    kind = "json" if text_format(text.text, "text") == "json" else "ndjson"
    layout = "array" if kind == "json" else "newline_delimited"
    source = _source(path, text, scratch)
    objects = scratch.table("objects")
    try:
        con.execute(
            f"CREATE TEMP TABLE {ident(objects)} AS SELECT json "
            f"FROM read_json_objects({literal(str(source))}, format={literal(layout)})"
        )
    except duckdb.Error as error:
        raise _json_failure(path, kind, text.text, error) from None
    _raise_not_objects(con, path, objects)
    keys = [
        k
        for (k,) in con.execute(
            f"SELECT k FROM (SELECT rowid AS r, unnest(json_keys(json)) AS k, "
            f"generate_subscripts(json_keys(json), 1) AS i FROM {ident(objects)}) "
            f"GROUP BY k ORDER BY min([r, i])"
        ).fetchall()
    ]
    line = "rowid + 1" if kind == "ndjson" and _one_object_a_line(text.text) else "NULL"
    cells = "".join(f", json ->> {literal(_pointer(k))} AS c{i}" for i, k in enumerate(keys))
    raw = scratch.table("raw")
    con.execute(
        f"CREATE TEMP TABLE {ident(raw)} AS SELECT rowid + 1 AS __row, "
        f"CAST({line} AS BIGINT) AS __line{cells} FROM {ident(objects)}"
    )
    return Raw(raw, keys, kind, text.encoding, schemaless=not keys)


def _json_failure(path: Path, kind: str, text: str, error: duckdb.Error) -> DataError:
    # DuckDB names a byte within a record; Python's parser names the line (on failure only).
    found = _json_syntax_error(kind, text)
    if found is None:
        return _duckdb_failure(path, kind.upper(), error)
    line, message = found
    problem = Problem(str(path), None, line, None, f"cannot be read as {kind.upper()}: {message}")
    return DataError([problem])


def _json_syntax_error(kind: str, text: str) -> tuple[int, str] | None:
    lines = [text] if kind == "json" else text.split("\n")
    for offset, chunk in enumerate(lines):
        if not chunk.strip():
            continue
        try:
            json.loads(chunk)
        except json.JSONDecodeError as error:
            return offset + error.lineno, error.msg.lower()
    return None


def _raise_not_objects(con: duckdb.DuckDBPyConnection, path: Path, objects: str) -> None:
    found = con.execute(
        f"SELECT rowid + 1, lower(json_type(json)) FROM {ident(objects)} "
        f"WHERE json_type(json) <> 'OBJECT' ORDER BY rowid LIMIT {MAX_PROBLEMS}"
    ).fetchall()
    if found:
        raise DataError(
            [
                Problem(
                    str(path),
                    row,
                    None,
                    None,
                    f"this item is {_article(kind)}, not an object",
                    'each row is an object such as {"account_id": "A-1", "name": "Acme"}',
                )
                for row, kind in found
            ]
        )


JSON_KINDS = {"array": "an array", "varchar": "a string", "boolean": "true or false"}


def _article(kind: str) -> str:
    if kind in ("bigint", "ubigint", "double"):
        return "a number"
    return JSON_KINDS.get(kind, kind)


def _pointer(key: str) -> str:
    """A JSON pointer to ``key`` (so dots and dollars in keys are plain characters)."""
    return "/" + key.replace("~", "~0").replace("/", "~1")


def _one_object_a_line(text: str) -> bool:
    return re.search(r"\n[ \t\r]*\n", text.strip("\r\n")) is None and not text[:1].isspace()


# ---------------------------------------------------------------------------- XLSX and Parquet


def read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, scratch: Scratch) -> Raw:
    import fastexcel

    try:
        sheet = fastexcel.read_excel(str(path)).load_sheet(
            0, header_row=None, dtypes="string", skip_whitespace_tail_rows=True
        )
    except Exception as error:  # fastexcel raises several types, all meaning "unreadable"
        raise unreadable(
            path,
            f"cannot be read as XLSX: {str(error).splitlines()[0]}",
            "open it in a spreadsheet and save it again as .xlsx",
        ) from None
    if not sheet.width or not sheet.height:
        raise unreadable(path, "the first sheet is empty", "put the header in the first row")
    view = scratch.register("sheet", sheet)
    names = column_names(con, f"SELECT * FROM {ident(view)}")
    loaded = scratch.table("xlsx")
    con.execute(f"CREATE TEMP TABLE {ident(loaded)} AS SELECT * FROM {ident(view)}")
    header = first(con, f"SELECT * FROM {ident(loaded)} WHERE rowid = 0")
    cells = ", ".join(f"{ident(n)} AS c{i}" for i, n in enumerate(names))
    raw = scratch.table("raw")
    con.execute(
        f"CREATE TEMP TABLE {ident(raw)} AS SELECT rowid AS __row, CAST(NULL AS BIGINT) AS "
        f"__line, {cells} FROM {ident(loaded)} WHERE rowid >= 1"
    )
    return Raw(raw, [h or "" for h in header], "xlsx")


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path, scratch: Scratch) -> Raw:
    # Absolute: a view of the file may be read after the working directory changed.
    source = f"read_parquet({literal(str(path.absolute()))}, file_row_number=true)"
    try:
        names = column_names(con, f"SELECT * FROM {source}")
        names = [n for n in names if n != "file_row_number"]
        cells = ", ".join(f"{ident(n)} AS c{i}" for i, n in enumerate(names))
        query = (
            f"SELECT file_row_number + 1 AS __row, CAST(NULL AS BIGINT) AS __line, {cells} "
            f"FROM {source}"
        )
        raw = scratch.view("raw", query)
        first(con, f"SELECT count(*) FROM {ident(raw)}")  # a broken file fails here, not later
    except duckdb.Error as error:
        raise parquet_failure(path, error) from None
    return Raw(raw, names, "parquet", query=query)


def parquet_failure(path: Path, error: duckdb.Error) -> DataError:
    """A Parquet file DuckDB could not read (its cells are read where they are used)."""
    return _duckdb_failure(path, "Parquet", error)


BINARY_READERS: dict[str, Callable[[duckdb.DuckDBPyConnection, Path, Scratch], Raw]] = {
    "xlsx": read_xlsx,
    "parquet": read_parquet,
}
TEXT_READERS: dict[str, Callable[[duckdb.DuckDBPyConnection, Path, bytes, Text, Scratch], Raw]] = {
    "csv": read_csv,
    "json": read_json,
    "ndjson": read_json,
}
