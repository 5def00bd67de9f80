"""Diagnostics as a user meets them: syntax errors in words, all of them in one run, hints that
name the right thing, and the three output formats."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from abmdsl.api import compile_text
from abmdsl.cli import main
from abmdsl.diagnostics import Diagnostic, closest, error, warning
from abmdsl.limits import MAX_DIAGNOSTICS
from abmdsl.load import load
from abmdsl.parser import lark_parser, parse
from abmdsl.render import render_github, render_json, render_text
from abmdsl.span import Span

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "playbooks" / "pharma_pilot.abm").read_text(encoding="utf-8")
HEADER = 'playbook "P" {\n  horizon 90 days\n}\n'


def codes(text: str) -> list[str]:
    return [d.code for d in compile_text(text, "p.abm").diagnostics]


def run_abm(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------- syntax errors in words
def _token_names() -> set[str]:
    return {t.name for t in lark_parser().terminals} | {"$END"}


def _leaks(d: Diagnostic) -> list[str]:
    """Grammar token names in a diagnostic's words (text in backticks is the user's own)."""
    words = re.sub(r"`[^`]*`", "", f"{d.message} {d.hint or ''}")
    names = _token_names()
    found = {w for w in re.findall(r"\$?[A-Za-z_][A-Za-z0-9_]*", words) if w in names}
    return sorted(found | set(re.findall(r"(?i)__anon\w*", words)))


def _statements(text: str) -> list[str]:
    """The seed's top-level statements, each parsed on its own to keep the test fast."""
    starts = [m.start() for m in re.finditer(r"^[a-z]", text, re.MULTILINE)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def _broken_variants(statement: str, every: int) -> list[str]:
    """One statement with a word or symbol dropped, doubled or replaced, at many places."""
    spots = [m for i, m in enumerate(re.finditer(r"\S+", statement)) if i % every == 0]
    variants = []
    for i, m in enumerate(spots):
        before, word, after = statement[: m.start()], m.group(), statement[m.end() :]
        variants.append(before + after)
        variants.append(before + word + " " + word + after)
        variants.append(before + ["}", ")", ",", ":", "=", "..", "{", "(", "%"][i % 9] + after)
    return variants


def test_syntax_errors_never_show_grammar_token_names() -> None:
    seen_codes: set[str] = set()
    for statement in _statements(SEED):
        for variant in _broken_variants(statement, every=3):
            _, diagnostics = parse(variant, "seed.abm")
            for d in diagnostics:
                seen_codes.add(d.code)
                assert _leaks(d) == [], (d.message, d.hint)
                assert d.span is not None and d.span.line >= 1 and d.span.column >= 1
    assert {"ABM103", "ABM104", "ABM105"} <= seen_codes  # the variants did break the playbook


def test_leak_detector_catches_raw_token_names() -> None:
    raw = error("ABM104", "unexpected RBRACE; expected NAME or __ANON_5", None)
    assert _leaks(raw) == ["NAME", "RBRACE", "__ANON_5"]
    fine = error("ABM104", "unexpected `}`; expected a name", None, hint="write `NAME`")
    assert _leaks(fine) == []


def test_every_broken_statement_is_reported_in_one_run() -> None:
    text = (
        HEADER
        + "accounts { key account_id: text  n: int 0..5 }\n"
        + "score s scale 1..5 { a weight 100 = clamp(n, 1, 5) }\n"  # 1: weight without %
        + "tier t when s >= 4 && n > 2\n"  # 2: && instead of and
        + "tier u when\n"  # 3: no condition
        + "tier rest otherwise\n"
    )
    diagnostics = compile_text(text, "p.abm").diagnostics
    assert [(d.code, d.span.line) for d in diagnostics if d.span] == [
        ("ABM104", 5),
        ("ABM103", 6),
        ("ABM105", 7),
    ]


def test_cli_reports_three_syntax_errors_of_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = SEED.replace("weight 30% = if has_budget", "weight 30 = if has_budget", 1)
    broken = broken.replace("stop on reply", "stop on reply;", 1)
    broken = broken.replace("target >= 6\n", "target >=\n", 1)
    (tmp_path / "seed.abm").write_text(broken, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status, out, err = run_abm("check", "seed.abm", "--colour", "never")
    assert status == 1
    assert re.findall(r"error\[(ABM\d+)\]", out) == ["ABM104", "ABM103", "ABM105"]
    assert "3 errors" in err


def test_bad_character_is_read_from_its_own_line() -> None:
    # The second statement is parsed on its own; the character must come from the file.
    text = HEADER + "tier t when x >= 1 || y\ntier rest otherwise\n"
    _, diagnostics = parse(text)
    assert diagnostics[0].message == "unexpected character `|`"
    assert diagnostics[0].hint == "write `or`"


def test_decimal_comma_is_a_bad_number_but_argument_commas_are_not() -> None:
    _, diagnostics = parse("tier t when s >= 4,5\ntier rest otherwise\n", "p.abm")
    assert [(d.code, d.message, d.hint) for d in diagnostics] == [
        ("ABM110", "`4,5` is not a number: decimals are written with a point", "write `4.5`")
    ]
    assert diagnostics[0].span == Span("p.abm", 1, 18, 1, 21)
    assert parse("score s scale 1..5 { a weight 100% = clamp(n,1,5) }")[1] == []


def test_unfinished_block_points_where_the_brace_belongs() -> None:
    text = HEADER + "tier t when s >= 4 {\n  holdout 10%\n\ntier rest otherwise\n"
    _, diagnostics = parse(text, "p.abm")
    assert diagnostics[0].code == "ABM105"
    assert diagnostics[0].span == Span("p.abm", 5, 14, 5, 15)
    assert diagnostics[0].hint == "close the block with `}` before line 7, where `tier` starts"


# ---------------------------------------------------------------- names
def test_unknown_name_suggests_the_close_one_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = SEED.replace("when attractiveness >= 4 and potential >= 4", "when potental >= 4")
    (tmp_path / "seed.abm").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status, out, _ = run_abm("check", "seed.abm", "--colour", "never")
    assert status == 1
    assert "error[ABM201]: unknown name `potental`" in out
    assert "= hint: did you mean `potential`?" in out
    assert "ABM236" not in out  # the misspelt score is not also called unused


def test_closest_ignores_the_name_itself_and_far_names() -> None:
    assert closest("potental", ["potential", "pipeline"]) == "potential"
    assert closest("engagement", ["engagement"]) is None
    assert closest("zzz", ["potential"]) is None


def test_unknown_name_without_a_close_one_lists_what_is_known() -> None:
    text = (
        HEADER
        + "accounts { key account_id: text  n: int 1..5 }\ntier t when zzz\ntier r otherwise\n"
    )
    [d] = compile_text(text).diagnostics
    assert d.code == "ABM201"
    assert d.hint == "names known here: `account_id`, `n`"


# ---------------------------------------------------------------- reading files
def test_polish_windows_1250_file_is_named(tmp_path: Path) -> None:
    text = HEADER + "# Pilotaż dla sieci handlowych: źródła, łańcuchy dostaw, ścieżki zakupowe\n"
    (tmp_path / "pl.abm").write_bytes(text.encode("cp1250"))
    [d] = load(tmp_path / "pl.abm").diagnostics
    assert d.code == "ABM101"
    assert d.message.endswith("it looks like Windows-1250 (Central European)")


def test_unreadable_file_is_named_in_the_message(tmp_path: Path) -> None:
    [d] = load(tmp_path / "gone.abm").diagnostics
    assert d.code == "ABM100"
    assert "gone.abm" in d.message


# ---------------------------------------------------------------- output formats
def _sample() -> list[Diagnostic]:
    first = Span("a.abm", 1, 7, 1, 9)
    return [
        error(
            "ABM202",
            "`s` is already defined",
            Span("a.abm", 3, 7, 3, 9),
            "rename it",
            notes=(("first defined here", first),),
        ),
        warning("ABM236", "the score `s` is never used", first),
    ]


def test_json_carries_every_field() -> None:
    data = json.loads(render_json(_sample()))
    assert data[0] == {
        "code": "ABM202",
        "severity": "error",
        "message": "`s` is already defined",
        "file": "a.abm",
        "line": 3,
        "column": 7,
        "end_line": 3,
        "end_column": 9,
        "hint": "rename it",
        "notes": [{"message": "first defined here", "location": "a.abm:1:7"}],
    }
    assert data[1]["severity"] == "warning"


def test_github_annotations_keep_notes_and_escape_separators() -> None:
    lines = render_github(_sample()).split("\n")
    assert lines[0] == (
        "::error file=a.abm,line=3,col=7,endLine=3,endColumn=9,title=ABM202::"
        "`s` is already defined%0Anote: first defined here (a.abm:1:7)%0Ahint: rename it"
    )
    assert lines[1].startswith("::warning file=a.abm,line=1,")
    odd = error("ABM219", 'no file "a,b:c.abm" 100%', Span("x:y,z.abm", 1, 1, 1, 2))
    assert render_github([odd]) == (
        "::error file=x%3Ay%2Cz.abm,line=1,col=1,endLine=1,endColumn=2,title=ABM219::"
        'no file "a,b:c.abm" 100%25'
    )


def test_text_output_stops_after_the_limit_with_a_count() -> None:
    many = [error("ABM201", f"unknown name `n{i}`", None) for i in range(MAX_DIAGNOSTICS + 3)]
    text = render_text(many, {})
    assert text.count("error[ABM201]") == MAX_DIAGNOSTICS
    assert text.endswith(
        "... and 3 more diagnostics not shown; fix these first, or see them all"
        " with `--format json`"
    )
    assert len(json.loads(render_json(many))) == MAX_DIAGNOSTICS + 3


def test_a_symbolic_link_does_not_lead_out_of_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (tmp_path / "secret.abm").write_text("accounts { key id: text }\n", encoding="utf-8")
    (repo / "shared.abm").symlink_to(tmp_path / "secret.abm")
    (repo / "main.abm").write_text(HEADER + 'import "shared.abm"\n', encoding="utf-8")
    loaded = load(repo / "main.abm")
    assert [d.code for d in loaded.diagnostics] == ["ABM218"]
    assert len(loaded.modules) == 1


def test_text_without_a_file_cannot_import() -> None:
    [d] = compile_text(HEADER + 'import "shared.abm"\ntier r otherwise\n').diagnostics
    assert (d.code, d.message) == ("ABM219", "text given directly cannot import files")
