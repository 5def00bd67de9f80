"""The goal/decision graph: its nodes and edges, evaluation order, circles, unused definitions."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

import abmdsl.graph.build as build
from abmdsl.api import compile_file, compile_text
from abmdsl.check import STAGES
from abmdsl.graph import EDGE_KINDS, NODE_KINDS, build_graph, graph_of
from abmdsl.graph.checks import cycles, evaluation_order

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "playbooks" / "pharma_pilot.abm"
PLAYBOOKS = sorted((ROOT / "playbooks").glob("*.abm"))


@pytest.fixture(scope="module")
def seed() -> nx.DiGraph:
    compiled = compile_file(SEED)
    assert compiled.playbook is not None
    return graph_of(compiled.playbook)


def kinds_of(graph: nx.DiGraph, source: str, target: str) -> str:
    return graph.edges[source, target]["kind"]


def test_the_seed_has_a_node_of_every_kind_and_an_edge_of_every_kind(seed: nx.DiGraph) -> None:
    # The seed measures engagement by a KPI of its own; engagement scores have a test below.
    assert {a["kind"] for _, a in seed.nodes(data=True)} == set(NODE_KINDS) - {"engagement"}
    assert {a["kind"] for *_, a in seed.edges(data=True)} == set(EDGE_KINDS)


def test_an_engagement_score_is_fed_by_what_it_reads_and_feeds_the_kpis_reading_it() -> None:
    text = (ROOT / "docs" / "language" / "engagement.md").read_text(encoding="utf-8")
    source = text.split("```abm\n", 1)[1].split("```", 1)[0]
    compiled = compile_text(source, "engagement.abm")
    assert compiled.ok and compiled.playbook is not None
    graph = graph_of(compiled.playbook)
    node = "engagement:attention"
    assert graph.nodes[node]["kind"] == "engagement"
    assert {s for s, _ in graph.in_edges(node)} == {
        "field:activities.type",
        "field:activities.channel",
        "field:activities.contact_id",
        "field:activities.on",  # `within` and `decay` count the activity's age
        "field:activities.level",
        "field:contacts.role",
        "tier:tailored",
    }
    assert {t for _, t in graph.out_edges(node)} == {"kpi:attentive", "kpi:mean_attention"}
    assert kinds_of(graph, node, "kpi:attentive") == "depends-on"
    assert nx.is_directed_acyclic_graph(graph)


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.name)
def test_a_checked_playbook_has_no_circle(path: Path) -> None:
    compiled = compile_file(path)
    assert compiled.playbook is not None
    assert nx.is_directed_acyclic_graph(graph_of(compiled.playbook))


def test_edges_point_from_what_is_needed_to_what_needs_it(seed: nx.DiGraph) -> None:
    assert kinds_of(seed, "field:accounts.has_budget", "criterion:attractiveness.budget") == (
        "depends-on"
    )
    assert kinds_of(seed, "criterion:attractiveness.budget", "score:attractiveness") == "feeds"
    assert kinds_of(seed, "score:potential", "tier:tailored") == "depends-on"
    assert kinds_of(seed, "tier:tailored", "tier:cluster") == "depends-on"  # first match wins
    assert kinds_of(seed, "tier:cluster", "clusters:cluster") == "feeds"
    assert kinds_of(seed, "field:accounts.industry", "clusters:cluster") == "depends-on"
    assert kinds_of(seed, "tier:tailored", "cadence:executive_warmup") == "assigned-cadence"
    assert kinds_of(seed, "step:executive_warmup.7", "cadence:executive_warmup") == "feeds"
    assert kinds_of(seed, "step:executive_warmup.1", "step:executive_warmup.7") == "depends-on"
    assert kinds_of(seed, "role:bdr", "step:executive_warmup.2") == "owns"
    assert kinds_of(seed, "stage:cadences", "cadence:executive_warmup") == "scheduled-in"
    assert kinds_of(seed, "role:sponsor", "stage:preparation") == "raci"
    assert seed.edges["role:sponsor", "stage:preparation"]["letter"] == "accountable"
    assert kinds_of(seed, "kpi:tender_invitations", "goal:new_clients") == "measured-by"
    assert kinds_of(seed, "goal:new_clients", "goal:pharma_growth") == "feeds"
    assert kinds_of(seed, "field:activities.type", "kpi:tender_invitations") == "depends-on"
    assert kinds_of(seed, "baseline:inbound_cost_per_opportunity", "kpi:cost_per_opportunity") == (
        "compared-with"
    )
    assert kinds_of(seed, "kpi:engagement", "verdict") == "depends-on"
    assert kinds_of(seed, "assumption:reply gift to c_level", "simulation") == "feeds"
    assert kinds_of(seed, "cadence:executive_warmup", "simulation") == "depends-on"


def test_nodes_keep_where_they_are_defined(seed: nx.DiGraph) -> None:
    span = seed.nodes["score:potential"]["span"]
    assert (Path(span.file).name, span.line, span.column) == ("pharma_pilot.abm", 51, 7)
    use = seed.edges["score:potential", "tier:tailored"]["span"]
    assert (use.line, use.column) == (57, 57)  # the first use: its condition, not its ranking


def test_fields_in_nested_aggregates_resolve_to_their_own_data_set(seed: nx.DiGraph) -> None:
    # share(accounts where count(activities where type = ... and level = ...) >= 1)
    assert set(seed.pred["kpi:engagement"]) == {"field:activities.type", "field:activities.level"}


def test_evaluation_order_puts_everything_after_what_it_needs(seed: nx.DiGraph) -> None:
    order = evaluation_order(seed)
    position = {node: i for i, node in enumerate(order)}
    assert all(position[u] < position[v] for u, v in seed.edges)
    assert evaluation_order(seed, {"kpi"}) == [
        "kpi:cadence_conversion",
        "kpi:cost_per_opportunity",
        "kpi:engagement",
        "kpi:pipeline",
        "kpi:tender_invitations",
    ]


def test_a_score_computed_from_another_comes_after_it() -> None:
    text = SEED.read_text(encoding="utf-8").replace(
        "weight 30% = if insider then 5 else 1", "weight 30% = attractiveness"
    )
    compiled = compile_text(text)
    assert compiled.ok, compiled.diagnostics
    assert compiled.playbook is not None
    order = evaluation_order(graph_of(compiled.playbook), {"score"})
    assert order == ["score:attractiveness", "score:potential"]


def test_the_graph_is_built_once_by_the_checker(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [name for name, _ in STAGES][-4:] == ["graph", "cycles", "goal cascade", "unused"]
    compiled = compile_file(SEED)
    assert compiled.playbook is not None

    def built_again(_: object) -> None:
        raise AssertionError("the checker's graph was not kept")

    monkeypatch.setattr(build, "build_graph", built_again)
    assert graph_of(compiled.playbook) is graph_of(compiled.playbook)


def test_an_unchecked_playbook_gets_its_graph_on_first_use() -> None:
    playbook = compile_file(SEED).playbook
    assert playbook is not None
    copy = playbook.model_copy()
    assert graph_of(copy) is graph_of(copy)
    assert nx.utils.graphs_equal(graph_of(copy), build_graph(playbook))


# ---------------------------------------------------------------- circles
def _errors(text: str, code: str) -> list[tuple[str, int, int, list[str]]]:
    compiled = compile_text(text, "p.abm")
    return [
        (d.message, d.span.line, d.span.column, [n for n, _ in d.notes])
        for d in compiled.diagnostics
        if d.code == code and d.span is not None
    ]


HEAD = """playbook "P" { horizon 90 days }
accounts { key id: text  fit: int 1..5 }
activities { key activity_id: text  account_id: text references accounts  type: text }
"""


def test_kpis_in_a_circle_are_named_in_order_with_a_note_at_each_step() -> None:
    text = HEAD + (
        'kpi a = count(activities where type = "x") + c\n'
        "kpi b = a * 2\n"
        "kpi c = b - 1\n"
        "tier all otherwise\n"
    )
    assert _errors(text, "ABM212") == [
        (
            "these KPIs depend on each other in a circle: `a` → `c` → `b` → `a`",
            5,
            9,
            ["`a` uses `c` here", "`c` uses `b` here", "`b` uses `a` here"],
        )
    ]


def test_a_circle_through_a_criterion_is_found_and_the_criterion_named() -> None:
    # The old check only followed scores named whole; `s.c` names one criterion of `s`.
    text = HEAD + (
        "score s scale 1..5 { c weight 50% = fit  d weight 50% = t.e }\n"
        "score t scale 1..5 { e weight 100% = s.c + s }\n"
        "tier top when s >= 4 and t >= 4\n"
        "tier rest otherwise\n"
    )
    found = _errors(text, "ABM212")
    assert [message for message, *_ in found] == [
        "these definitions depend on each other in a circle: `s` → `t.e` → `s`"
    ]


def test_a_definition_using_itself_is_a_circle_of_one() -> None:
    text = HEAD + "kpi a = a + 1\ntier all otherwise\n"
    assert _errors(text, "ABM212")[0][0] == "these KPIs depend on each other in a circle: `a` → `a`"


def test_a_clean_graph_has_no_circle(seed: nx.DiGraph) -> None:
    assert cycles(seed) == []


# ---------------------------------------------------------------- unused definitions
def test_unused_definitions_are_found_on_the_graph() -> None:
    text = HEAD + (
        "score s scale 1..5 { c weight 100% = fit }\n"
        "score lonely scale 1..5 { c weight 100% = fit }\n"
        "baseline old = 3\n"
        "cadence spare over 5 business days { touch 1 on day 1: email to c_level }\n"
        "plan { roles lead, idle  stage one week 1 { accountable lead } }\n"
        "tier top when s >= 4\n"
        "tier rest otherwise\n"
    )
    compiled = compile_text(text, "p.abm")
    unused = sorted(d.message for d in compiled.diagnostics if d.code == "ABM236")
    assert unused == [
        "the baseline `old` is never compared with",
        "the cadence `spare` is not given to any tier",
        "the role `idle` has nothing to do in the plan",
        "the score `lonely` is never used by a tier",
    ]


def test_a_misspelt_use_does_not_also_make_its_target_unused() -> None:
    text = HEAD + (
        "score potential scale 1..5 { c weight 100% = fit }\n"
        "tier top when potental >= 4\n"
        "tier rest otherwise\n"
    )
    codes = [d.code for d in compile_text(text).diagnostics]
    assert codes == ["ABM201"]


def test_steps_referring_to_each_other_are_left_to_abm230() -> None:
    text = HEAD + (
        "tier all otherwise { cadence c }\n"
        "cadence c over 10 business days {\n"
        "  touch 1 on day 1: email to c_level refers to touch 2\n"
        "  touch 2 on day 2: email to c_level refers to touch 1\n"
        "}\n"
    )
    assert [d.code for d in compile_text(text).diagnostics] == ["ABM230"]


def test_a_goal_named_like_its_parent_does_not_send_the_cascade_round_in_circles() -> None:
    text = HEAD + "tier all otherwise\ngoal a { goal a { }  goal b { } }\n"
    codes = [d.code for d in compile_text(text).diagnostics]
    assert codes == ["ABM202", "ABM301"]
