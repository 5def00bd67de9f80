"""`abm init DIR`: a new playbook repository, ready for CI, from the templates in ``scaffold/``.

``add_init_command(subparsers)`` registers the subcommand on `abm`'s parser. It writes a sample
playbook with its data, a README, a GitHub Actions workflow and a pre-commit configuration.
A folder with anything in it (besides ``.git``) is refused unless ``--force``; even then no
file that is already there is replaced: each is named as kept. Exit codes: 0 written, 2 bad
usage or a folder that cannot be written. The scaffold also holds scenarios of the sample pilot
(``features/``, run by ``pytest`` with the steps of ``abmdsl[testing]``).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from .__about__ import __version__

WORKFLOW = ".github/workflows/playbooks.yml"

# Template → where it goes. The templates have no leading dot and no `.py` or `.ini` suffix,
# so that neither packaging nor this repository's own tools (GitHub, pre-commit, git, pytest)
# take them for their own files.
FILES: tuple[tuple[str, str], ...] = (
    ("README.md", "README.md"),
    ("gitignore", ".gitignore"),
    ("pre-commit-config.yaml", ".pre-commit-config.yaml"),
    ("github/workflows/playbooks.yml", WORKFLOW),
    ("playbooks/pharma_pilot.abm", "playbooks/pharma_pilot.abm"),
    ("playbooks/data/accounts.csv", "playbooks/data/accounts.csv"),
    ("playbooks/data/contacts.csv", "playbooks/data/contacts.csv"),
    ("playbooks/data/activities.csv", "playbooks/data/activities.csv"),
    ("pytest-ini", "pytest.ini"),
    ("test_features-py", "test_features.py"),
    ("features/pilot.feature", "features/pilot.feature"),
)
# Pieces put into other templates, not written on their own.
PARTS = ("github/workflows/diff-step.yml", "github/workflows/diff-step-pending.yml")
_FILLED = {"README.md", "pre-commit-config.yaml", "github/workflows/playbooks.yml"}


class InitError(Exception):
    """The scaffold cannot be written where asked; reported in one line, exit 2."""


@dataclass(frozen=True)
class Outcome:
    """What `abm init` did: the files it wrote, and those it found there and left alone."""

    created: list[str]
    kept: list[str]


def add_init_command(subparsers: Any) -> argparse.ArgumentParser:
    init = subparsers.add_parser(
        "init", help="start a playbook repository: a sample playbook, data, CI and a README"
    )
    init.add_argument("dir", metavar="DIR", help="the folder to create (or an empty one)")
    init.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that is not empty; files already there are kept, not replaced",
    )
    # Filled by the time `init` runs: every subcommand of this `abm` is registered by then.
    init.set_defaults(run=cmd_init, commands=subparsers.choices)
    return init


def cmd_init(args: argparse.Namespace) -> int:
    from .cli import OK, UsageError

    try:
        outcome = scaffold(Path(args.dir), force=args.force, diff="diff" in args.commands)
    except InitError as exc:
        raise UsageError(str(exc)) from exc
    for name in outcome.created:
        print(f"created {Path(args.dir, name).as_posix()}")
    for name in outcome.kept:
        print(f"kept {Path(args.dir, name).as_posix()} (it was already there; not replaced)")
    print(
        f"\nnext: cd {args.dir} && abm check playbooks/ && abm test playbooks/"
        "\n(see its README.md; `git init` it if it is not a repository yet)",
        file=sys.stderr,
    )
    return OK


def render(template: str, *, diff: bool = False) -> bytes:
    """One template's bytes as written: the version filled in, the `abm diff` step on or off."""
    data = _template(template).read_bytes()
    if template not in _FILLED:
        return data
    text = data.decode("utf-8")
    step = _template(PARTS[0] if diff else PARTS[1]).read_text(encoding="utf-8")
    text = text.replace("@DIFF_STEP@\n", step)
    return text.replace("@ABM_VERSION@", __version__).encode("utf-8")


def _template(name: str) -> Traversable:
    return resources.files(__package__ or "abmdsl").joinpath("scaffold", *name.split("/"))


def scaffold(folder: Path, *, force: bool = False, diff: bool = False) -> Outcome:
    """Write the scaffold into ``folder``; every refusal comes before the first file is written.

    ``diff``: whether this `abm` has `abm diff`, which the workflow then runs on pull requests
    (without it, the step is there but commented out).
    """
    if folder.exists() and not folder.is_dir():
        raise InitError(f"{folder} is a file, not a folder")
    if folder.is_dir() and not force:
        # A folder fresh from `git init` is as good as empty: that is the usual way to start.
        present = sorted(p.name for p in folder.iterdir() if p.name != ".git")
        if present:
            shown = ", ".join(present[:3]) + (", …" if len(present) > 3 else "")
            raise InitError(
                f"{folder} is not empty (it holds {shown}); choose a new folder, or add "
                "--force to write the files that are missing and keep the ones there"
            )
    created: list[str] = []
    kept: list[str] = []
    for _, target in FILES:
        path = folder / target
        if path.is_file() or path.is_symlink():
            kept.append(target)
        elif path.exists():
            raise InitError(f"{path} is in the way: it is a folder, where a file would go")
        else:
            created.append(target)
    for parent in {(folder / target).parent for target in created}:
        if parent.exists() and not parent.is_dir():
            raise InitError(f"{parent} is a file, where a folder would go")
    templates = dict((target, template) for template, target in FILES)
    try:
        for target in created:
            path = folder / target
            path.parent.mkdir(parents=True, exist_ok=True)
            # "x": should a file appear since the look above, it is not overwritten either.
            with path.open("xb") as stream:
                stream.write(render(templates[target], diff=diff))
    except FileExistsError as exc:
        raise InitError(f"{exc.filename} appeared while writing; it was left as it is") from exc
    except OSError as exc:
        raise InitError(f"cannot write {exc.filename or folder}: {exc.strerror or exc}") from exc
    return Outcome(created, kept)
