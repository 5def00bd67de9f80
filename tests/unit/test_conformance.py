"""The dialect contract: the same compiled SQL gives the same answers on every engine.

Each test runs on DuckDB (the embedded default), Spark (local mode) and PostgreSQL (a server
the tests start), and compares the result with DuckDB's own and, where one exists, with the
reference evaluator's. See docs/engines.md for what the compiler may use in SQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abmdsl.api import compile_file
from abmdsl.engine.run import run_playbook
from abmdsl.evaluate.scorecard import evaluate_playbook
from tests.unit.test_kpi_differential import data as kpi_data

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "pharma_pilot.abm"
DATA = ROOT / "playbooks" / "data"


@pytest.fixture(scope="module")
def seed() -> Any:
    compiled = compile_file(PLAYBOOK)
    assert compiled.ok
    return compiled


def test_the_sample_tiers_are_the_same_on_every_engine(seed: Any, engine: Any) -> None:
    args = (seed.playbook, seed.sources, DATA / "accounts.csv", DATA / "contacts.csv")
    expected = run_playbook(*args).table
    got = run_playbook(*args, engine=engine).table
    assert got.schema == expected.schema
    assert got.to_pylist() == expected.to_pylist()


def test_the_sample_scorecard_is_the_same_on_every_engine(seed: Any, engine: Any) -> None:
    args = (
        seed.playbook,
        seed.sources,
        DATA / "accounts.csv",
        DATA / "activities.csv",
        DATA / "contacts.csv",
    )
    expected = evaluate_playbook(*args, by="tier")
    got = evaluate_playbook(*args, by="tier", engine=engine)
    assert got.kpis == expected.kpis
    assert got.breakdown == expected.breakdown
    assert got.verdict == expected.verdict


# ------------------------------------------------ the differential cases, on every engine
# The cases of the DuckDB-vs-reference suites (tests/unit/test_*differential.py) run through
# each engine: NULLs, ties broken by keys that sort differently under a linguistic
# collation, groups with no rows, decimals at the sixth place, dates. Each engine is given
# the same Arrow tables and the same SQLGlot tree; the answer must be the reference's.
def _on(engine: Any) -> Any:
    """``engine``, or DuckDB's own engine for ``None``: the same path as every other."""
    from abmdsl.engine.run import connect
    from abmdsl.engines import DuckDBEngine

    return engine if engine is not None else DuckDBEngine(connect())


def _run_on(engine: Any, tables: dict[str, Any], query: Any) -> list[dict[str, Any]]:
    """``query``'s rows from ``engine``, typed as DuckDB types them."""
    import duckdb

    from abmdsl.engines import conform

    con, chosen = duckdb.connect(), _on(engine)
    for name, data in tables.items():
        con.register(name, data)
        chosen.put(name, data)
    schema = con.sql(f"SELECT * FROM ({query.sql('duckdb')}) LIMIT 0").to_arrow_table().schema
    return conform(chosen.query(chosen.sql(query)), schema).to_pylist()


EXPRESSIONS = [
    "a / b",
    "a * b",
    "a + i - b",
    "round(a)",
    "round(a, 2)",
    "floor(a) + ceil(b)",
    "abs(a) / 3",
    "clamp(a, 1, 5)",
    "min(a, b, i)",
    "max(a, 25%)",
    "coalesce(a, b, 0)",
    "if f then a else b",
    "a > b and not f",
    "f or a >= 0.000001",
    't = "x"',
    't in ("x", "")',
    "a in 0..1",
    "a is missing",
    "d + b",  # whole days: -1.5 is one day back
    "d - 3",
    "d - clamp(i, -400, 400)",
    "days_between(d, 2027-03-01)",
    "d > 2027-01-31",
]
ROWS = [
    {},  # every value missing
    {"a": Decimal(1), "b": Decimal(3), "i": 2, "t": "x", "f": True, "d": dt.date(2027, 1, 1)},
    {"a": Decimal(2), "b": Decimal(-3), "i": -1, "t": "", "f": False, "d": dt.date(2028, 2, 29)},
    {"a": Decimal("-2.5"), "b": Decimal(0), "i": 0, "t": "X", "d": dt.date(2026, 12, 31)},
    {"a": Decimal("0.000001"), "b": Decimal(2), "i": 10**9, "t": "y", "f": True},
    {"a": Decimal("999999999999.999999"), "b": Decimal("0.000001"), "i": 7},
    {"a": Decimal("-0.0000005"), "b": Decimal("-1.5"), "d": dt.date(2027, 3, 1)},
    {"a": Decimal("1.0000005"), "b": Decimal("2.5"), "i": -(10**9)},
]


