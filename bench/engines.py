"""DuckDB against Spark in local mode: the seed pilot's tiering query over generated accounts.

Both engines run the same compiled query (:func:`abmdsl.engine.tiering.tiering_query`, printed
in each dialect) over the same Parquet file, which each reads itself: the accounts of
``accounts.py`` with their row numbers (``__row``) as a column, so that neither needs the
other's way of numbering rows. Each result comes back as an Arrow table in this process and
is checked against the other, account by account (``tiering.verify``).

Spark's start-up (JVM and session) is timed apart: a process pays it once.
docs/performance.md ("Engines") has the figures and what they mean.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from accounts import write_accounts
from tiering import DATA, EXTRAS, seed_playbook, verify

from abmdsl.engine.run import connect, duckdb_sql
from abmdsl.engine.tiering import tiering_query
from abmdsl.ir import Playbook

SIZES = (1_000_000, 10_000_000)
MASTER = "local[2]"
# The whole result passes through the driver on its way to Arrow: 10M accounts need room.
SPARK_CONF = {"spark.driver.memory": "10g", "spark.driver.maxResultSize": "0"}
LABELS = {"duckdb": "DuckDB (embedded)", "spark": f"Spark, `{MASTER}`"}


def numbered(size: int, data: Path = DATA) -> Path:
    """The generated accounts with ``__row`` (1, 2, …) as their last column."""
    path = data / f"accounts-{size}-numbered.parquet"
    if path.exists():
        return path
    table = pq.read_table(write_accounts(size, data / f"accounts-{size}.parquet"))
    table = table.append_column("__row", pa.array(range(1, size + 1), pa.int64()))
    partial = path.with_suffix(".partial")
    pq.write_table(table, partial, row_group_size=122_880)
    partial.replace(path)
    return path


def on_duckdb(playbook: Playbook, path: Path) -> pa.Table:
    con = connect()
    con.execute(f"CREATE VIEW accounts AS SELECT * FROM read_parquet('{path}')")
    query = tiering_query(playbook, "accounts", EXTRAS, ordered=False)
    return con.sql(duckdb_sql(query)).to_arrow_table()


def on_spark(playbook: Playbook, path: Path) -> pa.Table:
    from abmdsl.engines.spark import SparkEngine

    engine = SparkEngine.start(MASTER, SPARK_CONF)
    try:
        engine.read_parquet("accounts", str(path))
        query = tiering_query(playbook, "accounts", EXTRAS, ordered=False)
        return engine.query(engine.sql(query))
    finally:
        engine.close()


@dataclass
class Results:
    sizes: list[int]
    seconds: dict[int, dict[str, float]]
    startup: float
    load: tuple[float, float]


def start_spark() -> float:
    """Seconds to start the JVM and the session (once per process)."""
    from abmdsl.engines.spark import SparkEngine

    start = time.perf_counter()
    SparkEngine.start(MASTER, SPARK_CONF)
    return time.perf_counter() - start


def run_benchmark(sizes: list[int], runs: int = 2, data: Path = DATA) -> Results:
    """Best of ``runs`` per engine and size, after one untimed run of each, checked."""
    before, playbook = os.getloadavg()[0], seed_playbook()
    startup = start_spark()
    seconds: dict[int, dict[str, float]] = {}
    for size in sizes:
        path = numbered(size, data)
        verify("spark", on_spark(playbook, path), on_duckdb(playbook, path))
        best = {"duckdb": float("inf"), "spark": float("inf")}
        for _ in range(runs):
            for name, engine in (("duckdb", on_duckdb), ("spark", on_spark)):
                begun = time.perf_counter()
                engine(playbook, path)
                best[name] = min(best[name], time.perf_counter() - begun)
        seconds[size] = best
    return Results(sizes, seconds, startup, (before, os.getloadavg()[0]))


def quick(directory: Path) -> Results:
    """A small run for smoke tests: 5,000 accounts, one run."""
    return run_benchmark([5_000], 1, directory)


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n:,}"


def table(results: Results, machine: str) -> str:
    """The figures as Markdown, for docs/performance.md."""
    import duckdb
    import pyspark

    sizes = results.sizes
    lines = [
        f"Measured {dt.date.today().isoformat()} on {machine}; DuckDB {duckdb.__version__},"
        f" Spark {pyspark.__version__} (`{MASTER}`, ANSI mode). Load average"
        f" {results.load[0]:.1f} before and {results.load[1]:.1f} after (2 cores).",
        "The seed pilot's tiering query over generated accounts in Parquet, read by each"
        " engine, whole output to Arrow in this process; best of the runs after an untimed,"
        " checked one (both engines' tiers compared account by account).",
        "",
        "| engine | " + " | ".join(f"{_size(s)} | accounts/s" for s in sizes) + " |",
        "|---|" + "---:|" * 2 * len(sizes),
    ]
    for name, label in LABELS.items():
        cells = []
        for size in sizes:
            seconds = results.seconds[size][name]
            cells += [f"{seconds:.2f} s", f"{size / seconds / 1e6:.2f}M"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    ratios = ", ".join(
        f"{results.seconds[s]['spark'] / results.seconds[s]['duckdb']:.1f}× at {_size(s)}"
        for s in sizes
    )
    lines += [
        "",
        f"Spark ÷ DuckDB: {ratios}. Starting Spark (JVM and session, once per process):"
        f" {results.startup:.1f} s, not included above.",
    ]
    return "\n".join(lines)
