"""`abm goals`: the goal tree as text, with declared and derived targets.

Input: a :class:`abmdsl.graph.cascade.Cascade`. Output: lines drawn like ``tree`` draws
folders: each goal, then its details (funnel stage and share, targets with how each was
derived, milestones, the KPIs measuring it and whether the pilot can reach them).
"""

from __future__ import annotations

from ..numbers import percent
from .cascade import Cascade, CascadedGoal, Share


def render_goals(cascade: Cascade) -> str:
    """The goal tree of a playbook.

    >>> from abmdsl.api import compile_file
    >>> from abmdsl.graph.cascade import cascade
    >>> print(render_goals(cascade(compile_file("playbooks/pharma_pilot.abm").playbook)))
    ... # doctest: +ELLIPSIS
    Goals of "Pharma pilot 2027" (horizon 90 days)
    <BLANKLINE>
    pharma_growth  Grow revenue in the pharma segment by 30%
    │  segment "pharma"
    │  revenue_growth >= 30%       declared
    ├─ new_clients  Sign two new annual contracts
    │     funnel acquire · 60% of pharma_growth
    │     revenue_growth >= 18%    derived: 60% of 30%
    ...
    """
    if not cascade.goals:
        return f'"{cascade.title}" has no goals.\n'
    # The "declared" / "derived" column lines up across depths: 3 characters per level.
    width = max(
        (len(t.text) + 3 * g.depth for g in cascade.goals.values() for t in g.targets), default=0
    )
    lines = [f'Goals of "{cascade.title}" (horizon {cascade.horizon_days} days)', ""]
    roots = [g for g in cascade.goals.values() if g.parent is None]
    for i, root in enumerate(roots):
        if i:
            lines.append("")
        _goal(cascade, root, "", "", lines, width)
    return "\n".join(lines) + "\n"


def _goal(
    cascade: Cascade, goal: CascadedGoal, indent: str, connector: str, lines: list[str], width: int
) -> None:
    title = f"  {goal.title}" if goal.title else ""
    lines.append(f"{indent}{connector}{goal.name}{title}")
    below = indent + ("" if not connector else "│  " if connector == "├─ " else "   ")
    bar = "│  " if goal.children else "   "
    details = _details(goal, width - 3 * goal.depth)
    lines += [f"{below}{bar}{detail}".rstrip() for detail in details]
    for i, child in enumerate(goal.children):
        last = i == len(goal.children) - 1
        _goal(cascade, cascade.goals[child], below, "└─ " if last else "├─ ", lines, width)


def _details(goal: CascadedGoal, width: int) -> list[str]:
    out: list[str] = []
    about = [f"funnel {goal.funnel}"] if goal.funnel else []
    if goal.share is not None:
        about.append(share_text(goal.share, goal.parent or ""))
    if about:
        out.append(" · ".join(about))
    if goal.segment:
        out.append(f'segment "{goal.segment}"')
    for target in goal.targets:
        how = "declared" if target.how == "declared" else f"derived: {target.rule}"
        out.append(f"{target.text.ljust(width)}    {how}")
    out += [f"milestone {m}" for m in goal.milestones]
    for reach in goal.measured_by:
        state = "" if reach.ok is not False else "out of reach: "
        out.append(f"measured by {reach.kpi}: {state}{reach.why}")
    if not goal.measured_by and not goal.children:
        out.append("measured by no KPI: nothing shows whether it was reached")
    return out


def share_text(share: Share, parent: str) -> str:
    """A sub-goal's share of its parent, as ``abm goals`` says it."""
    if share.how == "declared":
        return share.rule
    if share.how == "amount":
        known = f" = {percent(share.fraction)} of {parent}" if share.fraction is not None else ""
        return f"contributes {share.rule}{known}"
    if share.how == "rest":
        return f"{percent(share.fraction or 0)}: {share.rule}"  # type: ignore[arg-type]
    return f"no share of {parent} given"
