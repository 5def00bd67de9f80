"""Impact analysis: the definitions two versions of a playbook differ in, and what they reach."""

from __future__ import annotations

from pathlib import Path

from abmdsl.api import compile_text
from abmdsl.graph.impact import Impact, impact

SEED = (Path(__file__).resolve().parents[2] / "playbooks" / "pharma_pilot.abm").read_text(
    encoding="utf-8"
)


def compare(old: str, new: str) -> Impact:
    before, after = compile_text(old, "old.abm"), compile_text(new, "new.abm")
    assert before.playbook is not None and after.playbook is not None, after.diagnostics
    return impact(before.playbook, after.playbook)


def changed(result: Impact) -> list[tuple[str, str]]:
    return [(c.node, c.how) for c in result.changed]


def edit(old: str, new: str, count: int = 1) -> str:
    assert old in SEED, old
    return SEED.replace(old, new, count)


def test_the_same_playbook_changes_nothing() -> None:
    result = compare(SEED, SEED)
    assert result.changed == () and result.affected == ()


def test_layout_comments_and_order_of_definitions_change_nothing() -> None:
    moved = edit("# Figures are the seed's", "\n\n# Moved around. Figures are the seed's")
    kpi = 'kpi pipeline "Opportunities opened" =\n  count(activities where type = "opportunity")\n'
    moved = moved.replace(kpi + "  target >= 6\n", "") + "\n" + kpi + "    target >= 6\n"
    assert compare(SEED, moved).changed == ()


def test_a_criterion_reaches_every_tier_the_cadence_and_the_simulation() -> None:
    result = compare(
        SEED, edit("weight 20% = info_openness", "weight 20% = clamp(info_openness, 2, 5)")
    )
    assert changed(result) == [("criterion:potential.openness", "changed")]
    assert result.names("tier") == ["tailored", "cluster", "bulk"]
    assert result.names("clusters") == ["cluster"]
    assert result.names("cadence") == ["executive_warmup"]
    assert result.names("simulation") == ["simulation"]
    assert result.names("kpi") == [] and result.names("verdict") == []
    assert result.affected[0].because == ("criterion:potential.openness",)


def test_a_later_tier_does_not_reach_the_tiers_before_it() -> None:
    result = compare(SEED, edit("budget 300 USD per account", "budget 350 USD per account"))
    assert changed(result) == [("tier:cluster", "changed")]
    assert result.names("tier") == ["cluster", "bulk"]


def test_moving_a_tier_changes_it_and_those_after_it() -> None:
    head = 'playbook "P" { horizon 90 days }\naccounts { key id: text  fit: int 1..5 }\n'
    top, low = "tier top when fit >= 4\n", "tier low when fit <= 2\n"
    rest = "tier rest otherwise\n"
    result = compare(head + top + low + rest, head + low + top + rest)
    assert changed(result) == [
        ("tier:low", "changed"),
        ("tier:rest", "changed"),
        ("tier:top", "changed"),
    ]
    assert result.names("tier") == ["low", "top", "rest"]


def test_a_tier_added_first_changes_the_one_it_now_precedes() -> None:
    vip = "tier vip when attractiveness >= 5 and potential >= 5\n\n"
    result = compare(SEED, edit("tier tailored", vip + "tier tailored"))
    assert changed(result) == [("tier:tailored", "changed"), ("tier:vip", "added")]
    assert result.names("tier") == ["vip", "tailored", "cluster", "bulk"]


def test_a_kpi_target_reaches_its_goal_the_verdict_and_the_simulation() -> None:
    result = compare(SEED, edit("  target >= 4\n  warn >= 2", "  target >= 5\n  warn >= 2"))
    assert changed(result) == [("kpi:tender_invitations", "changed")]
    assert result.names("kpi") == ["tender_invitations"]
    assert result.names("verdict") == ["verdict"]
    assert result.names("goal") == ["new_clients", "pharma_growth"]
    assert result.names("tier") == []


def test_a_simulation_assumption_reaches_only_the_simulation() -> None:
    result = compare(SEED, edit("reply linkedin 5%", "reply linkedin 7%"))
    assert changed(result) == [("assumption:reply linkedin", "changed")]
    assert [a.node for a in result.affected] == ["simulation"]


def test_added_and_removed_definitions() -> None:
    kpi = 'kpi pipeline "Opportunities opened" =\n  count(activities where type = "opportunity")\n'
    kpi += "  target >= 6\n"
    new = edit(kpi, kpi.replace("pipeline", "opportunities"))
    result = compare(SEED, new)
    assert changed(result) == [("kpi:opportunities", "added"), ("kpi:pipeline", "removed")]
    assert result.names("kpi") == ["opportunities"]


def test_removed_definitions_reach_what_used_them() -> None:
    old = SEED.replace("cost_per_opportunity or cadence_conversion", "cost_per_opportunity")
    result = compare(old, SEED)  # `cadence_conversion` joins the verdict
    assert ("verdict", "changed") in changed(result)
    back = compare(SEED, old)
    assert back.names("verdict") == ["verdict"]


def test_the_start_date_reaches_the_plan_and_the_cadences() -> None:
    result = compare(SEED, edit("start 2027-01-11", "start 2027-02-01"))
    assert changed(result) == [("settings", "changed")]
    assert result.names("cadence") == ["executive_warmup"]
    assert result.names("tier") == []


def test_impact_as_data() -> None:
    result = compare(
        SEED, edit("when attractiveness >= 4 and potential >= 4", "when attractiveness >= 4")
    )
    data = result.as_dict()
    assert data["changed"] == [
        {"node": "tier:tailored", "kind": "tier", "name": "tailored", "how": "changed"}
    ]
    assert [a["kind"] for a in data["affected"]] == [
        "tier", "tier", "tier", "clusters", "cadence", "simulation"
    ]  # fmt: skip
    assert data["affected"][0] == {
        "node": "tier:tailored",
        "kind": "tier",
        "name": "tailored",
        "because": ["tier:tailored"],
    }
