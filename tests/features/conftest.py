"""Steps shared by every feature: a strategist's vocabulary over the `abm` command."""

from __future__ import annotations

import itertools
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, then, when

from abmdsl.cli import main

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"


@dataclass
class Workspace:
    root: Path
    originals: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    output: str = ""


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    (tmp_path / ".git").mkdir()  # the playbook repository's root
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path)


def _write(workspace: Workspace, name: str, text: str) -> None:
    path = workspace.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    workspace.originals[name] = text


@given(parsers.parse('the seed playbook "{name}"'))
def seed_playbook(workspace: Workspace, name: str) -> None:
    shutil.copy(PLAYBOOKS / name, workspace.root / name)
    workspace.originals[name] = (PLAYBOOKS / name).read_text(encoding="utf-8")


@given(parsers.parse('a playbook "{name}":'))
def a_playbook(workspace: Workspace, name: str, docstring: str) -> None:
    _write(workspace, name, docstring + "\n")


@given(parsers.parse('the seed playbook "{name}" with "{old}" changed to "{new}"'))
def seed_playbook_changed(workspace: Workspace, name: str, old: str, new: str) -> None:
    text = (PLAYBOOKS / name).read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    _write(workspace, name, text.replace(old, new, 1))


@when(parsers.parse('the strategist runs "{command}"'))
def run(workspace: Workspace, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    words = shlex.split(command)
    assert words[0] == "abm"
    capsys.readouterr()
    workspace.exit_code = main(words[1:])
    captured = capsys.readouterr()
    workspace.output = captured.out + captured.err


@then("the command succeeds")
def succeeds(workspace: Workspace) -> None:
    assert workspace.exit_code == 0, workspace.output


@then(parsers.parse("the command fails with exit code {code:d}"))
def fails(workspace: Workspace, code: int) -> None:
    assert workspace.exit_code == code, workspace.output


@then(parsers.parse('the output mentions "{text}"'))
def mentions(workspace: Workspace, text: str) -> None:
    assert text in workspace.output, workspace.output


@then(parsers.parse('the output does not mention "{text}"'))
def does_not_mention(workspace: Workspace, text: str) -> None:
    assert text not in workspace.output, workspace.output


@then(parsers.parse("diagnostic {code} is reported at line {line:d}, column {column:d}"))
def reported_at(workspace: Workspace, code: str, line: int, column: int) -> None:
    pattern = rf":{line}:{column}: (error|warning)\[{code}\]"
    assert re.search(pattern, workspace.output), workspace.output


@then(parsers.parse('the caret points at "{word}"'))
def caret_under(workspace: Workspace, word: str) -> None:
    lines = workspace.output.splitlines()
    for source, marks in itertools.pairwise(lines):
        if word in source and "^" in marks:
            assert marks.index("^") == source.index(word), f"{source}\n{marks}"
            assert marks.count("^") == len(word), f"{source}\n{marks}"
            return
    raise AssertionError(workspace.output)


@then(parsers.parse("{count:d} syntax errors are reported"))
def syntax_error_count(workspace: Workspace, count: int) -> None:
    found = re.findall(r"error\[ABM1\d\d\]", workspace.output)
    assert len(found) == count, workspace.output


@then(parsers.parse('the file "{name}" is unchanged'))
def unchanged(workspace: Workspace, name: str) -> None:
    text = (workspace.root / name).read_text(encoding="utf-8")
    assert text == workspace.originals[name]


@then(parsers.parse('the file "{name}" now reads:'))
def now_reads(workspace: Workspace, name: str, docstring: str) -> None:
    text = (workspace.root / name).read_text(encoding="utf-8")
    assert text == docstring + "\n"


@given(parsers.parse('accounts in "{name}":'))
def accounts_table(workspace: Workspace, name: str, datatable: list[list[str]]) -> None:
    """A small CRM export; names are made up from the key when the table gives none."""
    header, *rows = datatable
    if "name" not in header:
        header = [*header[:1], "name", *header[1:]]
        rows = [[row[0], f"Company {row[0]}", *row[1:]] for row in rows]
    lines = [";".join(header), *(";".join(row) for row in rows)]
    _write(workspace, name, "\n".join(lines) + "\n")


@given(parsers.parse('a data file "{name}":'))
def data_file(workspace: Workspace, name: str, docstring: str) -> None:
    _write(workspace, name, docstring + "\n")


def _tiers(workspace: Workspace, name: str = "tiers.csv") -> dict[str, dict[str, str]]:
    import csv

    with (workspace.root / name).open(encoding="utf-8") as stream:
        return {row[next(iter(row))]: row for row in csv.DictReader(stream)}


@then(parsers.parse('account "{key}" is in tier "{tier}"'))
def in_tier(workspace: Workspace, key: str, tier: str) -> None:
    assert _tiers(workspace)[key]["tier"] == tier


@then(parsers.parse('account "{key}" is in cluster "{cluster}"'))
def in_cluster(workspace: Workspace, key: str, cluster: str) -> None:
    assert _tiers(workspace)[key]["cluster"] == cluster


@then(parsers.parse('account "{key}" has attractiveness {a} and potential {p}'))
def has_scores(workspace: Workspace, key: str, a: str, p: str) -> None:
    row = _tiers(workspace)[key]
    assert (row["attractiveness"], row["potential"]) == (a, p)


@then(parsers.parse('{count:d} accounts are in tier "{tier}"'))
def count_in_tier(workspace: Workspace, count: int, tier: str) -> None:
    assert sum(r["tier"] == tier for r in _tiers(workspace).values()) == count


@then(parsers.parse('account "{key}" was demoted from "{tier}" because "{reason}"'))
def demoted(workspace: Workspace, key: str, tier: str, reason: str) -> None:
    row = _tiers(workspace)[key]
    assert (row["demoted_from"], row["demotion"]) == (tier, reason)


@then(parsers.parse('no file "{name}" was written'))
def not_written(workspace: Workspace, name: str) -> None:
    assert not (workspace.root / name).exists()
