"""The public API in one place: compile a playbook from a file or from text.

>>> result = compile_text('playbook "P" { horizon 90 days }  tier bulk otherwise')
>>> result.ok, [t.name for t in result.playbook.tiers]
(True, ['bulk'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .check import check
from .diagnostics import Diagnostic, has_errors
from .ir import Playbook
from .load import Loaded, load, load_text


@dataclass
class Compiled:
    """A compiled playbook (``None`` when it has errors), its diagnostics and sources."""

    playbook: Playbook | None
    diagnostics: list[Diagnostic]
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.playbook is not None and not has_errors(self.diagnostics)


def compile_loaded(loaded: Loaded) -> Compiled:
    if has_errors(loaded.diagnostics) or not loaded.modules:
        return Compiled(None, loaded.diagnostics, loaded.sources)
    playbook, diagnostics = check(loaded.modules)
    return Compiled(playbook, loaded.diagnostics + diagnostics, loaded.sources)


def compile_file(path: str | Path) -> Compiled:
    """Load, parse and check the playbook at ``path`` (with its imports)."""
    return compile_loaded(load(Path(path)))


def compile_text(text: str, name: str = "<playbook>") -> Compiled:
    """Parse and check playbook text."""
    return compile_loaded(load_text(text, name))
