"""The formatter's layout rules one by one, and `abm fmt` through the CLI."""

from __future__ import annotations

import os
import stat
from decimal import Decimal
from pathlib import Path

import pytest

from abmdsl import ast
from abmdsl import formatter as formatter_module
from abmdsl.cli import main
from abmdsl.diagnostics import DiagnosticError
from abmdsl.format_expr import expr, quote
from abmdsl.formatter import UnsafeFormat, format_module, format_source
from abmdsl.parser import parse


def fmt_expr(text: str) -> str:
    """The canonical text of one expression, read as the value of a baseline."""
    formatted = format_source(f"baseline b = {text}")
    assert formatted.startswith("baseline b = ") and formatted.count("\n") == 1, formatted
    return formatted.removeprefix("baseline b = ").rstrip("\n")


def n(name: str) -> ast.Name:
    return ast.Name(id=name)


# ---------------------------------------------------------------- expressions
@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("((a))", "a"),
        ("(a - b) - c", "a - b - c"),
        ("a - (b - c)", "a - (b - c)"),
        ("a - (b + c)", "a - (b + c)"),
        ("(a * b) + (c / d)", "a * b + c / d"),
        ("(a + b) * c", "(a + b) * c"),
        ("a / (b / c)", "a / (b / c)"),
        ("a / (b * c)", "a / (b * c)"),
        ("-(a + b)", "-(a + b)"),
        ("-(-a)", "--a"),
        ("- (a)", "-a"),
        ("a - -3", "a - -3"),
        ("(-3) * x", "-3 * x"),
        ("(a or b) and c", "(a or b) and c"),
        ("a or (b and c)", "a or b and c"),
        ("a or (b or c)", "a or (b or c)"),
        ("not (a and b)", "not (a and b)"),
        ("not (a >= b)", "not a >= b"),
        ("(not a) and b", "not a and b"),
        ("(a = b) = c", "(a = b) = c"),
        ("a + 1 >= (b * 2)", "a + 1 >= b * 2"),
        ("(a + b) in 1..5", "a + b in 1..5"),
        ("(a >= b) in (true)", "(a >= b) in (true)"),
        ("x not in (1, 2)", "x not in (1, 2)"),
        ("x not in -5..-1", "x not in -5..-1"),
        ("(x) is not missing", "x is not missing"),
        ("if a then b else if c then d else e", "if a then b else if c then d else e"),
        ("if (if a then b else c) then d else e", "if (if a then b else c) then d else e"),
        ("if a then (if b then c else d) else e", "if a then (if b then c else d) else e"),
        ("1 + (if a then 2 else 3)", "1 + (if a then 2 else 3)"),
        ("f((if a then b else c), (x))", "f(if a then b else c, x)"),
        ("f( )", "f()"),
        ('count( activities where type = "x" )', 'count(activities where type = "x")'),
        ("sum(activities . cost)", "sum(activities.cost)"),
        ("distinct(activities.id where (a or b))", "distinct(activities.id where a or b)"),
        ("baseline . inbound", "baseline.inbound"),
    ],
)
def test_expressions_get_the_fewest_parentheses(written: str, canonical: str) -> None:
    assert fmt_expr(written) == canonical


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("2.50", "2.50"),
        ("007", "7"),
        ("0.125", "0.125"),
        ("25%", "25%"),
        ("2.5%", "2.5%"),
        ("-5%", "-5%"),
        ("1000 USD", "1000 USD"),
        ("12.30 EUR", "12.30 EUR"),
        ("1 minute", "1 min"),
        ("45 minutes", "45 min"),
        ("2 hours", "2 h"),
        ("1 hour", "1 h"),
        ("1 days", "1 day"),
        ("3 day", "3 days"),
        ("1 weeks", "1 week"),
        ("2 week", "2 weeks"),
        ("1.5 days", "1.5 days"),
        ("10 business days", "10 business days"),
        ("2027-01-11", "2027-01-11"),
        ("true", "true"),
        ("missing", "missing"),
        (r'"say \"hi\""', r'"say \"hi\""'),
        (r'"a\\b\nc"', r'"a\\b\nc"'),
        ('"Пилот «фарма» zażółć"', '"Пилот «фарма» zażółć"'),
    ],
)
def test_literals_keep_their_value_in_one_spelling(written: str, canonical: str) -> None:
    assert fmt_expr(written) == canonical


