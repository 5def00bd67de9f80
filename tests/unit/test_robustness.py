"""Hostile input: whatever a file holds, `abm check` and `compile_text` answer with diagnostics.

Each case is a file's bytes. It goes through the CLI (`abm check` on the file, in both the
text and the JSON format) and, decoded, through :func:`abmdsl.api.compile_text`. Neither may
raise; the exit code is 1 (diagnostics), never a traceback; where a limit of
:mod:`abmdsl.limits` applies, its diagnostic code is asserted.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from abmdsl.api import compile_text
from abmdsl.cli import main
from abmdsl.diagnostics import Diagnostic
from abmdsl.limits import MAX_EXPR_DEPTH, MAX_FILE_BYTES, MAX_NUMBER_DIGITS
from abmdsl.parser import lark_parser, parse
from abmdsl.transform import ToAst

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "playbooks" / "pharma_pilot.abm").read_text(encoding="utf-8")
HEADER = 'playbook "Robust" { start 2027-01-11  horizon 90 days  currency USD }\n'


@dataclass(frozen=True)
class Case:
    """A file's content; the code `abm check` must report (None: none) and its exit code."""

    id: str
    data: Callable[[], bytes]
    code: str | None
    exit: int = 1
    text_code: str | None = "same"  # the code through compile_text, when it differs

    def expected_text_code(self) -> str | None:
        return self.code if self.text_code == "same" else self.text_code


def _text(text: str) -> Callable[[], bytes]:
    return lambda: text.encode("utf-8")


def _random_bytes(seed: int) -> Callable[[], bytes]:
    return lambda: random.Random(seed).randbytes(4_096)


def _chain(op: str, term: str, count: int) -> str:
    return f" {op} ".join([term] * count)


def _else_if(count: int) -> str:
    branches = "".join(f"if insider then {i % 5 + 1} else " for i in range(count))
    return branches + "1"


def _with_criterion(expr: str) -> str:
    return (
        HEADER
        + "accounts {\n  key id: text\n  insider: bool\n}\n"
        + f"score s scale 1..5 {{\n  c weight 100% = {expr}\n}}\n"
        + "tier all otherwise\n"
    )


