"""What an expression refers to: the graph nodes its names resolve to, where each is written.

Input: an AST expression and the names visible where it is written. Output: ``(node id, span)``
pairs in the order the names are written, the first use of each node first.
Names resolve as the type checker resolves them (:class:`abmdsl.typecheck.Scope`): inside an
aggregate, the fields of its data set first, then those of the aggregates around it, then the
definitions; ``score.criterion`` names one criterion of a score. A name that resolves to
nothing was already reported by the checker and is skipped here.
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import ast
from ..span import Span

Ref = tuple[str, Span | None]

# The expressions directly inside each kind of expression, in the order they are written.
_CHILDREN: dict[str, tuple[str, ...]] = {
    "neg": ("operand",),
    "of": ("value",),
    "not": ("operand",),
    "binary": ("left", "right"),
    "logic": ("left", "right"),
    "compare": ("left", "right"),
    "is_missing": ("value",),
    "if": ("cond", "then", "else_"),
}


class Resolver:
    """Names visible in one kind of rule, mapped to the ids of their graph nodes.

    Args:
        fields: data set → its field names.
        names: definitions an expression may name (scores, KPIs, baselines) → node id.
        rows: the data set whose fields are visible outside aggregates (``accounts`` in a tier
            rule or a criterion; ``None`` in a KPI).
        criteria: score → its criteria, for ``score.criterion``.

    >>> from abmdsl.parser import parse
    >>> m, _ = parse('kpi k = count(activities where type = "reply") / base')
    >>> r = Resolver({"activities": {"type"}}, {"base": "baseline:base"}, None)
    >>> [node for node, _ in r.refs(m.statements[0].expr)]
    ['field:activities.type', 'baseline:base']
    """

    def __init__(
        self,
        fields: Mapping[str, set[str] | Mapping[str, object]],
        names: Mapping[str, str],
        rows: str | None,
        criteria: Mapping[str, set[str]] | None = None,
    ) -> None:
        self.fields = fields
        self.names = names
        self.rows = rows
        self.criteria = criteria or {}

    def refs(self, expr: ast.Expr | None) -> list[Ref]:
        """Every node ``expr`` refers to, once each, in the order first written."""
        out: dict[str, Span | None] = {}
        if expr is not None:
            self._walk(expr, (self.rows,) if self.rows else (), out)
        return list(out.items())

    def _walk(self, expr: ast.Expr, rows: tuple[str, ...], out: dict[str, Span | None]) -> None:
        kind = expr.kind
        if kind == "name":
            node = self._resolve(expr.id, rows)  # type: ignore[union-attr]
            if node is not None and node not in out:
                out[node] = expr.span
        elif kind == "attr":
            self._attr(expr, out)  # type: ignore[arg-type]
        elif kind == "aggregate":
            self._aggregate(expr, rows, out)  # type: ignore[arg-type]
        elif kind in _CHILDREN:
            for name in _CHILDREN[kind]:
                self._walk(getattr(expr, name), rows, out)
        elif kind == "in_range":
            for child in (expr.value, expr.range.low, expr.range.high):  # type: ignore[union-attr]
                self._walk(child, rows, out)
        elif kind == "in_list":
            for child in (expr.value, *expr.items):  # type: ignore[union-attr]
                self._walk(child, rows, out)
        elif kind == "call":
            for child in expr.args:  # type: ignore[union-attr]
                self._walk(child, rows, out)

    def _resolve(self, name: str, rows: tuple[str, ...]) -> str | None:
        for dataset in rows:
            if name in self.fields.get(dataset, ()):
                return f"field:{dataset}.{name}"
        return self.names.get(name)

    def _attr(self, expr: ast.Attr, out: dict[str, Span | None]) -> None:
        if expr.attr in self.criteria.get(expr.obj, ()):
            node = f"criterion:{expr.obj}.{expr.attr}"
            out.setdefault(node, expr.span)

    def _aggregate(
        self, expr: ast.Aggregate, rows: tuple[str, ...], out: dict[str, Span | None]
    ) -> None:
        if expr.field is not None and expr.field in self.fields.get(expr.dataset, ()):
            out.setdefault(f"field:{expr.dataset}.{expr.field}", expr.span)
        for inside in (expr.value, expr.where):
            if inside is not None:
                self._walk(inside, (expr.dataset, *rows), out)


def texts_compared(expr: ast.Expr | None, dataset: str = "activities") -> list[str]:
    """The texts a field of ``dataset`` is said to equal inside aggregates over it.

    ``count(activities where type = "tender_invitation")`` gives ``["tender_invitation"]``;
    ``typ in ("contract", "upsell")`` gives both. Negated tests are left out.

    >>> from abmdsl.parser import parse
    >>> m, _ = parse('kpi k = count(activities where type = "reply" and level != "x")')
    >>> texts_compared(m.statements[0].expr)
    ['reply']
    """
    found: list[str] = []
    stack: list[tuple[ast.Expr, bool]] = [(expr, False)] if expr is not None else []
    while stack:
        node, inside = stack.pop()
        kind = node.kind
        if kind == "aggregate":
            where = node.where  # type: ignore[union-attr]
            if where is not None:
                stack.append((where, node.dataset == dataset))  # type: ignore[union-attr]
        elif kind == "compare" and inside and node.op == "=":  # type: ignore[union-attr]
            found += [s.value for s in (node.left, node.right) if isinstance(s, ast.Text)]  # type: ignore[union-attr]
            stack += [(node.left, inside), (node.right, inside)]  # type: ignore[union-attr]
        elif kind == "in_list" and inside and not node.negated:  # type: ignore[union-attr]
            found += [s.value for s in node.items if isinstance(s, ast.Text)]  # type: ignore[union-attr]
        elif kind in ("logic", "binary", "compare"):
            stack += [(node.left, inside), (node.right, inside)]  # type: ignore[union-attr]
        elif kind in ("neg", "if", "call"):
            children = (
                [node.operand]  # type: ignore[union-attr]
                if kind == "neg"
                else [node.cond, node.then, node.else_]  # type: ignore[union-attr]
                if kind == "if"
                else node.args  # type: ignore[union-attr]
            )
            stack += [(c, inside) for c in children]
    return sorted(set(found), key=found.index)
