"""Writing results: CSV, Parquet or JSON, atomically, with provenance, safe in a spreadsheet.

Input: an Arrow table and the run's provenance. Output: a file whose format follows its
extension. A file is written beside its destination and moved into place, so a reader never
sees half a file. Text cells a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) get a leading apostrophe in CSV.

A run holds its points and scores as Arrow ``decimal64`` when they fit (half the memory); a
Parquet file gets them as ``decimal128(38, 6)`` like every other decimal abm writes, which
every Parquet reader knows, so the files do not depend on how the table was held.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from .files import OutputError, atomic

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = (".csv", ".parquet", ".json")


def neutralise(value: str) -> str:
    """Make a text cell inert in a spreadsheet.

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("ACME")
    ('\\'=HYPERLINK("http://x")', 'ACME')
    """
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def with_provenance(table: pa.Table, provenance: dict[str, str]) -> pa.Table:
    """The table with one column per provenance entry, and the same in its schema metadata."""
    for name, value in provenance.items():
        table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()))
    metadata = {
        **(table.schema.metadata or {}),
        **{f"abmdsl.{k}".encode(): v.encode() for k, v in provenance.items()},
    }
    return table.replace_schema_metadata(metadata)


def write_table(table: pa.Table, path: Path, provenance: dict[str, str]) -> None:
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        raise OutputError(f"cannot write {path.name}: use one of " + ", ".join(FORMATS))
    writer(table, path, provenance)


def _write_csv(table: pa.Table, path: Path, provenance: dict[str, str]) -> None:
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    table = with_provenance(table, provenance)
    columns = []
    for column in table.columns:
        if pa.types.is_decimal(column.type):
            column = _plain_decimals(column)
        elif _is_text(column.type):
            risky = pc.starts_with(column, "=")
            for start in FORMULA_STARTS[1:]:
                risky = pc.or_(risky, pc.starts_with(column, start))
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    safe = pa.table(columns, names=table.column_names)
    with atomic(path, "wb") as stream:
        pcsv.write_csv(safe, stream, pcsv.WriteOptions(quoting_style="needed"))


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or kind == pa.string_view()


def _plain_decimals(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Decimals as people write them: 4.6, not 4.600000 (the value is unchanged)."""
    import pyarrow.compute as pc

    text = pc.cast(column, pa.string())
    trimmed = pc.replace_substring_regex(text, r"(\.\d*?)0+$", r"\1")
    return pc.replace_substring_regex(trimmed, r"\.$", "")


def _write_parquet(table: pa.Table, path: Path, provenance: dict[str, str]) -> None:
    import pyarrow.parquet as pq

    with atomic(path, "wb") as stream:
        pq.write_table(with_provenance(_wide_decimals(table), provenance), stream)


def _wide_decimals(table: pa.Table) -> pa.Table:
    """``decimal32``/``decimal64`` columns as ``decimal128(38, scale)`` (the value unchanged)."""
    for i, kind in enumerate(table.schema.types):
        if pa.types.is_decimal32(kind) or pa.types.is_decimal64(kind):
            wide = table.column(i).cast(pa.decimal128(38, kind.scale))
            table = table.set_column(i, table.schema.field(i).with_type(wide.type), wide)
    return table


def _write_json(table: pa.Table, path: Path, provenance: dict[str, str]) -> None:
    document = {
        "provenance": provenance,
        "accounts": [{k: _json_value(v) for k, v in row.items()} for row in table.to_pylist()],
    }
    with atomic(path) as stream:
        json.dump(document, stream, ensure_ascii=False, indent=1)
        stream.write("\n")


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return value


_WRITERS: dict[str, Callable[[pa.Table, Path, dict[str, str]], None]] = {
    ".csv": _write_csv,
    ".parquet": _write_parquet,
    ".json": _write_json,
}