def test_a_string_is_re_escaped_from_its_value() -> None:
    value = 'a "b" \\ c\nd'
    assert quote(value) == r'"a \"b\" \\ c\nd"'
    module, _ = parse("baseline b = " + quote(value))
    assert module is not None
    assert module.statements[0].expr.value == value


def test_an_if_as_an_operand_is_parenthesized_in_a_built_tree() -> None:
    cond = ast.If(cond=n("a"), then=n("b"), else_=n("c"))
    tree = ast.Binary(op="*", left=cond, right=ast.Number(value=Decimal(2)))
    assert expr(tree) == "(if a then b else c) * 2"
    nested = ast.Binary(op="-", left=n("a"), right=ast.Binary(op="-", left=n("b"), right=n("c")))
    assert expr(nested) == "a - (b - c)"


# ---------------------------------------------------------------- statements
@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("abm   1.0", "abm 1.0"),
        ('import"a.abm"', 'import "a.abm"'),
        ("tier t when x {}", "tier t when x"),
        ('tier t  "T"  otherwise', 'tier t "T" otherwise'),
        ("tier t otherwise { holdout 5% }", "tier t otherwise {\n  holdout 5%\n}"),
        (
            "tier t when x { at most 3 accounts ranked by a desc }",
            "tier t when x {\n  at most 3 accounts ranked by a desc\n}",
        ),
        (
            "tier t when x { at most 3 accounts ranked by a }",
            "tier t when x {\n  at most 3 accounts ranked by a\n}",
        ),
        ("plan { stage s weeks 3..3 { } }", "plan {\n  stage s week 3 {\n  }\n}"),
        ("plan { stage s weeks 3..4 { } }", "plan {\n  stage s weeks 3..4 {\n  }\n}"),
        ("kpi k=x", "kpi k = x"),
        ("kpi k=x measures g", "kpi k =\n  x\n  measures g"),
        ("verdict pass when\n  a and b", "verdict pass when a and b"),
        ("simulate{}", "simulate {\n}"),
        (
            "cadence c over 5 business days { touch 2: email to a,b refers to touch 1 }",
            "cadence c over 5 business days {\n  touch 2: email to a, b refers to touch 1\n}",
        ),
    ],
)
def test_statement_layout(written: str, canonical: str) -> None:
    assert format_source(written) == canonical + "\n"


def test_field_constraints_come_in_one_order() -> None:
    got = format_source("accounts { x: int optional references accounts 0..5 key y: text }")
    assert got == ("accounts {\n  x: int 0..5 optional references accounts\n  key y: text\n}\n")


def test_statements_are_separated_by_exactly_one_blank_line() -> None:
    assert format_source("\n\n\ntier a otherwise tier b otherwise\n\n\n\n") == (
        "tier a otherwise\n\ntier b otherwise\n"
    )


def test_a_pair_gets_a_comma_only_before_a_name_that_could_continue_its_value() -> None:
    written = 'example "e" { given account { a: 5, h: 1, b: 2, USD: 3, c: x, and: y, z: 1 } }'
    assert format_source(written) == (
        'example "e" {\n'
        "  given account {\n"
        "    a: 5,\n"
        "    h: 1\n"
        "    b: 2,\n"
        "    USD: 3\n"
        "    c: x,\n"
        "    and: y\n"
        "    z: 1\n"
        "  }\n"
        "}\n"
    )


def test_a_criterion_keeps_its_value_apart_from_a_next_one_named_like_a_unit() -> None:
    written = "score s scale 1..5 { a weight 5% = (5) h weight 5% = (1) USD weight 3% = (2) }"
    assert format_source(written) == (
        "score s scale 1..5 {\n  a weight 5% = (5)\n  h weight 5% = (1)\n  USD weight 3% = 2\n}\n"
    )


