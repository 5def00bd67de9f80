"""The tiering benchmark: the seed pilot over generated accounts read from Parquet.

Each engine goes from the Parquet file to the tiered accounts in memory as an Arrow table:

* **abmdsl**: the compiled query (:func:`abmdsl.engine.run.tier_table`) over a DuckDB view of
  the file, as it is (``INT8`` columns included), with its whole output: every criterion's
  points, the scores, tier, cluster, rank, demotion and holdout, in input order;
* **abmdsl, same columns**: the same query, keeping only the columns the hand-written
  engines produce (DuckDB then skips the points and demotion texts);
* **abmdsl, `abm run`**: :func:`abmdsl.engine.run.run_playbook`, which first checks every
  value of the file against the declared fields (types, ranges, enums, empty and repeated
  keys; on the typed values, since the columns have their fields' types) and then tiers the
  file itself, through a view, without copying it;
* **(a) DuckDB by hand** and **(b) Polars by hand**: the same tiers, written directly;
* **the reference evaluator** (:func:`abmdsl.reference_tiers.assign_tiers`) on a sample.

Every result is checked against abmdsl's, account by account (scores, tier, cluster, rank,
holdout), inside the benchmark; a difference stops it. docs/performance.md explains the
method and the figures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from accounts import write_accounts
from timing import child_peak, report_peak, turns

from abmdsl.api import compile_text
from abmdsl.engine.run import connect, run_playbook, tier_table
from abmdsl.engine.tiering import tiering_query
from abmdsl.ir import Playbook
from abmdsl.reference_tiers import assign_tiers

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "playbooks" / "pharma_pilot.abm"
DATA = ROOT / "out" / "bench"
EXTRAS = ("city", "employees")
SCORES = ("attractiveness", "potential")
ASSIGNMENT = ("tier", "cluster", "rank", "holdout")
COMPARED = ("account_id", *SCORES, *ASSIGNMENT)
RATIO_DUCKDB, RATIO_POLARS, MEMORY_GOAL = 1.3, 2.0, 3 * 2**30
# The seed pilot's cluster tier holds out 10 %: the accounts whose md5("abm:" || key) starts
# below this, as abmdsl.engine.tiering.holdout_threshold defines it (written out by hand here,
# as in the hand-written engines; tests/test_bench.py checks it).
HOLDOUT_BELOW = "19999999"


def seed_playbook() -> Playbook:
    compiled = compile_text(SEED.read_text(encoding="utf-8"), str(SEED))
    assert compiled.playbook is not None, compiled.diagnostics
    return compiled.playbook


# ------------------------------------------------------------------------------ the engines


def parquet_view(con: duckdb.DuckDBPyConnection, path: Path, name: str = "accounts") -> None:
    """The file as the table `tier_table` reads: its columns as they are, then ``__row``."""
    source = f"read_parquet('{path}', file_row_number = true)"
    con.execute(
        f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE (file_row_number), "
        f"file_row_number + 1 AS __row FROM {source}"
    )


def abmdsl_full(playbook: Playbook, path: Path) -> pa.Table:
    con = connect()
    parquet_view(con, path)
    return tier_table(playbook, con, "accounts", EXTRAS)


def abmdsl_same_columns(playbook: Playbook, path: Path) -> pa.Table:
    """The compiled query, keeping what the hand-written engines return (and ``__row``)."""
    from abmdsl.engine.run import in_input_order

    con = connect()
    parquet_view(con, path)
    return in_input_order(con.sql(_same_columns_sql(playbook)).to_arrow_table())


_SAME_COLUMNS: dict[int, tuple[Playbook, str]] = {}


def _same_columns_sql(playbook: Playbook) -> str:
    """Built once per playbook, as :func:`abmdsl.engine.run.compiled_query` builds its own."""
    from sqlglot import exp

    from abmdsl.engine.run import duckdb_sql
    from abmdsl.engine.sqlgen import column

    known = _SAME_COLUMNS.get(id(playbook))
    if known is None or known[0] is not playbook:
        query = tiering_query(playbook, "accounts", EXTRAS, ordered=False)
        names = [*playbook.fields["accounts"], *EXTRAS, *SCORES, *ASSIGNMENT, "__row"]
        kept = exp.select(*[column(n) for n in names]).from_(query.subquery("tiered"))
        known = _SAME_COLUMNS[id(playbook)] = (playbook, duckdb_sql(kept))
    return known[1]


def abmdsl_run(playbook: Playbook, path: Path) -> pa.Table:
    """What `abm run` does: validate and load the file, then tier it."""
    return run_playbook(playbook, {str(SEED): SEED.read_text(encoding="utf-8")}, path).table


SCORED = """
    3 * CASE WHEN has_budget THEN 5 ELSE 1 END
      + 4 * least(greatest(CAST(strategic_initiatives AS BIGINT), 1), 5)
      + 3 * least(greatest(CAST(complementary_tech AS BIGINT), 1), 5) AS a10,
    5 * least(greatest(CAST(case_studies AS BIGINT), 1), 5)
      + 3 * CASE WHEN insider THEN 5 ELSE 1 END
      + 2 * CAST(info_openness AS BIGINT) AS p10"""
# (a): the places are found among the few columns of the accounts that meet the cluster
# tier's condition (kept in memory once; whoever meets the one-to-one condition meets it too),
# then joined to a second scan of the whole file. Keeping every column of every account in a
# CTE read three times, the first way one writes it, was 7 % slower at 10M.
HAND_SQL = """
WITH open AS MATERIALIZED (
  SELECT account_id, industry, a10, p10
  FROM (SELECT account_id, industry, {scored} FROM read_parquet('{path}'))
  WHERE a10 >= 30 AND p10 >= 25
),
top AS (
  SELECT account_id, row_number() OVER (ORDER BY a10 + p10 DESC, account_id) AS rank
  FROM (SELECT account_id, a10, p10 FROM open WHERE a10 >= 40 AND p10 >= 40
        ORDER BY a10 + p10 DESC, account_id LIMIT 5)
),
rest AS (
  SELECT account_id, industry FROM open WHERE account_id NOT IN (SELECT account_id FROM top)
),
kept AS (
  SELECT industry FROM rest WHERE industry IS NOT NULL
  GROUP BY industry HAVING count(*) >= 8 ORDER BY count(*) DESC, industry LIMIT 3
),
members AS (
  SELECT account_id, industry FROM rest WHERE industry IN (SELECT industry FROM kept)
  QUALIFY row_number() OVER (PARTITION BY industry ORDER BY account_id) <= 15
),
placed AS (
  SELECT account_id, row_number() OVER (ORDER BY account_id) AS rank FROM rest
  WHERE account_id <= (SELECT max(account_id) FROM members)
),
assigned AS (
  SELECT account_id, 'tailored' AS tier, NULL AS cluster, rank, false AS holdout FROM top
  UNION ALL
  SELECT account_id, 'cluster', industry, rank,
    substr(md5('abm:' || account_id), 1, 8) < '{holdout}'
  FROM members JOIN placed USING (account_id)
)
SELECT s.* EXCLUDE (a10, p10),
  CAST(a10 * 0.1 AS DECIMAL(38, 6)) AS attractiveness,
  CAST(p10 * 0.1 AS DECIMAL(38, 6)) AS potential,
  coalesce(assigned.tier, 'bulk') AS tier, assigned.cluster, assigned.rank,
  coalesce(assigned.holdout, false) AS holdout
