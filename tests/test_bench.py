"""The benchmark code keeps working: `bench/run.py --quick` runs and prints its table.

No timing is asserted here (machines differ); docs/performance.md holds the figures.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from abmdsl.api import compile_text

ROOT = Path(__file__).resolve().parents[1]


def _bench_module(name: str) -> ModuleType:
    """A module of bench/, which is a folder of scripts, not a package."""
    if str(ROOT / "bench") not in sys.path:
        sys.path.append(str(ROOT / "bench"))  # run.py imports generate.py by its bare name
    spec = importlib.util.spec_from_file_location(
        f"abm_bench_{name}", ROOT / "bench" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


run = _bench_module("run")
realistic_playbook = _bench_module("generate").realistic_playbook


def test_bench_quick_prints_the_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "| what | time | ratio to Lark's bare parse | goal | met |" in done.stdout
    assert "`compile_text`" in done.stdout
    assert "`abm --version`" in done.stdout
    assert "Heaviest imports" in done.stdout


def test_the_generated_playbook_is_clean_and_as_long_as_asked() -> None:
    text = realistic_playbook(600, seed=3)
    assert len(text.splitlines()) >= 600
    result = compile_text(text)
    assert result.ok and result.diagnostics == [], result.diagnostics[:3]


def test_write_doc_replaces_only_the_figures(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Perf\n\nprose\n\n{run.START}\nold\n{run.END}\n\nmore prose\n")
    run.write_doc("new figures", doc)
    assert doc.read_text() == (
        f"# Perf\n\nprose\n\n{run.START}\nnew figures\n{run.END}\n\nmore prose\n"
    )
