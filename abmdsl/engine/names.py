"""The names the tiering CTEs share, and the order each tier ranks its accounts in.

Input: a tier's index and IR. Output: column names (``__when_<i>``, ``__position_<i>``…) and
SQLGlot pieces (``ORDER BY`` lists, ``ROW_NUMBER()`` windows) for :mod:`.populations`,
:mod:`.clusters` and :mod:`.tiering`.
"""

from __future__ import annotations

from sqlglot import exp

from ..ir import TierIR
from .sqlgen import column
from .steps import Steps, with_cte

POSITION, SIZE, GROUP_RANK, MISFIT = "__position", "__size", "__group_rank", "__misfit"
IDENTITY = "__id"  # the identity's name inside the side CTEs
POPULATION, ROWS = "__population", "__rows"


def when(index: int) -> str:
    return f"__when_{index}"


def position_of(index: int) -> str:
    return f"__position_{index}"


def fits_of(index: int) -> str:
    return f"__fits_{index}"


def ranking(index: int) -> str:
    return f"__rank_by_{index}"


def kept_columns(builder: Steps, index: int, tier: TierIR) -> list[str]:
    """What the side CTEs need of an account: its key, ranking value and cluster field."""
    names = [builder.key]
    if tier.capacity is not None and tier.capacity.rank_by is not None:
        names.append(ranking(index))
    if tier.grouping is not None and tier.grouping.field not in names:
        names.append(tier.grouping.field)
    return names


def order_of(
    builder: Steps, index: int, tier: TierIR, table: str | None = None
) -> list[exp.Ordered]:
    """The tier's ranking order: its ``ranked by`` value (a missing one last), then the key."""
    key = exp.Ordered(this=column(builder.key, table), desc=False, nulls_first=False)
    if tier.capacity is None or tier.capacity.rank_by is None:
        return [key]
    ranked = exp.Ordered(
        this=column(ranking(index), table), desc=tier.capacity.descending, nulls_first=False
    )
    return [ranked, key]


def row_number(
    order: list[exp.Ordered], partition: list[exp.Expression] | None = None
) -> exp.Window:
    """``ROW_NUMBER() OVER ([PARTITION BY partition] ORDER BY order)``."""
    return exp.Window(
        this=exp.RowNumber(), partition_by=partition or None, order=exp.Order(expressions=order)
    )


def add_cte(builder: Steps, name: str, body: exp.Select) -> str:
    """Add ``name AS (body)`` to the query being built; returns ``name``."""
    builder.query = with_cte(builder.query, name, body)
    return name
