"""Temporary DuckDB tables, views and files of one load, removed when the load ends.

Input: the caller's connection. Output: unique names (so two loads never collide, and the
caller's own tables are never touched) and a directory for transcoded text.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from .values import ident


def first(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The first row of a query (``()`` if none), reading the result to its end as DuckDB 2
    requires before the connection does other work."""
    rows = con.execute(sql).fetchall()
    return tuple(rows[0]) if rows else ()


def column_names(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """The names of a query's columns, without running it."""
    return list(con.sql(sql).columns)


class Scratch:
    """Names of temporary objects on ``con``; ``with Scratch(con) as s:`` drops them at the end."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.prefix = f"__abm_{uuid.uuid4().hex[:12]}"
        self.tables: list[str] = []
        self.views: list[str] = []
        self.sql_views: list[str] = []
        self.directory: Path | None = None

    def table(self, role: str) -> str:
        """A fresh name for a temporary table; it is dropped at the end."""
        name = self._fresh(role)
        self.tables.append(name)
        return name

    def _fresh(self, role: str) -> str:
        name, n = f"{self.prefix}_{role}", 1
        while name in self.tables or name in self.views or name in self.sql_views:
            n += 1
            name = f"{self.prefix}_{role}_{n}"
        return name

    def view(self, role: str, query: str) -> str:
        """A temporary view of ``query``; it is dropped at the end."""
        name = self._fresh(role)
        self.con.execute(f"CREATE TEMP VIEW {ident(name)} AS {query}")
        self.sql_views.append(name)
        return name

    def register(self, role: str, data: Any) -> str:
        """``data`` (anything DuckDB can scan, e.g. an Arrow stream) registered as a view."""
        name = self._fresh(role)
        self.con.register(name, data)
        self.views.append(name)
        return name

    def text_file(self, text: str, suffix: str) -> Path:
        """``text`` written as UTF-8 without a byte-order mark, for DuckDB to read."""
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="abm-data-"))
        path = self.directory / f"data{suffix}"
        path.write_text(text, encoding="utf-8", newline="")
        return path

    def __enter__(self) -> Scratch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for name in reversed(self.sql_views):  # a view may read an earlier one
            self.con.execute(f"DROP VIEW IF EXISTS temp.{ident(name)}")
        for name in self.tables:
            self.con.execute(f"DROP TABLE IF EXISTS temp.{ident(name)}")
        for name in self.views:
            self.con.unregister(name)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
