"""Load one data set (accounts, contacts or activities) into a typed DuckDB table.

Input: a connection, a data file, the data set's declared fields, a table name.
Output: the table — every declared field typed, then the file's extra columns unchanged, then
``__row`` — and a :class:`LoadReport`; or :class:`~abmdsl.data.errors.DataError` with every
problem found, and then the table is left as it was.

A Parquet file's typed columns are read as they are where their type matches their field
(:mod:`.typed`); with ``copy=False`` and every field so, the table is a view of the file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..ir import FieldInfo
from . import readers, typed, validate
from .errors import DataError, Problem
from .postgres import PostgresSource
from .scratch import Scratch, first
from .values import ident

Source = Path | PostgresSource
"""Where a data set is read from: a file, or a table or query of a PostgreSQL database."""


@dataclass(frozen=True)
class LoadReport:
    """What a load read and how: counts, columns, the format and the spelling it detected."""

    rows: int
    columns: list[str]  # the declared fields first, then the extras
    extra_columns: list[str]
    format: str  # 'csv' | 'xlsx' | 'parquet' | 'json' | 'ndjson' | 'postgres'
    encoding: str | None
    delimiter: str | None
    decimal_comma: bool
    sha256: str  # of the file's bytes (of a database's rows: :class:`.postgres.Rows`)
    # Fields whose typed cells were read as they are, not as text (Parquet).
    typed_fields: tuple[str, ...] = ()
    # When the table is a view of the file: the file's size, modification time and inode
    # when it was hashed, for :func:`check_unchanged`.
    view_of: tuple[int, int, int] | None = None


def load_dataset(
    con: duckdb.DuckDBPyConnection,
    path: Source,
    dataset: str,
    fields: dict[str, FieldInfo],
    table: str,
    copy: bool = True,
) -> LoadReport:
    """Read ``path``, check it against ``fields`` and create (or replace) the table ``table``.

    Args:
        con: where the table goes; only temporary objects with unique names are added besides.
        path: a CSV (any of `,` `;` TAB `|`), XLSX, Parquet, JSON or NDJSON file; or a
            table or query of a PostgreSQL database (:mod:`.postgres`), read as a CSV file.
        dataset: the data set's name, ``accounts``, ``contacts`` or ``activities``.
        fields: the data set's declared fields, ``Playbook.fields[dataset]``.
        table: the table's name, one identifier (quoted as given).
        copy: ``False`` lets ``table`` be a view that reads the file again each time it is
            used, when that gives the same rows (a Parquet file whose columns have their
            fields' types, all values valid as they are); it then saves copying the file.
            The caller reads it while the file is unchanged (:func:`check_unchanged`).

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
    if isinstance(path, PostgresSource):
        from .postgres import load_postgres

        with Scratch(con) as scratch:
            return load_postgres(con, path, fields, table, scratch)
    path = Path(path)
    stamp = _stamp(path)  # before reading: a change after it is seen by check_unchanged
    data = _read_bytes(path)
    with _insertion_order(con), Scratch(con) as scratch:
        return _load(con, path, data, fields, table, scratch, None if copy else stamp)


def check_unchanged(path: Source, report: LoadReport) -> None:
    """Raise :class:`DataError` if the file of a table that is a view of it has changed since
    it was checked and hashed (then what was read from it may not be what was checked)."""
    if report.view_of is not None and _stamp(Path(path)) != report.view_of:
        problem = Problem(
            str(path), None, None, None, "the file changed while it was read", "run again"
        )
        raise DataError([problem])


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None  # _read_bytes says why
    return found.st_size, found.st_mtime_ns, found.st_ino


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
    stamp: tuple[int, int, int] | None,
) -> LoadReport:
    """``stamp`` is the file's when the table may be a view of it, else ``None``."""
    raw = readers.read(con, path, data, scratch)
    digest = hashlib.sha256(data).hexdigest()
    if raw.query is None:
        return _checked(con, str(path), digest, raw, fields, table, scratch, stamp)
    try:  # a view reads the file where it is used: a broken page shows there
        return _checked(con, str(path), digest, raw, fields, table, scratch, stamp)
    except (duckdb.BinderException, duckdb.ParserException, duckdb.CatalogException):
        raise  # a mistake in the SQL built here, not in the file
    except duckdb.Error as error:
        raise readers.parquet_failure(path, error) from None


def checked_rows(
    con: duckdb.DuckDBPyConnection,
    source: str,
    digest: str,
    raw: readers.Raw,
    fields: dict[str, FieldInfo],
    table: str,
    scratch: Scratch,
) -> LoadReport:
    """Check the cells of ``raw``, read from a source other than a file (a database), into
    ``table``; problems name ``source``, and the report's ``sha256`` is ``digest``."""
    with _insertion_order(con):
        return _checked(con, source, digest, raw, fields, table, scratch, None)


