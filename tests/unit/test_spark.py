"""Spark as an engine: `abm run --engine spark` writes what DuckDB writes, and what goes
wrong (no pyspark, no Java) is said in words. The answers themselves are compared on every
engine by tests/unit/test_conformance.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from abmdsl.engines import EngineError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_abm_run_on_spark_writes_the_same_bytes(tmp_path: Path, spark_engine: Any) -> None:
    """A new process, so its own JVM: the CLI's whole path, session start-up included."""
    outputs = []
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}.csv"
        run = ["run", "playbooks/pharma_pilot.abm", "--accounts", "playbooks/data/accounts.csv"]
        done = subprocess.run(
            [sys.executable, "-m", "abmdsl.cli", *run, "--engine", engine, "-o", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_without_pyspark_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from abmdsl.engines import spark

    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # `import pyspark.sql` fails
    monkeypatch.setattr(spark.SparkEngine, "_sessions", {})
    with pytest.raises(EngineError, match=r"install abmdsl\[spark\]"):
        spark.SparkEngine.start("local[1]")


def test_without_java_the_message_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from abmdsl.engines import spark

    monkeypatch.setattr(spark.shutil, "which", lambda _: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(spark.SparkEngine, "_sessions", {})
    with pytest.raises(EngineError, match="needs Java"):
        spark.SparkEngine.start("local[1]")


def test_one_session_per_process(spark_engine: Any) -> None:
    from abmdsl.engines.spark import SparkEngine

    assert SparkEngine.start("local[2]").session is spark_engine.session


def test_tables_keep_their_types_and_nulls(spark_engine: Any) -> None:
    """Decimals keep their scale, dates stay dates, DuckDB's enums (Arrow dictionaries)
    become text, and nulls stay nulls of their type."""
    import datetime as dt
    from decimal import Decimal

    import pyarrow as pa

    table = pa.table(
        {
            "d": pa.array([Decimal("1.000001"), None], pa.decimal128(38, 6)),
            "n": pa.array([Decimal("2.5"), None], pa.decimal64(18, 6)),
            "day": pa.array([dt.date(2027, 1, 11), None], pa.date32()),
            "kind": pa.array(["touch", None]).dictionary_encode(),
            "small": pa.array([5, None], pa.int8()),
        }
    )
    spark_engine.put("typed", table)
    got = spark_engine.query("SELECT d, n, day, kind, small * 35 AS big FROM typed")
    assert got.to_pylist() == [
        {"d": Decimal("1.000001"), "n": Decimal("2.5"), "day": dt.date(2027, 1, 11)}
        | {"kind": "touch", "big": 175},
        {"d": None, "n": None, "day": None, "kind": None, "big": None},
    ]
    assert got.schema.field("d").type == pa.decimal128(38, 6)


def test_an_overflow_is_an_error_not_a_null(spark_engine: Any) -> None:
    """ANSI mode, as DuckDB: past 38 digits Spark refuses rather than answering NULL."""
    with pytest.raises(EngineError, match="Spark could not run the query"):
        spark_engine.query("SELECT CAST(1e37 AS DECIMAL(38, 0)) * 100 AS x")