def test_an_empty_module_formats_to_nothing() -> None:
    assert format_source("") == ""
    assert format_source("\n\n  \t\n") == ""


def test_a_tree_without_spans_formats_too() -> None:
    module = ast.Module(
        path="built",
        statements=[
            ast.Baseline(name=ast.Ident(name="b"), expr=ast.Number(value=Decimal("2.50"))),
            ast.Tier(name=ast.Ident(name="rest"), items=[ast.Holdout(share=ast.Percent(value=5))]),
        ],
    )
    assert format_module(module) == "baseline b = 2.50\n\ntier rest otherwise {\n  holdout 5%\n}\n"


# ---------------------------------------------------------------- comments and blank lines
def test_comments_stay_in_their_places() -> None:
    written = (
        "# header\n\n"
        "tier t when x {   # after the brace\n"
        "  # before the item\n"
        "  holdout 5%     # after the item\n"
        "  # at the end of the block\n"
        "}  # after the block\n"
        "# at the end of the file\n"
    )
    assert format_source(written) == (
        "# header\n\n"
        "tier t when x {  # after the brace\n"
        "  # before the item\n"
        "  holdout 5%  # after the item\n"
        "  # at the end of the block\n"
        "}  # after the block\n"
        "# at the end of the file\n"
    )


def test_comments_of_a_construct_joined_onto_one_line_go_above_but_the_last() -> None:
    written = "baseline b = a +  # one\n  b +  # two\n  c  # three\n"
    assert format_source(written) == "# one\n# two\nbaseline b = a + b + c  # three\n"


def test_a_comment_loses_its_trailing_spaces_only() -> None:
    assert format_source("#  two  spaces   \t\ntier t otherwise") == (
        "#  two  spaces\ntier t otherwise\n"
    )


def test_blank_lines_inside_blocks_collapse_to_one_and_never_follow_a_brace() -> None:
    written = "goal g {\n\n\n  milestone a\n\n\n\n  milestone b\n\n}\n"
    assert format_source(written) == "goal g {\n  milestone a\n\n  milestone b\n}\n"


def test_examples_and_kpis_keep_no_blank_lines() -> None:
    written = (
        'kpi k = x\n\n  target >= 1\n\nexample "e" {\n\n  given account {\n\n  a: 1\n\n  }\n}\n'
    )
    assert format_source(written) == (
        'kpi k =\n  x\n  target >= 1\n\nexample "e" {\n  given account {\n    a: 1\n  }\n}\n'
    )


def test_comments_around_a_given_block_are_placed_exactly() -> None:
    written = (
        'example "e" {\n'
        "  # before given\n"
        "  given account {  # after given\n"
        "    a: 1\n"
        "    # after the last pair\n"
        "  }  # after the given block\n"
        "  expect tier t\n"
        "}\n"
    )
    assert format_source(written) == written


def test_the_parser_returns_the_comments_on_every_call() -> None:
    """The formatter puts back what ``module.comments`` holds: it must hold every comment."""
    for _ in range(2):
        module, _ = parse('baseline b = "not # a comment"  # a comment\n# another\n')
        assert module is not None
        found = [(c.text, c.span.line, c.span.column) for c in module.comments if c.span]
        assert found == [("# a comment", 1, 33), ("# another", 2, 1)]


# ---------------------------------------------------------------- format_source
def test_format_source_normalises_crlf_tabs_and_the_bom() -> None:
    written = "\ufeffabm 1\r\n\r\ntier\tbulk\totherwise\t# tab\r\n"
    assert format_source(written) == "abm 1\n\ntier bulk otherwise  # tab\n"


def test_format_source_raises_the_syntax_diagnostics() -> None:
    with pytest.raises(DiagnosticError) as caught:
        format_source("tier t when {", "bad.abm")
    assert caught.value.diagnostics
    assert caught.value.diagnostics[0].span is not None
    assert caught.value.diagnostics[0].span.file == "bad.abm"


def test_output_that_would_change_the_playbook_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(formatter_module, "format_module", lambda module, source=None: "")
    with pytest.raises(UnsafeFormat, match="different playbook"):
        format_source("tier t otherwise")


