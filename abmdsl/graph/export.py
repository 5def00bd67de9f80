"""Pictures of the graph: Graphviz DOT, Mermaid, and JSON in networkx's node-link form.

Input: a playbook's graph (optionally cut down to one goal or tier and what it depends on,
:func:`focus`) and the goal cascade. Output: text. The same graph always gives the same text:
nodes come in the order of :data:`abmdsl.graph.build.NODE_KINDS`, then as built.
``tests/unit/test_graph_export.py`` renders the DOT with Graphviz and parses the Mermaid with
Mermaid's own parser, so both are known to be valid.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..format_expr import expr as expr_text
from ..numbers import plain
from .build import NODE_KINDS
from .cascade import Cascade

if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("dot", "mermaid", "json")

# kind → (Graphviz shape, fill colour); Mermaid uses the colours too.
_STYLE = {
    "settings": ("note", "#f2f2f2"),
    "field": ("box", "#eeeeee"),
    "criterion": ("box", "#fff4dd"),
    "score": ("box", "#ffd98e"),
    "tier": ("box3d", "#b8e0ff"),
    "clusters": ("folder", "#d7ecff"),
    "cadence": ("cds", "#c9f2c7"),
    "step": ("box", "#e8f8e6"),
    "role": ("ellipse", "#f0e6ff"),
    "stage": ("tab", "#e3d7ff"),
    "goal": ("hexagon", "#ffc9c9"),
    "engagement": ("box", "#ffefd6"),
    "kpi": ("box", "#ffe0b3"),
    "baseline": ("box", "#f2f2f2"),
    "verdict": ("doubleoctagon", "#ff9f9f"),
    "simulation": ("component", "#dddddd"),
    "assumption": ("note", "#f7f7f7"),
}
# edge kind → (Graphviz style, colour, shown as a label)
_EDGE = {
    "depends-on": ("solid", "#555555", False),
    "compared-with": ("dashed", "#555555", True),
    "feeds": ("bold", "#333333", False),
    "measured-by": ("dashed", "#c0392b", True),
    "assigned-cadence": ("solid", "#27ae60", True),
    "scheduled-in": ("solid", "#8e44ad", True),
    "raci": ("dotted", "#999999", True),
    "owns": ("dotted", "#999999", True),
}


class UnknownFocus(KeyError):
    """``--focus`` named nothing in the playbook."""

    def __str__(self) -> str:
        return str(self.args[0])


def focus(graph: nx.DiGraph, name: str) -> nx.DiGraph:
    """The part of the graph one goal, tier or other definition depends on, itself included.

    ``name`` is a node id (``tier:tailored``) or a name; goals and tiers are looked up first.

    >>> from abmdsl.api import compile_file
    >>> from abmdsl.graph import graph_of
    >>> g = focus(graph_of(compile_file("playbooks/pharma_pilot.abm").playbook), "tailored")
    >>> sorted(n for n in g if not n.startswith(("field:", "criterion:")))
    ['score:attractiveness', 'score:potential', 'tier:tailored']
    """
    import networkx as nx

    node = _find(graph, name)
    return graph.subgraph({node, *nx.ancestors(graph, node)}).copy()


def _find(graph: nx.DiGraph, name: str) -> str:
    for candidate in (name, f"goal:{name}", f"tier:{name}"):
        if candidate in graph:
            return candidate
    named = sorted(n for n, a in graph.nodes(data=True) if a["name"] == name)
    if named:
        return named[0]
    known = sorted(a["name"] for _, a in graph.nodes(data=True) if a["kind"] in ("goal", "tier"))
    raise UnknownFocus(
        f"nothing is called `{name}` in this playbook"
        + (f"; its goals and tiers: {', '.join(known)}" if known else "")
    )


def ordered(graph: nx.DiGraph) -> list[str]:
    """Nodes grouped by kind, in the order of :data:`NODE_KINDS`, then as built."""
    rank = {kind: i for i, kind in enumerate(NODE_KINDS)}
    return sorted(graph.nodes, key=lambda n: rank.get(graph.nodes[n]["kind"], len(rank)))


def labels(graph: nx.DiGraph, node: str, goals: Cascade | None = None) -> list[str]:
    """The lines a picture shows for a node: its name, what it is, and its key figures."""
    attrs = graph.nodes[node]
    kind, ir = attrs["kind"], attrs["ir"]
    lines = [attrs["name"], f"{kind}: {attrs['title']}" if attrs["title"] else kind]
    if kind == "goal" and goals is not None and attrs["name"] in goals.goals:
        for target in goals.goals[attrs["name"]].targets:
            lines.append(target.text + ("" if target.how == "declared" else " (derived)"))
    elif kind == "kpi" and ir.target_op is not None and ir.target is not None:
        lines.append(f"target {ir.target_op} {expr_text(ir.target)}")
    elif kind == "stage":
        lines.append(f"weeks {ir.first_week}..{ir.last_week}")
    elif kind == "step":
        lines.append(f"day {ir.day}: {ir.channel} to {', '.join(ir.audience)}")
    elif kind == "criterion":
        lines.append(f"weight {plain(ir.weight * 100)}%")
    return lines


def edges(graph: nx.DiGraph, order: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """Edges in the order of their source nodes, then as built."""
    position = {n: i for i, n in enumerate(order)}
    return sorted(graph.edges(data=True), key=lambda e: (position[e[0]], position[e[1]]))


# ---------------------------------------------------------------- Graphviz
def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: nx.DiGraph, goals: Cascade | None = None) -> str:
    """The graph in Graphviz's DOT language; render it with ``dot -Tsvg``."""
    order = ordered(graph)
    out = [
        f"digraph {_dot_quote(graph.graph.get('title', 'playbook'))} {{",
        "  graph [rankdir=LR, fontname=Helvetica, labelloc=t, "
        f"label={_dot_quote(graph.graph.get('title', ''))}];",
        '  node [fontname=Helvetica, fontsize=10, style="filled"];',
        "  edge [fontname=Helvetica, fontsize=8];",
    ]
    for node in order:
        shape, fill = _STYLE.get(graph.nodes[node]["kind"], ("box", "#ffffff"))
        label = _dot_quote("\n".join(labels(graph, node, goals)))
        out.append(f'  {_dot_quote(node)} [label={label}, shape={shape}, fillcolor="{fill}"];')
    for source, target, attrs in edges(graph, order):
        style, colour, shown = _EDGE.get(attrs["kind"], ("solid", "#555555", True))
        text = f", label={_dot_quote(_edge_label(attrs))}" if shown else ""
        out.append(
            f'  {_dot_quote(source)} -> {_dot_quote(target)} [style={style}, color="{colour}"'
            f"{text}];"
        )
    out.append("}")
    return "\n".join(out) + "\n"


