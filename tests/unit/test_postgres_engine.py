"""The PostgreSQL engine on its own: tables in and results out keep every value and type.

Arrow → ``COPY … FROM STDIN`` → ``COPY … TO STDOUT`` → Arrow must give back what went in:
NULL apart from the empty string, text with commas, quotes and line breaks, decimals at their
scale, dates, booleans. A ``numeric`` computed without a declared scale comes back as a decimal
at the scale of its longest value, never through a float.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from abmdsl.engines import EngineError, EngineOptions, open_engine
from abmdsl.engines.postgres import PostgresEngine, redact


def test_a_table_comes_back_as_it_went_in(postgres_engine: Any) -> None:
    table = pa.table(
        {
            "text": pa.array(["a", "", None, 'x, "y"\nz', "é—ß"]),
            "money": pa.array(
                [Decimal("0.000001"), Decimal("-2.5"), None, Decimal("99999999999.999999"), 0],
                pa.decimal128(38, 6),
            ),
            "narrow": pa.array([1, None, 3, 4, 5], pa.int16()),
            "wide": pa.array([2**62, -1, None, 0, 7], pa.int64()),
            "flag": pa.array([True, False, None, True, False]),
            "day": pa.array([dt.date(2027, 1, 11), None, dt.date(1, 1, 1)] + [None] * 2),
            "label": pa.array(["p", "q", "p", None, "q"]).dictionary_encode(),
        }
    )
    postgres_engine.put("round_trip", table)
    got = postgres_engine.query('SELECT * FROM round_trip ORDER BY "wide" NULLS LAST')
    expected = table.sort_by([("wide", "ascending")])
    assert got.column("money").type == pa.decimal128(38, 6)
    assert got.column("day").type == pa.date32()
    for name in table.column_names:
        assert got.column(name).to_pylist() == expected.column(name).to_pylist(), name


def test_computed_numerics_are_exact_decimals(postgres_engine: Any) -> None:
    got = postgres_engine.query(
        "SELECT 10::numeric / 4 AS q, 1.5::numeric * 3 AS p, NULL::numeric AS n, "
        "-123456789012345678901234567890.5::numeric AS big, 0.000001::numeric(20, 6) AS s"
    )
    assert got.to_pylist() == [
        {
            "q": Decimal("2.5"),
            "p": Decimal("4.5"),
            "n": None,
            "big": Decimal("-123456789012345678901234567890.5"),
            "s": Decimal("0.000001"),
        }
    ]
    assert got.column("s").type == pa.decimal128(38, 6)
    assert pa.types.is_decimal(got.column("q").type)


def test_an_empty_result_keeps_its_columns(postgres_engine: Any) -> None:
    got = postgres_engine.query("SELECT 1::bigint AS a, 'x'::text AS b WHERE false")
    assert got.num_rows == 0
    assert got.schema == pa.schema([("a", pa.int64()), ("b", pa.string())])


def test_a_failing_query_is_an_engine_error(postgres_engine: Any) -> None:
    with pytest.raises(EngineError, match="PostgreSQL could not run the query: division by zero"):
        postgres_engine.query("SELECT 1 / 0 AS x")
    assert postgres_engine.query("SELECT 1 AS x").to_pylist() == [{"x": 1}]  # still usable


def test_an_unreachable_server_is_named_without_its_password() -> None:
    with pytest.raises(EngineError) as caught:
        PostgresEngine.connect("postgresql://ann:s3cret@127.0.0.1:1/crm")
    assert "cannot connect to PostgreSQL at postgresql://ann@127.0.0.1:1/crm" in str(caught.value)
    assert "s3cret" not in str(caught.value)
    with pytest.raises(EngineError, match="--database postgresql://"):
        open_engine("postgres", EngineOptions())


def test_without_psycopg_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(EngineError, match=r"install abmdsl\[postgres\]"):
        PostgresEngine.connect("postgresql://127.0.0.1/crm")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://ann:s3cret@db:5432/crm", "postgresql://ann@db:5432/crm"),
        (
            "postgres://ann:p%40ss@[::1]/crm?sslmode=require",
            "postgres://ann@[::1]/crm?sslmode=require",
        ),
        ("postgresql://ann:x@db:notaport/crm", "postgresql://db:notaport/crm"),
    ],
)
def test_urls_are_shown_without_passwords(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_a_value_with_no_decimal_form_is_an_engine_error(postgres_engine: Any) -> None:
    with pytest.raises(EngineError, match="a value abm cannot read"):
        postgres_engine.query("SELECT 'NaN'::numeric AS x")
