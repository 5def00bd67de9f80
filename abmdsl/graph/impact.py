"""Impact analysis: what changed between two versions of a playbook, and what it affects.

Input: two checked playbooks, the old and the new. Output: an :class:`Impact`: the definitions
added, removed or changed (compared by what they say, not where: moving a block or
reformatting it changes nothing), and every output downstream of them in the graph: tiers,
clusters, cadences, KPIs, the verdict, goals and the simulation. `abm diff` builds on it.

A tier's place in the list is part of what it says (the first tier whose condition holds
takes the account): a tier that now comes after another tier than before has changed, and
every tier after it is affected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..ir import Playbook
from .build import graph_of

if TYPE_CHECKING:
    import networkx as nx

OUTPUTS = ("tier", "clusters", "cadence", "kpi", "verdict", "goal", "simulation")
"""The kinds of node that are outputs of a playbook, in the order an impact lists them."""


@dataclass(frozen=True)
class Change:
    """A definition that is new, gone, or says something else: ``how`` is added, removed or
    changed."""

    node: str
    kind: str
    name: str
    how: str


@dataclass(frozen=True)
class Affected:
    """An output a change reaches, and the changes that reach it (node ids, sorted)."""

    node: str
    kind: str
    name: str
    because: tuple[str, ...]


@dataclass(frozen=True)
class Impact:
    changed: tuple[Change, ...]
    affected: tuple[Affected, ...]

    def names(self, kind: str) -> list[str]:
        """The names of the affected outputs of one kind, e.g. ``impact.names("tier")``."""
        return [a.name for a in self.affected if a.kind == kind]

    def as_dict(self) -> dict[str, Any]:
        return {
            "changed": [vars(c) for c in self.changed],
            "affected": [{**vars(a), "because": list(a.because)} for a in self.affected],
        }


def impact(old: Playbook, new: Playbook) -> Impact:
    """The definitions that differ between ``old`` and ``new`` and the outputs they affect.

    >>> from abmdsl.api import compile_file, compile_text
    >>> from pathlib import Path
    >>> text = Path("playbooks/pharma_pilot.abm").read_text(encoding="utf-8")
    >>> old = compile_text(text).playbook
    >>> new = compile_text(text.replace("weight 20% = info_openness",
    ...                                 "weight 20% = clamp(info_openness, 2, 5)")).playbook
    >>> result = impact(old, new)
    >>> [c.node for c in result.changed]
    ['criterion:potential.openness']
    >>> result.names("tier"), result.names("cadence")
    (['tailored', 'cluster', 'bulk'], ['executive_warmup'])
    """
    before, after = graph_of(old), graph_of(new)
    changed = _changes(before, after)
    reached: dict[str, set[str]] = {}
    for change in changed:
        graph = before if change.how == "removed" else after
        for node in _downstream(graph, change.node):
            if node in after and after.nodes[node]["kind"] in OUTPUTS:
                reached.setdefault(node, set()).add(change.node)
    rank = {kind: i for i, kind in enumerate(OUTPUTS)}
    order = {n: i for i, n in enumerate(after.nodes)}
    affected = sorted(reached, key=lambda n: (rank[after.nodes[n]["kind"]], order[n]))
    return Impact(
        tuple(changed),
        tuple(
            Affected(n, after.nodes[n]["kind"], after.nodes[n]["name"], tuple(sorted(reached[n])))
            for n in affected
        ),
    )


def _downstream(graph: nx.DiGraph, node: str) -> Iterable[str]:
    import networkx as nx

    return [node, *nx.descendants(graph, node)]


def _changes(before: nx.DiGraph, after: nx.DiGraph) -> list[Change]:
    out: list[Change] = []
    old_ranks, new_ranks = _tier_ranks(before), _tier_ranks(after)
    for node in after:
        if node not in before:
            out.append(_change(after, node, "added"))
        elif _says(before, node, old_ranks) != _says(after, node, new_ranks):
            out.append(_change(after, node, "changed"))
    out += [_change(before, node, "removed") for node in before if node not in after]
    return sorted(out, key=lambda c: c.node)


def _change(graph: nx.DiGraph, node: str, how: str) -> Change:
    attrs = graph.nodes[node]
    return Change(node, attrs["kind"], attrs["name"], how)


def _says(graph: nx.DiGraph, node: str, ranks: dict[str, str | None]) -> object:
    """What a definition says, without where it says it: its IR with spans left out.

    Parts that have nodes of their own (a score's criteria, a cadence's steps) are left out
    too, so that a change to one criterion is that criterion's change, not also its score's.
    """
    attrs = graph.nodes[node]
    kind, ir = attrs["kind"], attrs["ir"]
    if kind == "tier":
        return _dump(ir, exclude={"grouping"}), ranks[node]  # the tier before it
    if kind == "score":
        return _dump(ir, exclude={"criteria"}), [c.name for c in ir.criteria]
    if kind == "cadence":
        return _dump(ir, exclude={"steps"}), [s.touch for s in ir.steps]
    if kind == "settings":
        return _dump(ir, include=_SETTINGS)
    if kind == "simulation":
        return _dump(ir, include={"runs", "seed"})
    if kind == "role":
        return attrs.get("declared")
    return _dump(ir) if isinstance(ir, BaseModel) else ir


_SETTINGS = {"title", "start", "horizon_days", "calendar", "currency", "holidays", "workdays"}


def _tier_ranks(graph: nx.DiGraph) -> dict[str, str | None]:
    """Each tier → the tier just before it (``None`` for the first)."""
    tiers = [n for n, a in graph.nodes(data=True) if a["kind"] == "tier"]
    return dict(zip(tiers, [None, *tiers[:-1]], strict=True))


def _dump(ir: BaseModel, **options: Any) -> dict[str, Any]:
    return ir.model_dump(**options)
