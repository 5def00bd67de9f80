"""One semantics: the reference evaluator and DuckDB agree on generated expressions and data.

Any difference found here is a bug in one of them; each one found is kept below as a
regression case.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abmdsl.api import compile_text
from abmdsl.engine.run import tier_table
from abmdsl.engine.sqlgen import Columns, column, to_sql
from abmdsl.engine.tiering import OUTPUT_COLUMNS, points_column, tiering_query
from abmdsl.ir import Playbook
from abmdsl.parser import parse
from abmdsl.reference import Env, EvalError, evaluate
from abmdsl.reference_tiers import assign_tiers

SQL_TYPES = {
    "a": "DECIMAL(38, 6)",
    "b": "DECIMAL(38, 6)",
    "i": "BIGINT",
    "t": "VARCHAR",
    "f": "BOOLEAN",
    "d": "DATE",
}


CON = duckdb.connect()
ARROW = {
    "DECIMAL(38, 6)": pa.decimal128(38, 6),
    "BIGINT": pa.int64(),
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
}


def table(
    con: duckdb.DuckDBPyConnection, name: str, types: dict[str, str], rows: list[dict[str, object]]
) -> None:
    schema = pa.schema([(n, ARROW[t]) for n, t in types.items()])
    data = pa.Table.from_pylist([{n: r.get(n) for n in types} for r in rows], schema=schema)
    con.register("incoming", data)
    con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM incoming')
    con.unregister("incoming")


# ---------------------------------------------------------------- expressions
decimals = st.one_of(
    st.sampled_from(
        [
            Decimal(0),
            Decimal(1),
            Decimal(-1),
            Decimal("0.5"),
            Decimal("2.5"),
            Decimal("-2.5"),
            Decimal("0.000001"),
            Decimal("999999999999"),
        ]
    ),
    st.decimals(
        min_value=-(10**12), max_value=10**12, places=6, allow_nan=False, allow_infinity=False
    ),
)
numeric_leaf = st.one_of(
    st.sampled_from(["a", "b", "i"]),
    decimals.map(lambda d: f"{d:f}" if d >= 0 else f"({d:f})"),
    st.sampled_from(["25%", "0.5%", "100%", "missing"]),
)


def _numeric(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: f"({p[0]} + {p[1]})"),
        pair.map(lambda p: f"({p[0]} - {p[1]})"),
        pair.map(lambda p: f"({p[0]} * {p[1]})"),
        pair.map(lambda p: f"({p[0]} / {p[1]})"),
        children.map(lambda c: f"-({c})"),
        st.tuples(children, children, children).map(lambda p: f"clamp({p[0]}, {p[1]}, {p[2]})"),
        pair.map(lambda p: f"min({p[0]}, {p[1]})"),
        pair.map(lambda p: f"max({p[0]}, {p[1]})"),
        pair.map(lambda p: f"coalesce({p[0]}, {p[1]})"),
        st.tuples(children, st.integers(0, 6)).map(lambda p: f"round({p[0]}, {p[1]})"),
        children.map(lambda c: f"floor({c})"),
        children.map(lambda c: f"ceil({c})"),
        children.map(lambda c: f"abs({c})"),
        st.tuples(st.sampled_from(["f", "a > b", "i >= 2", 't = "x"']), children, children).map(
            lambda p: f"(if {p[0]} then {p[1]} else {p[2]})"
        ),
    )


numbers = st.recursive(numeric_leaf, _numeric, max_leaves=6)


def _boolean(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: f"({p[0]} and {p[1]})"),
        pair.map(lambda p: f"({p[0]} or {p[1]})"),
        children.map(lambda c: f"not ({c})"),
    )


comparisons = st.one_of(
    st.tuples(numbers, st.sampled_from(["=", "!=", ">", ">=", "<", "<="]), numbers).map(
        lambda p: f"{p[0]} {p[1]} {p[2]}"
    ),
    st.tuples(numbers, decimals, decimals).map(lambda p: f"{p[0]} in {p[1]:f}..{p[2]:f}"),
    numbers.map(lambda n: f"{n} is missing"),
    st.sampled_from(
        [
            't in ("x", "y")',
            't not in ("x")',
            "f",
            "f is not missing",
            "d > 2027-01-11",
            "days_between(d, 2027-03-01) > 30",
            't = "Y"',
        ]
    ),
)
booleans = st.recursive(comparisons, _boolean, max_leaves=4)

rows = st.fixed_dictionaries(
    {
        "a": st.one_of(st.none(), decimals),
        "b": st.one_of(st.none(), decimals),
        "i": st.one_of(st.none(), st.integers(-(10**9), 10**9)),
        "t": st.one_of(st.none(), st.sampled_from(["x", "y", "X", ""])),
        "f": st.one_of(st.none(), st.booleans()),
        "d": st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2028, 1, 1))),
    }
)


def _both(source: str, row: dict[str, object]) -> tuple[object, object]:
    module, diagnostics = parse(f"kpi k = {source}")
    assert not diagnostics, (source, diagnostics)
    expr = module.statements[0].expr
    env_row = {
        k: Decimal(v) if isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in row.items()
    }
    try:
        expected: object = evaluate(expr, Env(env_row))
    except EvalError:
        expected = "overflow"
    con = CON
    table(con, "t", SQL_TYPES, [row])
    sql = to_sql(expr, Columns({n: column(n) for n in SQL_TYPES}, dates=frozenset({"d"})))
    try:
        got = con.execute(f"SELECT {sql.sql('duckdb')} FROM t").fetchall()[0][0]
    except duckdb.OutOfRangeException:
        got = "overflow"
    return expected, got


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(numbers, rows)
def test_numeric_expressions_agree(source: str, row: dict[str, object]) -> None:
    expected, got = _both(source, row)
    if "overflow" in (expected, got):
        return  # past ±10^26 both refuse; where each notices first may differ
    assert got == expected, source


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(booleans, rows)
def test_conditions_agree(source: str, row: dict[str, object]) -> None:
    expected, got = _both(source, row)
    if "overflow" in (expected, got):
        return
    assert got == expected, source


@pytest.mark.parametrize(
    ("source", "row"),
    [
        ("10% * 1 + 20% * 4 + 70% * 3 >= 3", {}),
        ("a / b", {"a": Decimal(1), "b": Decimal(3)}),
        ("a / b", {"a": Decimal(2), "b": Decimal(3)}),
        ("a / b", {"a": Decimal(-2), "b": Decimal(3)}),
        ("a / b", {"a": Decimal("0.000001"), "b": Decimal(2)}),
        ("a / b", {"a": Decimal(1), "b": Decimal(0)}),
        ("clamp(a, 1, 5)", {"a": None}),
        ("round(a)", {"a": Decimal("-2.5")}),
        ("i * i", {"i": 10**9}),
        ("days_between(d, 2027-03-01)", {"d": dt.date(2027, 1, 1)}),
        ("2 in (1, a)", {"a": None}),
    ],
)
def test_regressions(source: str, row: dict[str, object]) -> None:
    full = {n: None for n in SQL_TYPES} | row
    expected, got = _both(source, full)
    assert got == expected


# ---------------------------------------------------------------- whole tiering
PLAYBOOK = """
playbook "Differential" { horizon 90 days }
accounts { key id: text  fit: int 0..5 optional  reach: int 1..5  sector: text optional }
score s scale 0..5 {
  fit weight 60% = coalesce(fit, 0)
  reach weight 40% = reach
}
score u scale 0..5 { both weight 100% = if s >= 3 then reach else 1 }
tier top when s >= 4 { at most 3 accounts ranked by s + u desc }
tier grouped when s >= 2.5 {
  group by sector into 1..2 clusters of 2..3 accounts
  holdout 30% seed 11
}
tier capped when s >= 1 { at most 4 accounts ranked by reach asc }
tier rest otherwise { holdout 50% }
"""

accounts = st.lists(
    st.fixed_dictionaries(
        {
            "fit": st.one_of(st.none(), st.integers(0, 5)),
            "reach": st.integers(1, 5),
            "sector": st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])),
        }
    ),
    max_size=40,
)


TIERED = compile_text(PLAYBOOK).playbook


ACCOUNT_TYPES = {
    "id": "VARCHAR",
    "fit": "BIGINT",
    "reach": "BIGINT",
    "sector": "VARCHAR",
    "__row": "BIGINT",
}


def _tier_through_sql(playbook: Playbook, data: list[dict[str, object]]) -> list[dict]:
    """The tiering query's rows, in input order, from the ordered query and from the
    unordered one that `abm run` uses (rows put back in order in Arrow)."""
    table(CON, "accounts", ACCOUNT_TYPES, data)
    cursor = CON.execute(tiering_query(playbook, "accounts").sql("duckdb"))
    names = [d[0] for d in cursor.description]
    ordered = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert tier_table(playbook, CON, "accounts").to_pylist() == ordered
    return ordered


def tiers_agree(
    got: list[dict[str, Any]], playbook: Playbook, data: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Assert every account's tier, cluster, rank, demotion and holdout are the reference's;
    the rows as the reference reads them (whole numbers are the language's decimals)."""
    reference_rows = [
        {k: Decimal(v) if isinstance(v, int) and k != "__row" else v for k, v in row.items()}
        for row in data
    ]
    for record, want in zip(got, assign_tiers(playbook, reference_rows), strict=True):
        assert {n: record[n] for n in OUTPUT_COLUMNS} == {
            "tier": want.tier,
            "cluster": want.cluster,
            "rank": want.rank,
            "demoted_from": want.demoted_from,
            "demotion": want.demotion,
            "holdout": want.holdout,
        }, record
    return reference_rows


