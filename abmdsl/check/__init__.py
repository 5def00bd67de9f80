"""Checking: parsed modules → a typed, name-resolved :class:`abmdsl.ir.Playbook`.

Input: the modules of one playbook (the main file first, then its imports).
Output: the Playbook (``None`` when there are errors) and every diagnostic found.
Checks run in the order of :data:`STAGES`; each one reads what earlier ones left in the
context, so the order matters where noted.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import ast
from ..diagnostics import Diagnostic, has_errors
from ..graph.build import remember
from ..ir import Playbook
from .cadences import check_cadences, check_plan
from .context import Context
from .engagement import check_engagement
from .examples import check_examples
from .goals import check_derived_targets, check_goals
from .header import check_datasets, check_header, check_version
from .kpis import check_goal_refs, check_kpis, check_verdict
from .links import check_links
from .scoring import check_scores, declare_scores
from .simulation import check_channels_assumed, check_simulation
from .tiers import check_tiers
from .usage import check_cycles, check_goal_cascade, check_graph, check_unused

STAGES: list[tuple[str, Callable[[Context], None]]] = [
    ("version", check_version),
    ("header", check_header),  # sets the currency every money check compares with
    ("datasets", check_datasets),  # fields: every later scope reads them
    ("scores", declare_scores),  # names before criteria, so criteria may use scores
    ("criteria", check_scores),
    ("tiers", check_tiers),  # records the cadences tiers name, for `cadences`
    ("goals", check_goals),
    ("cadences", check_cadences),
    ("plan", check_plan),  # after cadences: step owners are roles of the plan
    ("engagement", check_engagement),  # after tiers; before kpis, which read the scores
    ("kpis", check_kpis),  # after goals: `measured by` names KPIs
    ("links", check_links),  # after kpis: reads their expressions from the IR
    ("derived targets", check_derived_targets),  # after kpis: compares goals with KPI targets
    ("goal references", check_goal_refs),
    ("verdict", check_verdict),
    ("simulation", check_simulation),
    ("channels", check_channels_assumed),
    ("examples", check_examples),
    ("graph", check_graph),  # after every check that builds a part of the IR
    ("cycles", check_cycles),
    ("goal cascade", check_goal_cascade),
    ("unused", check_unused),  # last: every other check marks what it uses
]


def check(modules: list[ast.Module]) -> tuple[Playbook | None, list[Diagnostic]]:
    """Check a playbook's modules and build its IR.

    >>> from abmdsl.parser import parse
    >>> module, _ = parse('playbook "P" { horizon 90 days }  tier bulk otherwise', "p.abm")
    >>> playbook, diagnostics = check([module])
    >>> [t.name for t in playbook.tiers], diagnostics
    (['bulk'], [])
    """
    ctx = Context(modules)
    for _name, stage in STAGES:
        stage(ctx)
    diagnostics = sorted(ctx.diagnostics, key=Diagnostic.sort_key)
    if has_errors(diagnostics):
        return None, diagnostics
    playbook = ctx.playbook()
    remember(playbook, ctx.ir["graph"])  # built once: later stages ask `graph_of(playbook)`
    return playbook, diagnostics


__all__ = ["STAGES", "Context", "check"]
