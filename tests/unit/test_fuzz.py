"""Fuzzing: text from the grammar and mutated playbooks never make parsing or checking raise.

Two sources of text:

* the grammar itself (``hypothesis.extra.lark.from_lark``), with every terminal drawn from a
  small vocabulary and followed by a separator, so that most texts parse and reach the
  checker (left to themselves, generated tokens run together and nearly all fail to lex);
* the shipped playbooks (``playbooks/*.abm``), with lines deleted, duplicated or swapped,
  tokens and characters inserted, the text cut short.

Properties: nothing raises; every diagnostic's span lies inside the text; compiling the same
text twice, in one process or in two with different hash seeds, gives the same result.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from abmdsl.api import Compiled, compile_text
from abmdsl.diagnostics import Diagnostic
from abmdsl.parser import grammar_text, lark_parser, normalise_newlines, parse

try:  # valid playbooks of every construct, from another part of the suite; used if present
    from tests.strategies import playbooks as valid_playbooks
except ImportError:  # pragma: no cover
    valid_playbooks = None

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "playbooks").glob("*.abm"))]


def fuzz(examples: int) -> settings:
    """Settings for a fuzz test; ``ABM_FUZZ_EXAMPLES=5000`` runs longer hunts than the suite."""
    return settings(
        max_examples=int(os.environ.get("ABM_FUZZ_EXAMPLES", examples)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# Names a playbook commonly uses, so that generated references sometimes resolve; a keyword
# and a non-ASCII word as well, as names.
NAMES = ["a", "x", "k", "s", "t", "g", "potential", "has_budget", "industry", "insider"]
NAMES += ["account_id", "email", "call", "c_level", "bdr", "reply", "meeting", "score", "é"]
LITERALS = {
    "STRING": ['""', '"x"', '"pharma"', '"c_level"', '"say \\"hi\\""', '"tender_invitation"'],
    "DATE": ["2027-01-11", "2027-12-31", "2027-02-30", "0000-00-00"],
    "PERCENT": ["0%", "10%", "50%", "100%", "250%", "2.5%"],
    "NUMBER": ["0.5", "2.5", "1.0", "3.14"],
    "INT": ["0", "1", "3", "5", "10", "90", "10000", "9" * 40],
    "CURRENCY": ["USD", "EUR"],
    "COMPARE": [">=", "<=", "!=", "=", ">", "<"],
    "ADD_OP": ["+", "-"],
    "MUL_OP": ["*", "/"],
    "NAME": NAMES,
}
SEPARATORS = st.sampled_from([" ", " ", "\n", "\t", "\r\n", "  # a comment\n"])
# A header and data sets declaring fields of the names above, put before some generated texts
# so that the checker gets past "no header" and resolves some of their names.
PRELUDE = """abm 1
playbook "Fuzz" { start 2027-01-11  horizon 90 days  currency USD }
accounts {
  key account_id: text
  potential: int 0..5
  has_budget: bool
  insider: bool
  industry: enum(pharma, mining)
  x: number
  a: percent optional
}
contacts {
  key contact_id: text
  account_id: text references accounts
  level: enum(c_level, c_minus_1)
}
activities {
  key activity_id: text
  account_id: text references accounts
  type: enum(touch, reply, meeting)
  on: date
  cost: money optional
}
"""


@cache
def grammar() -> Lark:
    # from_lark reads the grammar's rules, which a Lark loaded from its cache does not keep
    return Lark(grammar_text(), parser="lalr", lexer="contextual")


def _terminal(values: list[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(values), SEPARATORS).map("".join)


def grammar_texts() -> st.SearchStrategy[str]:
    """Playbooks of one to three generated pieces, most of them after :data:`PRELUDE`."""
    pieces = st.lists(grammar_pieces(), min_size=1, max_size=3).map("".join)
    return st.tuples(st.sampled_from([PRELUDE, PRELUDE, ""]), pieces).map("".join)


def grammar_pieces() -> st.SearchStrategy[str]:
    explicit: dict[str, st.SearchStrategy[str]] = {
        "WS": SEPARATORS,
        "COMMENT": st.just("# note\n"),
    }
    for terminal in grammar().terminals:
        if terminal.name in LITERALS:
            explicit[terminal.name] = _terminal(LITERALS[terminal.name])
        elif terminal.pattern.type == "str":  # keywords and punctuation
            explicit[terminal.name] = _terminal([terminal.pattern.value])
    return from_lark(grammar(), explicit=explicit)


TOKENS = ["{", "}", "(", ")", '"', "#", "..", "%", ",", ":", "=", ">=", "-", "not", "if", "then"]
TOKENS += ["else", "tier", "goal", "score", "weight", "when", "otherwise", "kpi", "target"]
TOKENS += ["\x00", "\t", "\r", "\ufeff", "é", "9" * 40, "2027-02-30", "1e400", "USD", "abm 2"]


@st.composite
def mutated_playbooks(draw: st.DrawFn) -> str:
    """A shipped playbook with one to four random edits."""
    text = draw(st.sampled_from(PLAYBOOKS))
    for _ in range(draw(st.integers(1, 4))):
        text = draw(st.sampled_from(MUTATIONS))(draw, text)
    return text


def _delete_line(draw: st.DrawFn, text: str) -> str:
    lines = text.split("\n")
    del lines[draw(st.integers(0, len(lines) - 1))]
    return "\n".join(lines)


def _duplicate_line(draw: st.DrawFn, text: str) -> str:
    lines = text.split("\n")
    i = draw(st.integers(0, len(lines) - 1))
    return "\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])


def _swap_lines(draw: st.DrawFn, text: str) -> str:
    lines = text.split("\n")
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _insert_token(draw: st.DrawFn, text: str) -> str:
    at = draw(st.integers(0, len(text)))
    return text[:at] + f" {draw(st.sampled_from(TOKENS))} " + text[at:]


def _insert_character(draw: st.DrawFn, text: str) -> str:
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.characters(codec="utf-8")) + text[at:]


def _truncate(draw: st.DrawFn, text: str) -> str:
    return text[: draw(st.integers(0, len(text)))]


MUTATIONS = [_delete_line, _duplicate_line, _swap_lines, _insert_token, _insert_character]
MUTATIONS += [_truncate]


def _assert_spans_inside(diagnostics: list[Diagnostic], text: str) -> None:
    lines = normalise_newlines(text).count("\n") + 1
    for d in diagnostics:
        for span in [d.span, *(s for _, s in d.notes)]:
            if span is not None:
                assert 1 <= span.line <= lines, d
                assert span.column >= 1, d
                assert (span.end_line, span.end_column) >= (span.line, span.column), d


def _outcome(result: Compiled) -> tuple[object, list[Diagnostic]]:
    dump = result.playbook.model_dump(mode="json") if result.playbook is not None else None
    return dump, result.diagnostics


@fuzz(100)
@given(grammar_texts())
def test_text_from_the_grammar_parses_checks_and_is_deterministic(text: str) -> None:
    module, diagnostics = parse(text)
    assert (module is None) == bool(diagnostics)
    first = compile_text(text)
    _assert_spans_inside(first.diagnostics, text)
    assert _outcome(compile_text(text)) == _outcome(first)


@pytest.mark.skipif(valid_playbooks is None, reason="tests/strategies.py is not there")
@fuzz(60)
@given(st.deferred(lambda: valid_playbooks()))
def test_valid_playbooks_check_without_raising_and_deterministically(text: str) -> None:
    module, diagnostics = parse(text)
    assert module is not None, diagnostics
    # the parser finds comments in its own scan of the text; Lark's lexer must agree
    lexed = [t for t in lark_parser().lex(text, dont_ignore=True) if t.type == "COMMENT"]
    assert [(c.text, c.span.line, c.span.column, c.span.end_column) for c in module.comments] == [
        (t.value, t.line, t.column, t.end_column) for t in lexed
    ]
    first = compile_text(text)
    _assert_spans_inside(first.diagnostics, text)
    assert _outcome(compile_text(text)) == _outcome(first)


@fuzz(150)
@given(mutated_playbooks())
def test_mutated_playbooks_give_diagnostics_inside_the_file(text: str) -> None:
    result = compile_text(text, "mutated.abm")
    _assert_spans_inside(result.diagnostics, text)
    assert all(d.span is None or d.span.file == "mutated.abm" for d in result.diagnostics)


def test_grammar_texts_mostly_reach_the_checker() -> None:
    # the explicit terminals are there so that generated text parses; keep it so
    texts: list[str] = []

    @settings(max_examples=30, database=None, deadline=None)
    @given(grammar_texts())
    def collect(text: str) -> None:
        texts.append(text)

    collect()
    parsed = sum(parse(t)[0] is not None for t in texts)
    assert parsed >= len(texts) // 2, f"only {parsed} of {len(texts)} generated texts parse"


def test_diagnostics_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """Sets of names are iterated in hash order, which changes from process to process."""
    rng = random.Random(2027)
    for i in range(20):
        lines = rng.choice(PLAYBOOKS).split("\n")
        for _ in range(3):
            del lines[rng.randrange(len(lines))]
        (tmp_path / f"m{i:02}.abm").write_text("\n".join(lines), encoding="utf-8")
    outputs = [_check_in_subprocess(tmp_path, seed) for seed in ("1", "2")]
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0]), "the mutations were meant to produce diagnostics"


def _check_in_subprocess(folder: Path, hash_seed: str) -> str:
    command = [sys.executable, "-m", "abmdsl.cli", "check", "--format", "json", str(folder)]
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout
