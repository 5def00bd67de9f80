"""Loading: a playbook path → its parsed modules, following `import`s inside the repository.

The repository is the nearest folder above the playbook that holds ``.git`` (or the
playbook's own folder when there is none). Imports never leave it, symbolic links included,
and at most :data:`~abmdsl.limits.MAX_IMPORTS` files are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import ast
from .diagnostics import Diagnostic, error
from .limits import MAX_FILE_BYTES, MAX_IMPORTS
from .parser import decode, parse


@dataclass
class Loaded:
    """The modules of one playbook, the text of every file read, and what went wrong."""

    modules: list[ast.Module] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def repository_root(path: Path) -> Path:
    start = path.resolve().parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def display_name(path: Path) -> str:
    """How a file is named in diagnostics: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load(path: Path, root: Path | None = None) -> Loaded:
    """Read, parse and follow the imports of the playbook at ``path``."""
    root = (root or repository_root(path)).resolve()
    loaded = Loaded()
    queue: list[Path] = [path.resolve()]
    seen: set[Path] = set()
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        module = _load_one(current, loaded)
        if module is None:
            continue
        loaded.modules.append(module)
        for statement in module.statements:
            if isinstance(statement, ast.Import):
                target = _resolve(statement, current, root, loaded)
                if target is not None and target not in seen:
                    if len(seen) + len(queue) >= MAX_IMPORTS:
                        loaded.diagnostics.append(
                            error(
                                "ABM218",
                                f"more than {MAX_IMPORTS} files are imported",
                                statement.span,
                                "join shared definitions into fewer files",
                            )
                        )
                        return loaded
                    queue.append(target)
    return loaded


def load_text(text: str, name: str = "<playbook>") -> Loaded:
    """Parse playbook text that is not in a file; its imports are refused."""
    loaded = Loaded(sources={name: text})
    module, diagnostics = parse(text, name)
    loaded.diagnostics += diagnostics
    if module is not None:
        loaded.modules.append(module)
        for statement in module.statements:
            if isinstance(statement, ast.Import):
                loaded.diagnostics.append(
                    error(
                        "ABM219",
                        "text given directly cannot import files",
                        statement.span,
                        "check the playbook from a file",
                    )
                )
    return loaded


def _load_one(path: Path, loaded: Loaded) -> ast.Module | None:
    name = display_name(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            data = path.open("rb").read(MAX_FILE_BYTES + 1)
        else:
            data = path.read_bytes()
    except OSError as exc:
        loaded.diagnostics.append(
            error(
                "ABM100",
                f"cannot read the file: {exc.strerror}",
                None,
                f"check that {name} exists and is readable",
            )
        )
        return None
    text, diagnostics = decode(data, name)
    loaded.diagnostics += diagnostics
    if text is None:
        return None
    loaded.sources[name] = text
    module, diagnostics = parse(text, name)
    loaded.diagnostics += diagnostics
    return module


def _resolve(statement: ast.Import, importer: Path, root: Path, loaded: Loaded) -> Path | None:
    target = (importer.parent / statement.path).resolve()
    if not target.is_relative_to(root):
        loaded.diagnostics.append(
            error(
                "ABM218",
                f'"{statement.path}" is outside the repository',
                statement.span,
                "a playbook may only import files of its own repository",
            )
        )
        return None
    if not target.is_file():
        loaded.diagnostics.append(
            error(
                "ABM219",
                f'there is no file "{statement.path}" to import',
                statement.span,
                "paths are relative to the importing file",
            )
        )
        return None
    return target
