"""The formatter's properties: goldens, idempotence, the same tree back, every comment kept.

Goldens live in ``tests/golden/format``: ``x.abm`` formats to ``x.abm.formatted``, or to
itself when there is no ``.formatted`` file. Regenerate them after a deliberate layout change
with ``ABM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_format_roundtrip.py`` and review
the diff.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abmdsl import ast
from abmdsl.formatter import format_module, format_source
from abmdsl.parser import decode, parse
from tests.strategies import TOKEN, expression_tokens, expressions, playbooks, relayouts

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "format"
CASES = sorted(GOLDEN.glob("*.abm"))
SHIPPED = sorted((ROOT / "playbooks").glob("*.abm"))
UPDATE = os.environ.get("ABM_UPDATE_GOLDEN") == "1"

# Playbooks other people added that are not in the canonical layout yet; `abm fmt playbooks/`
# fixes them. strict: once one is formatted, this list must lose it.
NOT_YET_CANONICAL: set[str] = set()

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# A relaid-out shipped playbook is a few hundred lines: each example covers a lot, and costs
# a lot, so fewer of them.
WHOLE_PLAYBOOKS = settings(PROPERTY, max_examples=20)


def comments(text: str) -> Counter[str]:
    """The comments of ``text``, found without the parser; trailing spaces are not kept."""
    return Counter(m.group().rstrip() for m in TOKEN.finditer(text) if m.group()[0] == "#")


def parsed(text: str) -> ast.Module:
    module, diagnostics = parse(text)
    assert module is not None, diagnostics
    return module


def assert_formats_faithfully(text: str) -> str:
    """Format ``text``; check that the result is stable, the same tree and the same comments.

    ``format_module`` rather than ``format_source``: the latter checks the same things itself
    at the cost of twice the parsing, and a test should not rely on the code it tests anyway.
    """
    module = parsed(text)
    formatted = format_module(module, text)
    again = parsed(formatted)
    assert again.model_dump() == module.model_dump()
    assert format_module(again, formatted) == formatted
    assert comments(formatted) == comments(text)
    assert formatted == "" or (formatted.endswith("\n") and not formatted.endswith("\n\n"))
    assert all(line == line.rstrip() for line in formatted.split("\n"))
    return formatted


def _read(path: Path) -> str:
    text, diagnostics = decode(path.read_bytes(), str(path))
    assert text is not None, diagnostics
    return text


# ---------------------------------------------------------------- goldens
def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.stem)
def test_golden(case: Path) -> None:
    raw = case.read_bytes().decode("utf-8")  # BOM and CRLF kept: they are not canonical
    expected_file = case.with_name(case.name + ".formatted")
    got = format_source(_read(case), str(case))
    if UPDATE:
        if got == raw:
            expected_file.unlink(missing_ok=True)
        else:
            expected_file.write_bytes(got.encode("utf-8"))
    expected = expected_file.read_bytes().decode("utf-8") if expected_file.exists() else raw
    assert got == expected
    assert_formats_faithfully(_read(case))


def test_golden_outputs_are_canonical() -> None:
    for expected in GOLDEN.glob("*.abm.formatted"):
        text = expected.read_bytes().decode("utf-8")
        assert format_source(text) == text, expected.name


def test_goldens_cover_crlf_tabs_and_a_bom() -> None:
    raw = b"".join(case.read_bytes() for case in CASES)
    assert b"\r\n" in raw and b"\t" in raw and raw.count(b"\xef\xbb\xbf") >= 1


# ---------------------------------------------------------------- shipped playbooks
@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_shipped_playbooks_are_canonical(path: Path) -> None:
    if path.name in NOT_YET_CANONICAL:
        pytest.xfail(f"{path.name} is not formatted yet: run `abm fmt {path}`")
    text = path.read_bytes().decode("utf-8")
    assert format_source(text, str(path)) == text


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_shipped_playbooks_format_faithfully(path: Path) -> None:
    assert_formats_faithfully(_read(path))


@WHOLE_PLAYBOOKS
@given(st.sampled_from(SHIPPED).map(_read).flatmap(relayouts))
def test_relaid_out_playbooks_format_faithfully(text: str) -> None:
    assert_formats_faithfully(text)


@PROPERTY
@given(playbooks())
def test_without_comments_or_blank_lines_only_the_tokens_matter(text: str) -> None:
    tokens = [m.group() for m in TOKEN.finditer(text) if m.group()[0] != "#"]
    one_line, token_a_line = " ".join(tokens), "\n\t".join(tokens)
    assert format_module(parsed(one_line)) == format_module(parsed(token_a_line))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_shipped_playbooks_on_one_line_or_a_token_a_line_format_alike(path: Path) -> None:
    tokens = [m.group() for m in TOKEN.finditer(_read(path)) if m.group()[0] != "#"]
    assert format_source(" ".join(tokens)) == format_source("\n\t".join(tokens))


# ---------------------------------------------------------------- generated playbooks
@PROPERTY
@given(playbooks())
def test_generated_playbooks_format_faithfully(text: str) -> None:
    assert_formats_faithfully(text)


# ---------------------------------------------------------------- generated expressions
def grouping_parentheses(text: str) -> list[tuple[int, int]]:
    """The (open, close) offsets of the parentheses in ``text`` that only group.

    The others belong to the syntax: a call or aggregate (``f(``), a list (``in (``), and the
    ones the layout adds for the reader around an ``if`` that is another ``if``'s condition or
    ``then`` branch.
    """
    pairs, stack = [], []
    for match in re.finditer(r'"(?:[^"\\\n]|\\.)*"|[()]', text):
        if match.group() == "(":
            stack.append(match.start())
        elif match.group() == ")":
            pairs.append((stack.pop(), match.start()))
    return [(start, end) for start, end in pairs if _groups(text, start)]


def _groups(text: str, start: int) -> bool:
    before = text[:start]
    if re.search(r"\w$|\bin $", before):
        return False
    return not (text.startswith("(if ", start) and re.search(r"\b(if|then) $", before))


@PROPERTY
@given(expression_tokens().map(" ".join))
def test_generated_expressions_get_only_the_parentheses_they_need(text: str) -> None:
    formatted = format_module(parsed(f"baseline b = {text}"))
    value = formatted.removeprefix("baseline b = ").rstrip("\n")
    assert formatted.count("\n") == 1 and value != formatted
    tree = parsed(formatted).model_dump()
    for start, end in grouping_parentheses(value):
        bare = value[:start] + value[start + 1 : end] + value[end + 1 :]
        module, _ = parse(f"baseline b = {bare}")
        assert module is None or module.model_dump() != tree, f"needless in {value!r}"


@PROPERTY
@given(expressions())
def test_generated_expressions_format_faithfully(text: str) -> None:
    assert_formats_faithfully(f"baseline b = {text}")
