"""The canonical lines of an ``engagement`` block's items (see :mod:`abmdsl.formatter`).

``reply 5 points``, ``reply by gift 10 points``, ``level c_level x2``, ``within 60 days``,
``decay 10% per week``, ``roll up max``: one item a line, in the order written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import ast
from .format_expr import expr, percent, title
from .numbers import plain


def _points(node: ast.EngagementPoints) -> str:
    channel = f" by {node.channel.name}" if node.channel is not None else ""
    unit = "point" if node.points.value == 1 else "points"
    return f"{node.type.name}{channel} {expr(node.points)} {unit}"


ITEM_LINES: dict[type, Callable[[Any], str]] = {
    ast.EngagementPoints: _points,
    ast.EngagementMultiplier: lambda n: f"{n.field.name} {n.value.name} x{plain(n.factor.value)}",
    ast.EngagementWithin: lambda n: f"within {expr(n.duration)}",
    ast.EngagementDecay: lambda n: f"decay {percent(n.rate)} per {n.per}",
    ast.EngagementRollUp: lambda n: f"roll up {n.strategy}",
}


def header(node: ast.Engagement) -> str:
    return f"engagement {node.name.name}{title(node.title)}"
