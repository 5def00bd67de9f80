"""Running a playbook on account data: load, tier in DuckDB, return the table with provenance.

Input: a checked playbook and the paths of the accounts (and optionally contacts) files.
Output: a :class:`Run` holding the tiered accounts as an Arrow table (one row per input
account, in input order), the provenance of the run and per-account contact counts.

The query is run without its final ``ORDER BY``: DuckDB returns the rows in runs of
consecutive input rows (a join hands back whole chunks, in whatever order its threads finish
them), and putting the runs back in place is a zero-copy slice per run, where a sort in SQL
would move every value of every column (seconds at 10M accounts; see docs/performance.md).

Points and scores whose bounds fit ``DECIMAL(18, 6)`` are held as Arrow ``decimal64``: the
same exact values in half the memory of ``decimal128`` (they are most of the result's
columns). pyarrow filters, takes and compares them, but does not sort by them.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..__about__ import __version__
from ..ir import Playbook
from .steps import STEP
from .tiering import ROW, tiering_query

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    from sqlglot import exp

    from ..data import Source
    from ..engines import Engine


@dataclass(frozen=True)
class Provenance:
    """What a run is made of, so that it can be reproduced and audited."""

    playbook_sha256: str
    data_sha256: str
    abmdsl_version: str = __version__

    def as_dict(self) -> dict[str, str]:
        return {
            "playbook_sha256": self.playbook_sha256,
            "data_sha256": self.data_sha256,
            "abmdsl_version": self.abmdsl_version,
        }


CONTACTS = "contacts"


@dataclass
class Run:
    """The tiered accounts; with contacts, a ``contacts`` column counts each account's."""

    playbook: Playbook
    table: pa.Table
    provenance: Provenance
    extra_columns: list[str] = field(default_factory=list)
    contacts_known: bool = False


def playbook_hash(sources: dict[str, str]) -> str:
    """SHA-256 over the playbook's files (main file first, then imports), names included."""
    digest = hashlib.sha256()
    for name, text in sources.items():
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


def connect() -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # abm reports progress itself
    return con


def run_playbook(
    playbook: Playbook,
    sources: dict[str, str],
    accounts: Source,
    contacts: Source | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    engine: Engine | None = None,
) -> Run:
    """Tier every account of ``accounts``; raises :class:`abmdsl.data.DataError` on bad data.

    The data is read and checked on ``con`` (DuckDB) in every case; with an ``engine`` other
    than DuckDB, the checked tables are handed to it and the tiering query runs there, its
    result given DuckDB's column types (:func:`abmdsl.engines.conform`).
    """
    from ..data import check_unchanged, load_dataset

    con = con or connect()
    elsewhere = engine is not None and engine.name != "duckdb"
    # The accounts are tiered straight from the file when it needs no copy (a Parquet file
    # whose columns have their fields' types): the query reads it as fast as a table.
    report = load_dataset(
        con, accounts, "accounts", playbook.fields.get("accounts", {}), "accounts", copy=False
    )
    data_hash = report.sha256
    query = None
    if contacts is not None:
        contacts_report = load_dataset(
            con, contacts, "contacts", playbook.fields.get("contacts", {}), "contacts"
        )
        query = tiering_query(playbook, "accounts", report.extra_columns, ordered=False)
        query = _with_contact_counts(playbook, query)
        data_hash = hashlib.sha256((data_hash + contacts_report.sha256).encode()).hexdigest()
    if elsewhere:
        assert engine is not None
        query = query or tiering_query(playbook, "accounts", report.extra_columns, ordered=False)
        datasets = ["accounts"] if contacts is None else ["accounts", "contacts"]
        table = _tier_on(engine, con, playbook, query, datasets)
    elif query is None:
        table = tier_table(playbook, con, "accounts", report.extra_columns)
    else:
        table = in_input_order(fetch(con, duckdb_sql(query), narrow_columns(playbook)))
    check_unchanged(accounts, report)
    provenance = Provenance(playbook_hash(sources), data_hash)
    return Run(playbook, table, provenance, list(report.extra_columns), contacts is not None)


