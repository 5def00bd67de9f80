"""Many playbooks at once, as `abm check playbooks/` sees them.

A file that another file of the same run imports is a library of shared definitions: it is
checked as part of each playbook that imports it, not on its own (it has no header).
"""

from __future__ import annotations

from pathlib import Path

from .api import Compiled, compile_loaded
from .load import Loaded, load


def compile_all(paths: list[Path]) -> list[Compiled]:
    loaded: list[Loaded] = [load(path) for path in paths]
    imported = {m.path for one in loaded for m in one.modules[1:]}
    return [
        compile_loaded(one)
        for one in loaded
        if not (one.modules and one.modules[0].path in imported)
    ]
