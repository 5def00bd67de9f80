"""Tier order: unreachable tiers (ABM208), `otherwise` (ABM209, ABM210), tier bounds (ABM211)."""

from __future__ import annotations

from abmdsl.api import compile_text
from abmdsl.diagnostics import Diagnostic

PRELUDE = """\
playbook "P" { horizon 90 days }
accounts {
  key account_id: text
  has_budget: bool
  insider: bool optional
  case_studies: int 0..5
  revenue: number optional
}
score fit scale 1..5 { cases weight 100% = clamp(case_studies, 1, 5) }
"""


def check(tiers: str) -> list[Diagnostic]:
    return compile_text(PRELUDE + tiers, "p.abm").diagnostics


def unreachable(tiers: str) -> list[tuple[str, str | None]]:
    """(message, note) of each ABM208."""
    return [
        (d.message, d.notes[0][0] if d.notes else None) for d in check(tiers) if d.code == "ABM208"
    ]


def test_a_range_condition_hides_a_narrower_tier_after_it() -> None:
    found = unreachable("tier wide when fit in 3..5\ntier top when fit >= 4\ntier rest otherwise\n")
    assert found == [
        (
            "`top` is never reached: every account it admits is taken by `wide` first",
            "`wide` is tried first",
        )
    ]


def test_a_yes_no_field_alone_is_a_condition_the_checker_reads() -> None:
    tiers = "tier funded when has_budget\ntier funded_fit when has_budget and fit >= 4\n"
    assert [m for m, _ in unreachable(tiers + "tier rest otherwise\n")] == [
        "`funded_fit` is never reached: every account it admits is taken by `funded` first"
    ]
    # `not has_budget` is the other half of the accounts, so it is reachable.
    assert (
        unreachable("tier a when has_budget\ntier b when not has_budget\ntier r otherwise\n") == []
    )
    # `has_budget = true` says the same as `has_budget`.
    assert unreachable(
        "tier a when has_budget = true\ntier b when has_budget\ntier r otherwise\n"
    ) == [
        (
            "`b` is never reached: every account it admits is taken by `a` first",
            "`a` is tried first",
        )
    ]


def test_a_tier_that_takes_every_account_hides_all_later_ones() -> None:
    found = unreachable(
        "tier all when fit >= 1\ntier top when case_studies > 3\ntier rest otherwise\n"
    )
    assert [m for m, _ in found] == [
        "`top` is never reached: every account it admits is taken by `all` first",
        "`rest` is never reached: every account it admits is taken by `all` first",
    ]
    # ... and then no `otherwise` is missing: the last tier already takes everyone.
    assert "ABM209" not in {d.code for d in check("tier a when fit > 3\ntier all when fit >= 1\n")}


def test_optional_fields_are_not_assumed_present() -> None:
    # `revenue` may be missing, and a missing value meets no comparison: `rest` is reachable.
    tiers = "tier any when revenue >= 0\ntier rest when has_budget\ntier other otherwise\n"
    assert unreachable(tiers) == []


def test_a_condition_outside_the_declared_range_is_never_met() -> None:
    [d] = [d for d in check("tier top when fit > 5\ntier rest otherwise\n") if d.code == "ABM208"]
    assert d.message == "no account can ever meet the condition of `top`"
    assert d.hint is not None and "`fit` always lies within 1..5" in d.hint
    [d] = [d for d in check("tier odd when fit > 4 and fit < 2\ntier r otherwise\n")]
    assert d.hint == "the parts of the condition on `fit` contradict each other"


def test_a_capacity_lets_the_overflow_reach_later_tiers() -> None:
    tiers = (
        "tier top when fit >= 3 { at most 5 accounts }\ntier next when fit >= 4\ntier r otherwise\n"
    )
    assert unreachable(tiers) == []


def test_a_misplaced_otherwise_is_reported_once() -> None:
    # ABM210 says it all: `top` is also unreachable, but that follows from the misplacement.
    codes = [d.code for d in check("tier rest otherwise\ntier top when fit >= 4\n")]
    assert codes == ["ABM210"]


def test_conditions_the_checker_cannot_read_are_left_alone() -> None:
    tiers = "tier a when fit >= 4 or has_budget\ntier b when fit >= 4\ntier r otherwise\n"
    assert unreachable(tiers) == []


def test_capacity_must_hold_the_smallest_grouping() -> None:
    tiers = (
        "tier cluster when fit >= 3 {\n  at most 10 accounts\n"
        "  group by has_budget into 2..3 clusters of 8..15 accounts\n}\ntier r otherwise\n"
    )
    [d] = [d for d in check(tiers) if d.code == "ABM211"]
    assert d.message == (
        "`cluster` holds at most 10 accounts, but 2 clusters of at least 8 need 16"
    )
    assert d.notes[0][0] == "the capacity is set here"


def test_cluster_ranges_must_run_upwards_from_one() -> None:
    def messages(clusters: str) -> list[str]:
        tiers = f"tier c when fit >= 3 {{ group by has_budget into {clusters} clusters }}\n"
        return [d.message for d in check(tiers + "tier r otherwise\n") if d.code == "ABM211"]

    assert messages("3..2") == ["3..2 clusters runs backwards: the low end is above the high end"]
    assert messages("0..2") == ["0..2 clusters allows none at all; the range starts at 1 or more"]
    assert messages("2..3") == []