def _tier_on(
    engine: Engine,
    con: duckdb.DuckDBPyConnection,
    playbook: Playbook,
    query: exp.Select,
    datasets: list[str],
) -> pa.Table:
    """``query`` run by ``engine`` on the checked ``datasets`` of ``con``, in input order and
    with the column types DuckDB gives the same query."""
    from ..engines import conform

    for name in datasets:
        engine.put(name, con.sql(f'SELECT * FROM "{name}"').to_arrow_table())
    # DuckDB plans the same query on no rows: the types every engine's result is given.
    schema = fetch(con, f"{duckdb_sql(query)} LIMIT 0", narrow_columns(playbook)).schema
    return in_input_order(conform(engine.query(engine.sql(query)), schema))


def tier_table(
    playbook: Playbook,
    con: duckdb.DuckDBPyConnection,
    table: str = "accounts",
    extra_columns: Sequence[str] = (),
) -> pa.Table:
    """Tier the accounts of ``table`` (or view) on ``con``, in input order.

    Args:
        playbook: a checked playbook.
        con: a DuckDB connection that holds ``table``.
        table: the declared fields of the accounts (integers of any width: the query widens
            them), then ``extra_columns``, then ``__row``, numbering the accounts from 1.
        extra_columns: columns passed through untouched.

    Returns:
        One row per account, ordered by ``__row``; see :func:`tiering_query` for the columns.
        Nothing is validated here: :func:`run_playbook` loads and checks a file first.
    """
    sql = compiled_query(playbook, table, extra_columns)
    return in_input_order(fetch(con, sql, narrow_columns(playbook)))


# DuckDB types whose Arrow form is the same under Arrow output version 1.5 as under 1.0,
# except decimals (below); others (BLOB becomes a binary view pyarrow cannot take rows of)
# keep the default.
PLAIN_TYPES = frozenset(
    (
        "BOOLEAN",
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "FLOAT",
        "DOUBLE",
        "VARCHAR",
        "DATE",
        "TIMESTAMP",
    )
)


def fetch(
    con: duckdb.DuckDBPyConnection, sql: str, narrow: frozenset[str] = frozenset()
) -> pa.Table:
    """The result of ``sql`` as an Arrow table, its ``DECIMAL(18, s)`` columns named in
    ``narrow`` as ``decimal64``.

    DuckDB hands narrow decimals over as ``decimal64`` under Arrow output version 1.5, with
    no wide copy at any time (casting afterwards, even batch by batch, kept the peak memory
    where it was: the whole result is held once in DuckDB's form). Other narrow decimals are
    widened back to ``decimal128``, as the default gives them.
    """
    import pyarrow as pa

    from ..data.scratch import first

    relation = con.sql(sql)
    kinds = [str(kind) for kind in relation.types]
    if not narrow or not all(k in PLAIN_TYPES or k.startswith("DECIMAL") for k in kinds):
        return relation.to_arrow_table()
    (before,) = first(con, "SELECT current_setting('arrow_output_version')")
    con.execute("SET arrow_output_version = '1.5'")
    try:
        table = relation.to_arrow_table()
    finally:
        con.execute(f"SET arrow_output_version = '{before}'")
    for i, column in enumerate(table.schema):
        kind = column.type
        if column.name in narrow and pa.types.is_decimal64(kind):
            continue
        if pa.types.is_decimal32(kind) or pa.types.is_decimal64(kind):
            wide = table.column(i).cast(pa.decimal128(kind.precision, kind.scale))
            table = table.set_column(i, column.with_type(wide.type), wide)
    return table


def narrow_columns(playbook: Playbook) -> frozenset[str]:
    """The result's points and scores columns (the only ones :func:`fetch` keeps narrow)."""
    from .scoring import points_column

    scores = playbook.scores.values()
    points = (points_column(s.name, c.name) for s in scores for c in s.criteria)
    return frozenset([*points, *playbook.scores])


_QUERIES: dict[tuple[int, str, tuple[str, ...]], tuple[weakref.ref[Playbook], str]] = {}


def compiled_query(playbook: Playbook, table: str, extra_columns: Sequence[str]) -> str:
    """The DuckDB SQL of :func:`tier_table`, built once per playbook, table and columns (a
    playbook is immutable): building and printing it takes about 15 ms, a twentieth of the
    time to tier 1M accounts, so a process that tiers several files pays it once."""
    key = (id(playbook), table, tuple(extra_columns))
    known = _QUERIES.get(key)
    if known is not None and known[0]() is playbook:
        return known[1]
    sql = duckdb_sql(tiering_query(playbook, table, extra_columns, ordered=False))
    _QUERIES[key] = (weakref.ref(playbook, lambda _: _QUERIES.pop(key, None)), sql)
    return sql


