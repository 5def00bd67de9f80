"""Syntax errors in words: Lark's exceptions → diagnostics a strategist can act on.

Token names never reach the user: each expected terminal is described in words ("a percentage
such as 25%"), and a table of common mistakes (:data:`MISTAKES`, matched with Lark's
``match_examples``) adds a hint that says how to fix the line.
"""

from __future__ import annotations

from functools import cache

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .diagnostics import Diagnostic, error
from .span import Span

WORDS: dict[str, str] = {
    "NAME": "a name",
    "STRING": 'a quoted text such as "Tailored"',
    "NUMBER": "a number such as 2.5",
    "INT": "a whole number such as 5",
    "PERCENT": "a percentage such as 25%",
    "DATE": "a date such as 2027-01-11",
    "CURRENCY": "a currency code such as USD",
    "COMPARE": "a comparison such as `>=`",
    "ADD_OP": "`+` or `-`",
    "MUL_OP": "`*` or `/`",
    "$END": "the end of the file",
}
_EXPRESSION_START = {
    "NAME",
    "NUMBER",
    "INT",
    "PERCENT",
    "STRING",
    "DATE",
    "LPAR",
    "IF",
    "TRUE",
    "FALSE",
    "MISSING",
}
_STATEMENTS = {"PLAYBOOK", "SCORE", "TIER", "GOAL", "CADENCE", "KPI"}

# label → (hint, snippets that fail the same way). The first snippet that fails in the same
# parser state as the user's text decides the hint.
MISTAKES: dict[str, tuple[str, list[str]]] = {
    "weight-not-percent": (
        "a weight is a percentage: write it with `%`, e.g. `weight 40%`",
        ["score s scale 1..5 { c weight 40 = 1 }", "score s scale 1..5 { c weight 0.4 = 1 }"],
    ),
    "criterion-without-weight": (
        "each criterion reads `name weight 40% = expression`",
        ["score s scale 1..5 { c = 1 }", "score s scale 1..5 { c 40% = 1 }"],
    ),
    "double-equals": (
        "compare with a single `=`",
        ["tier t when a == 1", "kpi k = count(accounts where a == 1)"],
    ),
    "tier-without-condition": (
        "a tier needs `when <condition>` or `otherwise`",
        ["tier t { cadence c }", 'tier t "x" { cadence c }'],
    ),
    "capacity-words": (
        "capacity reads `at most 5 accounts ranked by <expression>`",
        ["tier t when a { at most 5 ranked by a }", "tier t when a { at most accounts }"],
    ),
    "step-without-colon": (
        "a step reads `day 1: email to c_level` or `touch 7 on day 8: gift to c_minus_1`",
        [
            "cadence c over 10 business days { day 1 email to c_level }",
            "cadence c over 10 business days { touch 7 on day 8 gift to x }",
        ],
    ),
    "cadence-length": (
        "a cadence states its length: `over 10 business days`",
        ["cadence c { day 1: email to x }", "cadence c over 10 days { day 1: email to x }"],
    ),
    "field-without-type": (
        "a field reads `name: type`, e.g. `revenue: money` or `level: enum(c_level, c_minus_1)`",
        ["accounts { a }", "accounts { a int }"],
    ),
    "weeks-range": (
        "a stage runs `weeks 4..5` or `week 3`",
        ["plan { stage s weeks 4-5 { } }", "plan { stage s weeks 4 to 5 { } }"],
    ),
}


def describe(exc: UnexpectedInput, text: str, path: str, end: int | None = None) -> Diagnostic:
    """One diagnostic for one Lark error, with a span and a hint.

    ``end`` is where the parsed piece of ``text`` stopped, when only one statement was parsed:
    its end is then not the end of the file but the start of the next statement.
    """
    if isinstance(exc, UnexpectedCharacters):
        return _bad_character(exc, text, path)
    token = getattr(exc, "token", None)
    expected = _expected(exc)
    at_end = end is None or not text[end:].strip()
    ended = isinstance(exc, UnexpectedEOF) or (token is not None and token.type == "$END")
    if ended and not at_end:
        assert end is not None
        line = text.count("\n", 0, end) + 1
        word = text[end:].split(None, 1)[0]
        where = Span(path, line, 1, line, len(word) + 1)
        return error(
            "ABM104",
            f"unexpected `{word}`; expected {_words(expected)}",
            where,
            hint="the statement above is not finished",
        )
    if ended:
        line, column = _end_position(text)
        where = Span(path, line, column, line, column + 1)
        block = "RBRACE" in expected
        return error(
            "ABM105",
            "the file ends too early"
            + (" inside a block" if block else "")
            + f"; expected {_words(expected)}",
            where,
            hint="add the missing `}`" if block else _hint(exc),
        )
    assert token is not None
    where = Span(
        path, token.line or 1, token.column or 1, token.end_line or 1, token.end_column or 1
    )
    found = "the end of the file" if token.type == "$END" else f"`{token.value}`"
    hint = _hint(exc)
    if hint is None and expected & _STATEMENTS:
        hint = "a new statement starts at the beginning of a line with a keyword such as `tier`"
    return error("ABM104", f"unexpected {found}; expected {_words(expected)}", where, hint=hint)


