"""The goal/decision graph: the checked playbook as a networkx ``DiGraph``.

Input: an :class:`abmdsl.ir.Playbook` (checked, or the checker's provisional one while it still
has errors). Output: a directed graph whose edges point from what is needed to what needs it,
so that a topological order is an evaluation order and the descendants of a node are
everything a change to it can affect. docs/graph.md describes the nodes and edges.

Node ids are ``kind:name`` (``score:attractiveness``, ``step:executive_warmup.7``), or the kind
alone for the one verdict, simulation and settings node. Each node has ``kind``, ``name``,
``title`` and ``span`` attributes, and ``ir``: the IR object it stands for. Each edge has
``kind`` (:data:`EDGE_KINDS`) and ``span``: where the use is written, when it is written.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from ..ir import CadenceIR, GoalIR, KpiIR, PlanIR, Playbook, SimulationIR, TierIR
from ..span import Span
from .refs import Ref, Resolver

if TYPE_CHECKING:
    import networkx as nx

NODE_KINDS = {
    "settings": "the playbook's header: start, horizon, calendar, currency",
    "field": "a field of a data set",
    "criterion": "a criterion of a score",
    "score": "a score",
    "tier": "a tier",
    "clusters": "the clusters a tier forms",
    "cadence": "a cadence",
    "step": "a step (touch) of a cadence",
    "role": "a role of the plan",
    "stage": "a stage of the plan",
    "goal": "a goal",
    "engagement": "an engagement score: a number per account, computed from its activities",
    "kpi": "a KPI",
    "baseline": "a baseline",
    "verdict": "the verdict",
    "simulation": "the simulation",
    "assumption": "a simulation assumption: a reply rate, a conversion or a cost",
}
"""Every kind of node, in the order the graph is built (and pictures list them)."""

EDGE_KINDS = {
    "depends-on": "the target's rule reads the source",
    "compared-with": "the target KPI's target or warn level reads the source: judged after "
    "every value is known, so never part of a circle",
    "feeds": "the source is a part of the target (criterion → score, step → cadence, "
    "sub-goal → goal, assumption → simulation)",
    "measured-by": "the target goal is measured by the source KPI",
    "assigned-cadence": "the source tier's accounts go through the target cadence",
    "scheduled-in": "the target cadence runs in the source stage of the plan",
    "raci": "the source role is responsible, accountable, consulted or informed in a stage",
    "owns": "the source role carries out a cadence step",
}
"""Every kind of edge. An edge points from what is needed to what needs it."""


class _Builder:
    """Collects nodes and edges, then hands them to networkx in one go (it is faster)."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[tuple[str, str], dict[str, Any]] = {}

    def node(
        self, node_id: str, kind: str, name: str, ir: object, title: str | None = None, **extra: Any
    ) -> str:
        if node_id not in self.nodes:
            span = getattr(ir, "span", None)
            self.nodes[node_id] = {
                "kind": kind,
                "name": name,
                "title": title,
                "span": span,
                "ir": ir,
                **extra,
            }
        return node_id

    def edge(
        self, source: str, target: str, kind: str, span: Span | None = None, **extra: Any
    ) -> None:
        """An edge between known nodes; the first use of a pair is the one kept."""
        if source in self.nodes and target in self.nodes:
            self.edges.setdefault((source, target), {"kind": kind, "span": span, **extra})

    def uses(self, refs: Iterable[Ref], target: str) -> None:
        for source, span in refs:
            self.edge(source, target, "depends-on", span)


