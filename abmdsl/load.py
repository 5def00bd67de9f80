"""Loading: a playbook path → its parsed modules, following `import`s inside the repository.

The repository is the nearest folder above the playbook that holds ``.git`` (or the
playbook's own folder when there is none). Imports never leave it, symbolic links included,
and at most :data:`~abmdsl.limits.MAX_IMPORTS` files are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from . import ast
from .diagnostics import Diagnostic, closest, error
from .limits import MAX_FILE_BYTES, MAX_IMPORTS
from .parser import decode, normalise_newlines, parse
from .span import Span


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
                                "ABM239",
                                f"this import would join more than {MAX_IMPORTS} files "
                                "into one playbook",
                                statement.span,
                                "join shared definitions into fewer files",
                            )
                        )
                        return loaded
                    queue.append(target)
    return loaded


def load_text(text: str, name: str = "<playbook>") -> Loaded:
    """Parse playbook text that is not in a file; its imports are refused."""
    # Spans count lines of the text as parsed, with its line endings made plain.
    loaded = Loaded(sources={name: normalise_newlines(text)})
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
    data = _read(path, name, loaded)
    if data is None:
        return None
    text, diagnostics = decode(data, name)
    loaded.diagnostics += [_name_encoding(d, data) for d in diagnostics]
    if text is None:
        return None
    loaded.sources[name] = text
    module, diagnostics = parse(text, name)
    loaded.diagnostics += diagnostics
    return module


def _read(path: Path, name: str, loaded: Loaded) -> bytes | None:
    """The file's bytes, or None with a diagnostic when it is unreadable or too large."""
    try:
        size = path.stat().st_size
        if size <= MAX_FILE_BYTES:
            return path.read_bytes()
    except OSError as exc:
        loaded.diagnostics.append(
            error(
                "ABM100",
                f"cannot read {name}: {exc.strerror or exc}",
                None,
                "check that the file exists and that you may read it",
            )
        )
        return None
    loaded.diagnostics.append(
        error(
            "ABM102",
            f"the file is {size:,} bytes; a playbook may have at most {MAX_FILE_BYTES:,}",
            Span(name, 1, 1, 1, 1),
            "a playbook is a few kilobytes: keep data out of it, and split long playbooks "
            "into files joined with `import`",
        )
    )
    return None


# Old Russian and Polish editors save text in these; each has letters that give it away.
_LEGACY_ENCODINGS = (
    ("cp1251", "Windows-1251 (Cyrillic)", "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"),
    ("cp1250", "Windows-1250 (Central European)", "ąćęłńóśźż"),
)


_SAVE_AS = "most editors offer it under 'Save with encoding'"


def _name_encoding(d: Diagnostic, data: bytes) -> Diagnostic:
    """Say which encoding a file that is not UTF-8 seems to be in, when it is clear."""
    if d.code != "ABM101":
        return d
    for codec, label, letters in _LEGACY_ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        foreign = [c for c in text.lower() if ord(c) > 127]
        if foreign and sum(c in letters for c in foreign) >= 0.8 * len(foreign):
            message = d.message + f"; it looks like {label}"
            return replace(d, message=message, hint="save it again as UTF-8: " + _SAVE_AS)
    return d


def _resolve(statement: ast.Import, importer: Path, root: Path, loaded: Loaded) -> Path | None:
    target = (importer.parent / statement.path).resolve()
    if not target.is_relative_to(root):
        loaded.diagnostics.append(
            error(
                "ABM218",
                f'"{statement.path}" is outside the repository',
                statement.span,
                "a playbook may only import files of its own repository, the folder holding `.git`",
            )
        )
        return None
    if not target.is_file():
        loaded.diagnostics.append(
            error(
                "ABM219",
                f'there is no file "{statement.path}" to import',
                statement.span,
                _missing_hint(statement.path, target),
            )
        )
        return None
    return target


def _missing_hint(written: str, target: Path) -> str:
    """Suggest a playbook file of the same folder whose name is close to the one written."""
    folder = target.parent
    names = [p.name for p in folder.glob("*.abm")] if folder.is_dir() else []
    match = closest(target.name, names)
    if match is None:
        return "paths are relative to the importing file"
    prefix = written[: len(written) - len(written.rsplit("/", 1)[-1])]
    return f'did you mean "{prefix}{match}"? Paths are relative to the importing file'