# ---------------------------------------------------------------- `abm fmt`
MESSY = "tier   t   otherwise   # rest\n\n\n\nkpi k=x target>=1\n"
CANONICAL = "tier t otherwise  # rest\n\nkpi k =\n  x\n  target >= 1\n"


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    path = tmp_path / "messy.abm"
    path.write_text(MESSY, encoding="utf-8")
    return path


def test_fmt_check_reports_a_messy_file_and_leaves_it(
    messy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fmt", "--check", str(messy)]) == 1
    out, err = capsys.readouterr()
    assert out == f"would reformat {messy}\n"
    assert "1 file would be reformatted" in err
    assert messy.read_text(encoding="utf-8") == MESSY


def test_fmt_check_passes_a_canonical_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ok.abm"
    path.write_text(CANONICAL, encoding="utf-8")
    assert main(["fmt", "--check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "1 file would be left unchanged" in err


def test_fmt_rewrites_in_place_keeping_the_mode_and_no_temporary_file(
    messy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messy.chmod(0o640)
    assert main(["fmt", str(messy)]) == 0
    assert messy.read_text(encoding="utf-8") == CANONICAL
    assert stat.S_IMODE(messy.stat().st_mode) == 0o640
    assert sorted(p.name for p in messy.parent.iterdir()) == ["messy.abm"]
    assert "1 file reformatted" in capsys.readouterr().err
    assert main(["fmt", str(messy)]) == 0  # the second run changes nothing
    assert "1 file left unchanged" in capsys.readouterr().err


def test_fmt_writes_lf_without_a_bom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "windows.abm"
    path.write_bytes(b"\xef\xbb\xbfabm 1\r\n\r\ntier t otherwise\r\n")
    assert main(["fmt", "--check", str(path)]) == 1  # only the bytes differ, still a change
    assert main(["fmt", "--diff", str(path)]) == 1
    assert "only line endings or the byte-order mark" in capsys.readouterr().out
    assert main(["fmt", str(path)]) == 0
    assert path.read_bytes() == b"abm 1\n\ntier t otherwise\n"


def test_fmt_leaves_a_file_with_a_syntax_error_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.abm"
    bad.write_text("tier   t when {\n", encoding="utf-8")
    before = bad.stat().st_mtime_ns
    assert main(["fmt", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:1:" in err and "error[" in err
    assert "1 file not formatted (errors above)" in err
    assert bad.read_text(encoding="utf-8") == "tier   t when {\n"
    assert bad.stat().st_mtime_ns == before


def test_fmt_reports_a_file_that_is_not_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = tmp_path / "binary.abm"
    binary.write_bytes(b"tier t otherwise\x00")
    assert main(["fmt", str(binary)]) == 1
    assert "NUL" in capsys.readouterr().err
    assert binary.read_bytes() == b"tier t otherwise\x00"


def test_fmt_diff_prints_a_unified_diff_and_writes_nothing(
    messy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fmt", "--diff", str(messy)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"--- {messy}\n+++ {messy} (formatted)\n@@ ")
    assert "-tier   t   otherwise   # rest\n" in out
    assert "+tier t otherwise  # rest\n" in out
    assert messy.read_text(encoding="utf-8") == MESSY


def test_fmt_on_a_folder_counts_every_file(
    tmp_path: Path, messy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ok.abm").write_text(CANONICAL, encoding="utf-8")
    (tmp_path / "other.abm").write_text("tier   x otherwise", encoding="utf-8")
    assert main(["fmt", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "2 files reformatted, 1 file left unchanged" in err


def test_fmt_refuses_to_write_output_that_would_change_the_playbook(
    messy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(formatter_module, "format_module", lambda module, source=None: "")
    assert main(["fmt", str(messy)]) == 2
    assert "left unchanged" in capsys.readouterr().err
    assert messy.read_text(encoding="utf-8") == MESSY


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_fmt_reports_an_unreadable_file(messy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messy.chmod(0)
    try:
        assert main(["fmt", str(messy)]) == 2
    finally:
        messy.chmod(0o644)
    assert "cannot read" in capsys.readouterr().err
