"""Criteria points and scores as query steps, on scaled integers wherever that is exact.

Input: the query steps over the accounts table. Output: columns for every criterion's points
and every score, and a :class:`Scope` that later steps (tier conditions, rankings) compile
against. A score whose criteria all lower to scaled integers (see
:mod:`abmdsl.engine.fastpath`) is computed on ``BIGINT`` and turned into a decimal only in
the final output (``DECIMAL(18, 6)`` where its bound proves it fits); any other score takes
the general ``DECIMAL(38, 6)`` path. Both give the
reference evaluator's values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlglot import exp

from ..ir import Playbook, ScoreIR
from .fastpath import Lowering, Scaled, literal, rescale, to_decimal, to_output, wide
from .fastpath import field as int_field
from .sqlgen import Columns, column, decimal, to_sql
from .steps import Steps


def points_column(score: str, criterion: str) -> str:
    return f"{score}.{criterion}"


def _fast(name: str) -> str:
    return f"__scaled_{name}"


@dataclass
class Scope:
    """How later steps read scores: scaled where possible, decimal otherwise."""

    lowering: Lowering
    # Output column → its final expression, for values kept scaled until the end.
    finals: dict[str, exp.Expression] = field(default_factory=dict)

    @property
    def columns(self) -> Columns:
        return self.lowering.fallback

    def number(self, expr: object) -> exp.Expression:
        """A ranking or other numeric value, scaled if possible (order is the same)."""
        scaled = self.lowering.number(expr)  # type: ignore[arg-type]
        return scaled.sql if scaled is not None else to_sql(expr, self.columns)  # type: ignore[arg-type]


def score_steps(steps: Steps) -> Scope:
    """Add one pair of steps (points, then scores) per layer of scores."""
    playbook = steps.playbook
    fields = playbook.fields.get("accounts", {})
    scaled = {n: int_field(n, f.low, f.high) for n, f in fields.items() if f.type == "int"}
    names = {name: column(name) for name in fields}
    dates = frozenset(n for n, f in fields.items() if f.type == "date")
    attrs: dict[tuple[str, str], exp.Expression] = {}
    scope = Scope(Lowering(scaled, Columns(names, attrs, dates)))
    for layer in score_layers(playbook):
        _layer(steps, scope, layer)
    return scope


def _layer(steps: Steps, scope: Scope, layer: list[ScoreIR]) -> None:
    lowering = Lowering(
        dict(scope.lowering.names),
        Columns(dict(scope.columns.names), dict(scope.columns.attrs), scope.columns.dates),
    )
    points: list[exp.Expression] = []
    sums: list[exp.Expression] = []
    for score in layer:
        criteria = [lowering.number(c.expr) for c in score.criteria]
        total = _scaled_sum(score, criteria) if all(criteria) else None
        if total is not None:
            points += _scaled_points(scope, score, criteria)  # type: ignore[arg-type]
            sums.append(exp.alias_(total.sql, _fast(score.name), quoted=True))
            _publish(scope, score.name, Scaled(column(_fast(score.name)), total.scale, total.bound))
        else:
            points += _decimal_points(scope, lowering, score)
            sums.append(exp.alias_(_weighted_sum(score), score.name, quoted=True))
            scope.columns.names[score.name] = column(score.name)  # type: ignore[index]
    steps.then(*points)
    steps.then(*sums)


def _publish(scope: Scope, name: str, value: Scaled) -> None:
    """Make a scaled value visible to later steps and to the output."""
    scope.lowering.names[name] = value  # type: ignore[index]
    scope.columns.names[name] = to_decimal(value)  # type: ignore[index]
    scope.finals[name] = to_output(value)


def _scaled_points(scope: Scope, score: ScoreIR, criteria: list[Scaled]) -> list[exp.Expression]:
    out = []
    for criterion, value in zip(score.criteria, criteria, strict=True):
        name = points_column(score.name, criterion.name)
        out.append(exp.alias_(wide(value.sql), _fast(name), quoted=True))
        as_column = Scaled(column(_fast(name)), value.scale, value.bound)
        scope.columns.attrs[(score.name, criterion.name)] = to_decimal(as_column)  # type: ignore[index]
        scope.finals[name] = to_output(as_column)
    return out


def _scaled_sum(score: ScoreIR, criteria: list[Scaled | None]) -> Scaled | None:
    """Σ weight × points on scaled integers: exact, since no term needs rounding."""
    terms: list[Scaled] = []
    for criterion, value in zip(score.criteria, criteria, strict=True):
        weight = literal(criterion.weight)
        if value is None or value.bound is None or weight.scale + value.scale > 6:
            return None
        terms.append(
            Scaled(
                exp.Mul(
                    this=weight.sql,
                    expression=column(_fast(points_column(score.name, criterion.name))),
                ),
                weight.scale + value.scale,
                weight.bound * value.bound,
            )
        )  # type: ignore[operator]
    scale = max(t.scale for t in terms)
    aligned = [rescale(t, scale) for t in terms]
    bound = sum((t.bound for t in terms), Decimal(0))  # type: ignore[misc]
    if any(a is None for a in aligned) or bound * 10**scale >= 10**18:
        return None
    total = aligned[0].sql  # type: ignore[union-attr]
    for term in aligned[1:]:
        total = exp.Add(this=total, expression=term.sql)  # type: ignore[union-attr]
    return Scaled(total, scale, bound)


def _decimal_points(scope: Scope, lowering: Lowering, score: ScoreIR) -> list[exp.Expression]:
    out = []
    for criterion in score.criteria:
        name = points_column(score.name, criterion.name)
        out.append(
            exp.alias_(decimal(to_sql(criterion.expr, lowering.fallback)), name, quoted=True)
        )
        scope.columns.attrs[(score.name, criterion.name)] = column(name)  # type: ignore[index]
    return out


def _weighted_sum(score: ScoreIR) -> exp.Expression:
    """Σ weight × points, each product rounded to six places as the reference does."""
    terms = [
        decimal(
            exp.Mul(
                this=exp.Literal.number(f"{c.weight.normalize():f}"),
                expression=column(points_column(score.name, c.name)),
            )
        )
        for c in score.criteria
    ]
    total = terms[0]
    for term in terms[1:]:
        total = exp.Add(this=total, expression=term)
    return decimal(total)


def score_layers(playbook: Playbook) -> list[list[ScoreIR]]:
    """Scores in the playbook graph's evaluation order, grouped so that each layer uses only
    scores of earlier layers (one query step computes a whole layer)."""
    import networkx as nx

    from ..graph import evaluation_order, graph_of

    graph = graph_of(playbook)
    depth: dict[str, int] = {}
    for node in evaluation_order(graph, {"score"}):
        needed = [depth[a] for a in nx.ancestors(graph, node) if a in depth]
        depth[node] = 1 + max(needed, default=-1)
    layers: list[list[ScoreIR]] = [[] for _ in range(1 + max(depth.values(), default=-1))]
    for node, level in depth.items():
        layers[level].append(playbook.scores[node.removeprefix("score:")])
    return layers