def test_expressions_agree_with_the_reference_on_every_engine(engine: Any) -> None:
    import pyarrow as pa
    from sqlglot import exp

    from abmdsl.engine.sqlgen import Columns, column, to_sql
    from abmdsl.parser import parse
    from abmdsl.reference import Env, evaluate

    kinds = {"a": pa.decimal128(38, 6), "b": pa.decimal128(38, 6), "i": pa.int64()}
    kinds |= {"t": pa.string(), "f": pa.bool_(), "d": pa.date32(), "n": pa.int64()}
    rows = [{k: row.get(k) for k in kinds} | {"n": n} for n, row in enumerate(ROWS)]
    rows = [r | {"a": r["a"] and r["a"].quantize(Decimal("0.000001"))} for r in rows]
    data = pa.Table.from_pylist(rows, schema=pa.schema(kinds.items()))
    columns = Columns({n: column(n) for n in kinds}, dates=frozenset({"d"}))
    nodes = [parse(f"kpi k = {source}")[0].statements[0].expr for source in EXPRESSIONS]
    query = exp.select(
        column("n"), *[exp.alias_(to_sql(e, columns), f"e{i}") for i, e in enumerate(nodes)]
    ).from_("t")
    got = sorted(_run_on(engine, {"t": data}, query), key=lambda r: r["n"])
    for row, result in zip(rows, got, strict=True):
        values = {k: Decimal(v) if k == "i" and v is not None else v for k, v in row.items()}
        for i, node in enumerate(nodes):
            expected = evaluate(node, Env(values))
            value = result[f"e{i}"]
            if isinstance(value, dt.datetime):  # DuckDB's date + interval is a timestamp
                assert value.time() == dt.time(0)
                value = value.date()
            assert value == expected, (EXPRESSIONS[i], row)


def test_tiering_with_ties_agrees_with_the_reference_on_every_engine(engine: Any) -> None:
    import pyarrow as pa

    from abmdsl.engine.tiering import tiering_query
    from tests.unit.test_differential import SHAPED, TIERED, tiers_agree

    # Equal scores everywhere, so ranks and cluster leaders come down to the keys, which a
    # linguistic collation orders otherwise than bytes: `B` < `_x` < `a-2` < `a1` < `b`.
    keys = ["b", "a1", "B", "_x", "a-2", "A", "a", "é", "Z", "z", "a 1", "a+1"]
    rows = [
        {"id": key, "fit": [5, None, 4, 5][n % 4], "reach": [5, 3][n % 2]}
        | {"sector": ["a", "b", None][n % 3], "__row": n + 1}
        for n, key in enumerate(keys)
    ]
    kinds = [("id", pa.string()), ("fit", pa.int64()), ("reach", pa.int64())]
    schema = pa.schema([*kinds, ("sector", pa.string()), ("__row", pa.int64())])
    data = pa.Table.from_pylist(rows, schema=schema)
    for playbook in (TIERED, *SHAPED.values()):
        got = _run_on(engine, {"accounts": data}, tiering_query(playbook, "accounts"))
        tiers_agree(got, playbook, rows)