def _agrees_with_the_reference(playbook: Playbook, data: list[dict[str, object]]) -> None:
    from abmdsl.reference import AccountEvaluator

    got = _tier_through_sql(playbook, data)
    reference_rows = tiers_agree(got, playbook, data)
    evaluator = AccountEvaluator(playbook)
    for record in got:
        scores = evaluator.run(reference_rows[record["__row"] - 1])
        for score in playbook.scores.values():
            assert record[score.name] == scores.scores[score.name]
            for criterion in score.criteria:
                key = points_column(score.name, criterion.name)
                assert record[key] == scores.points[score.name][criterion.name]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts)
def test_tiering_agrees_with_the_reference(generated: list[dict[str, object]]) -> None:
    assert TIERED is not None
    data = [{"id": f"K{n:03d}", **row, "__row": n + 1} for n, row in enumerate(generated)]
    _agrees_with_the_reference(TIERED, data)


# Capacity and clusters in one tier, clusters of any size, capacity without a ranking,
# clusters before capacity; keys in another order than the rows.
SHAPES = {
    "capped clusters": """
tier plain when reach = 5 and fit = 5
tier both when s >= 2 {
  at most 6 accounts ranked by u desc
  group by sector into 1..2 clusters of 2..4 accounts
}
tier grouped when s >= 1 { group by sector into 1..3 clusters }
tier capped when fit is missing { at most 2 accounts }
tier rest otherwise
""",
    "clusters first": """
tier grouped when s >= 1.5 { group by sector into 2..2 clusters of 3..5 accounts }
tier top when u >= 2 { at most 2 accounts ranked by fit asc }
tier again when s >= 1 {
  group by sector into 1..1 clusters of 2..2 accounts
  holdout 40%
}
tier rest otherwise
""",
}
SHAPED = {
    name: compile_text(PLAYBOOK.split("tier top")[0] + tiers).playbook
    for name, tiers in SHAPES.items()
}


