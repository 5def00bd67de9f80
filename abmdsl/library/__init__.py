"""The KPI library: definitions a playbook takes by name, ``kpi engagement from library``.

Input: ``kpis.abm`` beside this module, a playbook of KPIs over the data sets the library
expects (it checks clean on its own: ``tests/unit/test_kpi_library.py``). Output: each KPI's
title, expression and the comment written above it, parsed once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .. import ast
from ..span import Span

SOURCE = Path(__file__).with_name("kpis.abm")


@dataclass(frozen=True)
class LibraryKpi:
    name: str
    title: str | None
    expr: ast.Expr
    about: str  # the comment above the definition, joined into one paragraph


@cache
def library_kpis() -> dict[str, LibraryKpi]:
    """Every KPI of the library, in the order it defines them."""
    from ..parser import parse

    text = SOURCE.read_text(encoding="utf-8")
    module, diagnostics = parse(text, "abm:library/kpis.abm")
    assert module is not None, diagnostics  # the library's own test keeps it parsing
    lines = text.splitlines()
    found: dict[str, LibraryKpi] = {}
    for statement in module.statements:
        if isinstance(statement, ast.Kpi) and statement.expr is not None:
            line = statement.span.line if statement.span else 1
            found[statement.name.name] = LibraryKpi(
                statement.name.name, statement.title, statement.expr, _comment(lines, line)
            )
    return found


def _comment(lines: list[str], line: int) -> str:
    """The ``#`` lines right above line ``line`` (1-based), as one paragraph."""
    above: list[str] = []
    n = line - 2
    while n >= 0 and lines[n].lstrip().startswith("#"):
        above.insert(0, lines[n].lstrip()[1:].strip())
        n -= 1
    return " ".join(above)


def respan(node: ast.Node, span: Span | None) -> ast.Node:
    """A copy of ``node`` whose every span is ``span``: a library definition taken into a
    playbook is reported at the line that takes it, not inside the library's file."""
    updates: dict[str, object] = {"span": span}
    for name, value in node:
        if isinstance(value, ast.Node):
            updates[name] = respan(value, span)
        elif isinstance(value, list):
            updates[name] = [respan(v, span) if isinstance(v, ast.Node) else v for v in value]
    return node.model_copy(update=updates)
