"""Syntax errors in words: Lark's exceptions → diagnostics a strategist can act on.

Token names never reach the user: each expected terminal is described in words ("a percentage
such as 25%"), and a table of common mistakes (:data:`MISTAKES`, matched with Lark's
``match_examples``) adds a hint that says how to fix the line.
"""

from __future__ import annotations

from functools import cache
from typing import get_args

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import ast
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

# label → (hint, snippets that fail the same way). The first snippet that fails in the same
# parser state as the user's text decides the hint.
MISTAKES: dict[str, tuple[str, list[str]]] = {
    "weight-not-percent": (
        "a weight is a percentage: write it with `%`, e.g. `weight 40%`",
        [
            "score s scale 1..5 { c weight 40 = 1 }",
            "score s scale 1..5 { c weight 0.4 = 1 }",
            'score s scale 1..5 { c "title" weight 40 = 1 }',
            'score s scale 1..5 { c "title" weight 0.4 = 1 }',
        ],
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
        return _unfinished(exc, text[:end], text[end:], path, expected)
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
    if _decimal_comma(token, text):
        return _bad_number(token, text, path)
    found = "the end of the file" if token.type == "$END" else f"`{shown_token(token.value)}`"
    hint = _hint(exc)
    if hint is None and len(expected & _terminals_for(_STATEMENT_WORDS)) >= 5:
        hint = "a new statement starts at the beginning of a line with a keyword such as `tier`"
    return error("ABM104", f"unexpected {found}; expected {_words(expected)}", where, hint=hint)


def _unfinished(
    exc: UnexpectedInput, before: str, after: str, path: str, expected: set[str]
) -> Diagnostic:
    """A statement cut short by the next one: point at where the missing words belong."""
    line, column = _end_position(before)
    next_word = after.split(None, 1)[0]
    next_line = before.count("\n") + after[: after.index(next_word)].count("\n") + 1
    if "RBRACE" in expected:
        hint = f"close the block with `}}` before line {next_line}, where `{next_word}` starts"
    else:
        hint = f"`{next_word}` on line {next_line} starts the next statement: finish this one first"
    return error(
        "ABM105",
        f"this statement stops before it is finished; expected {_words(expected)}",
        Span(path, line, column, line, column + 1),
        hint=_hint(exc) or hint,
    )


def _decimal_comma(token: Token, text: str) -> bool:
    """``2,5`` where a comma cannot stand: a decimal comma, as Russian and Polish write it."""
    if token.value != "," or token.line is None or token.column is None:
        return False
    line = text.split("\n")[token.line - 1]
    at = token.column - 1
    return 0 < at < len(line) - 1 and line[at - 1].isdigit() and line[at + 1].isdigit()


def _bad_number(token: Token, text: str, path: str) -> Diagnostic:
    assert token.line is not None and token.column is not None
    line = text.split("\n")[token.line - 1]
    at = token.column - 1
    start = len(line[:at].rstrip("0123456789."))  # back to the first digit before the comma
    stop = len(line) - len(line[at + 1 :].lstrip("0123456789"))  # on past the last after it
    written = line[start:stop]
    return error(
        "ABM110",
        f"`{written}` is not a number: decimals are written with a point",
        Span(path, token.line, start + 1, token.line, stop + 1),
        hint=f"write `{written.replace(',', '.')}`",
    )


def _bad_character(exc: UnexpectedCharacters, text: str, path: str) -> Diagnostic:
    # Read the character by line and column: when one statement is parsed on its own,
    # ``pos_in_stream`` counts from the start of that piece, not of the file.
    lines = text.split("\n")
    line = lines[exc.line - 1] if 0 < exc.line <= len(lines) else ""
    char = line[exc.column - 1] if 0 < exc.column <= len(line) else ""
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
    """What the parser would have accepted, in words, grouped so that the list stays short.

    >>> _words({"PERCENT"})
    'a percentage such as 25%'
    """
    names = set(expected)
    parts: list[str] = []
    if len(names & _EXPRESSION_START) >= 5:
        parts.append("an expression")
        names -= _EXPRESSION_START
        names -= _terminals_for(_EXPRESSION_WORDS)
    for words, summary, least in _GROUPS:
        group = _terminals_for(words) | (names & words)
        if len(names & group) >= least:
            names -= group
            parts.append(summary)
    parts.extend(sorted(_describe(n) for n in names))
    if not parts:
        return "something else"
    if len(parts) > 12:
        parts = [*parts[:11], f"one of {len(parts) - 11} other words"]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


# Words that "an expression" already covers. Terminals are matched by their text: Lark's names
# for anonymous ones (`__ANON_5`) change whenever the grammar does.
_EXPRESSION_WORDS = frozenset({*get_args(ast.AggregateFunc), "-", "not"})
_STATEMENT_WORDS = frozenset(
    {"abm", "import", "playbook", "accounts", "contacts", "activities", "score", "tier", "goal"}
    | {"cadence", "plan", "kpi", "baseline", "verdict", "engagement", "simulate", "example"}
)
_OPERATOR_WORDS = frozenset({"ADD_OP", "MUL_OP", "COMPARE", "and", "or", "in", "is", "not"})
# (words, how the group is said, how many of them must be expected to say it as a group)
_GROUPS: list[tuple[frozenset[str], str, int]] = [
    (_STATEMENT_WORDS, "a new statement (`tier`, `score`, `kpi`, ...)", 5),
    (_OPERATOR_WORDS, "an operator (`+`, `>=`, `and`, ...)", 3),
]


def _terminals_for(words: frozenset[str]) -> set[str]:
    return {name for name, text in _literal_terminals().items() if text in words}


def _describe(terminal: str) -> str:
    if terminal in WORDS:
        return WORDS[terminal]
    pattern = _literal_terminals().get(terminal)
    return f"`{pattern}`" if pattern else terminal.lower()


@cache
def _literal_terminals() -> dict[str, str]:
    from .parser import lark_parser

    return {t.name: t.pattern.value for t in lark_parser().terminals if t.pattern.type == "str"}


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


def shown_token(value: str, limit: int = 40) -> str:
    """A token as a message may quote it: short, and with no control characters.

    >>> shown_token("x" * 50)
    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'
    """
    printable = "".join(c if c.isprintable() else "?" for c in value[: limit + 1])
    return printable if len(printable) <= limit else printable[: limit - 3] + "..."
