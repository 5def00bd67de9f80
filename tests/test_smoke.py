"""The seed playbook compiles cleanly through the public API and the CLI."""

import subprocess
import sys
from pathlib import Path

from abmdsl.api import compile_file
from abmdsl.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_seed_playbook_checks_clean() -> None:
    result = compile_file(ROOT / "playbooks" / "pharma_pilot.abm")
    assert result.ok, result.diagnostics
    assert result.diagnostics == []
    assert [t.name for t in result.playbook.tiers] == ["tailored", "cluster", "bulk"]


def test_cli_check_exit_codes(tmp_path: Path) -> None:
    assert main(["check", str(ROOT / "playbooks" / "pharma_pilot.abm")]) == 0
    bad = tmp_path / "bad.abm"
    bad.write_text('playbook "x" { horizon 90 days }\ntier t when potental >= 4\n')
    assert main(["check", str(bad)]) == 1
    assert main(["check", str(tmp_path / "missing.abm")]) == 2


def test_abm_starts_without_the_engines() -> None:
    # `abm --version` builds the whole parser: every subcommand's module is imported, so none
    # may import DuckDB, Arrow, SQLGlot or the IR at its top (a start went from 0.04 s to 0.8 s).
    code = (
        "import sys\nfrom abmdsl.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = ['duckdb', 'pyarrow', 'sqlglot', 'abmdsl.ir', 'matplotlib', 'networkx']\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
