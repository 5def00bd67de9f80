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
        body = exp.select(*kept, *new.values()).from_(self.current, copy=False)
        self.query = self.query.with_(name, as_=body, copy=False)
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
        body = exp.select(*kept, *projections).from_(self.current, copy=False)
        for table, on in joins:
            body = body.join(table, on=on, join_type="LEFT", copy=False)
        self.query = self.query.with_(name, as_=body, copy=False)
        self.columns += [p.alias_or_name for p in projections]
        self.current = name
