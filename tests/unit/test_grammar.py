"""The grammar: conflict-free under Lark's strict mode, shipped in the package, and its trees."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from abmdsl.parser import grammar_text, lark_parser, parse

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "parse"


def test_grammar_builds_in_strict_mode() -> None:
    # strict=True turns any shift/reduce conflict or terminal collision into an error.
    parser = lark_parser(strict=True)
    assert parser.options.parser == "lalr"


def test_grammar_is_loaded_from_the_package() -> None:
    assert grammar_text().startswith("// The abm playbook language")


@pytest.mark.parametrize("case", sorted(GOLDEN.glob("*.abm")), ids=lambda p: p.stem)
def test_parse_golden(case: Path) -> None:
    module, diagnostics = parse(case.read_text(encoding="utf-8"), case.name)
    assert diagnostics == []
    assert module is not None
    got = json.dumps(module.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    expected = case.with_suffix(".ast.json")
    if os.environ.get("ABM_UPDATE_GOLDEN"):
        expected.write_text(got, encoding="utf-8")
    assert got == expected.read_text(encoding="utf-8")


def test_spans_point_at_the_source() -> None:
    text = 'tier tailored "One-to-one" when attractiveness >= 4 {\n  cadence warm\n}'
    module, _ = parse(text, "t.abm")
    assert module is not None
    tier = module.statements[0]
    assert (tier.name.span.line, tier.name.span.column) == (1, 6)
    assert (tier.when.left.span.line, tier.when.left.span.column) == (1, 33)
    assert tier.items[0].cadence.span.line == 2


def test_layout_does_not_change_the_tree() -> None:
    one, _ = parse("tier t when a >= 4 and b < 2")
    two, _ = parse("tier   t\n  when a>=4\n    and b<2 # comment\n")
    assert one is not None and two is not None
    assert one.model_dump() == two.model_dump()