FROM (SELECT *, {scored} FROM read_parquet('{path}')) s LEFT JOIN assigned USING (account_id)
"""


def duckdb_by_hand(playbook: Playbook, path: Path) -> pa.Table:
    """(a) The seed pilot's tiers written directly in DuckDB SQL (rows in any order)."""
    con = duckdb.connect()
    sql = HAND_SQL.format(path=path, holdout=HOLDOUT_BELOW, scored=SCORED)
    return con.sql(sql).to_arrow_table()


def polars_by_hand(playbook: Playbook, path: Path) -> pa.Table:
    """(b) The same tiers as a Polars pipeline (rows in file order)."""
    import polars as pl

    def level(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Int64).clip(1, 5)  # INT8 in the file: widen first

    def flag(name: str) -> pl.Expr:
        return pl.when(pl.col(name)).then(5).otherwise(1)

    a10 = (
        3 * flag("has_budget")
        + 4 * level("strategic_initiatives")
        + 3 * level("complementary_tech")
    )
    p10 = (
        5 * level("case_studies") + 3 * flag("insider") + 2 * pl.col("info_openness").cast(pl.Int64)
    )
    scored = pl.read_parquet(path).with_columns(a10.alias("a10"), p10.alias("p10"))
    top = (
        scored.filter((pl.col("a10") >= 40) & (pl.col("p10") >= 40))
        .select("account_id", (pl.col("a10") + pl.col("p10")).alias("r"))
        .sort(["r", "account_id"], descending=[True, False])
        .head(5)
        .with_row_index("rank", offset=1)
    )
    open_ = scored.filter(
        (pl.col("a10") >= 30)
        & (pl.col("p10") >= 25)
        & ~pl.col("account_id").is_in(top["account_id"].implode())
    ).select("account_id", "industry")
    kept = (
        open_.drop_nulls("industry")
        .group_by("industry")
        .len()
        .filter(pl.col("len") >= 8)
        .sort(["len", "industry"], descending=[True, False])
        .head(3)["industry"]
    )
    members = (
        open_.filter(pl.col("industry").is_in(kept.implode()))
        .group_by("industry")
        .agg(pl.col("account_id").bottom_k(15))
        .explode("account_id")
    )
    placed = (
        open_.filter(pl.col("account_id") <= members["account_id"].max())
        .sort("account_id")
        .with_row_index("rank", offset=1)
        .select("account_id", "rank")
    )
    clustered = members.join(placed, on="account_id")
    holdout = [
        hashlib.md5(f"abm:{key}".encode()).hexdigest()[:8] < HOLDOUT_BELOW
        for key in clustered["account_id"]
    ]
    assigned = pl.concat(
        [
            top.select(
                "account_id",
                pl.lit("tailored").alias("tier"),
                pl.lit(None, pl.String).alias("cluster"),
                pl.col("rank").cast(pl.Int64),
                pl.lit(False).alias("holdout"),
            ),
            clustered.select(
                "account_id",
                pl.lit("cluster").alias("tier"),
                pl.col("industry").alias("cluster"),
                pl.col("rank").cast(pl.Int64),
                pl.Series("holdout", holdout, pl.Boolean),
            ),
        ]
    )
    decimal = pl.Decimal(38, 6)
    return (
        scored.join(assigned, on="account_id", how="left", maintain_order="left")
        .with_columns(
            (pl.col("a10").cast(decimal) / 10).alias("attractiveness"),
            (pl.col("p10").cast(decimal) / 10).alias("potential"),
            pl.col("tier").fill_null("bulk"),
            pl.col("holdout").fill_null(False),
        )
        .drop("a10", "p10")
        .to_arrow()
    )