def build_graph(playbook: Playbook) -> nx.DiGraph:
    """The goal/decision graph of a playbook.

    Args:
        playbook: a checked playbook.

    Returns:
        A ``networkx.DiGraph``; see the module's docstring for its nodes and edges.

    >>> from abmdsl.api import compile_file
    >>> g = build_graph(compile_file("playbooks/pharma_pilot.abm").playbook)
    >>> g.edges["score:attractiveness", "tier:tailored"]["kind"]
    'depends-on'
    >>> g.edges["kpi:tender_invitations", "goal:new_clients"]["kind"]
    'measured-by'
    """
    import networkx as nx

    with collector_paused():
        b = _Builder(playbook)
        b.node("settings", "settings", "settings", playbook, playbook.title)
        _fields(b)
        _scores(b)
        _tiers(b, playbook.tiers)
        _plan(b, playbook.plan)
        _cadences(b, playbook.cadences)
        _schedule(b, playbook.cadences, playbook.plan)
        _engagements(b)
        _kpis(b)
        _goals(b, playbook.goals)
        _verdict(b)
        _simulation(b, playbook.simulation)
        graph = nx.DiGraph(title=playbook.title, horizon_days=playbook.horizon_days)
        graph.add_nodes_from(b.nodes.items())
        graph.add_edges_from((u, v, a) for (u, v), a in b.edges.items())
    return graph


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the graph (or the cascade) is built.

    Building it allocates tens of thousands of dicts and no reference cycles; with the
    collector on, a full collection now and then walks the whole playbook again (its AST and
    IR are alive), which cost up to 0.2 s on a 5,000-line playbook. Only the caller that
    paused it resumes it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ---------------------------------------------------------------- one function per area
def _fields(b: _Builder) -> None:
    for dataset, fields in b.playbook.fields.items():
        for name, info in fields.items():
            b.node(f"field:{dataset}.{name}", "field", f"{dataset}.{name}", info)


def _account_resolver(b: _Builder) -> Resolver:
    scores = b.playbook.scores
    return Resolver(
        b.playbook.fields,
        {name: f"score:{name}" for name in scores},
        "accounts",
        {name: {c.name for c in score.criteria} for name, score in scores.items()},
    )


def _scores(b: _Builder) -> None:
    for name, score in b.playbook.scores.items():
        b.node(f"score:{name}", "score", name, score, score.title)
        for criterion in score.criteria:
            b.node(
                f"criterion:{name}.{criterion.name}",
                "criterion",
                f"{name}.{criterion.name}",
                criterion,
                criterion.title,
            )
    resolver = _account_resolver(b)
    for name, score in b.playbook.scores.items():
        for criterion in score.criteria:
            node = f"criterion:{name}.{criterion.name}"
            b.uses(resolver.refs(criterion.expr), node)
            b.edge(node, f"score:{name}", "feeds")


def _tiers(b: _Builder, tiers: tuple[TierIR, ...]) -> None:
    resolver = _account_resolver(b)
    earlier: str | None = None
    for tier in tiers:
        node = b.node(f"tier:{tier.name}", "tier", tier.name, tier, tier.title)
        b.uses(resolver.refs(tier.when), node)
        if tier.capacity is not None:
            b.uses(resolver.refs(tier.capacity.rank_by), node)
        if earlier is not None:  # first match wins: a tier gets what the earlier ones leave
            b.edge(earlier, node, "depends-on")
        earlier = node
        if tier.grouping is not None:
            clusters = b.node(f"clusters:{tier.name}", "clusters", tier.name, tier.grouping)
            b.edge(node, clusters, "feeds")
            b.edge(f"field:accounts.{tier.grouping.field}", clusters, "depends-on")


def _plan(b: _Builder, plan: PlanIR | None) -> None:
    if plan is None:
        return
    for role in plan.roles:
        b.node(f"role:{role}", "role", role, None, declared=True)
    for stage in plan.stages:
        node = b.node(f"stage:{stage.name}", "stage", stage.name, stage, stage.title)
        b.edge("settings", node, "depends-on")
        for letter, roles in stage.raci.items():
            for role in roles:
                b.node(f"role:{role}", "role", role, None, declared=False)
                b.edge(f"role:{role}", node, "raci", letter=letter)


