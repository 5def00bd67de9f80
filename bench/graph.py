"""Benchmark of the goal/decision graph: build it and check it for a 2,000-definition playbook.

Usage::

    .venv/bin/python bench/graph.py            # full run; rewrites its section of the doc
    .venv/bin/python bench/graph.py --quick    # a small smoke run; prints, writes nothing

What is measured (docs/performance.md, "The goal/decision graph"): a playbook written by
``bench/generate.py`` with at least 2,000 definitions (scores, tiers, goals, cadences, KPIs,
baselines) is compiled once, untimed; then, best of N rounds, the graph is built from its IR
(:func:`abmdsl.graph.build_graph`) and checked the way `abm check` checks it: circles, the
goal cascade with its reachability checks, unused definitions, and an evaluation order.
The goal: under 0.5 s for building and checking together.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
from collections.abc import Sequence
from pathlib import Path

from generate import realistic_playbook
from timing import best

from abmdsl.api import compile_text
from abmdsl.graph.build import build_graph
from abmdsl.graph.cascade import check_cascade
from abmdsl.graph.checks import cycles, evaluation_order, unused
from abmdsl.ir import Playbook

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- graph-bench:start -->", "<!-- graph-bench:end -->"
GOAL = 0.5
LINES_PER_DEFINITION = 7.3  # what bench/generate.py writes, measured


def definitions(playbook: Playbook) -> int:
    """Named definitions: scores, tiers, goals, cadences, KPIs and baselines."""
    parts = (playbook.scores, playbook.tiers, playbook.goals, playbook.cadences)
    return sum(map(len, parts)) + len(playbook.kpis) + len(playbook.baselines)


def playbook_with(wanted: int) -> tuple[Playbook, int]:
    """A clean generated playbook with at least ``wanted`` definitions, and its line count."""
    lines = int(wanted * LINES_PER_DEFINITION)
    while True:
        text = realistic_playbook(lines)
        compiled = compile_text(text)
        assert compiled.ok and compiled.playbook is not None, compiled.diagnostics[:3]
        if definitions(compiled.playbook) >= wanted:
            return compiled.playbook, len(text.splitlines())
        lines = int(lines * 1.1)


def measure(wanted: int, runs: int) -> str:
    playbook, lines = playbook_with(wanted)
    graph = build_graph(playbook)  # untimed: imports networkx, warms caches

    def check() -> None:
        cycles(graph)
        check_cascade(playbook, graph)
        unused(graph)
        evaluation_order(graph)

    def both() -> None:
        nonlocal graph
        graph = build_graph(playbook)
        check()

    built = best(lambda: build_graph(playbook), runs)
    checked, total = best(check, runs), best(both, runs)
    met = "yes" if total < GOAL else "no"
    rows = [
        "| what | time | goal | met |",
        "|---|---:|---|---|",
        f"| build the graph | {built:.3f} s |  |  |",
        f"| check it: circles, goal cascade, unused, evaluation order | {checked:.3f} s |  |  |",
        f"| build and check | {total:.3f} s | < {GOAL} s | {met} |",
    ]
    head = (
        f"Measured {dt.date.today().isoformat()} on {platform.processor() or platform.machine()}; "
        f"Python {platform.python_version()}. A generated playbook of {lines:,} lines with "
        f"{definitions(playbook):,} definitions: a graph of {graph.number_of_nodes():,} nodes and "
        f"{graph.number_of_edges():,} edges. Best of {runs} runs."
    )
    return "\n".join([head, "", *rows])


def write_doc(figures: str, doc: Path = DOC) -> None:
    """Replace the figures between this benchmark's markers, leaving the rest of the page."""
    text = doc.read_text(encoding="utf-8")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    doc.write_text(f"{before}{START}\n{figures}\n{END}{after}", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run; writes nothing")
    args = parser.parse_args(argv)
    figures = measure(200, 2) if args.quick else measure(2_000, 7)
    print(figures)
    if not args.quick:
        write_doc(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
