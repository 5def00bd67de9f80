"""The code registry is complete and alive, and docs/diagnostics.md is generated from it."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import abmdsl
from abmdsl.codes import CODES
from abmdsl.diagnostics import Severity

PACKAGE = Path(abmdsl.__file__).resolve().parent
ROOT = PACKAGE.parent
LITERAL = re.compile(r'"(ABM\d{3})"')


def emitted() -> dict[str, set[str]]:
    """Code → the modules that write it as a literal (the registry itself excluded)."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "codes.py" and path.parent == PACKAGE:
            continue
        for code in LITERAL.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_code_the_package_writes_is_registered() -> None:
    unregistered = {c: sorted(m) for c, m in emitted().items() if c not in CODES}
    assert unregistered == {}, "add these to abmdsl/codes.py"


def test_every_registered_code_is_written_somewhere() -> None:
    dead = sorted(set(CODES) - set(emitted()))
    assert dead == [], "these codes are never emitted: remove them or emit them"


def test_the_issue_asks_for_at_least_30_documented_codes() -> None:
    assert len(CODES) >= 30


def test_codes_sit_in_their_ranges_in_order() -> None:
    assert list(CODES) == sorted(CODES)
    for code, entry in CODES.items():
        assert re.fullmatch(r"ABM[123]\d\d", code)
        assert entry.code == code


def test_every_entry_is_written_for_a_strategist() -> None:
    for entry in CODES.values():
        assert entry.severity in (Severity.ERROR, Severity.WARNING)
        assert 5 <= len(entry.title) <= 60 and not entry.title.endswith("."), entry.code
        assert entry.title[0].isupper(), entry.code
        assert len(entry.explanation) >= 80 and entry.explanation.endswith("."), entry.code
        assert "  " not in entry.explanation, entry.code


def _doc_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "diagnostics_doc", ROOT / "tools" / "diagnostics_doc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_docs_page_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert committed == _doc_tool().render(), "run .venv/bin/python tools/diagnostics_doc.py"


def test_docs_page_shows_every_code_with_its_output_and_fix() -> None:
    page = _doc_tool().render()
    for code, entry in CODES.items():
        section = page.split(f"\n## {code}\n", 1)[1].split("\n## ", 1)[0]
        assert entry.explanation in section
        assert f"[{code}]" in section or code == "ABM100", f"{code}: no output shown"
        assert "The fix" in section, f"{code}: no fix shown"


def test_doc_excerpts_show_the_changed_lines_with_context() -> None:
    bad = "a\nb\nc\nd\nx = 1\ne\nf\ng\nh\n"
    fixed = "a\nb\nc\nd\nx = 2\ne\nf\ng\nh\n"
    shown_bad, shown_fixed = _doc_tool().excerpts(bad, fixed)
    assert shown_bad == "...\nc\nd\nx = 1\ne\nf\n..."
    assert shown_fixed == "...\nc\nd\nx = 2\ne\nf\n..."