def _cadences(b: _Builder, cadences: dict[str, CadenceIR]) -> None:
    for name, cadence in cadences.items():
        node = b.node(f"cadence:{name}", "cadence", name, cadence, cadence.title)
        for step in cadence.steps:
            b.node(
                f"step:{name}.{step.touch}", "step", f"{name} touch {step.touch}", step, step.note
            )
        for step in cadence.steps:
            touch = f"step:{name}.{step.touch}"
            if step.refers_to is not None:
                b.edge(f"step:{name}.{step.refers_to}", touch, "depends-on")
            if step.owner is not None:
                b.node(f"role:{step.owner}", "role", step.owner, None, declared=False)
                b.edge(f"role:{step.owner}", touch, "owns")
            b.edge(touch, node, "feeds")
    for tier in b.playbook.tiers:
        if tier.cadence is not None:
            b.edge(f"tier:{tier.name}", f"cadence:{tier.cadence}", "assigned-cadence")


CADENCE_WORDS = ("cadence", "каденц", "kadenc", "kadenz")
"""A stage whose name or title holds one of these words (any case) launches the cadences."""


def cadence_stages(cadence: CadenceIR, plan: PlanIR | None) -> list[str]:
    """The stage of the plan a cadence runs in: the first one that launches cadences.

    The language has no explicit cadence start, so the stage is found by its words
    (:data:`CADENCE_WORDS`: the seed calls it "Cadence launch", a Russian playbook
    "Запуск каденций"), as `abm schedule` finds it. Without such a stage, cadences start
    with the pilot and run in no stage.
    """
    for stage in plan.stages if plan is not None else ():
        text = f"{stage.name} {stage.title or ''}".casefold()
        if any(word in text for word in CADENCE_WORDS):
            return [stage.name]
    return []


def _schedule(b: _Builder, cadences: dict[str, CadenceIR], plan: PlanIR | None) -> None:
    for name, cadence in cadences.items():
        stages = cadence_stages(cadence, plan)
        for stage in stages:
            b.edge(f"stage:{stage}", f"cadence:{name}", "scheduled-in")
        if not stages:  # its days still count from the start, on the playbook's calendar
            b.edge("settings", f"cadence:{name}", "depends-on")


def _engagements(b: _Builder) -> None:
    """Each score, fed by the fields it reads (type, channel, date, contact, multipliers) and
    by the tiers whose accounts it multiplies."""
    fields = b.playbook.fields
    dates = [n for n, f in fields.get("activities", {}).items() if f.type == "date"]
    for name, score in b.playbook.engagements.items():
        node = b.node(f"engagement:{name}", "engagement", name, score, score.title)
        read = [score.type_field, score.channel_field, score.contact_field]
        if score.within_days is not None or score.decay is not None:
            read += dates[:1] if len(dates) == 1 else []
        sources = [f"field:activities.{f}" for f in read if f is not None]
        for m in score.multipliers:
            by_tier = m.source == "tier"
            sources.append(f"tier:{m.value}" if by_tier else f"field:{m.source}.{m.field}")
        for source in sources:
            b.edge(source, node, "depends-on", getattr(score, "span", None))


def _engagement_ref(b: _Builder, ref: Ref) -> Ref:
    """A KPI reads a score like a field of accounts: the edge comes from the score."""
    source, span = ref
    name = source.removeprefix("field:accounts.")
    if source != name and name in b.playbook.engagements:
        return f"engagement:{name}", span
    return ref


def _kpis(b: _Builder) -> None:
    kpis, baselines = b.playbook.kpis, b.playbook.baselines
    for name, baseline in baselines.items():
        b.node(f"baseline:{name}", "baseline", name, baseline, baseline.title)
    for name, kpi in kpis.items():
        b.node(f"kpi:{name}", "kpi", name, kpi, kpi.title)
    names = {**{n: f"baseline:{n}" for n in baselines}, **{n: f"kpi:{n}" for n in kpis}}
    fields: dict[str, Any] = dict(b.playbook.fields)
    if b.playbook.engagements:  # the scores are read like fields of accounts
        fields["accounts"] = {**fields.get("accounts", {}), **b.playbook.engagements}
    resolver = Resolver(fields, names, None)
    for name, baseline in baselines.items():
        b.uses(map(partial(_engagement_ref, b), resolver.refs(baseline.expr)), f"baseline:{name}")
    for name, kpi in kpis.items():
        node = f"kpi:{name}"
        b.uses(map(partial(_engagement_ref, b), resolver.refs(kpi.expr)), node)
        for source, span in _threshold_refs(resolver, kpi):
            source, span = _engagement_ref(b, (source, span))
            if source != node:  # `target >= engagement of control * 1.5`: itself, elsewhere
                b.edge(source, node, "compared-with", span)


