"""Whole-playbook checks, read off the goal/decision graph (:mod:`abmdsl.graph`).

Input: the context once every other check has run. Output: the graph, kept in the context for
:func:`abmdsl.check.check` to hand on, and its diagnostics: circles between definitions
(ABM212), goal arithmetic that cannot add up and goals no reachable KPI measures (ABM301–303),
and definitions nothing uses (ABM236).
"""

from __future__ import annotations

from ..graph.build import build_graph
from ..graph.cascade import check_cascade
from ..graph.checks import cycles, unused
from .context import Context


def check_graph(ctx: Context) -> None:
    """Build the graph once, from the playbook as checked so far (errors and all)."""
    ctx.ir["graph"] = build_graph(ctx.playbook(validate=False))


def check_cycles(ctx: Context) -> None:
    ctx.diagnostics.extend(cycles(ctx.ir["graph"]))


def check_goal_cascade(ctx: Context) -> None:
    ctx.diagnostics.extend(check_cascade(ctx.playbook(validate=False), ctx.ir["graph"]))


def check_unused(ctx: Context) -> None:
    # A misspelt use is reported where it is written; `ctx.used` holds the name it was meant to
    # be, so that definition is not also called unused.
    roles = ctx.ir.get("role_decls", [])
    ctx.diagnostics.extend(unused(ctx.ir["graph"], roles, ctx.used))