def duckdb_sql(query: exp.Expression) -> str:
    """The query as DuckDB SQL, telling DuckDB which CTEs to keep.

    DuckDB keeps (materializes) a CTE that several others read, and otherwise merges it into
    its reader. Left to itself it would keep the first scoring step, with every column of
    every account, and score each account once per tier. Keeping only ``__population`` (a
    few narrow columns) and merging the scoring steps into their readers reads the file
    twice (once narrow) and scores once per read: a fifth less work on the seed pilot.
    """
    from sqlglot import exp

    from .names import POPULATION

    ctes = list(query.find_all(exp.CTE))
    before = [cte.args.get("materialized") for cte in ctes]
    for cte in ctes:
        if cte.alias == POPULATION:
            cte.set("materialized", True)
        elif cte.alias.startswith(STEP):
            cte.set("materialized", False)
    sql = query.sql("duckdb")
    for cte, kept in zip(ctes, before, strict=True):  # leave the tree as it was
        cte.set("materialized", kept)
    return sql


def in_input_order(table: pa.Table, column: str = ROW, runs_at_most: float = 0.001) -> pa.Table:
    """``table`` sorted by ``column``, whose values are distinct (row numbers).

    Rows that come in long runs of consecutive numbers are put in order by moving whole runs
    (zero-copy slices); when there are more than ``runs_at_most`` × rows runs, the table is
    sorted instead.

    >>> import pyarrow as pa
    >>> t = pa.table({"__row": [4, 5, 6, 1, 2, 3], "x": list("defabc")})
    >>> in_input_order(t).column("x").to_pylist()
    ['a', 'b', 'c', 'd', 'e', 'f']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = table.num_rows
    starts = _run_starts(table.column(column))
    if len(starts) == 1:
        return table
    if len(starts) > runs_at_most * rows:
        return table.sort_by(column)
    ends = [*starts[1:], rows]
    firsts = pc.take(table.column(column), pa.array(starts)).to_pylist()
    runs = sorted(zip(firsts, starts, ends, strict=True))
    return pa.concat_tables([table.slice(start, end - start) for _, start, end in runs])


def _run_starts(numbers: pa.ChunkedArray) -> list[int]:
    """Where each run of consecutive numbers starts; chunk by chunk, since arithmetic on two
    differently chunked arrays realigns (copies) them first."""
    import pyarrow.compute as pc

    starts, offset, last = [0], 0, None
    for chunk in numbers.chunks:
        size = len(chunk)
        if not size:
            continue
        if last is not None and chunk[0].as_py() != last + 1:
            starts.append(offset)
        if size > 1:
            steps = pc.subtract(chunk.slice(1), chunk.slice(0, size - 1))
            inner = pc.indices_nonzero(pc.not_equal(steps, 1)).to_pylist()
            starts += [offset + 1 + i for i in inner]
        last, offset = chunk[size - 1].as_py(), offset + size
    return starts


def contact_link(playbook: Playbook) -> str | None:
    """The field of contacts that names their account."""
    fields = playbook.fields.get("contacts", {})
    link = next((f.name for f in fields.values() if f.references == "accounts"), None)
    key = playbook.key_field("accounts")
    if link is None and key is not None and key.name in fields:
        link = key.name
    return link


def _with_contact_counts(playbook: Playbook, query: exp.Select) -> exp.Select:
    from sqlglot import exp

    from .sqlgen import column

    link, key = contact_link(playbook), playbook.key_field("accounts")
    if link is None or key is None:
        return query
    counts = (
        exp.select(
            exp.alias_(column(link), "account", quoted=True),
            exp.alias_(exp.Count(this=exp.Star()), "n", quoted=True),
        )
        .from_("contacts")
        .group_by(column(link))
    )
    everything = exp.Column(this=exp.Star(), table=exp.to_identifier("q"))
    return (
        exp.select(
            everything,
            exp.alias_(
                exp.Coalesce(this=column("n", "c"), expressions=[exp.Literal.number(0)]),
                CONTACTS,
                quoted=True,
            ),
        )
        .from_(exp.alias_(exp.Subquery(this=query), "q"))
        .join(
            exp.alias_(exp.Subquery(this=counts), "c"),
            on=exp.EQ(this=column(key.name, "q"), expression=column("account", "c")),
            join_type="LEFT",
        )
    )