@pytest.mark.parametrize("shape", list(SHAPES))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated=accounts, order=st.randoms(use_true_random=False))
def test_tier_shapes_agree_with_the_reference(
    shape: str, generated: list[dict[str, object]], order: random.Random
) -> None:
    playbook = SHAPED[shape]
    assert playbook is not None
    keys = [f"K{n:03d}" for n in range(len(generated))]
    order.shuffle(keys)
    data = [{"id": keys[n], **row, "__row": n + 1} for n, row in enumerate(generated)]
    _agrees_with_the_reference(playbook, data)


NARROW = compile_text(
    """
playbook "Narrow" { horizon 90 days }
accounts { key id: text  a: int 0..5  b: int 0..5  f: bool }
score s scale 0..200 { c weight 100% = 35 * a }
score big scale 0..2500000000 {
  c weight 100% = (if f then 50000 else 1) * (if f then 50000 else 1)
}
score t scale 0..25 { m weight 100% = a * b }
tier top when t >= 20 { at most 2 accounts ranked by s + big desc }
tier rest otherwise
"""
).playbook


def test_narrow_integer_columns_are_widened_before_arithmetic() -> None:
    """An INT8 column (a compact Parquet file) gives the same tiers as BIGINT: 35 × 5
    overflows eight bits, and 50000 × 50000 thirty-two."""
    assert NARROW is not None
    rows = [
        {"id": f"K{n}", "a": n % 6, "b": (n * 7) % 6, "f": n % 3 == 0, "__row": n + 1}
        for n in range(40)
    ]
    outputs = []
    for width in ("TINYINT", "BIGINT"):
        types = {"id": "VARCHAR", "a": "BIGINT", "b": "BIGINT", "f": "BOOLEAN", "__row": "BIGINT"}
        table(CON, "wide", types, rows)
        CON.execute(
            f"CREATE OR REPLACE TABLE accounts AS SELECT id, CAST(a AS {width}) AS a, "
            f"CAST(b AS {width}) AS b, f, __row FROM wide"
        )
        outputs.append(tier_table(NARROW, CON, "accounts").drop_columns(["a", "b"]))
    assert outputs[0].equals(outputs[1])
    assert outputs[0].column("tier").to_pylist().count("top") == 2


