"""Where the compiled SQL runs: DuckDB (embedded, the default), Spark, or PostgreSQL.

Data is always read and checked by DuckDB, whatever the engine: one set of data checks, with
the same messages and row numbers, for every engine. An engine receives the checked, typed
tables (:meth:`Engine.put`) and runs the compiled SQL — the same SQLGlot tree, printed in its
own dialect (:meth:`Engine.sql`) — and hands the result back as Arrow
(:meth:`Engine.query`). :func:`conform` then gives every column the type DuckDB gives it, so
the output of every engine is the same table, compared row for row by the conformance suite
(``tests/unit/test_conformance.py``; the contract is in ``docs/engines.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    from sqlglot import exp

ENGINES = ("duckdb", "spark", "postgres")


class EngineError(Exception):
    """The engine cannot be started or reached, or cannot run the query; the message says why
    and what to do (install an extra, start a server …)."""


@dataclass(frozen=True)
class EngineOptions:
    """How to reach an engine: a Spark master URL, a PostgreSQL connection URL."""

    spark_master: str | None = None
    database: str | None = None


class Engine(Protocol):
    name: str
    dialect: str

    def sql(self, query: exp.Expression) -> str:
        """``query`` as this engine's SQL."""
        ...

    def put(self, name: str, table: pa.Table) -> None:
        """Make ``table`` readable as ``name`` by the queries that follow (replacing any)."""
        ...

    def query(self, sql: str) -> pa.Table:
        """Run ``sql``; every row of its result, as Arrow."""
        ...

    def close(self) -> None: ...


class DuckDBEngine:
    """The embedded default: the connection the data was loaded into."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def sql(self, query: exp.Expression) -> str:
        from ..engine.run import duckdb_sql

        return duckdb_sql(query)

    def put(self, name: str, table: pa.Table) -> None:
        self.con.register("__incoming", table)
        try:
            self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM __incoming')
        finally:
            self.con.unregister("__incoming")

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()


def open_engine(name: str, options: EngineOptions | None = None) -> Engine:
    """Start (or connect to) the engine called ``name``; :class:`EngineError` if it cannot."""
    options = options or EngineOptions()
    if name == "duckdb":
        from ..engine.run import connect

        return DuckDBEngine(connect())
    if name == "spark":
        from .spark import SparkEngine

        return SparkEngine.start(options.spark_master)
    if name == "postgres":
        from .postgres import PostgresEngine

        if options.database is None:
            raise EngineError(
                "--engine postgres needs a server: pass --database postgresql://…, or give "
                "the accounts as a postgresql:// URL"
            )
        return PostgresEngine.connect(options.database)
    raise EngineError(f"unknown engine {name!r}: use one of {', '.join(ENGINES)}")


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with the columns of ``schema``, in its order, cast to its types.

    Engines name and type their results in their own ways (Spark widens decimals, PostgreSQL
    returns ``numeric`` without a scale, ``count`` is 64-bit everywhere but not always
    signed the same way); the compiled SQL names every output column, so matching them by name
    and casting to DuckDB's types gives one table whatever ran the query. A value that does
    not fit its DuckDB type raises :class:`EngineError` (never silently truncated).
    """
    import pyarrow as pa

    by_name = {name.lower(): i for i, name in enumerate(table.column_names)}
    columns = []
    for field in schema:
        index = by_name.get(field.name.lower())
        if index is None:
            raise EngineError(f"the engine's result has no column {field.name!r}")
        values = table.column(index)
        if values.type != field.type:
            try:
                values = values.cast(field.type, safe=True)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise EngineError(
                    f"column {field.name!r}: the engine returned {values.type}, which does not "
                    f"fit {field.type}: {exc}"
                ) from exc
        columns.append(values)
    return pa.Table.from_arrays(columns, schema=schema)
