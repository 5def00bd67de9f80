"""Steps that run `abm` as the strategist would and read what it said."""

from __future__ import annotations

import itertools
import re
import shlex
import subprocess

from pytest_bdd import given, parsers, then, when

from .workspace import Workspace


@when(parsers.parse('the strategist runs "{command}"'))
def run(abm_workspace: Workspace, command: str) -> None:
    words = shlex.split(command)
    assert words[0] == "abm", f'only `abm` commands run here, not "{words[0]}"'
    abm_workspace.abm(*words[1:])
    abm_workspace.tiers_stale = False  # the strategist's own run is the one to check


@then("the command succeeds")
def succeeds(abm_workspace: Workspace) -> None:
    assert abm_workspace.exit_code == 0, abm_workspace.output


@then(parsers.parse("the command fails with exit code {code:d}"))
def fails(abm_workspace: Workspace, code: int) -> None:
    assert abm_workspace.exit_code == code, abm_workspace.output


@then(parsers.parse('the output mentions "{text}"'))
def mentions(abm_workspace: Workspace, text: str) -> None:
    assert text in abm_workspace.output, abm_workspace.output


@then(parsers.parse('the output does not mention "{text}"'))
def does_not_mention(abm_workspace: Workspace, text: str) -> None:
    assert text not in abm_workspace.output, abm_workspace.output


@then(parsers.parse("diagnostic {code} is reported at line {line:d}, column {column:d}"))
def reported_at(abm_workspace: Workspace, code: str, line: int, column: int) -> None:
    pattern = rf":{line}:{column}: (error|warning)\[{code}\]"
    assert re.search(pattern, abm_workspace.output), abm_workspace.output


@then(parsers.parse('the caret points at "{word}"'))
def caret_under(abm_workspace: Workspace, word: str) -> None:
    lines = abm_workspace.output.splitlines()
    for source, marks in itertools.pairwise(lines):
        if word in source and "^" in marks:
            assert marks.index("^") == source.index(word), f"{source}\n{marks}"
            assert marks.count("^") == len(word), f"{source}\n{marks}"
            return
    raise AssertionError(abm_workspace.output)


@then(parsers.parse("{count:d} syntax errors are reported"))
def syntax_error_count(abm_workspace: Workspace, count: int) -> None:
    found = re.findall(r"error\[ABM1\d\d\]", abm_workspace.output)
    assert len(found) == count, abm_workspace.output


@given("everything in the workspace is committed to git")
def committed(abm_workspace: Workspace) -> None:
    """A real repository, for `abm diff main:… …` to read the committed version from."""
    (abm_workspace.root / ".git").rmdir()  # the stand-in root: a real repository replaces it
    for args in (
        ["init", "-q", "-b", "main"],
        ["config", "user.name", "Strategist"],
        ["config", "user.email", "strategist@example.com"],
        ["add", "."],
        ["commit", "-q", "-m", "the playbook as reviewed"],
    ):
        subprocess.run(["git", *args], cwd=abm_workspace.root, check=True, capture_output=True)
