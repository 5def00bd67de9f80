"""Steps about `abm goals`' tree: which targets a goal declares and which it derives."""

from __future__ import annotations

import re

from pytest_bdd import parsers, then

from .workspace import Workspace

_CHILD_GOAL = re.compile(r"^(?:[│ ]  )*[├└]─ (\S+)")
_ROOT_GOAL = re.compile(r"^([^\s│├└]\S*)(?:  |$)")


def _goal_lines(abm_workspace: Workspace, goal: str) -> list[str]:
    """The detail lines `abm goals` printed under one goal of the tree."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in abm_workspace.output.splitlines():
        header = _CHILD_GOAL.match(line) or _ROOT_GOAL.match(line)
        if header:
            current = header.group(1)
            sections[current] = []
        elif current is not None:
            sections[current].append(line.strip("│ "))
    assert goal in sections, abm_workspace.output
    return sections[goal]


@then(parsers.parse('goal "{goal}" declares "{target}"'))
def goal_declares(abm_workspace: Workspace, goal: str, target: str) -> None:
    lines = [" ".join(line.split()) for line in _goal_lines(abm_workspace, goal)]
    assert f"{target} declared" in lines, abm_workspace.output


@then(parsers.parse('goal "{goal}" derives "{target}" by "{rule}"'))
def goal_derives(abm_workspace: Workspace, goal: str, target: str, rule: str) -> None:
    lines = [" ".join(line.split()) for line in _goal_lines(abm_workspace, goal)]
    assert f"{target} derived: {rule}" in lines, abm_workspace.output
