"""The compiled SQL on Spark: a session in local mode (``local[2]``) or on a cluster.

Input: checked Arrow tables (:meth:`SparkEngine.put`) and a SQLGlot query printed in Spark's
dialect. Output: the query's rows as Arrow, which :func:`abmdsl.engines.conform` then gives
DuckDB's column types.

Starting a JVM and a session costs seconds, so a process keeps one session per master URL
and every :meth:`SparkEngine.start` for that URL reuses it; :meth:`SparkEngine.close` only
drops the views it made, and the session stops when the process ends (or on
:meth:`SparkEngine.stop`).

The session is set up to compute what DuckDB computes (docs/engines.md, "Spark"):

* ANSI mode **on** (Spark 4's default, set explicitly so a cluster's defaults cannot change
  it): an overflowing decimal or integer, or a bad cast, is an error, as in DuckDB, where
  Spark without ANSI mode would return ``NULL`` — a wrong answer rather than a refusal.
* The session time zone is UTC, as DuckDB's ``DATE`` arithmetic has no zone.
* In local mode, one shuffle partition per core and no adaptive re-planning
  (:func:`local_settings`).
* Tables handed over are cached views (:meth:`SparkEngine.put`).
"""

from __future__ import annotations

import atexit
import shutil
from typing import TYPE_CHECKING, Any, ClassVar

from . import EngineError

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlglot import exp

DEFAULT_MASTER = "local[2]"
SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
}


def local_settings(master: str) -> dict[str, str]:
    """One shuffle partition per core in local mode (Spark's 200 are made for clusters: on
    two cores, hundreds of empty tasks per query), and no adaptive re-planning, which costs
    more than it saves when every stage runs on the same two cores."""
    import os
    import re

    found = re.fullmatch(r"local(?:\[(\d+|\*)(?:,\d+)?\])?", master)
    if found is None:
        return {}
    cores = found.group(1) or "1"
    count = (os.cpu_count() or 1) if cores == "*" else int(cores)
    return {
        "spark.sql.shuffle.partitions": str(count),
        "spark.default.parallelism": str(count),
        "spark.sql.adaptive.enabled": "false",
    }


class SparkEngine:
    """Spark SQL over temporary views of the tables it is given."""

    name = "spark"
    dialect = "spark"
    _sessions: ClassVar[dict[str, Any]] = {}

    def __init__(self, session: Any) -> None:
        self.session = session
        self.views: dict[str, Any] = {}  # name → the DataFrame behind it (to unpersist)

    @classmethod
    def start(cls, master: str | None = None, conf: dict[str, str] | None = None) -> SparkEngine:
        """The session of ``master`` (default ``local[2]``), started on first use.

        Args:
            master: a Spark master URL (``local[N]``, ``spark://host:7077``, ``yarn`` …).
            conf: more settings for a new session (e.g. ``spark.driver.memory``); ignored
                when the process already has one for ``master``.

        Returns:
            An engine on that session; :class:`EngineError` when pyspark or Java is missing,
            or the session cannot start.
        """
        master = master or DEFAULT_MASTER
        session = cls._sessions.get(master)
        if session is None or session.sparkContext._jsc is None:
            session = cls._sessions[master] = _new_session(master, conf or {})
        return cls(session)

    def sql(self, query: exp.Expression) -> str:
        from .sparksql import spark_sql

        return spark_sql(query)

    def put(self, name: str, table: pa.Table) -> None:
        """``table`` as a cached temporary view: a table made from local data is a
        ``LocalRelation``, which Spark's optimizer evaluates row by row on the driver for every
        read of every CTE (55 s of planning for 100,000 accounts); cached, it is a scan."""
        frame = self.session.createDataFrame(_plain(table)).persist()
        frame.count()  # fill the cache now, once
        self.drop(name)
        frame.createOrReplaceTempView(name)
        self.views[name] = frame

    def read_parquet(self, name: str, path: str) -> None:
        """Make the Parquet file (or folder) at ``path`` readable as ``name``, read by Spark
        itself: how data too big for one machine reaches the query."""
        self.drop(name)
        frame = self.session.read.parquet(path)
        frame.createOrReplaceTempView(name)
        self.views[name] = frame

    def query(self, sql: str) -> pa.Table:
        try:
            return self.session.sql(sql).toArrow()
        except Exception as exc:  # py4j and Spark's own errors share no useful base class
            raise EngineError(f"Spark could not run the query: {_first_line(exc)}") from exc

    def drop(self, name: str) -> None:
        """Forget the view ``name`` and free its cache, if this engine made it."""
        frame = self.views.pop(name, None)
        if frame is not None:
            self.session.catalog.dropTempView(name)
            frame.unpersist()

    def close(self) -> None:
        """Drop the views this engine made; the session stays, for the next engine."""
        for name in list(self.views):
            self.drop(name)

    @classmethod
    def stop(cls) -> None:
        """Stop every session this process started."""
        for session in cls._sessions.values():
            session.stop()
        cls._sessions.clear()


def _new_session(master: str, conf: dict[str, str]) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineError(
            "--engine spark needs pyspark: install abmdsl[spark] (pip install 'abmdsl[spark]')"
        ) from exc
    if shutil.which("java") is None and not _java_home():
        raise EngineError(
            "--engine spark needs Java (a JVM, 17 or later): install one, or set JAVA_HOME"
        )
    builder = SparkSession.builder.master(master).appName("abmdsl")
    settings = SETTINGS | local_settings(master) | conf
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start, or the master cannot be reached
        raise EngineError(f"Spark could not start on {master}: {_first_line(exc)}") from exc
    session.sparkContext.setLogLevel("ERROR")
    _quiet_query_errors()
    atexit.register(session.stop)
    return session


def _quiet_query_errors() -> None:
    """pyspark logs every failed query as JSON on stderr before raising it; the error
    reaches the user once, as an :class:`EngineError`."""
    import logging

    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def _java_home() -> bool:
    import os

    home = os.environ.get("JAVA_HOME")
    return bool(home) and os.path.exists(os.path.join(home, "bin", "java"))


def _plain(table: pa.Table) -> pa.Table:
    """``table`` with the Arrow types Spark reads: dictionaries (DuckDB's enums) as their
    values, views and large strings as plain strings, narrow decimals as ``decimal128``."""
    import pyarrow as pa

    fields = [field.with_type(_plain_type(field.type)) for field in table.schema]
    wanted = pa.schema(fields)
    return table if wanted.equals(table.schema) else table.cast(wanted)


def _plain_type(kind: pa.DataType) -> pa.DataType:
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        return _plain_type(kind.value_type)
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return pa.string()
    if pa.types.is_decimal32(kind) or pa.types.is_decimal64(kind):
        return pa.decimal128(kind.precision, kind.scale)
    return kind


def _first_line(exc: BaseException) -> str:
    """The line that says what went wrong: a JVM error's innermost cause, else the first."""
    lines = str(exc).strip().splitlines()
    causes = [line.split("Exception: ", 1)[-1] for line in lines if line.startswith("Caused by:")]
    if causes:
        return causes[-1]
    return lines[0] if lines else type(exc).__name__
