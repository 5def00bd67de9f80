"""Can a KPI be reached within the pilot? The earliest day each funnel stage can happen.

Input: the playbook and its graph. Output: for a KPI, a :class:`Reach`: whether the funnel
stages it counts can happen before the horizon ends, and why.

The earliest day is a lower bound: the first touch of the earliest cadence a tier runs (on the
first day of the plan stage it is scheduled in, see :func:`abmdsl.graph.build.cadence_stages`,
else on day 1), a reply on the same day, then each conversion of ``simulate`` after its delay,
along the fastest chain of conversions. Business days are counted as calendar days, which
only makes the bound earlier. When a stage comes after the horizon even so, no account can
get there within the pilot.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..ir import KpiIR, Playbook
from ..numbers import plain
from .refs import texts_compared

if TYPE_CHECKING:
    import networkx as nx

FUNNEL = ("touch", "reply", "meeting", "discussion", "opportunity", "tender_invitation", "contract")


@dataclass(frozen=True)
class Reach:
    """Whether a KPI can be reached: ``ok`` is ``None`` when the playbook does not tell."""

    kpi: str
    ok: bool | None
    why: str
    day: int | None = None


@dataclass(frozen=True)
class Timeline:
    """The earliest day of each funnel stage, and the step that leads to it."""

    day: dict[str, Decimal]
    came_from: dict[str, tuple[str, Decimal]]
    start: int

    def path(self, stage: str) -> str:
        """How the stage is reached: ``touch on day 36, reply, meeting after 3 days, ...``."""
        steps: list[str] = []
        while stage in self.came_from:
            source, delay = self.came_from[stage]
            steps.append(stage + (f" after {plain(delay)} days" if delay else ""))
            stage = source
        return ", ".join([f"{stage} on day {self.start}", *reversed(steps)])


def first_touch_day(playbook: Playbook, graph: nx.DiGraph) -> int:
    """The earliest day any cadence given to a tier can make its first touch."""
    days: list[int] = []
    for name, cadence in playbook.cadences.items():
        edges = graph.in_edges(f"cadence:{name}", data=True) if f"cadence:{name}" in graph else []
        kinds = [(u, a["kind"]) for u, _, a in edges]
        if cadence.steps and any(k == "assigned-cadence" for _, k in kinds):
            weeks = [graph.nodes[u]["ir"].first_week for u, k in kinds if k == "scheduled-in"]
            week = min(weeks, default=1)
            days.append((week - 1) * 7 + min(step.day for step in cadence.steps))
    return min(days, default=1)


def timeline(playbook: Playbook, graph: nx.DiGraph) -> Timeline | None:
    """Earliest days of the funnel stages; ``None`` when ``simulate`` declares no conversions."""
    simulation = playbook.simulation
    if simulation is None or not simulation.conversions:
        return None
    start = first_touch_day(playbook, graph)
    replied = min((_soonest(r.delay_days, r.business_days) for r in simulation.replies), default=0)
    day = {"touch": Decimal(start), "reply": Decimal(start) + replied}
    came_from = {"reply": ("touch", Decimal(replied))}
    queue = [(Decimal(start), "touch"), (Decimal(start) + replied, "reply")]
    while queue:
        at, stage = heapq.heappop(queue)
        if at > day.get(stage, at):
            continue
        for convert in simulation.conversions:
            delay = _soonest(convert.delay_days, convert.business_days)
            if convert.source == stage and at + delay < day.get(convert.target, at + delay + 1):
                day[convert.target] = at + delay
                came_from[convert.target] = (stage, delay)
                heapq.heappush(queue, (at + delay, convert.target))
    return Timeline(day, came_from, start)


def _soonest(delay: Decimal | None, business: bool) -> Decimal:
    """A delay in calendar days, at its soonest: every five business days span a weekend."""
    days = delay or Decimal(0)
    return days + 2 * (days // 5) if business else days


def kpi_stages(graph: nx.DiGraph, kpi: str) -> list[str]:
    """The funnel stages a KPI counts, in its own rule or in the KPIs it is computed from."""
    found: list[str] = []
    seen, todo = {f"kpi:{kpi}"}, [f"kpi:{kpi}"]
    while todo:
        node = todo.pop()
        ir: KpiIR = graph.nodes[node]["ir"]
        found += [t for t in texts_compared(ir.expr) if t in FUNNEL and t not in found]
        for used in graph.pred[node]:
            if graph.nodes[used]["kind"] == "kpi" and used not in seen:
                seen.add(used)
                todo.append(used)
    return sorted(found, key=FUNNEL.index)


def reach(playbook: Playbook, graph: nx.DiGraph, kpi: str, line: Timeline | None) -> Reach:
    """Whether ``kpi`` can be reached within the horizon, and why (see the module's docstring)."""
    if playbook.kpis[kpi].target_op is None:
        return Reach(kpi, False, f"`{kpi}` has no target, so it cannot tell whether it was met")
    stages = kpi_stages(graph, kpi)
    if not stages:
        return Reach(kpi, None, "it counts no funnel stage, so its timing is not known")
    if line is None:
        return Reach(kpi, None, "`simulate` declares no conversions, so the timing is not known")
    for stage in stages:
        if stage not in line.day:
            why = f"no conversion of `simulate` leads to `{stage}`, so its timing is not known"
            return Reach(kpi, None, why)
    last = max(stages, key=lambda s: line.day[s])
    day = int(line.day[last].to_integral_value(rounding="ROUND_CEILING"))
    if day > playbook.horizon_days:
        return Reach(
            kpi,
            False,
            f"the earliest `{last}` comes on day {day}, after the {playbook.horizon_days}-day "
            f"horizon ({line.path(last)})",
            day,
        )
    return Reach(kpi, True, f"reachable from day {day} of {playbook.horizon_days}", day)