def _checked(
    con: duckdb.DuckDBPyConnection,
    file: str,
    digest: str,
    raw: readers.Raw,
    fields: dict[str, FieldInfo],
    table: str,
    scratch: Scratch,
    stamp: tuple[int, int, int] | None,
) -> LoadReport:
    raw = validate.drop_trailing_blank_rows(con, raw, scratch)
    columns = validate.match_columns(con, raw, fields, file)
    readings, gates = _typed_readings(con, raw, columns, fields)
    decimal_comma = validate.sniff_decimal_comma(con, raw, columns, fields, readings)
    staged = validate.stage(con, raw, columns, fields, decimal_comma, scratch, readings)
    found = validate.screen(con, staged, columns, fields, gates)
    caught = [name for name, n in found.gated.items() if n]
    if caught:  # some strings are not as the typed reading needs them: read those as text
        readings = {n: r for n, r in readings.items() if n not in caught}
        decimal_comma = validate.sniff_decimal_comma(con, raw, columns, fields, readings)
        staged = validate.stage(con, raw, columns, fields, decimal_comma, scratch, readings)
        found = validate.screen(con, staged, columns, fields)
    problems: list[Problem] = []
    total = 0
    if found.suspect:
        problems, total = validate.row_problems(con, staged, columns, fields, file, scratch)
    if columns.problems or problems:
        raise DataError(columns.problems + problems, len(columns.problems) + total)
    as_view = stamp is not None and staged.query is not None
    _create(con, staged, columns, table, as_view)
    (rows,) = first(con, f"SELECT count(*) FROM {ident(staged.table)}")
    extras = [name for name, _ in columns.extras]
    return LoadReport(
        rows=rows,
        columns=[*columns.declared, *extras],
        extra_columns=extras,
        format=raw.format,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        decimal_comma=decimal_comma,
        sha256=digest,
        typed_fields=tuple(n for n in columns.declared if n in readings),
        view_of=stamp if as_view else None,
    )


def _typed_readings(
    con: duckdb.DuckDBPyConnection,
    raw: readers.Raw,
    columns: validate.Columns,
    fields: dict[str, FieldInfo],
) -> tuple[dict[str, typed.Sql], dict[str, typed.Sql]]:
    """The fields read from typed cells (Parquet), and the gates of those that have one."""
    if raw.query is None or columns.problems or not columns.declared:
        return {}, {}
    cells = list(columns.declared.values())
    kinds = dict(zip(cells, _types(con, raw, cells), strict=True))
    readings: dict[str, typed.Sql] = {}
    gates: dict[str, typed.Sql] = {}
    for name, cell in columns.declared.items():
        value = typed.typed_value(fields[name], kinds[cell])
        if value is not None:
            readings[name] = value
            gate = typed.text_gate(fields[name], kinds[cell])
            if gate is not None:
                gates[name] = gate
    return readings, gates


def _types(con: duckdb.DuckDBPyConnection, raw: readers.Raw, cells: list[str]) -> list[str]:
    relation = con.sql(f"SELECT {', '.join(cells)} FROM {ident(raw.table)}")
    return [str(kind) for kind in relation.types]


def _create(
    con: duckdb.DuckDBPyConnection,
    staged: validate.Staged,
    columns: validate.Columns,
    table: str,
    as_view: bool,
) -> None:
    declared = [f"p{i} AS {ident(name)}" for i, name in enumerate(columns.declared)]
    extras = [f"x{j} AS {ident(name)}" for j, (name, _) in enumerate(columns.extras)]
    selected = ", ".join([*declared, *extras, "__row"])
    # A table and a view cannot share a name: drop whichever kind is not wanted.
    other = "TABLE" if as_view else "VIEW"
    if _exists(con, table, other):
        con.execute(f"DROP {other} {ident(table)}")
    if as_view:
        con.execute(
            f"CREATE OR REPLACE VIEW {ident(table)} AS SELECT {selected} FROM ({staged.query})"
        )
        return
    con.execute(
        f"CREATE OR REPLACE TABLE {ident(table)} AS SELECT "
        f"{selected} FROM {ident(staged.table)} ORDER BY __row"
    )


def _exists(con: duckdb.DuckDBPyConnection, name: str, kind: str) -> bool:
    catalog = "duckdb_views()" if kind == "VIEW" else "duckdb_tables()"
    where = f"{kind.lower()}_name = ? AND schema_name = current_schema() AND NOT temporary"
    return bool(con.execute(f"SELECT 1 FROM {catalog} WHERE {where}", [name]).fetchall())


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
