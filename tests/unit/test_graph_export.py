"""`abm graph`: DOT rendered by Graphviz, Mermaid parsed by Mermaid, JSON read back by networkx.

The real tools judge the pictures: Graphviz's `dot` (Debian's `graphviz`) and Mermaid's own
parser, the `mermaid` npm package run in Node by ``tests/mermaid/parse.mjs`` (installed with
``npm ci`` in ``tests/mermaid/``). `.ci/run` installs both. Elsewhere, a missing tool skips
its tests; in CI (``CI`` set) it fails them, so a missing install step cannot pass unseen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest

from abmdsl.api import compile_file, compile_text
from abmdsl.cli import main
from abmdsl.graph import graph_of
from abmdsl.graph.cascade import cascade
from abmdsl.graph.export import focus, node_link, to_dot, to_json, to_mermaid

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = sorted((ROOT / "playbooks").glob("*.abm"))
SEED = ROOT / "playbooks" / "pharma_pilot.abm"
MERMAID = ROOT / "tests" / "mermaid"

# Titles with every character the two languages treat specially, in three scripts.
AWKWARD = """playbook "Quotes \\"x\\" <b>&amp;</b> # ; { } [ ] | back\\\\slash" { horizon 90 days }
accounts { key id: text  fit: int 1..5 }
score s "A \\"quoted\\" <score> & co #1; [x] {y} |z| end" scale 1..5 {
  c "граф → «ok»" weight 100% = fit
}
tier end "end" when s >= 4
tier rest "subgraph" otherwise
goal g "Rośnij: 50% & więcej" { target contracts >= 2 via tenders at 50%  measured by tenders }
activities { key activity_id: text  account_id: text references accounts  type: text }
kpi tenders "Tenders <b>" = count(activities where type = "tender_invitation")  target >= 4
verdict "pass \\"it\\"" pass when tenders
"""


def _need(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(why + " (.ci/run installs it)")
    pytest.skip(why)


def graphs() -> list[tuple[str, nx.DiGraph, object]]:
    out = []
    for path in PLAYBOOKS:
        playbook = compile_file(path).playbook
        assert playbook is not None
        out.append((path.stem, graph_of(playbook), cascade(playbook)))
    awkward = compile_text(AWKWARD, "awkward.abm")
    assert awkward.ok, awkward.diagnostics
    assert awkward.playbook is not None
    out.append(("awkward", graph_of(awkward.playbook), cascade(awkward.playbook)))
    pharma = next(g for name, g, _ in out if name == "pharma_pilot")
    goals = next(c for name, _, c in out if name == "pharma_pilot")
    out.append(("focus-goal", focus(pharma, "pharma_growth"), goals))
    out.append(("focus-tier", focus(pharma, "cluster"), goals))
    return out


GRAPHS = graphs()


# ---------------------------------------------------------------- Graphviz
def _dot(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["dot", "-Tsvg", str(path), "-o", str(path.with_suffix(".svg"))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_graphviz_renders_every_dot_graph(tmp_path: Path) -> None:
    _need(shutil.which("dot") is not None, "Graphviz's `dot` is not installed")
    for name, graph, goals in GRAPHS:
        path = tmp_path / f"{name}.dot"
        path.write_text(to_dot(graph, goals), encoding="utf-8")  # type: ignore[arg-type]
        done = _dot(path)
        assert done.returncode == 0 and done.stderr == "", f"{name}: {done.stderr}"
        svg = path.with_suffix(".svg").read_text(encoding="utf-8")
        assert svg.count('class="node"') == graph.number_of_nodes(), name
        assert svg.count('class="edge"') == graph.number_of_edges(), name


def test_graphviz_refuses_a_broken_dot_file(tmp_path: Path) -> None:
    _need(shutil.which("dot") is not None, "Graphviz's `dot` is not installed")
    path = tmp_path / "broken.dot"
    path.write_text(to_dot(GRAPHS[0][1]).replace(" -> ", " -> -> ", 1), encoding="utf-8")
    assert _dot(path).returncode != 0


# ---------------------------------------------------------------- Mermaid
def _mermaid(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(MERMAID / "parse.mjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _mermaid_ready() -> None:
    _need(shutil.which("node") is not None, "Node.js is not installed")
    _need(
        (MERMAID / "node_modules" / "mermaid").is_dir(),
        "Mermaid's parser is not installed: run `npm ci` in tests/mermaid",
    )


def test_mermaid_parses_every_mermaid_graph(tmp_path: Path) -> None:
    _mermaid_ready()
    paths = []
    for name, graph, goals in GRAPHS:
        path = tmp_path / f"{name}.mmd"
        path.write_text(to_mermaid(graph, goals), encoding="utf-8")  # type: ignore[arg-type]
        paths.append(path)
    done = _mermaid(*paths)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [f"{p}: ok flowchart-v2" for p in paths]


@pytest.mark.parametrize(
    "damage",
    [
        ("flowchart LR", "flowchart LR RL"),  # a direction Mermaid does not know
        ('"]', '"', 1),  # a label left open
        (" --> ", " --> --> ", 1),  # an arrow to nowhere
    ],
    ids=["direction", "open-label", "arrow"],
)
def test_mermaid_refuses_a_broken_diagram(tmp_path: Path, damage: tuple) -> None:  # type: ignore[type-arg]
    _mermaid_ready()
    text = to_mermaid(GRAPHS[0][1])
    broken = text.replace(*damage)
    assert broken != text
    path = tmp_path / "broken.mmd"
    path.write_text(broken, encoding="utf-8")
    done = _mermaid(path)
    assert done.returncode == 1 and "ok" not in done.stdout.split(":", 1)[1], done.stdout


def test_mermaid_labels_escape_what_mermaid_would_read() -> None:
    text = to_mermaid(GRAPHS[-3][1])  # the awkward playbook
    assert '\\"' not in text and "<b>" not in text
    assert "#quot;quoted#quot;" in text and "#lt;score#gt;" in text and "#35;1" in text


# ---------------------------------------------------------------- JSON
@pytest.mark.parametrize("case", GRAPHS, ids=lambda c: c[0])
def test_json_is_node_link_data_networkx_reads_back(case: tuple) -> None:  # type: ignore[type-arg]
    _, graph, goals = case
    data = json.loads(to_json(graph, goals))
    back = nx.node_link_graph(data, edges="edges")
    assert back.is_directed() and not back.is_multigraph()
    assert set(back.nodes) == set(graph.nodes)
    assert set(back.edges) == set(graph.edges)
    for node, attrs in back.nodes(data=True):
        assert attrs["kind"] == graph.nodes[node]["kind"]
        assert attrs["name"] == graph.nodes[node]["name"]
    for u, v, attrs in back.edges(data=True):
        assert attrs["kind"] == graph.edges[u, v]["kind"]


def test_json_carries_spans_and_the_goals_targets() -> None:
    playbook = compile_file(SEED).playbook
    assert playbook is not None
    data = node_link(graph_of(playbook), cascade(playbook))
    goal = next(n for n in data["nodes"] if n["id"] == "goal:new_clients")
    assert goal["span"].endswith("pharma_pilot.abm:78:8")
    assert {"metric": "tender_invitations", "op": ">=", "value": "4", "how": "conversion",
            "rule": "2 ÷ 50%, rounded up"} in goal["targets"]  # fmt: skip
    assert data["graph"] == {"title": "Pharma pilot 2027", "horizon_days": 90}


# ---------------------------------------------------------------- focus
def test_focus_keeps_one_goal_and_what_it_depends_on() -> None:
    pharma = next(g for name, g, _ in GRAPHS if name == "pharma_pilot")
    part = focus(pharma, "pharma_growth")
    assert sorted(part) == [
        "field:activities.level",
        "field:activities.type",
        "goal:expansion",
        "goal:new_clients",
        "goal:pharma_growth",
        "kpi:engagement",
        "kpi:tender_invitations",
    ]


def test_focus_on_a_tier_includes_the_tiers_before_it() -> None:
    pharma = next(g for name, g, _ in GRAPHS if name == "pharma_pilot")
    part = focus(pharma, "cluster")
    assert {"tier:tailored", "score:attractiveness", "field:accounts.insider"} <= set(part)
    assert "cadence:executive_warmup" not in part and "clusters:cluster" not in part


def run(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_abm_graph_prints_or_writes_each_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run("graph", str(SEED), "--format", "mermaid", "--focus", "tailored",
                       capsys=capsys)  # fmt: skip
    assert code == 0 and out.startswith("flowchart LR\n")
    code, out, _ = run("graph", str(SEED), capsys=capsys)
    assert code == 0 and out.startswith('digraph "Pharma pilot 2027" {')
    target = tmp_path / "graph.json"
    code, out, err = run("graph", str(SEED), "--format", "json", "-o", str(target), capsys=capsys)
    assert code == 0 and out == "" and "wrote the graph (85 nodes)" in err
    assert json.loads(target.read_text(encoding="utf-8"))["directed"] is True


def test_abm_graph_names_the_goals_and_tiers_when_the_focus_is_unknown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run("graph", str(SEED), "--focus", "tailord", capsys=capsys)
    assert code == 2
    assert "nothing is called `tailord`" in err and "tailored" in err


def test_the_same_playbook_gives_the_same_picture() -> None:
    first = compile_file(SEED).playbook
    second = compile_file(SEED).playbook
    assert first is not None and second is not None
    for render in (to_dot, to_mermaid, to_json):
        assert render(graph_of(first), cascade(first)) == render(graph_of(second), cascade(second))
