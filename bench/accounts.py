"""A seeded generator of accounts for the seed pilot, written to Parquet for the tiering bench.

The values follow ``playbooks/data/generate.py`` (the bundled sample): five industries, a few
open, budgeted clients with an insider, warm and cold ones, two extra columns (``city``,
``employees``). It is vectorised with ``pyarrow.compute`` (seeded uniform draws), so 10M
accounts take seconds. The 0..5 fields are ``INT8`` in the file, as a compact export would
store them: engines must widen them before arithmetic such as ``5 * 35``, which overflows
eight bits. Keys are a random permutation, so the file is not sorted by key.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

INDUSTRIES = {
    "pharma": 0.34,
    "retail": 0.2,
    "it_services": 0.18,
    "mining": 0.14,
    "manufacturing": 0.14,
}
CITIES = [
    "Moscow",
    "Saint Petersburg",
    "Kazan",
    "Novosibirsk",
    "Yekaterinburg",
    "Warsaw",
    "Kraków",
    "Wrocław",
    "Nizhny Novgorod",
    "Samara",
]
STEMS = ["Alfa", "Vega", "Nord", "Polar", "Ural", "Volga", "Baltic", "Sever", "Orion", "Delta"]
EMPLOYEES = [250, 500, 1200, 3000, 8000, 20000]
ROW_GROUP = 122_880  # DuckDB's own row-group size; several groups let readers work in parallel


class _Draws:
    """Independent seeded uniform draws in [0, 1), one array of ``n`` per call."""

    def __init__(self, n: int, seed: int):
        self.n, self.seed, self.calls = n, seed, 0

    def __call__(self) -> pa.Array:
        self.calls += 1
        return pc.random(self.n, initializer=self.seed * 1000 + self.calls)


def _below(u: pa.Array, count: int | pa.Array, low: int | pa.Array = 0) -> pa.Array:
    """``low + floor(u × count)``: a uniform whole number in ``low .. low + count - 1``."""
    return pc.add(pc.cast(pc.floor(pc.multiply(u, count)), pa.int64()), low)


def _pick(codes: pa.Array, values: list[str] | list[int], kind: pa.DataType) -> pa.Array:
    return pc.take(pa.array(values, kind), codes)


def _industry(u: pa.Array) -> pa.Array:
    bounds, total = [], 0.0
    for share in INDUSTRIES.values():
        total += share
        bounds.append(total)
    passed = [pc.cast(pc.greater_equal(u, bound), pa.int64()) for bound in bounds[:-1]]
    code = passed[0]
    for more in passed[1:]:  # the number of bounds at or below u is the industry's index
        code = pc.add(code, more)
    return code


def _level(draw: _Draws, strong: pa.Array, warm: pa.Array) -> pa.Array:
    """A 0..5 value: 4..5 for strong accounts, 2..5 for warm ones, 0..5 for the rest."""
    low = pc.if_else(warm, 2, 0)
    ordinary = _below(draw(), pc.subtract(6, low), low)
    return pc.cast(pc.if_else(strong, _below(draw(), 2, 4), ordinary), pa.int8())


def accounts(n: int, seed: int = 2027) -> pa.Table:
    """``n`` accounts in the seed pilot's schema plus ``city`` and ``employees``.

    >>> table = accounts(1000, seed=1)
    >>> table.num_rows, table.schema.field("case_studies").type
    (1000, DataType(int8))
    >>> sorted(set(table.column("industry").to_pylist())) == sorted(INDUSTRIES)
    True
    """
    draw = _Draws(n, seed)
    industry_code = _industry(draw())
    strong = pc.less(draw(), 0.03)
    warm = pc.less(draw(), 0.35)
    budget_chance = pc.if_else(warm, 0.7, 0.3)
    numbers = pc.cast(pc.add(pc.sort_indices(draw()), 1), pa.string())
    industry = _pick(industry_code, list(INDUSTRIES), pa.string())
    columns = {
        "account_id": pc.binary_join_element_wise("ACC-", pc.utf8_lpad(numbers, 8, "0"), ""),
        "name": pc.binary_join_element_wise(
            _pick(_below(draw(), len(STEMS)), STEMS, pa.string()), " ", industry, " ", numbers, ""
        ),
        "industry": industry,
        "has_budget": pc.or_(strong, pc.less(draw(), budget_chance)),
        "strategic_initiatives": _level(draw, strong, warm),
        "complementary_tech": _level(draw, strong, warm),
        "case_studies": _level(draw, strong, warm),
        "insider": pc.or_(strong, pc.less(draw(), 0.12)),
        "info_openness": pc.cast(
            pc.if_else(strong, _below(draw(), 2, 4), _below(draw(), 5, 1)), pa.int8()
        ),
        "city": _pick(_below(draw(), len(CITIES)), CITIES, pa.string()),
        "employees": _pick(_below(draw(), len(EMPLOYEES)), EMPLOYEES, pa.int32()),
    }
    return pa.table(columns)


def write_accounts(n: int, path: Path, seed: int = 2027) -> Path:
    """Write ``n`` generated accounts to ``path`` (Parquet) unless that file is there already."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    pq.write_table(accounts(n, seed), partial, row_group_size=ROW_GROUP)
    partial.replace(path)
    return path
