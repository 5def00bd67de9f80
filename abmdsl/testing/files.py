"""Steps that put playbooks and data into the workspace, and check the files `abm` leaves there."""

from __future__ import annotations

from pytest_bdd import given, parsers, then

from .workspace import Workspace


@given(parsers.parse('the playbook "{name}"'))
def the_playbook(abm_workspace: Workspace, name: str) -> None:
    """A playbook of the repository (from its root or ``playbooks/``), with what it imports."""
    abm_workspace.bring_playbook(name)
    abm_workspace.playbook, abm_workspace.tiers_stale = name, True


@given(parsers.parse('a playbook "{name}":'))
def a_playbook(abm_workspace: Workspace, name: str, docstring: str) -> None:
    abm_workspace.write(name, docstring + "\n")
    abm_workspace.playbook, abm_workspace.tiers_stale = name, True


@given(parsers.parse('a data file "{name}":'))
def data_file(abm_workspace: Workspace, name: str, docstring: str) -> None:
    abm_workspace.write(name, docstring + "\n")


@given(parsers.parse('the data file "{name}"'))
def the_data_file(abm_workspace: Workspace, name: str) -> None:
    abm_workspace.bring(name)


@given(parsers.parse('the accounts "{name}"'))
def the_accounts(abm_workspace: Workspace, name: str) -> None:
    abm_workspace.bring(name)
    abm_workspace.accounts_file, abm_workspace.tiers_stale = name, True


@given(parsers.parse('the contacts "{name}"'))
def the_contacts(abm_workspace: Workspace, name: str) -> None:
    abm_workspace.bring(name)
    abm_workspace.contacts_file, abm_workspace.tiers_stale = name, True


@given(parsers.parse('accounts in "{name}":'))
def accounts_table(abm_workspace: Workspace, name: str, datatable: list[list[str]]) -> None:
    """A small CRM export; names are made up from the key when the table gives none."""
    header, *rows = datatable
    if "name" not in header:
        header = [*header[:1], "name", *header[1:]]
        rows = [[row[0], f"Company {row[0]}", *row[1:]] for row in rows]
    lines = [";".join(header), *(";".join(row) for row in rows)]
    abm_workspace.write(name, "\n".join(lines) + "\n")
    abm_workspace.accounts = [dict(zip(header, row, strict=True)) for row in rows]
    abm_workspace.accounts_file, abm_workspace.tiers_stale = name, True


@given(parsers.parse('contacts in "{name}":'))
def contacts_table(abm_workspace: Workspace, name: str, datatable: list[list[str]]) -> None:
    abm_workspace.write(name, "\n".join(";".join(row) for row in datatable) + "\n")
    abm_workspace.contacts_file, abm_workspace.tiers_stale = name, True


@given(parsers.parse('activities in "{name}":'))
def activities_table(abm_workspace: Workspace, name: str, datatable: list[list[str]]) -> None:
    abm_workspace.write(name, "\n".join(";".join(row) for row in datatable) + "\n")


@then(parsers.parse('the file "{name}" is unchanged'))
def unchanged(abm_workspace: Workspace, name: str) -> None:
    text = (abm_workspace.root / name).read_text(encoding="utf-8")
    assert text == abm_workspace.originals[name], f'"{name}" was changed; it now reads:\n{text}'


@then(parsers.parse('the file "{name}" now reads:'))
def now_reads(abm_workspace: Workspace, name: str, docstring: str) -> None:
    text = (abm_workspace.root / name).read_text(encoding="utf-8")
    assert text == docstring + "\n"


@then(parsers.parse('no file "{name}" was written'))
def not_written(abm_workspace: Workspace, name: str) -> None:
    assert not (abm_workspace.root / name).exists(), f'"{name}" was written'
