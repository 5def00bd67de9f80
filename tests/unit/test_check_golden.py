"""Golden tests of `abm check`: one small playbook per diagnostic code, with its exact output.

Each case in ``tests/golden/check/`` is a realistic playbook showing one mistake
(``<CODE>-<slug>.abm``, or a folder ``<CODE>-<slug>/`` holding ``main.abm`` when the case needs
several files), the exact text ``abm check`` prints for it (``.abm.err``: the diagnostics, then
the summary line) and the corrected playbook (``.fixed.abm``), which must check clean.

A few inputs are not committed, because they are too large, not text, or unreadable: they are
built here from their committed ``.fixed.abm``, and ``.about.md`` says what they hold.

Every case runs inside a temporary repository (a folder with ``.git``), so that file names
print the same everywhere and the import cases have a repository to stay inside.

After changing a message: ``ABM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_check_golden.py``
rewrites the outputs; read every changed ``.err`` file before committing it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from abmdsl.api import compile_file
from abmdsl.cli import main
from abmdsl.codes import CODES
from abmdsl.diagnostics import Severity
from abmdsl.limits import MAX_FILE_BYTES, MAX_IMPORTS

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "check"
UPDATE = os.environ.get("ABM_UPDATE_GOLDEN") == "1"
CASE_NAME = re.compile(r"^(ABM\d{3})-[a-z0-9-]+$")


@dataclass(frozen=True)
class Case:
    """One golden case; ``main`` and ``fixed`` are paths inside the temporary repository."""

    name: str
    main: str
    fixed: str
    expected: Path

    @property
    def code(self) -> str:
        return self.name[:6]


# ---------------------------------------------------------------- inputs built by the test
def _unreadable(repo: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that exists but cannot be opened (tests often run as root, so no chmod)."""
    target = repo / name
    shutil.copy(GOLDEN / name.replace(".abm", ".fixed.abm"), target)
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path.resolve() == target.resolve():
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)


def _windows_1251(repo: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixed playbook (Russian titles) as an old Excel-era editor saves it."""
    text = (GOLDEN / name.replace(".abm", ".fixed.abm")).read_text(encoding="utf-8")
    (repo / name).write_bytes(text.encode("cp1251"))


def _nul_byte(repo: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixed playbook with a NUL byte where a binary file was pasted into it."""
    text = (GOLDEN / name.replace(".abm", ".fixed.abm")).read_text(encoding="utf-8")
    at = text.index("tier tailored")
    (repo / name).write_text(text[:at] + "\x00\x01\x02" + text[at:], encoding="utf-8")


def _too_large(repo: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixed playbook followed by a CRM export pasted as comments, past the size limit."""
    text = (GOLDEN / name.replace(".abm", ".fixed.abm")).read_text(encoding="utf-8")
    row = "# ACC-000001;Pharma Holding;pharma;true;4;5;3;true;2\n"
    rows = row * (MAX_FILE_BYTES // len(row) + 1)
    (repo / name).write_text(text + rows, encoding="utf-8")


def _import_chain(repo: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A playbook importing a chain of files one longer than the limit allows."""
    fixed = (GOLDEN / name.replace(".abm", ".fixed.abm")).read_text(encoding="utf-8")
    header, _, rest = fixed.partition("\naccounts {")
    (repo / name).write_text(header + '\nimport "parts/part_001.abm"\n', encoding="utf-8")
    (repo / "parts").mkdir()
    for i in range(1, MAX_IMPORTS + 1):
        body = f'import "part_{i + 1:03}.abm"\n' if i < MAX_IMPORTS else "accounts {" + rest
        (repo / "parts" / f"part_{i:03}.abm").write_text(body, encoding="utf-8")


BUILT: dict[str, Callable[[Path, str, pytest.MonkeyPatch], None]] = {
    "ABM100-unreadable-file": _unreadable,
    "ABM101-not-utf8": _windows_1251,
    "ABM102-file-too-large": _too_large,
    "ABM103-nul-byte": _nul_byte,
    "ABM239-too-many-imports": _import_chain,
}


# ---------------------------------------------------------------- discovering cases
def cases() -> list[Case]:
    found: list[Case] = []
    for path in sorted(GOLDEN.iterdir()):
        if path.is_dir() and CASE_NAME.match(path.name):
            main_abm, fixed = f"{path.name}/main.abm", f"{path.name}/main.fixed.abm"
            found.append(Case(path.name, main_abm, fixed, path / "main.abm.err"))
        elif path.name.endswith(".fixed.abm") and CASE_NAME.match(path.name[: -len(".fixed.abm")]):
            name = path.name[: -len(".fixed.abm")]
            found.append(Case(name, f"{name}.abm", path.name, GOLDEN / f"{name}.abm.err"))
    return found


CASES = cases()


def _repo(tmp_path: Path, case: Case, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    source = GOLDEN / case.name
    if source.is_dir():
        shutil.copytree(source, repo / case.name)
    else:
        shutil.copy(GOLDEN / case.fixed, repo / case.fixed)
        if case.name in BUILT:
            BUILT[case.name](repo, case.main, monkeypatch)
        else:
            shutil.copy(GOLDEN / case.main, repo / case.main)
    monkeypatch.chdir(repo)
    return repo


def run_abm(*args: str) -> tuple[int, str]:
    """`abm` as a user runs it; returns the exit code and stdout followed by stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue() + err.getvalue()


def check_golden(expected: Path, output: str) -> None:
    if UPDATE:
        expected.write_text(output, encoding="utf-8")
    assert expected.exists(), f"no golden output {expected.name}: run with ABM_UPDATE_GOLDEN=1"
    assert output == expected.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the tests
def test_every_code_has_a_golden_case() -> None:
    assert sorted(CODES) == sorted({c.code for c in CASES})


def test_built_cases_are_all_present() -> None:
    names = {c.name for c in CASES}
    assert set(BUILT) <= names
    for name in BUILT:
        assert (GOLDEN / f"{name}.about.md").is_file(), f"{name} needs an .about.md for the docs"
        assert not (GOLDEN / f"{name}.abm").exists(), f"{name}.abm is built, not committed"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_mistake_prints_its_golden_output(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repo(tmp_path, case, monkeypatch)
    status, output = run_abm("check", case.main, "--colour", "never")
    check_golden(case.expected, output)
    if case.code == "ABM100":  # an unreadable file is a usage problem: exit 2, one line
        assert status == 2 and output.startswith("abm: error: cannot read ")
        return
    assert f"[{case.code}]" in output
    errors = CODES[case.code].severity is Severity.ERROR
    assert status == (1 if errors else 0)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_diagnostics_have_their_registered_severity(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(tmp_path, case, monkeypatch)
    diagnostics = compile_file(repo / case.main).diagnostics
    assert case.code in {d.code for d in diagnostics}
    for d in diagnostics:
        assert d.severity is CODES[d.code].severity, d


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_fixed_playbook_checks_clean(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(tmp_path, case, monkeypatch)
    result = compile_file(repo / case.fixed)
    assert [(d.code, d.message) for d in result.diagnostics] == []
    assert result.ok


FORMATS = GOLDEN / "multiple-mistakes.abm"


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_output_formats_of_a_file_with_several_mistakes(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    shutil.copy(FORMATS, repo / FORMATS.name)
    monkeypatch.chdir(repo)
    status, output = run_abm("check", FORMATS.name, "--format", fmt, "--colour", "never")
    suffix = {"text": ".err", "json": ".json", "github": ".github"}[fmt]
    check_golden(FORMATS.with_name(FORMATS.name + suffix), output)
    assert status == 1