CASES = [
    Case("empty", _text(""), "ABM225"),  # no header: the one error an empty playbook has
    Case("only-whitespace", _text("\n\t \r\n"), "ABM225"),
    *[Case(f"random-bytes-{seed}", _random_bytes(seed), None, text_code=None) for seed in (1, 2)],
    Case("nul-byte", lambda: HEADER.encode() + b"tier t\x00 otherwise\n", "ABM103"),
    Case(
        "invalid-utf8",
        lambda: HEADER.encode() + b"tier caf\xe9 otherwise\n",
        "ABM101",
        text_code="ABM103",
    ),
    Case("bom", lambda: b"\xef\xbb\xbf" + SEED.encode(), None, exit=0),
    Case("crlf", _text(SEED.replace("\n", "\r\n")), None, exit=0),
    Case("lone-cr", _text(SEED.replace("\n", "\r")), None, exit=0),
    Case("tabs", _text(SEED.replace("  ", "\t")), None, exit=0),
    Case("ten-megabytes", _text("# filler line\n" * (10_000_000 // 14 + 1)), "ABM102"),
    Case(
        "parentheses-10000",
        _text(HEADER + "kpi k = " + "(" * 10_000 + "1" + ")" * 10_000),
        "ABM106",
    ),
    Case("goals-1000-deep", _text(HEADER + "goal g {\n" * 1_000 + "}\n" * 1_000), "ABM106"),
    Case("sum-20000-terms", _text(HEADER + "kpi k = " + _chain("+", "a", 20_000)), "ABM106"),
    Case(
        "and-20000-terms",
        _text(HEADER + "verdict pass when " + _chain("and", "k", 20_000)),
        "ABM106",
    ),
    Case("else-if-1000", _text(_with_criterion(_else_if(1_000))), "ABM106"),
    Case(
        "if-nested-1000",
        _text(HEADER + "kpi k = " + "if true then " * 1_000 + "1" + " else 2" * 1_000),
        "ABM106",
    ),
    Case("not-5000", _text(HEADER + "verdict pass when " + "not " * 5_000 + "true"), "ABM106"),
    Case("minus-5000", _text(HEADER + "kpi k = " + "-" * 5_000 + "1"), "ABM106"),
    Case("digits-10000", _text(HEADER + "kpi k = " + "9" * 10_000), "ABM110"),
    Case("decimal-10000", _text(HEADER + "kpi k = 0." + "9" * 10_000), "ABM110"),
    Case("int-10000", _text(HEADER + "simulate {\n  runs " + "9" * 10_000 + "\n}\n"), "ABM110"),
    Case("money-5000", _text(HEADER + "baseline b = " + "9" * 5_000 + " USD"), "ABM110"),
    Case("exponent", _text(HEADER + "kpi k = 1e400"), "ABM104"),  # no exponents in the language
    Case(
        "string-1mb", _text(f'playbook "{"x" * 1_000_000}" {{ horizon 90 days }}\n'), None, exit=0
    ),
    Case("comment-line-1mb", _text(SEED + "# " + "y" * 1_000_000 + "\n"), None, exit=0),
    Case("error-at-column-1m", _text(HEADER + " " * 1_000_000 + "tier t when\n"), "ABM105"),
    Case("unclosed-string", _text(HEADER + 'tier t "never closed\n'), "ABM107"),
]


def _spans_valid(diagnostics: list[Diagnostic], text: str) -> None:
    lines = text.count("\n") + 1
    for d in diagnostics:
        for span in [d.span, *(s for _, s in d.notes)]:
            if span is not None:
                assert 1 <= span.line <= lines, d
                assert span.column >= 1, d
                assert (span.end_line, span.end_column) >= (span.line, span.column), d


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_abm_check_answers_with_diagnostics(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hostile.abm"
    path.write_bytes(case.data())
    assert main(["check", "--colour", "always", str(path)]) == case.exit  # the text renderer
    assert "Traceback" not in capsys.readouterr().err
    assert main(["check", "--format", "json", str(path)]) == case.exit
    found = json.loads(capsys.readouterr().out)
    errors = [d["code"] for d in found if d["severity"] == "error"]
    if case.exit == 0:
        assert errors == []
    else:
        assert errors
    if case.code is not None:
        assert case.code in errors, found[:3]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_compile_text_answers_with_diagnostics(case: Case) -> None:
    # surrogateescape keeps every byte: invalid UTF-8 reaches the parser as odd characters
    text = case.data().decode("utf-8", "surrogateescape")
    result = compile_text(text, "hostile.abm")
    codes = [d.code for d in result.diagnostics if d.severity == "error"]
    assert result.ok is (case.exit == 0), result.diagnostics[:3]
    if case.expected_text_code() is not None:
        assert case.expected_text_code() in codes
    _spans_valid(result.diagnostics, text.replace("\r\n", "\n").replace("\r", "\n"))


def test_the_too_long_expression_is_pointed_at() -> None:
    result = compile_text(HEADER + "\nkpi k =\n  " + _chain("+", "a", 20_000), "long.abm")
    [d] = result.diagnostics
    assert (d.code, d.span.line, d.span.column) == ("ABM106", 4, 3)
    assert str(MAX_EXPR_DEPTH) in d.message


def test_expressions_just_under_the_bounds_are_accepted() -> None:
    # the bounds refuse pathological input only: a long else-if chain and a long sum pass
    else_if = compile_text(_with_criterion(_else_if(MAX_EXPR_DEPTH // 2 - 1)))
    assert not [d for d in else_if.diagnostics if d.code == "ABM106"], else_if.diagnostics
    terms = _chain("+", "insider_points", MAX_EXPR_DEPTH)
    text = HEADER + f"baseline insider_points = 1\nkpi k = {terms}\n  target >= 1\n"
    total = compile_text(text + "verdict pass when k\n")
    assert total.ok, total.diagnostics
    assert compile_text(HEADER + "baseline b = " + "9" * MAX_NUMBER_DIGITS + " USD").ok


def test_a_file_one_byte_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.abm"
    path.write_bytes(b"#" * MAX_FILE_BYTES + b"\n")
    assert main(["check", "--format", "json", str(path)]) == 1
    assert compile_text("é" * (MAX_FILE_BYTES // 2 + 1)).diagnostics[0].code == "ABM102"


def test_crlf_reports_the_same_lines_as_lf() -> None:
    broken = SEED.replace("weight 30% = if has_budget", "weight 30 = if has_budget")
    lf = compile_text(broken)
    crlf = compile_text(broken.replace("\n", "\r\n"))
    assert [d.code for d in lf.diagnostics] == ["ABM104"]
    assert [(d.code, d.span) for d in crlf.diagnostics] == [
        (d.code, d.span) for d in lf.diagnostics
    ]


def test_syntax_errors_far_down_a_file_point_at_their_place() -> None:
    # each statement is re-parsed alone; its errors must be moved back to their line
    text = HEADER + "tier ok otherwise\n" * 5_000 + "tier t when a & b\ntier broken when\n"
    first, second = compile_text(text).diagnostics
    assert (first.code, first.span.line, first.span.column, first.hint) == (
        "ABM103",
        5_002,
        15,
        "write `and`",
    )
    assert (second.code, second.span.line) == ("ABM105", 5_003)


def test_every_rule_of_the_grammar_has_a_builder() -> None:
    # the AST builder dispatches on rule names: a rule without a method would raise on input
    built = {
        str(rule.alias or rule.origin.name)
        for rule in lark_parser().rules
        if rule.alias or not rule.options.expand1  # `?rule`s of one child leave no node
    }
    assert {name for name in built if not name.startswith("_")} - set(dir(ToAst)) == set()


def test_parses_in_threads_keep_their_own_comments() -> None:
    # one parser serves the whole process; nothing of one parse may leak into another
    texts = [f"# comment {i}\n{HEADER}tier t{i} otherwise  # after {i}\n" for i in range(8)]

    def comments(text: str) -> list[str]:
        module, diagnostics = parse(text)
        assert module is not None, diagnostics
        return [c.text for c in module.comments]

    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(comments, texts * 25))
    assert found == [[f"# comment {i}", f"# after {i}"] for i in range(8)] * 25
