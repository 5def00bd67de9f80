"""A query as a chain of CTEs, each adding or replacing named columns.

Columns are listed by name at every step (no ``SELECT *``): ``* REPLACE`` and ``* EXCLUDE``
are not portable across engines, and explicit names keep the printed SQL readable.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from ..ir import Playbook
from .sqlgen import column

STEP = "step_"  # the steps' CTEs are step_0, step_1, ...


def select_from(table: str, *projections: exp.Expression) -> exp.Select:
    """``SELECT projections FROM table``. Built without parsing or copying: sqlglot's string
    builders parse each name and copy each argument, which took most of the 20 ms that
    building the seed pilot's query used to take."""
    return exp.Select(expressions=list(projections), from_=exp.From(this=exp.table_(table)))


def text(value: str) -> exp.Expression:
    return exp.Literal.string(value)


def concat(*parts: str | exp.Expression) -> exp.Expression:
    """Text built from literal pieces and values, as ``||`` (portable across engines)."""
    nodes = [
        text(p)
        if isinstance(p, str)
        else p
        if isinstance(p, exp.Cast) and p.to.this == exp.DataType.Type.VARCHAR
        else exp.Cast(this=p, to=exp.DataType.build("VARCHAR"))
        for p in parts
    ]
    result = nodes[0]
    for node in nodes[1:]:
        result = exp.DPipe(this=result, expression=node)
    return result


def with_cte(query: exp.Select, name: str, body: exp.Select) -> exp.Select:
    """``query`` with one more CTE, ``name AS (body)`` (in place)."""
    alias = exp.TableAlias(this=exp.to_identifier(name))
    return query.with_(alias, as_=body, copy=False)


@dataclass
class Steps:
    """Accumulates the query; ``current`` names the latest step."""

    playbook: Playbook
    key: str
    query: exp.Select
    current: str
    columns: list[str]
    step: int = 0

    def then(self, *projections: exp.Expression) -> None:
        """Add a CTE that keeps every column so far, replacing those ``projections`` name."""
        name = f"{STEP}{self.step}"
        self.step += 1
        new = {p.alias_or_name: p for p in projections}
        kept = [new.pop(c) if c in new else column(c) for c in self.columns]
        body = select_from(self.current, *kept, *new.values())
        self.query = with_cte(self.query, name, body)
        self.columns += list(new)
        self.current = name

    def then_joined(
        self, joins: list[tuple[str, exp.Expression]], *projections: exp.Expression
    ) -> None:
        """Like :meth:`then`, over the latest step ``LEFT JOIN``-ed to each ``(table, on)``;
        the columns kept are qualified with the step's name, since the tables share names."""
        name = f"{STEP}{self.step}"
        self.step += 1
        kept = [exp.alias_(column(c, self.current), c, quoted=True) for c in self.columns]
        body = select_from(self.current, *kept, *projections)
        for table, on in joins:
            body = body.join(exp.table_(table), on=on, join_type="LEFT", copy=False)
        self.query = with_cte(self.query, name, body)
        self.columns += [p.alias_or_name for p in projections]
        self.current = name
