"""Definitions and their uses: cycles (ABM212), unused (ABM236), KPI references (ABM217, ABM232,
ABM234), types (ABM203, ABM205, ABM224, ABM245, ABM249) and examples (ABM229)."""

from __future__ import annotations

from abmdsl.api import compile_text
from abmdsl.diagnostics import Diagnostic

HEADER = 'playbook "P" { horizon 90 days  currency USD }\n'
ACCOUNTS = "accounts { key account_id: text  has_budget: bool  n: int 1..5  sector: enum(a, b) }\n"
ACTIVITIES = (
    "activities { key activity_id: text  type: enum(touch, meeting, opportunity)"
    "  cost: money optional }\n"
)


def check(text: str) -> list[Diagnostic]:
    return compile_text(HEADER + ACCOUNTS + text, "p.abm").diagnostics


def of(diagnostics: list[Diagnostic], code: str) -> list[Diagnostic]:
    return [d for d in diagnostics if d.code == code]


# ---------------------------------------------------------------- cycles
def test_scores_in_a_circle_are_named_in_order_with_a_note_per_step() -> None:
    text = (
        "score a scale 1..5 { x weight 50% = b  y weight 50% = n }\n"
        "score b scale 1..5 { x weight 50% = c  y weight 50% = n }\n"
        "score c scale 1..5 { x weight 50% = a  y weight 50% = n }\n"
        "tier t when a >= 4\ntier r otherwise\n"
    )
    [d] = of(check(text), "ABM212")
    assert d.message == "these scores depend on each other in a circle: `a` → `b` → `c` → `a`"
    assert [(note, span.line if span else None) for note, span in d.notes] == [
        ("`a` uses `b` here", 3),
        ("`b` uses `c` here", 4),
        ("`c` uses `a` here", 5),
    ]


def test_kpis_in_a_circle() -> None:
    text = (
        "score s scale 1..5 { x weight 100% = n }\ntier t when s >= 4\ntier r otherwise\n"
        + ACTIVITIES
        + "kpi k1 = k2 + count(activities) target >= 3\n"
        + "kpi k2 = k1 * 2 target >= 3\n"
        + "verdict pass when k1 and k2\n"
    )
    [d] = of(check(text), "ABM212")
    assert d.message == "these KPIs depend on each other in a circle: `k1` → `k2` → `k1`"
    assert len(d.notes) == 2


def test_a_score_that_uses_itself() -> None:
    text = "score s scale 1..5 { x weight 100% = s }\ntier t when s >= 4\ntier r otherwise\n"
    [d] = of(check(text), "ABM212")
    assert d.message == "these scores depend on each other in a circle: `s` → `s`"


# ---------------------------------------------------------------- unused
def test_unused_definitions_are_warnings() -> None:
    text = (
        "score s scale 1..5 { x weight 100% = n }\n"
        "score spare scale 1..5 { x weight 100% = n }\n"
        "tier t when s >= 4\ntier r otherwise\n"
        "cadence idle over 5 business days { day 1: email to c_level }\n"
        "baseline old_rate = 5%\n"
    )
    warnings = [(d.severity, d.message) for d in of(check(text), "ABM236")]
    assert warnings == [
        ("warning", "the score `spare` is never used by a tier"),
        ("warning", "the cadence `idle` is not given to any tier"),
        ("warning", "the baseline `old_rate` is never compared with"),
    ]


# ---------------------------------------------------------------- KPIs and the verdict
KPI_BASE = "score s scale 1..5 { x weight 100% = n }\ntier t when s >= 4\ntier r otherwise\n"


def test_kpi_target_naming_an_unknown_baseline_suggests_the_close_one() -> None:
    text = (
        KPI_BASE
        + ACTIVITIES
        + "baseline inbound_cost = 1500 USD\n"
        + 'kpi cpo = sum(activities.cost) / count(activities where type = "opportunity")\n'
        + "  target <= inbound_cots\n"
        + "verdict pass when cpo\n"
    )
    [d] = of(check(text), "ABM217")
    assert (d.message, d.hint) == (
        "unknown KPI or baseline `inbound_cots`",
        "did you mean `inbound_cost`?",
    )
    assert of(check(text), "ABM236") == []  # the misspelt baseline is not also called unused