Engine = Callable[[Playbook, Path], pa.Table]
ENGINES: dict[str, Engine] = {
    "abmdsl": abmdsl_full,
    "abmdsl_same_columns": abmdsl_same_columns,
    "abmdsl_run": abmdsl_run,
    "duckdb": duckdb_by_hand,
    "polars": polars_by_hand,
}
LABELS = {
    "abmdsl": "abmdsl: compiled query over the Parquet file, whole output",
    "abmdsl_same_columns": "abmdsl: the same query, the hand-written engines' columns",
    "abmdsl_run": "abmdsl: `abm run`'s path (check every value of the file, then tier)",
    "duckdb": "(a) DuckDB SQL by hand",
    "polars": "(b) Polars by hand",
}


# ----------------------------------------------------------------------------- verification


class Mismatch(AssertionError):
    """An engine's tiers differ from abmdsl's."""


def verify(name: str, got: pa.Table, want: pa.Table) -> None:
    """``got`` has the same accounts as ``want`` with the same scores, tiers, clusters, ranks
    and holdout (rows may come in any order); raises :class:`Mismatch` otherwise."""
    con = duckdb.connect()
    con.register("got", got.select(list(COMPARED)))
    con.register("want", want.select(list(COMPARED)))
    differs = " OR ".join(
        f"CAST(g.{c} AS VARCHAR) IS DISTINCT FROM CAST(w.{c} AS VARCHAR)"
        for c in COMPARED
        if c != "account_id"
    )
    (bad,) = con.execute(
        "SELECT count(*) FROM got g FULL JOIN want w ON g.account_id = w.account_id "
        f"WHERE g.account_id IS NULL OR w.account_id IS NULL OR {differs}"
    ).fetchone()
    if bad or got.num_rows != want.num_rows:
        raise Mismatch(f"{name}: {bad} accounts differ from abmdsl's ({got.num_rows} rows)")


