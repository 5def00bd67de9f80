"""A playbook to compare: a file, or ``REV:PATH`` read from git with the imports at ``REV``.

Input: what the user wrote (``playbooks/pilot.abm``, ``main:playbooks/pilot.abm``,
``HEAD~1:./pilot.abm``). Output: the :class:`~abmdsl.api.Compiled` playbook. A revision's
files are read with ``git`` (an argument list, no shell) from the repository holding the
working folder and named ``REV:PATH`` in diagnostics; nothing is written to disk.
"""

from __future__ import annotations

import posixpath
import subprocess
from pathlib import Path

from .. import ast
from ..api import Compiled, compile_file, compile_loaded
from ..diagnostics import error
from ..limits import MAX_FILE_BYTES, MAX_IMPORTS
from ..load import Loaded
from ..parser import decode, parse

GIT_TIMEOUT_S = 60


class RevisionError(Exception):
    """A playbook that cannot be read: no such file, revision or path; exit 2."""


def compile_version(spec: str, cwd: Path | None = None) -> Compiled:
    """The playbook ``spec`` names: a file when one exists there, else ``REV:PATH``."""
    cwd = cwd or Path.cwd()
    path = cwd / spec
    if path.is_file():
        return compile_file(path)
    if ":" not in spec or spec.startswith(":"):
        raise RevisionError(
            f"no such playbook: {spec} (name a file, or a file at a git revision as "
            "REV:PATH, e.g. main:playbooks/pharma_pilot.abm)"
        )
    revision, raw = spec.split(":", 1)
    # A revision that looks like an option would be read by git as one.
    if revision.startswith("-") or not raw:
        raise RevisionError(f"{spec} is not REV:PATH (e.g. main:playbooks/pharma_pilot.abm)")
    git = _Git(cwd)
    git.check_revision(revision)
    return compile_loaded(_load(git, revision, git.repository_path(raw)))


class _Git:
    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        root = self._run("rev-parse", "--show-toplevel", quiet=True)
        if root is None:
            raise RevisionError(
                f"{cwd} is not in a git repository, so revisions cannot be read there"
            )
        self.root = Path(root.decode().strip())

    def _run(self, *args: str, quiet: bool = False, stdin: bytes | None = None) -> bytes | None:
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.cwd,
                input=stdin,
                capture_output=True,
                timeout=GIT_TIMEOUT_S,
                check=False,
            )
        except FileNotFoundError:
            raise RevisionError("git is not installed; name playbook files instead") from None
        except subprocess.TimeoutExpired:
            raise RevisionError(f"git {args[0]} took over {GIT_TIMEOUT_S} s") from None
        if done.returncode != 0:
            if quiet:
                return None
            message = done.stderr.decode(errors="replace").strip().splitlines()
            raise RevisionError(f"git {args[0]} failed: " + (message[-1] if message else "?"))
        return done.stdout

    def check_revision(self, revision: str) -> None:
        if self._run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", quiet=True):
            return
        raise RevisionError(f"unknown git revision: {revision}")

    def repository_path(self, raw: str) -> str:
        """``raw`` as a path from the repository's root: git reads ``./x`` and ``../x`` from
        the working folder and anything else from the root; so does this."""
        if raw.startswith(("./", "../")):
            absolute = Path(posixpath.normpath((self.cwd.resolve() / raw).as_posix()))
            try:
                return absolute.relative_to(self.root.resolve()).as_posix()
            except ValueError:
                raise RevisionError(f"{raw} is outside the repository {self.root}") from None
        return posixpath.normpath(raw)

    def kind_and_size(self, revision: str, path: str) -> tuple[str, int] | None:
        """The object at ``revision:path`` (``blob``, ``tree``…) and its size; None: none."""
        out = self._run("cat-file", "--batch-check", stdin=f"{revision}:{path}\n".encode())
        words = (out or b"").decode(errors="replace").split()
        if len(words) != 3 or words[-1] == "missing":
            return None
        return words[1], int(words[2])

    def show(self, revision: str, path: str) -> bytes:
        out = self._run("show", "--no-textconv", f"{revision}:{path}")
        assert out is not None
        return out


def _load(git: _Git, revision: str, main: str) -> Loaded:
    """What :func:`abmdsl.load.load` does with files, done with the files of one revision."""
    found = git.kind_and_size(revision, main)
    if found is None or found[0] != "blob":
        if found is not None and found[0] == "tree":
            raise RevisionError(f"{main} is a folder at revision {revision}, not a playbook")
        raise RevisionError(f"there is no file {main} at revision {revision}")
    loaded = Loaded()
    queue, seen = [main], {main}
    while queue:
        path = queue.pop(0)
        module = _module(git, revision, path, loaded)
        if module is None:
            continue
        loaded.modules.append(module)
        for statement in module.statements:
            if not isinstance(statement, ast.Import):
                continue
            target = _resolve(git, revision, path, statement, loaded)
            if target is None or target in seen:
                continue
            if len(seen) >= MAX_IMPORTS:
                loaded.diagnostics.append(
                    error(
                        "ABM239",
                        f"this import would join more than {MAX_IMPORTS} files into one playbook",
                        statement.span,
                        "join shared definitions into fewer files",
                    )
                )
                return loaded
            seen.add(target)
            queue.append(target)
    return loaded


def _module(git: _Git, revision: str, path: str, loaded: Loaded) -> ast.Module | None:
    name = f"{revision}:{path}"
    found = git.kind_and_size(revision, path)
    if found is not None and found[1] > MAX_FILE_BYTES:
        # decode() refuses it with the usual diagnostic, without reading megabytes from git.
        data = b" " * (MAX_FILE_BYTES + 1)
    else:
        data = git.show(revision, path)
    text, diagnostics = decode(data, name)
    loaded.diagnostics += diagnostics
    if text is None:
        return None
    loaded.sources[name] = text
    module, diagnostics = parse(text, name)
    loaded.diagnostics += diagnostics
    return module


def _resolve(
    git: _Git, revision: str, importer: str, statement: ast.Import, loaded: Loaded
) -> str | None:
    target = posixpath.normpath(posixpath.join(posixpath.dirname(importer), statement.path))
    if target.startswith("../") or target == ".." or posixpath.isabs(target):
        loaded.diagnostics.append(
            error(
                "ABM218",
                f'"{statement.path}" is outside the repository',
                statement.span,
                "a playbook may only import files of its own repository, the folder holding `.git`",
            )
        )
        return None
    found = git.kind_and_size(revision, target)
    if found is None or found[0] != "blob":
        loaded.diagnostics.append(
            error(
                "ABM219",
                f'there is no file "{statement.path}" to import at revision {revision}',
                statement.span,
                "paths are relative to the importing file",
            )
        )
        return None
    return target
