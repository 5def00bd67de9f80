"""Checks that an aggregate inside another one can tell which of its rows belong to each row.

Input: the KPIs and baselines the ``kpis`` stage left in the IR, and the declared data sets.
Output: an ABM231 for each nested aggregate over a data set with no link to the one around it:
in ``share(accounts where count(activities where ...) >= 1)`` the activities are counted per
account, which needs a field of activities naming the account (``references accounts``, or a
field named like the accounts' key).
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import ast
from ..ir import FieldInfo
from .context import Context

# Which data set belongs to which: a contact to an account, an activity to either.
_PARENTS = {"contacts": ("accounts",), "activities": ("accounts", "contacts")}
_ONE = {"accounts": "account", "contacts": "contact", "activities": "activity"}

Fields = dict[str, dict[str, FieldInfo]]


def check_links(ctx: Context) -> None:
    fields: Fields = ctx.ir.get("fields", {})
    kpis = ctx.ir.get("kpis", {}).values()
    exprs = [b.expr for b in ctx.ir.get("baselines", {}).values()]
    exprs += [e for k in kpis for e in (k.expr, k.target, k.warn) if e is not None]
    for expr in exprs:
        for inner, outer in nested(expr, None):
            declared = inner.dataset in fields and outer in fields  # else ABM231 already
            if declared and not linked(fields, inner.dataset, outer):
                _report(ctx, fields, inner, outer)


def children(expr: ast.Expr) -> Iterator[ast.Expr]:
    """The expressions directly inside ``expr`` (the bounds of a range included)."""
    for value in expr.__dict__.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, ast.Range):
                yield from (item.low, item.high)
            elif isinstance(item, ast.Node) and hasattr(item, "kind"):
                yield item  # type: ignore[misc]


def nested(expr: ast.Expr, around: str | None) -> Iterator[tuple[ast.Aggregate, str]]:
    """Each aggregate inside another's ``where``, with the data set of the one around it.

    >>> from abmdsl.parser import parse
    >>> m, _ = parse("kpi k = share(accounts where count(contacts) >= 1)")
    >>> [(a.dataset, outer) for a, outer in nested(m.statements[0].expr, None)]
    [('contacts', 'accounts')]
    """
    if isinstance(expr, ast.Aggregate):
        if around is not None:
            yield expr, around
        around = expr.dataset
    for child in children(expr):
        yield from nested(child, around)


def linked(fields: Fields, a: str, b: str) -> bool:
    """True when a field of one data set names a row of the other (or both are one data set)."""
    return a == b or _points_to(fields, a, b) or _points_to(fields, b, a)


def _points_to(fields: Fields, child: str, parent: str) -> bool:
    key = next((f.name for f in fields[parent].values() if f.key), None)
    return any(
        f.references == parent or (f.name == key and not f.key) for f in fields[child].values()
    )


def _report(ctx: Context, fields: Fields, inner: ast.Aggregate, outer: str) -> None:
    child, parent = inner.dataset, outer
    if parent not in _PARENTS.get(child, ()):
        child, parent = parent, child
    key = next((f for f in fields[parent].values() if f.key), None)
    column = key.name if key is not None else f"{_ONE[parent]}_id"
    kind = key.type if key is not None and key.type != "enum" else "text"
    ctx.error(
        "ABM231",
        f"nothing links `{inner.dataset}` to `{outer}`, so `{inner.func}({inner.dataset} ...)` "
        f"cannot tell which {inner.dataset} belong to each {_ONE[outer]}",
        inner.span,
        f"declare the link in `{child}`: `{column}: {kind} references {parent}`",
    )