def verify_order(name: str, table: pa.Table) -> None:
    """abmdsl returns the accounts in input order, numbered from 1."""
    numbers = table.column("__row").to_pylist() if table.num_rows < 100_000 else None
    if numbers is not None and numbers != list(range(1, table.num_rows + 1)):
        raise Mismatch(f"{name}: rows are not in input order")
    if numbers is None:
        import pyarrow.compute as pc

        expected = pa.array(range(1, table.num_rows + 1), pa.int64())
        if not pc.all(pc.equal(table.column("__row"), expected)).as_py():
            raise Mismatch(f"{name}: rows are not in input order")


# ---------------------------------------------------------------------------------- timing


@dataclass
class Timing:
    seconds: dict[str, float] = field(default_factory=dict)
    rows: int = 0


def measure(path: Path, engines: list[str], runs: int, playbook: Playbook) -> Timing:
    """Best of ``runs`` per engine, after an untimed run of each that is also verified.

    The engines take turns, one run each per round, so that a burst of load from another
    process slows them all alike.
    """
    want = ENGINES["abmdsl"](playbook, path)
    verify_order("abmdsl", want)
    for name in engines:
        got = want if name == "abmdsl" else ENGINES[name](playbook, path)
        verify(name, got, want)
        if name.startswith("abmdsl"):
            verify_order(name, got)
        del got
    rows = want.num_rows
    del want
    return Timing(turns({n: partial(ENGINES[n], playbook, path) for n in engines}, runs), rows)


def peak_memory(engine: str, path: Path) -> int:
    """The peak resident memory (bytes) of a new process that runs ``engine`` once."""
    return child_peak(__file__, [engine, str(path)])


def _child(engine: str, path: Path) -> None:
    """Run one engine once and print the process's peak memory (VmHWM) as JSON."""
    report_peak(rows=ENGINES[engine](seed_playbook(), path).num_rows)


# ------------------------------------------------------------------------------ reference


def _exact(value: object) -> object:
    """The reference evaluator's numbers are decimals."""
    return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value


@dataclass(frozen=True)
class Reference:
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def reference_sample(path: Path, rows: int, playbook: Playbook) -> Reference:
    """The reference evaluator on the first ``rows`` accounts of the file, checked against
    abmdsl on the same accounts (tiering depends on the whole population, so on the sample)."""
    sample = pq.read_table(path).slice(0, rows)
    accounts = [{k: _exact(v) for k, v in row.items()} for row in sample.to_pylist()]
    start = time.perf_counter()
    assignments = assign_tiers(playbook, accounts)
    seconds = time.perf_counter() - start
    con = connect()
    con.register("sample", sample)
    con.execute("CREATE VIEW accounts AS SELECT *, row_number() OVER () AS __row FROM sample")
    compiled = tier_table(playbook, con, "accounts", EXTRAS)
    expected = [(a.tier, a.cluster, a.rank, a.holdout) for a in assignments]
    got = list(zip(*[compiled.column(c).to_pylist() for c in ASSIGNMENT], strict=True))
    if got != expected:
        raise Mismatch("the reference evaluator and abmdsl disagree on the sample")
    return Reference(rows, seconds)


# ------------------------------------------------------------------------------- reporting


@dataclass
class Results:
    sizes: list[int]
    runs: dict[int, int]
    timings: dict[int, Timing]
    peaks: dict[str, int]  # at the largest size
    reference: Reference
    load: tuple[float, float]  # the 1-minute load average before and after


def run_benchmark(
    sizes: list[int],
    runs: dict[int, int],
    data: Path = DATA,
    peaks: bool = True,
    reference_rows: int = 20_000,
    engines: list[str] | None = None,
) -> Results:
    """Generate (or reuse) the files, time and check every engine, measure peak memory at
    the largest size and the reference evaluator on a sample of the smallest."""
    import os

    before = os.getloadavg()[0]
    playbook = seed_playbook()
    names = engines or list(ENGINES)
    paths = {size: write_accounts(size, data / f"accounts-{size}.parquet") for size in sizes}
    timings = {size: measure(paths[size], names, runs[size], playbook) for size in sizes}
    largest = paths[max(sizes)]
    memory = {n: peak_memory(n, largest) for n in names} if peaks else {}
    sample = reference_sample(paths[min(sizes)], min(reference_rows, min(sizes)), playbook)
    return Results(sizes, runs, timings, memory, sample, (before, os.getloadavg()[0]))


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n:,}"


def _rate(per_second: float) -> str:
    if per_second >= 1e6:
        return f"{per_second / 1e6:.1f}M"
    return f"{per_second / 1e3:.0f}k" if per_second >= 1e3 else f"{per_second:.0f}"


