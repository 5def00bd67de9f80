"""What the benchmark smoke tests share: loading a script of `bench/` and running one quickly.

`bench/` is a folder of scripts, not a package, so its modules are loaded by path.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


def bench_module(name: str) -> ModuleType:
    """``bench/<name>.py`` as a module (its own imports of sibling scripts work too)."""
    if str(BENCH) not in sys.path:
        sys.path.append(str(BENCH))  # the scripts import each other by their bare names
    spec = importlib.util.spec_from_file_location(f"abm_bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run_bench(script: str, *flags: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """``python bench/<script> FLAGS`` from the repository's root; asserts it succeeded."""
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *flags],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done
