"""Parts of a playbook that must agree with each other: reply lines and contacts (ABM222, ABM201),
nested aggregates and their links (ABM231), division and missing values (ABM237), the verdict and
KPI targets (ABM234), expected clusters (ABM229), reserved names (ABM242), goals and KPI targets
(ABM243), and clusters against the values of the grouping field (ABM211)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from abmdsl.api import compile_text
from abmdsl.cli import main
from abmdsl.diagnostics import Diagnostic

HEADER = 'playbook "P" { horizon 90 days  currency USD }\n'
ACCOUNTS = (
    "accounts { key account_id: text  employees: int  industry: enum(pharma, mining, retail)"
    "  has_budget: bool }\n"
)
CONTACTS = (
    "contacts { key contact_id: text  account_id: text references accounts"
    "  level: enum(c_level, c_minus_1) }\n"
)
TIERS = "tier bulk otherwise\n"


def check(text: str, accounts: str = ACCOUNTS) -> list[Diagnostic]:
    return compile_text(HEADER + accounts + text, "p.abm").diagnostics


def of(text: str, code: str, accounts: str = ACCOUNTS) -> list[Diagnostic]:
    return [d for d in check(text, accounts) if d.code == code]


# ---------------------------------------------------------------- simulation lines
def test_a_reply_rate_for_an_audience_contacts_do_not_have() -> None:
    [d] = of(CONTACTS + TIERS + "simulate { reply email to nobody_here 5% }\n", "ABM222")
    assert d.message == "unknown level or role `nobody_here`"
    assert of(CONTACTS + TIERS + "simulate { reply email to c_level 5% }\n", "ABM222") == []


def test_a_reply_audience_is_not_checked_without_declared_levels() -> None:
    assert of(TIERS + "simulate { reply email to board 5% }\n", "ABM222") == []


def test_a_reply_rate_for_a_tier_that_does_not_exist() -> None:
    [d] = of(TIERS + "simulate { reply email in bulkk 5% }\n", "ABM201")
    assert (d.message, d.hint) == ("unknown tier `bulkk`", "did you mean `bulk`?")


# ---------------------------------------------------------------- nested aggregates
ACTIVITIES = "activities { key activity_id: text  {link}type: enum(reply, meeting) }\n"
NESTED = (
    'kpi e = share(accounts where count(activities where type = "reply") >= 1) target >= 10%\n'
    "verdict pass when e\n"
)


def test_a_nested_aggregate_over_rows_nothing_links_to_the_outer_ones() -> None:
    [d] = of(TIERS + ACTIVITIES.replace("{link}", "") + NESTED, "ABM231")
    assert d.message == (
        "nothing links `activities` to `accounts`, so `count(activities ...)` cannot tell "
        "which activities belong to each account"
    )
    assert d.hint == "declare the link in `activities`: `account_id: text references accounts`"


@pytest.mark.parametrize(
    "link", ["account_id: text references accounts  ", "owner: text references accounts  "]
)
def test_a_reference_links_the_data_sets(link: str) -> None:
    assert check(TIERS + ACTIVITIES.replace("{link}", link) + NESTED) == []


def test_a_field_named_like_the_outer_key_links_them() -> None:
    assert check(TIERS + ACTIVITIES.replace("{link}", "account_id: text  ") + NESTED) == []


def test_contacts_inside_accounts_need_a_link_too() -> None:
    contacts = "contacts { key contact_id: text  level: enum(c_level, c_minus_1) }\n"
    kpi = (
        'kpi c = share(accounts where count(contacts where level = "c_level") >= 2) '
        "target >= 10%\nverdict pass when c\n"
    )
    [d] = of(TIERS + contacts + kpi, "ABM231")
    assert d.hint == "declare the link in `contacts`: `account_id: text references accounts`"
    assert of(TIERS + CONTACTS + kpi, "ABM231") == []


def test_a_link_from_the_outer_rows_to_the_inner_ones_counts() -> None:
    activities = (
        "activities { key activity_id: text  contact_id: text  type: enum(reply, meeting) }\n"
    )
    kpi = (
        'kpi k = count(activities where count(contacts where level = "c_level") >= 1) '
        "target >= 3\nverdict pass when k\n"
    )
    assert check(TIERS + CONTACTS + activities + kpi) == []
    unlinked = activities.replace("contact_id", "person")
    [d] = of(TIERS + CONTACTS + unlinked + kpi, "ABM231")
    assert d.hint == "declare the link in `activities`: `contact_id: text references contacts`"


# ---------------------------------------------------------------- division and missing values
def criterion(expr: str) -> str:
    return f"score s scale 1..5 {{ c weight 100% = {expr} }}\ntier t when s >= 3\n" + TIERS


@pytest.mark.parametrize(
    "expr", ["clamp(ceil(employees / 1000), 1, 5)", "clamp(employees / -2.5, 1, 5)"]
)
def test_division_by_a_constant_other_than_zero_is_never_missing(expr: str) -> None:
    assert of(criterion(expr), "ABM237") == []


@pytest.mark.parametrize(
    "expr",
    [
        "clamp(employees / (employees - 10), 1, 5)",
        "clamp(employees / 0, 1, 5)",
        "clamp(sales / 1000, 1, 5)",
    ],
)
def test_division_by_an_expression_zero_or_a_missing_value_may_be_missing(expr: str) -> None:
    accounts = ACCOUNTS.replace("has_budget: bool", "has_budget: bool  sales: int optional")
    [d] = of(criterion(expr), "ABM237", accounts)
    assert d.severity == "warning"


# ---------------------------------------------------------------- the verdict
def test_a_kpi_without_a_target_cannot_decide_the_verdict() -> None:
    [d] = of(TIERS + "kpi a = count(accounts)\nverdict pass when a\n", "ABM234")
    assert d.message == "`a` has no target, so it can neither pass nor fail the verdict"
    assert d.notes[0][0] == "`a` is defined here"
    assert (
        of(TIERS + "kpi a = count(accounts) target in 1..5\nverdict pass when a\n", "ABM234") == []
    )


# ---------------------------------------------------------------- examples
GROUPED = (
    "score s scale 1..5 { c weight 100% = if has_budget then 5 else 1 }\n"
    "tier top when s >= 5\n"
    "tier few when s >= 1 { group by industry into 2..3 clusters }\n" + TIERS
)


def example(*expects: str) -> str:
    lines = "\n".join(f"  {e}" for e in expects)
    given = 'account_id: "A"  employees: 10  industry: "mining"  has_budget: true'
    return f'example "e" {{\n  given account {{ {given} }}\n{lines}\n}}\n'


def test_an_expected_cluster_in_a_tier_without_group_by() -> None:
    [d] = of(GROUPED + example("expect tier top", 'expect cluster "mining"'), "ABM229")
    assert d.message == (
        'the example expects cluster "mining", but `top` forms no clusters: it has no `group by`'
    )
    assert (
        d.hint
        == "expect the tier that groups accounts, `expect tier few`, or drop `expect cluster`"
    )


def test_an_expected_cluster_is_left_alone_without_an_expected_tier_or_with_a_grouped_one() -> None:
    assert of(GROUPED + example('expect cluster "mining"'), "ABM229") == []
    assert of(GROUPED + example("expect tier few", 'expect cluster "mining"'), "ABM229") == []


# ---------------------------------------------------------------- reserved words
@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("score count scale 1..5 { c weight 100% = 3 }\ntier t when count_x >= 1\n", "score"),
        ("tier share when has_budget\n", "tier"),
        ("kpi sum = count(accounts) target >= 1\n", "KPI"),
        ("baseline true = 5\n", "baseline"),
        ("goal if { target contracts >= 2 }\n", "goal"),
    ],
)
def test_a_definition_named_like_a_word_of_expressions(text: str, what: str) -> None:
    found = of(text + TIERS, "ABM242")
    assert [d.message.split("; ")[1] for d in found] == [f"it cannot name a {what}"]


def test_a_field_named_like_a_word_of_expressions_in_any_data_set() -> None:
    contacts = "contacts { key contact_id: text  account_id: text references accounts  is: bool }\n"
    [d] = of(TIERS + contacts, "ABM242")
    assert d.message == (
        "`is` is a word the language reserves for expressions; it cannot name a field of contacts"
    )
    assert d.hint == "rename it, e.g. `contact_is`, here and wherever it is named"


def test_names_that_only_contain_a_reserved_word_are_fine() -> None:
    text = "score counts scale 1..5 { if_any weight 100% = 3 }\ntier t when counts >= 1\n"
    assert of(text + TIERS, "ABM242") == []


# ---------------------------------------------------------------- goals and KPI targets
def goal_and_kpi(goal_target: str, kpi_target: str) -> str:
    return (
        TIERS
        + "activities { key activity_id: text  account_id: text references accounts"
        + "  type: enum(tender_invitation, contract) }\n"
        + f"goal new_clients {{ target {goal_target} measured by tender_invitations }}\n"
        + 'kpi tender_invitations = count(activities where type = "tender_invitation")\n'
        + f"  target {kpi_target}\n  measures new_clients\nverdict pass when tender_invitations\n"
    )


def test_a_kpi_aiming_below_what_the_goal_derives_warns() -> None:
    [d] = of(goal_and_kpi("contracts >= 2 via tender_invitations at 50%", ">= 3"), "ABM243")
    assert d.message == (
        "`tender_invitations` aims at 3, but `new_clients` needs 4 of them "
        "for 2 contracts at a 50% conversion"
    )
    assert d.hint == "raise it to `target >= 4`, or change the goal's conversion"


def test_the_derived_number_rounds_up() -> None:
    # 3 contracts at 40% take 7.5 invitations: 7 is too few, 8 is enough.
    goal = "contracts >= 3 via tender_invitations at 40%"
    assert len(of(goal_and_kpi(goal, ">= 7"), "ABM243")) == 1
    assert of(goal_and_kpi(goal, ">= 8"), "ABM243") == []


@pytest.mark.parametrize("kpi_target", [">= 4", ">= 5", "<= 1", "in 1..9"])
def test_a_kpi_aiming_as_high_or_higher_or_another_way_is_fine(kpi_target: str) -> None:
    goal = "contracts >= 2 via tender_invitations at 50%"
    assert of(goal_and_kpi(goal, kpi_target), "ABM243") == []


# ---------------------------------------------------------------- clusters and field values
def grouping(by: str, clusters: str) -> str:
    return f"tier few when has_budget {{ group by {by} into {clusters} clusters }}\n" + TIERS


def test_more_clusters_than_the_enum_has_values() -> None:
    [d] = of(grouping("industry", "4..5"), "ABM211")
    assert d.message == (
        "`industry` has 3 values (pharma, mining, retail), so it forms at most 3 clusters, never 4"
    )
    assert d.notes[0][0] == "`industry` is declared here"


def test_a_yes_no_field_forms_two_clusters_at_most() -> None:
    [d] = of(grouping("has_budget", "3..4"), "ABM211")
    assert "forms at most 2 clusters, never 3" in d.message


@pytest.mark.parametrize(("by", "clusters"), [("industry", "2..5"), ("employees", "9..12")])
def test_enough_values_or_an_open_field_is_fine(by: str, clusters: str) -> None:
    assert of(grouping(by, clusters), "ABM211") == []


# ---------------------------------------------------------------- through the command line
def test_the_command_line_reports_a_reserved_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "p.abm").write_text(HEADER + ACCOUNTS + "baseline avg = 5\n" + TIERS)
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["check", "p.abm", "--colour", "never"])
    assert status == 1
    assert "error[ABM242]: `avg` is a word the language reserves" in out.getvalue() + err.getvalue()