def _threshold_refs(resolver: Resolver, kpi: KpiIR) -> list[Ref]:
    """What a KPI's target and warn level read: values known before any KPI is judged."""
    refs: list[Ref] = []
    for expr in (kpi.target, kpi.warn, *_range(kpi)):
        refs += [r for r in resolver.refs(expr) if r[0] not in dict(refs)]
    return refs


def _range(kpi: KpiIR) -> tuple[Any, ...]:
    return (kpi.target_range.low, kpi.target_range.high) if kpi.target_range else ()


def _goals(b: _Builder, goals: dict[str, GoalIR]) -> None:
    for name, goal in goals.items():
        b.node(f"goal:{name}", "goal", name, goal, goal.title)
    for name, goal in goals.items():
        if goal.parent is not None:
            b.edge(f"goal:{name}", f"goal:{goal.parent}", "feeds")
        for kpi in goal.measured_by:
            b.edge(f"kpi:{kpi}", f"goal:{name}", "measured-by")
    for name, kpi in b.playbook.kpis.items():
        for goal_name in kpi.measures:
            b.edge(f"kpi:{name}", f"goal:{goal_name}", "measured-by")


def _verdict(b: _Builder) -> None:
    verdict = b.playbook.verdict
    if verdict is None:
        return
    node = b.node("verdict", "verdict", "verdict", verdict, verdict.title)
    names = {n: f"kpi:{n}" for n in b.playbook.kpis}
    b.uses(Resolver({}, names, None).refs(verdict.when), node)


def _simulation(b: _Builder, simulation: SimulationIR | None) -> None:
    if simulation is None:
        return
    node = b.node("simulation", "simulation", "simulation", simulation)
    for reply in simulation.replies:
        name = f"reply {reply.channel}" + (f" to {reply.audience}" if reply.audience else "")
        name += f" in {reply.tier}" if reply.tier else ""
        assumption = b.node(f"assumption:{name}", "assumption", name, reply)
        if reply.tier:
            b.edge(f"tier:{reply.tier}", assumption, "depends-on")
        b.edge(assumption, node, "feeds")
    for convert in simulation.conversions:
        name = f"convert {convert.source} to {convert.target}"
        b.edge(b.node(f"assumption:{name}", "assumption", name, convert), node, "feeds")
    for cost in simulation.costs:
        name = f"cost {cost.item}"
        b.edge(b.node(f"assumption:{name}", "assumption", name, cost), node, "feeds")
    # The simulation plays the cadences out and estimates every KPI and the verdict.
    for source in [*_of_kind(b, "cadence"), *_of_kind(b, "kpi"), "verdict", "settings"]:
        b.edge(source, node, "depends-on")


def _of_kind(b: _Builder, kind: str) -> list[str]:
    return [node for node, attrs in b.nodes.items() if attrs["kind"] == kind]


# ---------------------------------------------------------------- built once per playbook
_GRAPHS: dict[int, nx.DiGraph] = {}


def remember(playbook: Playbook, graph: nx.DiGraph) -> None:
    """Keep ``graph`` as the graph of ``playbook`` for as long as the playbook lives."""
    key = id(playbook)
    _GRAPHS[key] = graph
    weakref.finalize(playbook, _GRAPHS.pop, key, None)


def graph_of(playbook: Playbook) -> nx.DiGraph:
    """The graph of a playbook, built the first time it is asked for (``abm check`` builds it
    while checking, so a compiled playbook already has one).

    Every later stage asks here, so all of them read the same graph. Treat it as read-only.
    """
    graph = _GRAPHS.get(id(playbook))
    if graph is None:
        graph = build_graph(playbook)
        remember(playbook, graph)
    return graph
