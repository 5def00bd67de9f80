"""Data in: accounts, contacts and activities loaded into DuckDB and checked against the playbook.

Input: a data file (CSV, XLSX, Parquet, JSON, NDJSON) and the fields a playbook declares for
its data set. Output: a typed DuckDB table and a :class:`LoadReport`, or a :class:`DataError`
listing every problem (row, line, column, message, hint). See docs/data.md.

Modules, in the order a load runs them: :mod:`.formats` (format, encoding, delimiter),
:mod:`.readers` (cells into a raw table), :mod:`.values` (text → typed value, as SQL),
:mod:`.validate` (the checks), :mod:`.load` (the table), :mod:`.errors` (problems, text).
"""

from .errors import DataError, Problem, render_problems
from .load import LoadReport, check_unchanged, load_dataset

__all__ = [
    "DataError",
    "LoadReport",
    "Problem",
    "check_unchanged",
    "load_dataset",
    "render_problems",
]
