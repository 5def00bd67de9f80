"""PostgreSQL as an engine: checked Arrow tables in, the compiled SQL run there, Arrow out.

Input: a ``postgresql://`` URL (:meth:`PostgresEngine.connect`), Arrow tables
(:meth:`PostgresEngine.put`) and SQL printed in the ``postgres`` dialect.
Output: the query's rows as an Arrow table typed from PostgreSQL's own column types.

Rows cross the connection as CSV through ``COPY``, written and parsed by Arrow's C++ CSV
codec: no Python loop over rows either way, and a value's text is exact (a ``numeric`` stays
a decimal, never a float). Tables are ``TEMP``: they live as long as the connection, are
invisible to other sessions and shadow any permanent table of the same name.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from . import EngineError

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlglot import exp

BATCH_ROWS = 65536  # rows per COPY write: large enough to amortise, small enough to stream


def psycopg() -> Any:
    """The psycopg module, or :class:`EngineError` saying how to install it."""
    try:
        import psycopg as module
    except ImportError:
        raise EngineError(
            "PostgreSQL needs psycopg: install abmdsl[postgres] (pip install 'abmdsl[postgres]')"
        ) from None
    return module


def redact(url: str) -> str:
    """``url`` without its password, to show in messages.

    >>> redact("postgresql://ann:s3cret@db:5432/crm?table=accounts")
    'postgresql://ann@db:5432/crm?table=accounts'
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return re.sub(r"//[^@/]*@", "//", url)  # unparseable: drop any user info wholesale
    user = f"{parts.username}@" if parts.username else ""
    host = f"[{host}]" if ":" in host else host
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, parts.query, ""))


def scrub(message: str, url: str) -> str:
    """``message`` with ``url``'s password (as written and decoded) blotted out: libpq does
    not print passwords, but a malformed URL may be echoed back whole."""
    try:
        secret = urlsplit(url).password
    except ValueError:
        secret = None
    for form in {secret, unquote(secret or "")} - {None, ""}:
        message = message.replace(form, "***")  # type: ignore[arg-type]
    return message.replace(url, redact(url))


def first_line(error: BaseException) -> str:
    """The gist of a psycopg error: its primary message, else its text on one line."""
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        return str(primary)
    return " ".join(str(error).split()) or type(error).__name__


def connect(url: str, *, read_only: bool = False) -> Any:
    """A psycopg connection to ``url`` in autocommit mode, ISO dates, UTC.

    Raises :class:`EngineError` naming the server (without its password) and why.
    """
    pg = psycopg()
    try:
        con = pg.connect(url, autocommit=True, connect_timeout=10)
    except (pg.Error, ValueError) as exc:
        raise EngineError(
            f"cannot connect to PostgreSQL at {redact(url)}: {scrub(first_line(exc), url)}"
        ) from None
    # Dates and timestamps are read back as text: one spelling, whatever the server's setting.
    con.execute("SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET extra_float_digits = 1")
    if read_only:
        con.execute("SET default_transaction_read_only = on")
    return con


# Text compares and sorts byte by byte, as in DuckDB, whatever the database's collation (ties
# are broken by account keys): an expression on a column takes the column's collation.
TEXT = 'text COLLATE "C"'


