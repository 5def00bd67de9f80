"""The goal/decision graph: the checked playbook as a graph, and what is read off it.

Input: a checked :class:`abmdsl.ir.Playbook`. Output: a networkx ``DiGraph`` (:mod:`.build`)
and what every later stage reads off it: the evaluation order, circles and unused definitions
(:mod:`.checks`), the goal cascade (:mod:`.cascade`, :mod:`.reach`, :mod:`.tree`), pictures
(:mod:`.export`) and the impact of a change (:mod:`.impact`). docs/graph.md describes it.
networkx is imported only when a graph is built, so that ``abm --version`` starts fast.
"""

from .build import EDGE_KINDS, NODE_KINDS, build_graph, graph_of
from .cascade import Cascade, cascade
from .checks import evaluation_order
from .export import focus, to_dot, to_json, to_mermaid
from .impact import Impact, impact

__all__ = [
    "EDGE_KINDS",
    "NODE_KINDS",
    "Cascade",
    "Impact",
    "build_graph",
    "cascade",
    "evaluation_order",
    "focus",
    "graph_of",
    "impact",
    "to_dot",
    "to_json",
    "to_mermaid",
]