def _edge_label(attrs: dict[str, Any]) -> str:
    return attrs.get("letter") or attrs["kind"]


# ---------------------------------------------------------------- Mermaid
def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for what Mermaid would read itself."""
    text = text.replace("#", "#35;").replace("&", "#amp;")
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


_ARROW = {"feeds": "==>", "measured-by": "-.->", "raci": "-.->", "owns": "-.->"}


def to_mermaid(graph: nx.DiGraph, goals: Cascade | None = None) -> str:
    """The graph as a Mermaid flowchart, for Markdown pages that render Mermaid."""
    order = ordered(graph)
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    out = ["flowchart LR"]
    for node in order:
        text = "<br/>".join(_mermaid_text(line) for line in labels(graph, node, goals))
        out.append(f'  {ids[node]}["{text}"]')
    for source, target, attrs in edges(graph, order):
        arrow = _ARROW.get(attrs["kind"], "-->")
        shown = _EDGE.get(attrs["kind"], ("", "", True))[2]
        text = f'|"{_mermaid_text(_edge_label(attrs))}"|' if shown else ""
        out.append(f"  {ids[source]} {arrow}{text} {ids[target]}")
    kinds = {graph.nodes[n]["kind"] for n in order}
    for kind in (k for k in NODE_KINDS if k in kinds):
        fill = _STYLE[kind][1]
        members = ",".join(ids[n] for n in order if graph.nodes[n]["kind"] == kind)
        out.append(f"  classDef {kind} fill:{fill},stroke:#666666")
        out.append(f"  class {members} {kind}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- JSON
def node_link(graph: nx.DiGraph, goals: Cascade | None = None) -> dict[str, Any]:
    """The graph as node-link data (``networkx.node_link_graph(data, edges="edges")`` reads it)."""
    import networkx as nx

    clean = nx.DiGraph(**{k: v for k, v in graph.graph.items()})
    order = ordered(graph)
    for node in order:
        attrs = graph.nodes[node]
        data = {k: attrs[k] for k in ("kind", "name", "title")}
        data["span"] = attrs["span"].label() if attrs["span"] is not None else None
        if attrs["kind"] == "goal" and goals is not None and attrs["name"] in goals.goals:
            data["targets"] = [
                {"metric": t.metric, "op": t.op, "value": t.shown, "how": t.how, "rule": t.rule}
                for t in goals.goals[attrs["name"]].targets
            ]
        clean.add_node(node, **data)
    for source, target, attrs in edges(graph, order):
        extra = {"letter": attrs["letter"]} if "letter" in attrs else {}
        span = attrs["span"].label() if attrs.get("span") is not None else None
        clean.add_edge(source, target, kind=attrs["kind"], span=span, **extra)
    return nx.node_link_data(clean, edges="edges")


def to_json(graph: nx.DiGraph, goals: Cascade | None = None) -> str:
    return json.dumps(node_link(graph, goals), ensure_ascii=False, indent=2) + "\n"


RENDER = {"dot": to_dot, "mermaid": to_mermaid, "json": to_json}
