"""What the graph's shape says about a playbook: evaluation order, circles, unused definitions.

Input: the graph of :func:`abmdsl.graph.build.build_graph`. Output: an evaluation order, or
diagnostics: ABM212 for definitions that depend on each other in a circle, ABM236 for a
definition nothing uses.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from .. import ast
from ..diagnostics import Diagnostic, error, warning
from ..span import Span

if TYPE_CHECKING:
    import networkx as nx

# Definitions a circle is told in terms of; the DFS starts from them, in name order.
DEFINITIONS = {"score": "score", "kpi": "KPI", "baseline": "baseline", "criterion": "criterion"}
_PLURAL = {"score": "scores", "KPI": "KPIs", "baseline": "baselines", "criterion": "criteria"}


def evaluation_order(graph: nx.DiGraph, kinds: Iterable[str] | None = None) -> list[str]:
    """Node ids in an order in which each comes after everything it needs.

    Ties are broken by node id, so the order is the same on every run. Raises
    ``networkx.NetworkXUnfeasible`` if the graph has a circle (a checked playbook has none).

    >>> from abmdsl.api import compile_file
    >>> from abmdsl.graph import graph_of
    >>> g = graph_of(compile_file("playbooks/pharma_pilot.abm").playbook)
    >>> evaluation_order(g, {"score", "tier"})
    ['score:attractiveness', 'score:potential', 'tier:tailored', 'tier:cluster', 'tier:bulk']
    """
    import networkx as nx

    wanted = set(kinds) if kinds is not None else None
    order = nx.lexicographical_topological_sort(rules(graph), key=str)
    return [n for n in order if wanted is None or graph.nodes[n]["kind"] in wanted]


def rules(graph: nx.DiGraph) -> nx.DiGraph:
    """The graph without ``compared-with`` edges: what must be computed before what.

    A KPI's target is read after every value is known, so ``target >= engagement of control``
    on ``engagement`` itself, or a warn level naming a KPI that uses this one, is no circle.
    """
    import networkx as nx

    return nx.subgraph_view(
        graph, filter_edge=lambda u, v: graph.edges[u, v]["kind"] != "compared-with"
    )


# ---------------------------------------------------------------- circles
def cycles(graph: nx.DiGraph) -> list[Diagnostic]:
    """ABM212 for each circle, naming every definition on it, with a note at each step."""
    import networkx as nx

    graph = rules(graph)
    if nx.is_directed_acyclic_graph(graph):
        return []
    found: list[Diagnostic] = []

    def report(path: list[str], back: str) -> None:
        # Steps that refer to later touches make a circle too, but ABM230 tells that better.
        if any(graph.nodes[node]["kind"] in DEFINITIONS for node in path):
            found.append(_circle(graph, path, back))

    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in _starts(graph):
        if not state.get(start):
            _search(graph, start, state, report)
    return found


def _starts(graph: nx.DiGraph) -> list[str]:
    named = sorted((a["name"], n) for n, a in graph.nodes(data=True) if a["kind"] in DEFINITIONS)
    return [n for _, n in named] + sorted(graph.nodes)


def _search(
    graph: nx.DiGraph, start: str, state: dict[str, int], report: Callable[[list[str], str], None]
) -> None:
    """Depth-first from ``start`` along what each node uses (its predecessors)."""
    path = [start]
    stack = [iter(graph.pred[start])]
    state[start] = 1
    while stack:
        used = next(stack[-1], None)
        if used is None:
            state[path.pop()] = 2
            stack.pop()
        elif state.get(used) == 1:
            report(path[path.index(used) :], used)
        elif not state.get(used):
            state[used] = 1
            path.append(used)
            stack.append(iter(graph.pred[used]))


def _circle(graph: nx.DiGraph, path: list[str], back: str) -> Diagnostic:
    """One error naming the whole circle; ``path`` runs from a node to what it uses."""
    shown = [i for i, node in enumerate(path) if _shown(graph, path, i)]
    names = [graph.nodes[path[i]]["name"] for i in shown]
    told = " → ".join(f"`{name}`" for name in [*names, graph.nodes[back]["name"]])
    steps = [*itertools.pairwise(shown), (shown[-1], len(path))]
    notes = tuple(
        (
            f"`{graph.nodes[path[a]]['name']}` uses `{graph.nodes[_at(path, b, back)]['name']}` "
            "here",
            _use(graph, path, b, back),
        )
        for a, b in steps
    )
    kinds = {DEFINITIONS.get(graph.nodes[path[i]]["kind"], "definition") for i in shown}
    what = _PLURAL.get(next(iter(kinds)), "definitions") if len(kinds) == 1 else "definitions"
    return error(
        "ABM212",
        f"these {what} depend on each other in a circle: {told}",
        _use(graph, path, len(path), back),
        "break the circle: compute one of them without the others",
        notes=notes,
    )


def _shown(graph: nx.DiGraph, path: list[str], i: int) -> bool:
    """A criterion reached from its own score is part of that score, and not told apart."""
    attrs = graph.nodes[path[i]]
    if attrs["kind"] != "criterion":
        return True
    return i == 0 or path[i - 1] != f"score:{attrs['name'].split('.', 1)[0]}"


def _at(path: list[str], i: int, back: str) -> str:
    return path[i] if i < len(path) else back


def _use(graph: nx.DiGraph, path: list[str], i: int, back: str) -> Span | None:
    """Where the node before position ``i`` of the circle uses the node at ``i``."""
    return graph.edges[_at(path, i, back), path[i - 1]].get("span")


# ---------------------------------------------------------------- unused definitions
def _has_consumer(graph: nx.DiGraph, node: str) -> bool:
    return graph.out_degree(node) > 0


def _has_tier(graph: nx.DiGraph, node: str) -> bool:
    return any(a["kind"] == "assigned-cadence" for _, _, a in graph.in_edges(node, data=True))


_UNUSED: dict[str, tuple[Callable[[nx.DiGraph, str], bool], str, str]] = {
    "score": (
        _has_consumer,
        "the score `{}` is never used by a tier",
        "use it in a tier's condition or ranking, or remove it",
    ),
    "cadence": (
        _has_tier,
        "the cadence `{}` is not given to any tier",
        "add `cadence {}` to a tier, or remove it",
    ),
    "baseline": (
        _has_consumer,
        "the baseline `{}` is never compared with",
        "use it in a KPI's target, or remove it",
    ),
}


def unused(
    graph: nx.DiGraph, roles: Sequence[ast.Ident] = (), exempt: set[str] | None = None
) -> list[Diagnostic]:
    """ABM236 for each score, cadence, baseline and declared role that nothing uses.

    Args:
        graph: the playbook's graph.
        roles: the roles the plan declares, where they are declared.
        exempt: names to leave alone: the checker marks the name a misspelt use was meant to
            be (``role:`` before role names), so the playbook is not also told it is unused.
    """
    exempt = exempt or set()
    found: list[Diagnostic] = []
    for node, attrs in graph.nodes(data=True):
        rule = _UNUSED.get(attrs["kind"])
        if rule is None or attrs["name"] in exempt or rule[0](graph, node):
            continue
        _, message, hint = rule
        name = attrs["name"]
        found.append(warning("ABM236", message.format(name), attrs["span"], hint.format(name)))
    for role in roles:
        node = f"role:{role.name}"
        if "role:" + role.name not in exempt and not (node in graph and graph.out_degree(node)):
            found.append(
                warning(
                    "ABM236",
                    f"the role `{role.name}` has nothing to do in the plan",
                    role.span,
                    "give it a RACI line or a cadence step, or remove it",
                )
            )
    return found