def test_warn_levels_must_point_the_way_of_the_target_and_be_looser() -> None:
    def warn_messages(items: str) -> list[str]:
        text = KPI_BASE + ACTIVITIES + f"kpi k = count(activities) {items}\nverdict pass when k\n"
        return [d.message for d in of(check(text), "ABM232")]

    assert warn_messages("target >= 4 warn >= 2") == []
    assert warn_messages("target >= 4 warn >= 6") == [
        "the warn level is stricter than the target, so it never warns"
    ]
    assert warn_messages("target >= 4 warn <= 2") == [
        "the warn level points the other way from the target `>=`"
    ]
    assert warn_messages("warn >= 2") == ["`k` has a warn level but no target"]
    assert warn_messages("target <= 0 warn <= 2") == []  # zero is a threshold like any other


def test_the_verdict_names_kpis_only() -> None:
    text = (
        KPI_BASE
        + ACTIVITIES
        + "baseline rate = 5%\nkpi k = count(activities) target >= rate\n"
        + "verdict pass when k and rate and kk\n"
    )
    found = [(d.message, d.hint) for d in of(check(text), "ABM234")]
    assert found == [
        (
            "`rate` is a baseline, not a KPI; the verdict is decided by KPIs",
            "name the KPIs that must meet their targets, e.g. `pass when tender_invitations`",
        ),
        ("unknown KPI `kk`", "did you mean `k`?"),
    ]


def test_a_kpi_with_a_wrong_expression_is_not_compared_again() -> None:
    text = (
        KPI_BASE
        + ACTIVITIES
        + "kpi k = sum(activities.cost) * 3 h\n  target <= 5000 USD\nverdict pass when k\n"
    )
    assert [d.code for d in check(text)] == ["ABM203"]


# ---------------------------------------------------------------- types
def test_types_that_do_not_mix() -> None:
    def errors(condition: str) -> list[tuple[str, str, str | None]]:
        text = (
            "score s scale 1..5 { x weight 100% = n }\n"
            f"tier t when {condition}\ntier r otherwise\n"
        )
        return [(d.code, d.message, d.hint) for d in check(text) if d.severity == "error"]

    assert errors("has_budget >= 1") == [
        (
            "ABM203",
            "cannot compare a yes/no value with a number",
            "a yes/no field is a condition by itself: write `has_budget` or `not has_budget`",
        )
    ]
    assert errors("n") == [
        (
            "ABM204",
            "a tier's condition must be yes or no, but this is a number",
            "compare it with something, e.g. `n >= 3`",
        )
    ]
    assert errors('sector = "c"')[0][:2] == ("ABM224", '"c" is not one of the declared values')
    assert errors("count(accounts) > 3")[0][0] == "ABM245"
    assert errors("s >= 4 and 100 EUR > 3 USD")[0][:2] == (
        "ABM249",
        "this amount is in EUR, but the playbook counts money in USD",
    )


def test_percentages_lie_between_0_and_100() -> None:
    text = "score s scale 1..5 { x weight 140% = n }\ntier t when s >= 4 { holdout 101% }\n"
    found = [(d.message, d.hint) for d in of(check(text + "tier r otherwise\n"), "ABM205")]
    assert found == [
        (
            "a weight must lie between 0% and 100%, not 140%",
            "it is a share of a whole, e.g. `weight 40%`",
        ),
        (
            "a holdout must lie between 0% and 100%, not 101%",
            "it is a share of a whole, e.g. `holdout 10%`",
        ),
    ]


# ---------------------------------------------------------------- examples
def test_example_fields_are_checked_against_the_data() -> None:
    text = (
        "score s scale 1..5 { x weight 100% = n }\ntier t when s >= 4 and has_budget\n"
        "tier r otherwise\n"
        'example "e" {\n  given account {\n    account_id: "A"  has_budget: "yes"  n: 9\n'
        '    sector: "c"  colour: "red"\n  }\n  expect tier t\n}\n'
    )
    found = [(d.code, d.message) for d in check(text)]
    assert found == [
        ("ABM229", "`has_budget` is a yes/no value, but the example gives text"),
        ("ABM229", "9 is outside the declared range 1..5 of `n`"),
        ("ABM224", '"c" is not one of the declared values of `sector`'),
        ("ABM229", "unknown field of accounts `colour`"),
    ]


def test_a_broken_scale_is_reported_once() -> None:
    def found(scale: str) -> list[tuple[str, str]]:
        text = (
            f"score s scale {scale} {{ x weight 100% = n }}\ntier t when s >= 3\ntier r otherwise\n"
        )
        return [(d.code, d.message) for d in check(text)]

    assert found("5..1") == [("ABM211", "the scale 5..1 of `s` runs backwards")]
    assert found("3..3") == [("ABM211", "the scale 3..3 of `s` holds a single value")]
    assert found("1%..5") == [("ABM211", "a scale runs between two plain numbers")]
