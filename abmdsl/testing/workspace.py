"""The scenario's workspace: a temporary playbook repository the steps write into and run `abm` in.

Every scenario gets a fresh folder (with a ``.git`` so that `abm` takes it for the repository's
root) and runs from inside it; files named in steps are relative to it. Files of the user's own
repository (playbooks, data) are copied in by the steps that name them, so a scenario never
writes into the repository under test.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import pytest

_IMPORT = re.compile(r'^\s*import\s+"([^"]+)"', re.MULTILINE)
# The columns of `abm run` output that say where a row came from, not what the account is.
_PROVENANCE = ("playbook_sha256", "data_sha256", "abmdsl_version")


@dataclass
class Workspace:
    """One scenario's folder, what was written into it, and the last `abm` command's result."""

    root: Path
    repository: Path
    originals: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    output: str = ""
    command: str = ""
    # What the strategist's steps set up, for the steps that run `abm` on their own.
    playbook: str | None = None
    accounts_file: str | None = None
    contacts_file: str | None = None
    accounts: list[dict[str, str]] = field(default_factory=list)
    # Set when the playbook or accounts change after the last `abm run`: "its tier is" runs again.
    tiers_stale: bool = False

    def abm(self, *args: str) -> int:
        """Run `abm` in the workspace as the strategist would, keeping its exit code and output."""
        from abmdsl.cli import main  # imported late: pytest loads this module for every session

        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code if isinstance(exit_.code, int) else 2
        self.command = " ".join(("abm", *args))
        self.exit_code, self.output = code, out.getvalue() + err.getvalue()
        return code

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.originals[name] = text
        return path

    def find_in_repository(self, name: str) -> Path:
        """A file of the user's repository: as named from its root, or under ``playbooks/``."""
        for candidate in (self.repository / name, self.repository / "playbooks" / name):
            if candidate.is_file():
                return candidate
        raise AssertionError(
            f'"{name}" is not in the repository: looked for {self.repository / name} '
            f"and {self.repository / 'playbooks' / name}"
        )

    def bring(self, name: str) -> Path:
        """The workspace's file ``name``, copied from the repository unless a step wrote it."""
        path = self.root / name
        if not path.is_file():
            source = self.find_in_repository(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, path)
            self.originals[name] = source.read_text(encoding="utf-8")
        return path

    def bring_playbook(self, name: str) -> None:
        """Copy a playbook of the repository, and the files it imports, into the workspace."""
        source = self.find_in_repository(name)
        pending: list[tuple[Path, Path]] = [(source, self.root / name)]
        seen: set[Path] = set()
        while pending:
            origin, target = pending.pop()
            if origin in seen or not origin.is_file():
                continue  # a missing import is for `abm` to report, with its line
            seen.add(origin)
            target.parent.mkdir(parents=True, exist_ok=True)
            text = origin.read_text(encoding="utf-8")
            target.write_text(text, encoding="utf-8")
            self.originals[target.relative_to(self.root).as_posix()] = text
            for imported in _IMPORT.findall(text):
                pending.append((origin.parent / imported, target.parent / imported))

    # ------------------------------------------------------------ reading what `abm` wrote
    def rows(self, name: str) -> list[dict[str, str]]:
        path = self.root / name
        assert path.is_file(), f'no file "{name}" was written; last command: {self.command}'
        with path.open(encoding="utf-8") as stream:
            return list(csv.DictReader(stream))

    def tiers(self, name: str = "tiers.csv") -> dict[str, dict[str, str]]:
        """`abm run`'s output by account key (its first column), running it if it is stale."""
        if name == "tiers.csv" and self.tiers_stale:
            self.run_tiers()
        return {row[next(iter(row))]: row for row in self.rows(name)}

    def tier_row(self, key: str, name: str = "tiers.csv") -> dict[str, str]:
        tiers = self.tiers(name)
        assert key in tiers, f'account "{key}" is not in {name}: it has {", ".join(tiers)}'
        return tiers[key]

    def run_tiers(self) -> None:
        """`abm run` on the scenario's playbook and accounts, into ``tiers.csv``."""
        assert self.playbook, 'no playbook yet: start with Given the playbook "…"'
        assert self.accounts_file, "no accounts yet: add one with And an account with: …"
        args = ["run", self.playbook, "--accounts", self.accounts_file, "-o", "tiers.csv"]
        if self.contacts_file:
            args += ["--contacts", self.contacts_file]
        code = self.abm(*args)
        assert code == 0, f"{self.command} failed with exit code {code}:\n{self.output}"
        self.tiers_stale = False

    def key_of_last_account(self) -> str:
        """The key of the account the last "an account with" step added ("its tier")."""
        assert self.accounts, "no account yet: add one with And an account with: …"
        tiers = self.tiers()
        assert tiers, f"{self.command} wrote no accounts:\n{self.output}"
        # `abm run` writes the key first, whatever the playbook calls it.
        key_field = next(iter(next(iter(tiers.values()))))
        assert key_field in self.accounts[-1], f"the account has no {key_field}: it is the key"
        return self.accounts[-1][key_field]

    def touches(self, name: str = "touches.csv") -> list[dict[str, str]]:
        return self.rows(name)


def describe(row: dict[str, str]) -> str:
    """An output row in one line, for an assertion's message."""
    return ", ".join(f"{k}={v}" for k, v in row.items() if v and k not in _PROVENANCE)


@pytest.fixture
def abm_repository(request: pytest.FixtureRequest) -> Path:
    """The user's playbook repository: pytest's root folder. Override it to point elsewhere."""
    return Path(request.config.rootpath)


@pytest.fixture
def abm_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, abm_repository: Path
) -> Workspace:
    (tmp_path / ".git").mkdir()  # the playbook repository's root
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path, abm_repository)
