"""Steps about accounts: describe one in a table, and check the tier `abm run` gives it.

"its tier" is the tier of the account the last ``an account with:`` step described. The tier
steps run `abm run PLAYBOOK --accounts … -o tiers.csv` themselves when the playbook or the
accounts changed since the last run, so a scenario need not spell the command out; one that
does (``When the strategist runs "abm run …"``) is checked on its own output.
"""

from __future__ import annotations

import csv
import io

from pytest_bdd import given, parsers, then

from .workspace import Workspace, describe

ACCOUNTS = "accounts.csv"


def _fields(datatable: list[list[str]]) -> dict[str, str]:
    rows = [row for row in datatable if [c.strip().lower() for c in row] != ["field", "value"]]
    assert all(len(row) == 2 for row in rows), "an account is a table of | field | value | rows"
    return {field.strip(): value.strip() for field, value in rows}


@given(parsers.parse("an account with:"))
@given(parsers.parse("another account with:"))
def an_account(abm_workspace: Workspace, datatable: list[list[str]]) -> None:
    """One account, a field per row; a name is made up from the first value when none is given."""
    account = _fields(datatable)
    if "name" not in account:
        first = next(iter(account.values()), "")
        account = {**dict(list(account.items())[:1]), "name": f"Company {first}", **account}
    abm_workspace.accounts.append(account)
    header: list[str] = []
    for row in abm_workspace.accounts:
        header += [f for f in row if f not in header]
    text = io.StringIO()
    writer = csv.DictWriter(text, header, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(abm_workspace.accounts)
    name = abm_workspace.accounts_file or ACCOUNTS
    abm_workspace.write(name, text.getvalue())
    abm_workspace.accounts_file, abm_workspace.tiers_stale = name, True


def _is_in(abm_workspace: Workspace, key: str, column: str, expected: str) -> None:
    row = abm_workspace.tier_row(key)
    assert row[column] == expected, (
        f'account "{key}" is in {column} "{row[column]}", not "{expected}"\n  {describe(row)}'
    )


@then(parsers.parse('its tier is "{tier}"'))
def its_tier(abm_workspace: Workspace, tier: str) -> None:
    _is_in(abm_workspace, abm_workspace.key_of_last_account(), "tier", tier)


@then(parsers.parse('its cluster is "{cluster}"'))
def its_cluster(abm_workspace: Workspace, cluster: str) -> None:
    _is_in(abm_workspace, abm_workspace.key_of_last_account(), "cluster", cluster)


@then(parsers.parse('account "{key}" is in tier "{tier}"'))
def in_tier(abm_workspace: Workspace, key: str, tier: str) -> None:
    _is_in(abm_workspace, key, "tier", tier)


@then(parsers.parse('account "{key}" is in cluster "{cluster}"'))
def in_cluster(abm_workspace: Workspace, key: str, cluster: str) -> None:
    _is_in(abm_workspace, key, "cluster", cluster)


@then(parsers.parse('account "{key}" has attractiveness {a} and potential {p}'))
def has_scores(abm_workspace: Workspace, key: str, a: str, p: str) -> None:
    row = abm_workspace.tier_row(key)
    assert (row["attractiveness"], row["potential"]) == (a, p), describe(row)


@then(parsers.parse("its {score} score is {value}"))
def its_score(abm_workspace: Workspace, score: str, value: str) -> None:
    key = abm_workspace.key_of_last_account()
    row = abm_workspace.tier_row(key)
    assert score in row, f'there is no score "{score}" in tiers.csv\n  {describe(row)}'
    assert row[score] == value, f'account "{key}" scores {row[score]} on {score}, not {value}'


@then(parsers.parse('{count:d} accounts are in tier "{tier}"'))
def count_in_tier(abm_workspace: Workspace, count: int, tier: str) -> None:
    found = [k for k, r in abm_workspace.tiers().items() if r["tier"] == tier]
    assert len(found) == count, f'{len(found)} accounts are in tier "{tier}": {", ".join(found)}'


@then(parsers.parse('account "{key}" was demoted from "{tier}" because "{reason}"'))
def demoted(abm_workspace: Workspace, key: str, tier: str, reason: str) -> None:
    row = abm_workspace.tier_row(key)
    assert (row["demoted_from"], row["demotion"]) == (tier, reason), describe(row)
