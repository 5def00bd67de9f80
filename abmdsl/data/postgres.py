"""A data set read from PostgreSQL: a table or a query, given as a ``postgresql://`` URL.

Input: ``postgresql://user@host:port/dbname?table=accounts`` (or ``?query=SELECT…``,
percent-encoded) and the data set's declared fields. Output: the same typed DuckDB table and
:class:`~abmdsl.data.LoadReport` as from a file, or :class:`~abmdsl.data.DataError`.

The rows are read as text, as PostgreSQL writes them (``COPY … TO STDOUT (FORMAT csv)``),
and checked exactly as the cells of a CSV file are: one set of checks and messages whatever
the source. Problems name the source by its URL without the password, and rows from 1 in the
order read. A table is read in its physical order (``ORDER BY ctid``: the order its rows were
inserted, unless they were since updated); a query's rows come in the order it gives them.
Everything runs in a ``READ ONLY`` transaction, so a query cannot change the database.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .errors import DataError, Problem

if TYPE_CHECKING:
    import duckdb

    from ..ir import FieldInfo
    from .load import LoadReport
    from .readers import Raw
    from .scratch import Scratch

SCHEMES = ("postgresql", "postgres")
SHOWN_QUERY = 60  # characters of a query shown in messages


class SourceError(ValueError):
    """A ``postgresql://`` URL that does not name a table or a query; the message says why."""


@dataclass(frozen=True)
class PostgresSource:
    """Where a data set is read from: a server (``url``, as libpq takes it) and what to read."""

    url: str  # the connection URL without ``table`` and ``query``
    table: tuple[str, ...] = ()  # the table's name, schema first when given
    query: str | None = None

    @property
    def name(self) -> str:
        """The source as shown in messages: its URL without the password."""
        from ..engines.postgres import redact

        if self.query is None:
            joint = "&" if "?" in self.url else "?"
            return f"{redact(self.url)}{joint}table={'.'.join(self.table)}"
        shown = " ".join(self.query.split())
        shown = shown if len(shown) <= SHOWN_QUERY else shown[: SHOWN_QUERY - 1] + "…"
        return f"{redact(self.url)} (query: {shown})"

    def __str__(self) -> str:
        return self.name


def is_url(text: str) -> bool:
    """Whether ``text`` names a PostgreSQL source rather than a file.

    >>> is_url("postgresql://crm/abm?table=accounts"), is_url("accounts.csv")
    (True, False)
    """
    return text.split("://", 1)[0].lower() in SCHEMES and "://" in text


def parse_source(text: str) -> PostgresSource:
    """The source ``text`` names; :class:`SourceError` when it names no table or query.

    >>> s = parse_source("postgresql://ann@db/crm?query=SELECT%20*%20FROM%20a&sslmode=require")
    >>> s.query, s.url
    ('SELECT * FROM a', 'postgresql://ann@db/crm?sslmode=require')
    >>> parse_source("postgresql://db/crm?table=sales.accounts").table
    ('sales', 'accounts')
    """
    try:
        parts = urlsplit(text)
        _ = parts.port  # a port that is not a number raises here
    except ValueError as exc:
        raise SourceError(f"not a valid URL: {exc}") from None
    params = parse_qsl(parts.query, keep_blank_values=True)
    ours = {k: v for k, v in params if k in ("table", "query")}
    rest = [(k, v) for k, v in params if k not in ("table", "query")]
    if len(ours) != 1 or len([k for k, _ in params if k in ours]) != 1:
        raise SourceError(
            "say what to read: add ?table=NAME or ?query=SELECT… (percent-encoded), one of them"
        )
    if not parts.path.strip("/"):
        raise SourceError("name the database: postgresql://user@host:port/DBNAME?table=…")
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
    if "query" in ours:
        if not ours["query"].strip():
            raise SourceError("the query is empty")
        return PostgresSource(url, query=ours["query"].strip().rstrip(";"))
    names = tuple(ours["table"].split("."))
    if not all(names) or len(names) > 2:
        raise SourceError(f"not a table name: {ours['table']!r} (write NAME or SCHEMA.NAME)")
    return PostgresSource(url, table=names)