def _bad_character(exc: UnexpectedCharacters, text: str, path: str) -> Diagnostic:
    char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
    where = Span(path, exc.line, exc.column, exc.line, exc.column + 1)
    if char == '"':
        return error(
            "ABM107",
            "this text is never closed",
            where,
            hint='close it with `"` on the same line; write `\\"` for a quote inside',
        )
    hints = {
        "&": "write `and`",
        "|": "write `or`",
        "!": "write `not` (or `!=` for 'differs')",
        "'": 'texts are written in double quotes: "like this"',
        "\t": "",
        ";": "statements need no `;`: leave it out",
    }
    shown = repr(char)[1:-1] if not char.isprintable() else char
    hint = hints.get(char) or None
    message = f"unexpected character `{shown}`"
    if hint is None and exc.allowed:
        message += f"; expected {_words(set(exc.allowed))}"
    return error("ABM103", message, where, hint=hint)


def _expected(exc: UnexpectedInput) -> set[str]:
    if isinstance(exc, UnexpectedToken):
        accepts = getattr(exc, "accepts", None)
        return set(accepts or exc.expected or ())
    return set(getattr(exc, "expected", ()) or ())


def _words(expected: set[str]) -> str:
    names = set(expected)
    parts: list[str] = []
    if len(names & _EXPRESSION_START) >= 5:
        parts.append("an expression")
        names -= _EXPRESSION_START | {"MINUS", "NOT", "__ANON_5"}
        names -= {n for n in names if n in _aggregate_terminals()}
    described = sorted(_describe(n) for n in names)
    parts.extend(described)
    if not parts:
        return "something else"
    if len(parts) > 12:
        parts = [*parts[:11], f"one of {len(parts) - 11} other words"]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _describe(terminal: str) -> str:
    if terminal in WORDS:
        return WORDS[terminal]
    pattern = _literal_terminals().get(terminal)
    return f"`{pattern}`" if pattern else terminal.lower()


@cache
def _literal_terminals() -> dict[str, str]:
    from .parser import lark_parser

    return {t.name: t.pattern.value for t in lark_parser().terminals if t.pattern.type == "str"}


@cache
def _aggregate_terminals() -> frozenset[str]:
    words = {"count", "sum", "avg", "median", "share", "distinct", "-", "not"}
    return frozenset(n for n, v in _literal_terminals().items() if v in words)


def _hint(exc: UnexpectedInput) -> str | None:
    token = getattr(exc, "token", None)
    return _mistake_table().get((_state_key(exc.state), getattr(token, "type", None)))


def _state_key(state: object) -> object:
    """The LALR state number: the same mistake inside a nested goal matches the table too."""
    stack = getattr(state, "state_stack", None)
    return stack[-1] if stack else None


@cache
def _mistake_table() -> dict[tuple[object, str | None], str]:
    """(parser state, offending token type) → hint, learnt by parsing :data:`MISTAKES` once.

    Like Lark's ``match_examples``, but the offending token must match too, so that a hint
    for ``a == 1`` is not given for a line that merely stops after ``a =``.
    """
    from .parser import lark_parser

    table: dict[tuple[object, str | None], str] = {}
    for hint, snippets in MISTAKES.values():
        for snippet in snippets:
            try:
                lark_parser().parse(snippet)
            except UnexpectedInput as exc:
                token = getattr(exc, "token", None)
                table.setdefault((_state_key(exc.state), getattr(token, "type", None)), hint)
    return table


def _end_position(text: str) -> tuple[int, int]:
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    column = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return line, column
