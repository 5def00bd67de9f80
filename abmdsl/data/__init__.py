"""Data in: accounts, contacts and activities loaded into DuckDB and checked against the playbook.

Input: a data file (CSV, XLSX, Parquet, JSON, NDJSON) and the fields a playbook declares for
its data set. Output: a typed DuckDB table and a :class:`LoadReport`, or a :class:`DataError`
listing every problem (row, line, column, message, hint). See docs/data.md.

Modules, in the order a load runs them: :mod:`.formats` (format, encoding, delimiter),
:mod:`.readers` (cells into a raw table), :mod:`.values` (text → typed value, as SQL),
:mod:`.validate` (the checks), :mod:`.load` (the table), :mod:`.errors` (problems, text);
:mod:`.postgres` reads a table or query of a PostgreSQL database instead of a file.
"""

from .errors import DataError, Problem, render_problems
from .load import LoadReport, Source, check_unchanged, load_dataset
from .postgres import PostgresSource, SourceError, is_url, parse_source

__all__ = [
    "DataError",
    "LoadReport",
    "PostgresSource",
    "Problem",
    "Source",
    "SourceError",
    "check_unchanged",
    "is_url",
    "load_dataset",
    "parse_source",
    "render_problems",
]