def _kpi_tables(groups: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    import pyarrow as pa

    from tests.unit.test_kpi_differential import _TYPES

    arrow = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DECIMAL(38,6)": pa.decimal128(38, 6)}
    arrow |= {"DATE": pa.date32()}
    tables = {}
    for group, data in groups.items():
        for dataset, types in _TYPES.items():
            schema = pa.schema([(n, arrow[k]) for n, k in types.items()])
            rows = [{n: r[n] for n in types} for r in data[dataset]]
            tables[f"t_{dataset}_{group}"] = pa.Table.from_pylist(rows, schema=schema)
    return tables


def _kpis_agree(engine: Any, rows: dict[str, Any], control: dict[str, Any]) -> None:
    from abmdsl.evaluate.compile import Output
    from abmdsl.reference_kpis import measure
    from tests.unit.test_kpi_differential import PLAYBOOK_IR, QUERY

    tables = _kpi_tables({"programme": rows, "control": control})
    (row,) = _run_on(engine, tables, QUERY.query)
    got = dict(zip(QUERY.outputs, row.values(), strict=True))
    expected = measure(PLAYBOOK_IR, rows, {"control": control})
    for name, value in expected.kpis.items():
        assert got[Output("value", name)] == value, name
    for name, value in expected.baselines.items():
        assert got[Output("baseline", name)] == value, name


def _activity(n: int, account: str | None, kind: str, cost: str | None, day: int) -> Any:
    on = dt.date(2027, 1, 11) + dt.timedelta(days=day)
    amount = None if cost is None else Decimal(cost)
    return {"activity_id": f"X-{n}", "account_id": account, "contact_id": f"C-{n % 3}"} | {
        "type": kind,
        "cost": amount,
        "on": on,
    }


NO_ROWS: dict[str, list[dict[str, Any]]] = {"accounts": [], "contacts": [], "activities": []}
SOME_ROWS = {
    "accounts": [{"account_id": f"A-{n}", "size": Decimal(n % 4)} for n in range(4)],
    "contacts": [
        {"contact_id": f"C-{n}", "account_id": f"A-{n}", "level": ["c_level", None][n % 2]}
        for n in range(3)
    ],
    "activities": [
        _activity(0, "A-0", "touch", "0.000001", 0),
        _activity(1, "A-0", "reply", "0.000002", 21),  # two middle values: half up
        _activity(2, "A-1", "touch", None, 21),
        _activity(3, "A-1", "opportunity", "99999999999.5", 59),
        _activity(4, "A-9", "touch", "-5", 30),  # an unknown account
        _activity(5, None, "reply", "0.000003", 31),
        _activity(6, "A-2", "touch", "0.000002", 31),  # ties in every median
        _activity(7, "A-2", "opportunity", "0.000002", 60),
    ],
}


@pytest.mark.parametrize(
    ("rows", "control"),
    [(NO_ROWS, NO_ROWS), (SOME_ROWS, NO_ROWS), (NO_ROWS, SOME_ROWS), (SOME_ROWS, SOME_ROWS)],
    ids=["empty", "no control", "no programme", "both"],
)
def test_kpis_agree_with_the_reference_on_every_engine(
    engine: Any, rows: dict[str, Any], control: dict[str, Any]
) -> None:
    _kpis_agree(engine, rows, control)


def test_generated_kpis_agree_with_the_reference_on_every_engine(engine: Any) -> None:
    @_examples(engine)
    @given(rows=kpi_data(), control=kpi_data())
    def check(rows: dict[str, Any], control: dict[str, Any]) -> None:
        _kpis_agree(engine, rows, control)

    check()


# ------------------------------------------------ generated data, on every engine
# Hypothesis examples per engine: each is a query, and a query costs DuckDB about a
# millisecond, Spark in local mode seconds (its planning and scheduling), PostgreSQL tens of
# milliseconds; DuckDB's own differential suites run hundreds more.
EXAMPLES = {"duckdb": 10, "spark": 2, "postgres": 10}


def _examples(engine: Any) -> settings:
    name = "duckdb" if engine is None else engine.name
    return settings(
        max_examples=EXAMPLES[name],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def _tiers_agree(engine: Any, playbook: Any, data: list[dict[str, Any]]) -> None:
    import pyarrow as pa

    from abmdsl.engine.tiering import tiering_query
    from tests.unit.test_differential import tiers_agree

    kinds = [("id", pa.string()), ("fit", pa.int64()), ("reach", pa.int64())]
    schema = pa.schema([*kinds, ("sector", pa.string()), ("__row", pa.int64())])
    table = pa.Table.from_pylist(data, schema=schema)
    got = _run_on(engine, {"accounts": table}, tiering_query(playbook, "accounts"))
    tiers_agree(got, playbook, data)


def test_generated_tiering_agrees_with_the_reference_on_every_engine(engine: Any) -> None:
    from tests.unit.test_differential import SHAPED, TIERED, accounts

    @_examples(engine)
    @given(generated=accounts, shape=st.sampled_from([TIERED, *SHAPED.values()]))
    def check(generated: list[dict[str, Any]], shape: Any) -> None:
        data = [{"id": f"K{n:03d}", **row, "__row": n + 1} for n, row in enumerate(generated)]
        _tiers_agree(engine, shape, data)

    check()


def _tables(types: dict[str, dict[str, str]], groups: dict[str, Any]) -> dict[str, Any]:
    """Arrow tables ``t_<dataset>_<group>`` of rows typed by DuckDB type names."""
    import pyarrow as pa

    arrow = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DECIMAL(38,6)": pa.decimal128(38, 6)}
    arrow |= {"DATE": pa.date32(), "BOOLEAN": pa.bool_()}
    tables = {}
    for group, data in groups.items():
        for dataset, kinds in types.items():
            schema = pa.schema([(n, arrow[k]) for n, k in kinds.items()])
            rows = [{n: r[n] for n in kinds} for r in data[dataset]]
            tables[f"t_{dataset}_{group}"] = pa.Table.from_pylist(rows, schema=schema)
    return tables


def test_generated_engagement_agrees_with_the_reference_on_every_engine(engine: Any) -> None:
    from abmdsl.evaluate.compile import Output
    from abmdsl.evaluate.engagement import scored_accounts
    from abmdsl.reference_engagement import scores
    from abmdsl.reference_kpis import measure
    from tests.unit import test_engagement_differential as case

    playbook, names = case.PLAYBOOK_IR, list(case.PLAYBOOK_IR.engagements)
    tables = ("t_accounts_programme", "t_activities_programme", "t_contacts_programme")
    scored = scored_accounts(playbook, names, *tables, case.DAY, "on")

    @_examples(engine)
    @given(rows=case.data(), control=case.data())
    def check(rows: dict[str, Any], control: dict[str, Any]) -> None:
        data = _tables(case._TYPES, {"programme": rows, "control": control})
        expected = {n: scores(playbook, playbook.engagements[n], rows, case.DAY) for n in names}
        for row in _run_on(engine, data, scored):
            for n in names:
                assert row[n] == expected[n][row["account_id"]], (n, row)
        (values,) = _run_on(engine, data, case.QUERY.query)
        measured = dict(zip(case.QUERY.outputs, values.values(), strict=True))
        reference = measure(playbook, rows, {"control": control}, day=case.DAY)
        for name, value in reference.kpis.items():
            assert measured[Output("value", name)] == value, name

    check()


# ------------------------------------------------ 100,000 accounts, row for row with DuckDB
@pytest.mark.slow
def test_100k_generated_accounts_tier_as_on_duckdb(engine: Any) -> None:
    """Nulls, thousands of ties at every capacity limit, a group of one, holdouts: every
    column of every row is DuckDB's (tests/population.py says what the data holds)."""
    import duckdb

    from abmdsl.engine.run import tier_table
    from abmdsl.engine.tiering import tiering_query
    from abmdsl.engines import conform
    from tests.population import accounts
    from tests.unit.test_differential import SHAPED, TIERED

    data, con, chosen = accounts(), duckdb.connect(), _on(engine)
    con.register("accounts", data)
    chosen.put("accounts", data)
    for playbook in (SHAPED["capped clusters"], TIERED):
        want = tier_table(playbook, con, "accounts")
        got = conform(chosen.query(chosen.sql(tiering_query(playbook, "accounts"))), want.schema)
        assert got.num_rows == want.num_rows == 100_000
        assert got.equals(want), next(
            (g, w) for g, w in zip(got.to_pylist(), want.to_pylist(), strict=True) if g != w
        )
        assert len(set(want.column("tier").to_pylist())) >= 3
    assert 0 < sum(want.column("holdout").to_pylist()) < 100_000  # the first playbook's
