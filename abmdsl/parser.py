"""Parsing: playbook text → :class:`abmdsl.ast.Module`, or syntax diagnostics.

The grammar (``grammar/abm.lark`` inside the package) is compiled once per process (and cached
on disk by Lark). A file with syntax errors is re-parsed one top-level statement at a time, so
that every broken statement of the file is reported in one run, not only the first.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from . import ast
from .diagnostics import Diagnostic, error
from .limits import MAX_FILE_BYTES, MAX_NESTING
from .span import Span
from .syntax_errors import describe
from .transform import LiteralError, ToAst

_TOP_LEVEL = re.compile(
    r"^(?=(?:abm|import|playbook|accounts|contacts|activities|score|tier|goal|cadence|plan|kpi"
    r"|baseline|verdict|simulate|example)\b)",
    re.MULTILINE,
)
_BRACKETS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[(){}]')


def grammar_text() -> str:
    return resources.files("abmdsl").joinpath("grammar/abm.lark").read_text(encoding="utf-8")


@cache
def lark_parser(strict: bool = False) -> Lark:
    """The compiled LALR parser; ``strict=True`` (used by the tests) fails on any conflict."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        strict=strict,
        cache=not strict,
    )


def decode(data: bytes, path: str) -> tuple[str | None, list[Diagnostic]]:
    """Bytes → text, refusing what is not a playbook: too large, not UTF-8, NUL bytes."""
    if len(data) > MAX_FILE_BYTES:
        return None, [
            error(
                "ABM102",
                f"the file is {len(data):,} bytes; a playbook may have at most {MAX_FILE_BYTES:,}",
                Span(path, 1, 1, 1, 1),
                hint="split it into several files joined with `import`",
            )
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [
            error(
                "ABM101",
                "the file is not valid UTF-8 text",
                _offset_span(data[: exc.start].decode("utf-8", "replace"), path),
                hint="save the file as UTF-8 (most editors offer it under 'Save with encoding')",
            )
        ]
    nul = text.find("\x00")
    if nul >= 0:
        return None, [
            error(
                "ABM103",
                "the file contains a NUL byte; it looks like a binary file",
                _offset_span(text[:nul], path),
                hint="a playbook is plain text",
            )
        ]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def parse(text: str, path: str = "<playbook>") -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse playbook text.

    Returns the module (``None`` when there are syntax errors) and the diagnostics.

    >>> module, diags = parse('tier bulk otherwise')
    >>> module.statements[0].name.name, diags
    ('bulk', [])
    """
    too_deep = _nesting_error(text, path)
    if too_deep:
        return None, [too_deep]
    comments: list[Token] = []
    try:
        tree = _parse_tree(text, comments)
    except UnexpectedInput:
        return None, _all_syntax_errors(text, path)
    try:
        module = ToAst(path).transform(tree)
    except VisitError as exc:  # a literal that lexes but means nothing, e.g. 2027-02-30
        if isinstance(exc.orig_exc, LiteralError):
            return None, [exc.orig_exc.diagnostic]
        raise
    comment_nodes = [ast.Comment(text=t.value, span=_token_span(t, path)) for t in comments]
    return module.model_copy(update={"comments": comment_nodes}), []


def _parse_tree(text: str, comments: list[Token]) -> Tree:
    parser = lark_parser()
    lexer_conf = parser.parser.lexer_conf
    previous = lexer_conf.callbacks.get("COMMENT")
    lexer_conf.callbacks["COMMENT"] = comments.append
    try:
        return parser.parse(text)
    finally:
        if previous is None:
            lexer_conf.callbacks.pop("COMMENT", None)
        else:
            lexer_conf.callbacks["COMMENT"] = previous


def _all_syntax_errors(text: str, path: str) -> list[Diagnostic]:
    """Parse each top-level statement on its own and report the first error of each."""
    diagnostics: list[Diagnostic] = []
    starts = [m.start() for m in _TOP_LEVEL.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = [*starts, len(text)]
    for begin, end in itertools.pairwise(bounds):
        chunk = "\n" * text.count("\n", 0, begin) + text[begin:end]
        try:
            lark_parser().parse(chunk)
        except UnexpectedInput as exc:
            diagnostics.append(describe(exc, text, path, end))
    if not diagnostics:  # statements parse alone but not together: report the whole-file error
        try:
            lark_parser().parse(text)
        except UnexpectedInput as exc:
            diagnostics.append(describe(exc, text, path))
    return diagnostics


def _nesting_error(text: str, path: str) -> Diagnostic | None:
    depth = 0
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char in "({":
            depth += 1
            if depth > MAX_NESTING:
                return error(
                    "ABM106",
                    f"brackets nest more than {MAX_NESTING} deep",
                    _offset_span(text[: match.start()], path),
                    hint="flatten the expression or split the block into named parts",
                )
        elif char in ")}":
            depth -= 1
    return None


def _offset_span(before: str, path: str) -> Span:
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return Span(path, line, column, line, column + 1)


def _token_span(token: Token, path: str) -> Span:
    return Span(
        path, token.line or 1, token.column or 1, token.end_line or 1, token.end_column or 1
    )


__all__ = [
    "UnexpectedCharacters",
    "UnexpectedEOF",
    "decode",
    "grammar_text",
    "lark_parser",
    "parse",
]
