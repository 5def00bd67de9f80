"""Load one data set (accounts, contacts or activities) into a typed DuckDB table.

Input: a connection, a data file, the data set's declared fields, a table name.
Output: the table — every declared field typed, then the file's extra columns unchanged, then
``__row`` — and a :class:`LoadReport`; or :class:`~abmdsl.data.errors.DataError` with every
problem found, and then the table is left as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..ir import FieldInfo
from . import readers, validate
from .errors import DataError, Problem
from .scratch import Scratch, first
from .values import ident


@dataclass(frozen=True)
class LoadReport:
    """What a load read and how: counts, columns, the format and the spelling it detected."""

    rows: int
    columns: list[str]  # the declared fields first, then the extras
    extra_columns: list[str]
    format: str  # 'csv' | 'xlsx' | 'parquet' | 'json' | 'ndjson'
    encoding: str | None
    delimiter: str | None
    decimal_comma: bool
    sha256: str  # of the file's bytes


def load_dataset(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    dataset: str,
    fields: dict[str, FieldInfo],
    table: str,
) -> LoadReport:
    """Read ``path``, check it against ``fields`` and create (or replace) the table ``table``.

    Args:
        con: where the table goes; only temporary objects with unique names are added besides.
        path: a CSV (any of `,` `;` TAB `|`), XLSX, Parquet, JSON or NDJSON file.
        dataset: the data set's name, ``accounts``, ``contacts`` or ``activities``.
        fields: the data set's declared fields, ``Playbook.fields[dataset]``.
        table: the table's name, one identifier (quoted as given).

    Returns:
        What was loaded. The table has one row per data row of the file, in the file's order.

    Raises:
        DataError: the file cannot be read, or some values do not fit their fields.

    >>> import duckdb, tempfile
    >>> from abmdsl.ir import FieldInfo
    >>> fields = {"account_id": FieldInfo(dataset="accounts", name="account_id", type="text",
    ...                                   key=True)}
    >>> path = Path(tempfile.mkdtemp()) / "accounts.csv"
    >>> _ = path.write_text("account_id;note\\nA-1;first\\n")
    >>> con = duckdb.connect()
    >>> load_dataset(con, path, "accounts", fields, "accounts").columns
    ['account_id', 'note']
    >>> con.sql("SELECT * FROM accounts").fetchall()
    [('A-1', 'first', 1)]
    """
    path = Path(path)
    data = _read_bytes(path)
    with _insertion_order(con), Scratch(con) as scratch:
        return _load(con, path, data, fields, table, scratch)


@contextmanager
def _insertion_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    # `__row` is the order DuckDB inserted the rows in, which is the file's order only while
    # this setting is on (it is by default).
    (before,) = first(con, "SELECT current_setting('preserve_insertion_order')")
    if not before:
        con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        if not before:
            con.execute("SET preserve_insertion_order = false")


def _load(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    data: bytes,
    fields: dict[str, FieldInfo],
    table: str,
    scratch: Scratch,
) -> LoadReport:
    file = str(path)
    raw = readers.read(con, path, data, scratch)
    validate.drop_trailing_blank_rows(con, raw)
    columns = validate.match_columns(con, raw, fields, file)
    decimal_comma = validate.sniff_decimal_comma(con, raw, columns, fields)
    staged = validate.stage(con, raw, columns, fields, decimal_comma, scratch)
    problems, total = validate.row_problems(con, staged, columns, fields, file, scratch)
    if columns.problems or problems:
        raise DataError(columns.problems + problems, len(columns.problems) + total)
    _create(con, staged, columns, table)
    (rows,) = first(con, f"SELECT count(*) FROM {ident(staged)}")
    extras = [name for name, _ in columns.extras]
    return LoadReport(
        rows=rows,
        columns=[*columns.declared, *extras],
        extra_columns=extras,
        format=raw.format,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        decimal_comma=decimal_comma,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _create(
    con: duckdb.DuckDBPyConnection, staged: str, columns: validate.Columns, table: str
) -> None:
    declared = [f"p{i} AS {ident(name)}" for i, name in enumerate(columns.declared)]
    extras = [f"x{j} AS {ident(name)}" for j, (name, _) in enumerate(columns.extras)]
    con.execute(
        f"CREATE OR REPLACE TABLE {ident(table)} AS SELECT "
        f"{', '.join([*declared, *extras, '__row'])} FROM {ident(staged)} ORDER BY __row"
    )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        problem = Problem(str(path), None, None, None, "no such file")
    except IsADirectoryError:
        problem = Problem(str(path), None, None, None, "a directory, not a data file")
    except OSError as error:
        problem = Problem(str(path), None, None, None, f"cannot be read: {error.strerror}")
    raise DataError([problem])