def ratios(results: Results, name: str) -> list[tuple[int, float, float]]:
    """(size, time ÷ (a), time ÷ (b)) of one engine at each size."""
    out = []
    for size in results.sizes:
        best = results.timings[size].seconds
        out.append((size, best[name] / best["duckdb"], best[name] / best["polars"]))
    return out


def _verdicts(results: Results, name: str) -> str:
    found = ratios(results, name)
    parts = []
    for label, goal, at in (("(a)", RATIO_DUCKDB, 1), ("(b)", RATIO_POLARS, 2)):
        shown = ", ".join(f"{r[at]:.2f}× at {_size(r[0])}" for r in found)
        met = all(r[at] <= goal for r in found)
        parts.append(f"≤ {goal:g}× {label} {'met' if met else '**not met**'} ({shown})")
    return "; ".join(parts)


def goals_met(results: Results, name: str) -> bool:
    return all(a <= RATIO_DUCKDB and b <= RATIO_POLARS for _, a, b in ratios(results, name))


def table(results: Results, machine: str) -> str:
    """The figures as Markdown, for docs/performance.md."""
    sizes = results.sizes
    runs = " and ".join(f"{results.runs[s]} runs at {_size(s)}" for s in sizes)
    head = " | ".join(f"{_size(s)} | rows/s | ÷ (a) | ÷ (b)" for s in sizes)
    lines = [
        f"Measured {dt.date.today().isoformat()} on {machine}; DuckDB {duckdb.__version__},"
        f" Polars {_polars_version()}, pyarrow {pa.__version__}. Load average"
        f" {results.load[0]:.1f} before and {results.load[1]:.1f} after (2 cores).",
        f"Fastest of {runs}, the engines taking turns; every engine's result checked against"
        " abmdsl's, account by account, in the same run.",
        "",
        f"| engine | {head} |",
        "|---|" + "---:|" * 4 * len(sizes),
    ]
    for name in (n for n in ENGINES if n in results.timings[sizes[0]].seconds):
        cells = []
        for size, to_a, to_b in ratios(results, name):
            seconds = results.timings[size].seconds[name]
            cells += [f"{seconds:.2f} s", _rate(size / seconds), f"{to_a:.2f}×", f"{to_b:.2f}×"]
        lines.append(f"| {LABELS[name]} | " + " | ".join(cells) + " |")
    lines += ["", "Goals: abmdsl ≤ 1.3× (a) and ≤ 2× (b) at every size; under 3 GB at 10M.", ""]
    for name in ("abmdsl_same_columns", "abmdsl", "abmdsl_run"):
        if name in results.timings[sizes[0]].seconds:
            lines.append(f"- {LABELS[name]}: {_verdicts(results, name)}.")
    lines += _memory_lines(results)
    lines += _reference_lines(results)
    return "\n".join(lines)


def _memory_lines(results: Results) -> list[str]:
    if not results.peaks:
        return []
    size = _size(max(results.sizes))
    lines = [
        "",
        f"Peak memory (VmHWM) of a new process that reads {size} accounts and keeps the result:",
        "",
    ]
    for name, peak in results.peaks.items():
        verdict = ""
        if name.startswith("abmdsl"):
            verdict = " (under 3 GB)" if peak < MEMORY_GOAL else " (**over 3 GB**)"
        lines.append(f"- {LABELS[name]}: {peak / 2**30:.2f} GB{verdict}")
    return lines


def _reference_lines(results: Results) -> list[str]:
    reference = results.reference
    lines = [
        "",
        f"The reference evaluator tiered {reference.rows:,} accounts in {reference.seconds:.2f} s"
        f" ({_rate(reference.rate)} accounts/s; the same tiers as abmdsl's on that sample). At"
        " that rate:",
        "",
    ]
    for size in results.sizes:
        estimate = size / reference.rate
        compiled = results.timings[size].seconds["abmdsl"]
        lines.append(
            f"- {_size(size)} accounts: ~{estimate:,.0f} s, {estimate / compiled:,.0f}× abmdsl's"
            " compiled query (whole output)"
        )
    return lines


def _polars_version() -> str:
    import polars as pl

    return pl.__version__


def quick(directory: Path) -> Results:
    """A small run for smoke tests: one size of 20,000 accounts, one run, every check."""
    return run_benchmark([20_000], {20_000: 1}, directory, peaks=True, reference_rows=2_000)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], Path(sys.argv[3]))
