"""The built wheel works on its own: installed into a fresh venv, `abm check` runs from it.

The editable install of the development venv reads files from the source tree, so it would
hide a file the wheel forgets (the grammar, above all). Here the wheel is built, installed
into a new venv with no access to the source tree or to the development venv's packages, and
its `abm` checks a copy of the seed playbook placed outside the source tree.

Dependencies are installed the way a user gets them: pip resolves them from its configured
index (on this machine a local mirror, so the whole test takes a few seconds). The new venv
is made ``--without-pip`` and filled by the development venv's pip (``pip --python``), which
saves bootstrapping a second pip. ``--system-site-packages`` is not used: it would let the
venv import packages the wheel does not declare.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow  # some 10-30 s; part of `make test` all the same


def _run(command: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    # --no-isolation: the dev venv already holds the build backend (hatchling)
    built = _run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, ROOT],
        ROOT,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [found] = dist.glob("abmdsl-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("venv")
    made = _run([sys.executable, "-m", "venv", "--without-pip", home], home)
    assert made.returncode == 0, made.stderr
    python = home / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet"]
    installed = _run([*pip, wheel], home)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return home


def test_the_wheel_holds_the_grammar_and_the_command(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points).decode()
    assert "abmdsl/grammar/abm.lark" in names
    assert "abmdsl/cli.py" in names
    assert "abm = abmdsl.cli:main" in scripts
    assert not [n for n in names if n.startswith(("tests/", "bench/", "playbooks/"))]


def test_abm_check_runs_from_the_installed_wheel(venv: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(ROOT / "playbooks" / "pharma_pilot.abm", outside / "pilot.abm")
    (outside / "broken.abm").write_text('playbook "B" { horizon 90 days }\ntier t when\n')

    where = _run([venv / "bin" / "python", "-c", "import abmdsl; print(abmdsl.__file__)"], outside)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr

    good = _run([venv / "bin" / "abm", "check", "pilot.abm"], outside)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "0 errors" in good.stderr

    bad = _run([venv / "bin" / "abm", "check", "broken.abm"], outside)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "ABM105" in bad.stdout