# ---------------------------------------------------------------- the scaled-integer path
small = st.one_of(
    st.sampled_from(["i", "j"]),
    st.integers(-50, 50).map(str),
    st.sampled_from(["25%", "0.5", "1.25", "missing"]),
)
scaled_numbers = st.recursive(small, _numeric, max_leaves=5)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scaled_numbers,
    rows,
    st.one_of(st.none(), st.integers(-1000, 1000)),
    st.one_of(st.none(), st.integers(0, 5)),
)
def test_scaled_integer_path_agrees(
    source: str, row: dict[str, object], i: int | None, j: int | None
) -> None:
    from abmdsl.engine.fastpath import Lowering, field, to_decimal

    module, diagnostics = parse(f"kpi k = {source}")
    assert not diagnostics
    expr = module.statements[0].expr
    types = {**SQL_TYPES, "j": "BIGINT"}
    names = {"i": field("i", Decimal(-1000), Decimal(1000)), "j": field("j", None, None)}
    fallback = Columns({n: column(n) for n in types}, dates=frozenset({"d"}))
    lowered = Lowering(names, fallback).number(expr)
    if lowered is None:
        return  # not provably exact on 64-bit integers: the general path handles it
    data = {**row, "i": i, "j": j}
    env = {
        k: Decimal(v) if isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in data.items()
    }
    expected = evaluate(expr, Env(env))
    table(CON, "t", types, [data])
    got = CON.execute(f"SELECT {to_decimal(lowered).sql('duckdb')} FROM t").fetchall()[0][0]
    assert got == expected, source