def column_type(kind: pa.DataType) -> str:
    """The PostgreSQL column type for an Arrow type, for the tables handed to the engine."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        return column_type(kind.value_type)
    if pa.types.is_decimal(kind):
        return f"numeric({kind.precision}, {kind.scale})"
    if pa.types.is_timestamp(kind):
        return "timestamptz" if kind.tz else "timestamp"
    for test, name in _simple_types():
        if test(kind):
            return name
    raise EngineError(f"cannot hand a column of type {kind} to PostgreSQL")


def _simple_types() -> list[tuple[Any, str]]:
    import pyarrow as pa

    t = pa.types
    return [
        (t.is_boolean, "boolean"),
        (lambda k: k in (pa.int8(), pa.int16(), pa.uint8()), "smallint"),
        (lambda k: k in (pa.int32(), pa.uint16()), "integer"),
        (lambda k: k in (pa.int64(), pa.uint32()), "bigint"),
        (lambda k: k == pa.uint64(), "numeric(20, 0)"),
        (lambda k: k in (pa.float16(), pa.float32()), "real"),
        (t.is_float64, "double precision"),
        (lambda k: t.is_string(k) or t.is_large_string(k) or t.is_string_view(k), TEXT),
        (t.is_null, TEXT),
        (t.is_date, "date"),
        (t.is_time, "time"),
    ]


class PostgresEngine:
    """One session on a PostgreSQL server; its tables are ``TEMP`` (see the module docstring)."""

    name = "postgres"
    dialect = "postgres"

    def __init__(self, con: Any, url: str) -> None:
        self.con = con
        self.url = url

    @classmethod
    def connect(cls, url: str) -> PostgresEngine:
        """A session on the server of ``url`` (``postgresql://user@host:port/dbname``)."""
        return cls(connect(url), url)

    def sql(self, query: exp.Expression) -> str:
        from .pgsql import postgres_sql

        return postgres_sql(query)

    def put(self, name: str, table: pa.Table) -> None:
        """``table`` as the ``TEMP`` table ``name``, sent in batches by ``COPY`` (CSV)."""
        import pyarrow.csv as csv

        pg = psycopg()
        ident = pg.sql.Identifier(name)
        columns = pg.sql.SQL(", ").join(
            pg.sql.SQL("{} {}").format(pg.sql.Identifier(f.name), pg.sql.SQL(column_type(f.type)))
            for f in table.schema
        )
        options = csv.WriteOptions(include_header=False, quoting_style="needed")
        try:
            with self.con.transaction(), self.con.cursor() as cur:
                cur.execute(pg.sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(ident))
                cur.execute(pg.sql.SQL("CREATE TEMP TABLE {} ({})").format(ident, columns))
                copy = pg.sql.SQL("COPY {} FROM STDIN (FORMAT csv)").format(ident)
                with cur.copy(copy) as sink:
                    for batch in table.to_batches(max_chunksize=BATCH_ROWS):
                        buffer = io.BytesIO()
                        # An empty string is written quoted and a null as nothing: COPY's CSV
                        # tells them apart the same way.
                        csv.write_csv(batch, buffer, options)
                        sink.write(buffer.getvalue())
        except pg.Error as exc:
            message = f"PostgreSQL could not load the table {name!r}: {first_line(exc)}"
            raise EngineError(message) from None

    def query(self, sql: str) -> pa.Table:
        """``sql``'s rows, typed from the result's column types (one planning to learn them,
        then ``COPY`` to read them)."""
        import pyarrow as pa

        pg = psycopg()
        try:
            with self.con.cursor() as cur:
                cur.execute(f"SELECT * FROM ({sql}) AS q LIMIT 0")
                description = cur.description or []
                return read_copy(cur, f"COPY ({sql}) TO STDOUT (FORMAT csv)", description)
        except pg.Error as exc:
            raise EngineError(f"PostgreSQL could not run the query: {first_line(exc)}") from None
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:  # NaN, Infinity …
            raise EngineError(f"PostgreSQL returned a value abm cannot read: {exc}") from None

    def close(self) -> None:
        self.con.close()


def read_copy(cur: Any, copy: Any, description: Any) -> pa.Table:
    """The rows of ``copy`` (a ``COPY … TO STDOUT (FORMAT csv)``) typed by ``description``."""
    import pyarrow as pa

    with cur.copy(copy) as source:
        data = b"".join(bytes(chunk) for chunk in source)
    names = [column.name for column in description]
    kinds = [result_type(column.type_code, column.scale) for column in description]
    table = parse_csv(data, kinds)
    columns = [
        _decimal(table.column(i)) if kinds[i] is None else table.column(i)
        for i in range(len(names))
    ]
    return pa.Table.from_arrays(columns, names=names)


def parse_csv(data: bytes, kinds: list[pa.DataType | None], skip_rows: int = 0) -> pa.Table:
    """COPY's CSV after ``skip_rows`` lines, columns ``c0``, ``c1``…; a ``None`` kind is read
    as text."""
    import pyarrow as pa
    import pyarrow.csv as csv

    names = [f"c{i}" for i in range(len(kinds))]
    types = {n: k or pa.string() for n, k in zip(names, kinds, strict=True)}
    if data.count(b"\n") <= skip_rows:  # no row (Arrow cannot read a CSV file of none)
        return pa.table({n: pa.array([], k) for n, k in types.items()})
    convert = csv.ConvertOptions(
        column_types=types,
        true_values=["t"],
        false_values=["f"],
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,  # "" is an empty string, nothing at all is NULL
    )
    read = csv.ReadOptions(column_names=names, block_size=1 << 24, skip_rows=skip_rows)
    parse = csv.ParseOptions(newlines_in_values=True)
    return csv.read_csv(io.BytesIO(data), read, parse, convert)


# PostgreSQL type OIDs → Arrow types; `numeric` without a declared scale is None (below).
RESULT_TYPES = {
    16: "bool",
    20: "int64",
    21: "int16",
    23: "int32",
    26: "int64",
    700: "float32",
    701: "float64",
    1082: "date32",
    1114: "timestamp[us]",
    1184: "timestamp[us, tz=UTC]",
}


def result_type(oid: int, scale: int | None) -> pa.DataType | None:
    import pyarrow as pa

    if oid == 1700:
        return pa.decimal128(38, scale) if scale is not None else None
    kind = RESULT_TYPES.get(oid)
    if kind is None:
        return pa.string()
    if kind.startswith("timestamp"):
        return pa.timestamp("us", tz="UTC" if "tz" in kind else None)
    return pa.type_for_alias(kind)


def _decimal(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """A ``numeric`` column of no declared scale, from its text, at the largest scale any of
    its values is written with (PostgreSQL prints a numeric's every digit)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_decimal(values.type):
        return values
    fraction = pc.utf8_length(pc.replace_substring_regex(values, r"^[^.]*\.?", ""))
    scale = pc.max(fraction).as_py() or 0
    whole = pc.utf8_length(pc.replace_substring_regex(values, r"^[-+]|\..*$", ""))
    precision = max(1, (pc.max(whole).as_py() or 0) + scale)
    if precision > 76:
        raise EngineError(f"a numeric result has {precision} digits, more than 76")
    kind = pa.decimal128(precision, scale) if precision <= 38 else pa.decimal256(precision, scale)
    return values.cast(kind)