@dataclass(frozen=True)
class Rows:
    """What was read: the column names, and the rows as CSV text after a header line."""

    headers: list[str]
    data: bytes

    @property
    def sha256(self) -> str:
        """Of the names and the rows as read: the same rows in the same order, the same hash."""
        return hashlib.sha256(self.data).hexdigest()


def read_rows(source: PostgresSource) -> Rows:
    """Every row of ``source``, read in one ``READ ONLY`` transaction."""
    from ..engines import EngineError
    from ..engines.postgres import connect, first_line, psycopg

    try:
        con = connect(source.url, read_only=True)
    except EngineError as exc:
        raise _failure(source, str(exc), "check the URL, and that the server runs") from None
    pg = psycopg()
    try:
        with con.transaction(), con.cursor() as cur:
            cur.execute("SET TRANSACTION READ ONLY")
            # The query is copied as written (not wrapped in a SELECT, which would turn a
            # `DELETE … RETURNING` into a syntax error), so that one that writes is refused
            # as such; the header names its columns.
            copy = pg.sql.SQL("COPY ({}) TO STDOUT (FORMAT csv, HEADER true)")
            with cur.copy(copy.format(_select(cur, source))) as rows:
                data = b"".join(bytes(chunk) for chunk in rows)
    except pg.Error as exc:
        raise _failure(source, f"cannot be read: {first_line(exc)}", _hint(exc)) from None
    finally:
        con.close()
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    return Rows(next(csv.reader(text), []), data)


def _select(cur: Any, source: PostgresSource) -> Any:
    pg = _sql()
    if source.query is not None:
        return pg.SQL(source.query)  # type: ignore[arg-type]  # the user's own SQL
    name = pg.Identifier(*source.table)
    cur.execute(
        pg.SQL("SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass({})").format(
            pg.Literal(name.as_string(cur))
        )
    )
    found = cur.fetchone()
    if found is None:
        raise DataError([Problem(source.name, None, None, None, "no such table or view")])
    # Only a plain table has a physical order to keep; a view's is the view's own.
    ordered = pg.SQL(" ORDER BY ctid") if found[0] in ("r", "m") else pg.SQL("")
    return pg.SQL("SELECT * FROM {}{}").format(name, ordered)


def _sql() -> Any:
    from ..engines.postgres import psycopg

    return psycopg().sql


def _hint(exc: BaseException) -> str | None:
    state = getattr(getattr(exc, "diag", None), "sqlstate", None)
    if state == "25006":
        return "a data source is only read: give a query that reads (SELECT …)"
    if state in ("42P01", "3F000"):
        return "check the name and the schema (names are as stored: lower case unless quoted)"
    if state == "42601":
        return "the query is percent-encoded in the URL: write %20 or + for a space, %26 for &"
    return None


def _failure(source: PostgresSource, message: str, hint: str | None) -> DataError:
    return DataError([Problem(source.name, None, None, None, message, hint)])


def load_postgres(
    con: duckdb.DuckDBPyConnection,
    source: PostgresSource,
    fields: dict[str, FieldInfo],
    table: str,
    scratch: Scratch,
) -> LoadReport:
    """Read ``source`` and check it into ``table`` on ``con``, as a CSV file would be."""
    from . import load

    rows = read_rows(source)
    raw = _raw(con, rows, scratch)
    return load.checked_rows(con, source.name, rows.sha256, raw, fields, table, scratch)


def _raw(con: duckdb.DuckDBPyConnection, rows: Rows, scratch: Scratch) -> Raw:
    """The cells as text, numbered from 1 in the order read; no lines (a database has none)."""
    import numpy as np
    import pyarrow as pa

    from ..engines.postgres import parse_csv
    from .readers import Raw
    from .values import ident

    cells = parse_csv(rows.data, [None] * len(rows.headers), skip_rows=1)
    numbers = pa.array(np.arange(1, cells.num_rows + 1, dtype=np.int64))
    lines = pa.nulls(cells.num_rows, pa.int64())
    cells = cells.add_column(0, "__line", lines).add_column(0, "__row", numbers)
    view = scratch.register("postgres", cells)
    raw = scratch.table("raw")
    con.execute(f"CREATE TEMP TABLE {ident(raw)} AS SELECT * FROM {ident(view)} ORDER BY __row")
    return Raw(raw, rows.headers, "postgres")
