"""Parsing: playbook text → :class:`abmdsl.ast.Module`, or syntax diagnostics.

The grammar (``grammar/abm.lark`` inside the package) is compiled once per process (and cached
on disk by Lark). A file with syntax errors is re-parsed one top-level statement at a time, so
that every broken statement of the file is reported in one run, not only the first.

Playbooks are untrusted input: whatever the text, :func:`parse` returns diagnostics rather
than raising, within the bounds of :mod:`abmdsl.limits` (``tests/unit/test_robustness.py``).
"""

from __future__ import annotations

import gc
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import ast
from .diagnostics import Diagnostic, error
from .limits import MAX_DIAGNOSTICS, MAX_FILE_BYTES, MAX_NESTING
from .span import Span
from .syntax_errors import describe
from .transform import ToAst, TransformError

_TOP_LEVEL = re.compile(
    r"^(?=(?:abm|import|playbook|accounts|contacts|activities|score|tier|goal|cadence|plan|kpi"
    r"|baseline|verdict|engagement|simulate|example)\b)",
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
        return None, [_too_large(len(data), path)]
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
    return normalise_newlines(text), []


def normalise_newlines(text: str) -> str:
    r"""CRLF and lone CR become LF: lines are counted, and comments end, at LF only.

    >>> normalise_newlines("a\r\nb\rc")
    'a\nb\nc'
    """
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(text: str, path: str = "<playbook>") -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse playbook text.

    Returns the module (``None`` when there are syntax errors) and the diagnostics.

    >>> module, diags = parse('tier bulk otherwise')
    >>> module.statements[0].name.name, diags
    ('bulk', [])
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:  # text given directly has not been through `decode`
        return None, [_too_large(size, path)]
    text = normalise_newlines(text)  # a file's text is already; text given directly may not be
    too_deep, comments = _scan(text, path)
    if too_deep:
        return None, [too_deep]
    try:
        with _collector_paused():
            module = ToAst(path).transform(parse_tree(text))
    except UnexpectedInput:
        return None, _all_syntax_errors(text, path)
    except TransformError as exc:  # e.g. the date 2027-02-30, an expression too long
        return None, [exc.diagnostic]
    return module.model_copy(update={"comments": comments}), []


_NAME = re.compile(r"(?!\d)\w+")


def parse_tree(text: str) -> Tree:
    """Lark's tree of ``text``, reading a keyword as a name where only a name fits.

    Keywords are not reserved: a field may be called `segment` or `budget`. The contextual
    lexer already lexes a keyword as a name where the grammar cannot take the keyword, but
    LALR shares one lookahead set between states, so right after a value (`int 0..5`)
    both may be possible and the keyword wins. When the parser then cannot take it, it is
    offered to the parser as the name it was written as.
    """
    return lark_parser().parse(text, on_error=_name_instead)


def _name_instead(exc: UnexpectedInput) -> bool:
    if not isinstance(exc, UnexpectedToken) or "NAME" not in (exc.expected or ()):
        return False
    token = exc.token
    if token.type == "NAME" or not _NAME.fullmatch(str(token)):
        return False
    try:
        exc.interactive_parser.feed_token(Token.new_borrow_pos("NAME", str(token), token))
    except UnexpectedInput:
        return False
    return True


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a tree and its AST are built.

    Building them allocates tens of thousands of objects and no reference cycles; with the
    collector on, each full collection walks every one of them again, which makes a parse
    a third slower (see docs/performance.md). Only the caller that paused it resumes it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _all_syntax_errors(text: str, path: str) -> list[Diagnostic]:
    """Parse each top-level statement on its own and report the first error of each.

    Each statement is parsed as a piece of its own and the error's position moved back to
    where the piece sits in the file: padding each piece with the lines before it would
    make the work grow with the square of the file's length. Reporting stops after
    :data:`~abmdsl.limits.MAX_DIAGNOSTICS` errors, as the output does.
    """
    diagnostics: list[Diagnostic] = []
    starts = _statement_starts(text)
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = [*starts, len(text)]
    lines = counted = 0  # the newlines before `begin`, counted as `begin` moves on
    for begin, end in itertools.pairwise(bounds):
        lines, counted = lines + text.count("\n", counted, begin), begin
        try:
            parse_tree(text[begin:end])
        except UnexpectedInput as exc:
            diagnostics.append(describe(_moved(exc, lines, begin), text, path, end))
            if len(diagnostics) >= MAX_DIAGNOSTICS:
                return diagnostics
    if not diagnostics:  # statements parse alone but not together: report the whole-file error
        try:
            parse_tree(text)
        except UnexpectedInput as exc:
            diagnostics.append(describe(exc, text, path))
    return diagnostics


_NESTABLE = ("goal", "cadence")  # a goal holds goals; a tier names its cadence


def _statement_starts(text: str) -> list[int]:
    """Where top-level statements start: a keyword at the start of a line.

    `goal` and `cadence` may also start a line inside a block, so they count only outside
    brackets. Any other keyword starts a statement even inside an unclosed block: there it
    means a `}` is missing, and splitting there reports the rest of the file separately.
    """
    brackets = iter(_BRACKETS.finditer(text))
    depth, upcoming = 0, next(brackets, None)
    starts = []
    for match in _TOP_LEVEL.finditer(text):
        while upcoming is not None and upcoming.start() < match.start():
            char = upcoming.group()
            depth += 1 if char in "({" else -1 if char in ")}" else 0
            upcoming = next(brackets, None)
        if depth <= 0 or not text.startswith(_NESTABLE, match.start()):
            starts.append(match.start())
    return starts


def _moved(exc: UnexpectedInput, lines: int, offset: int) -> UnexpectedInput:
    """``exc``, found in a piece of the text that starts a line, at its place in the text."""
    if isinstance(exc.line, int) and exc.line > 0:
        exc.line += lines
    if isinstance(exc.pos_in_stream, int) and exc.pos_in_stream >= 0:
        exc.pos_in_stream += offset
    token = getattr(exc, "token", None)
    if isinstance(token, Token):
        if token.line is not None:
            token.line += lines
        if token.end_line is not None:
            token.end_line += lines
        if token.start_pos is not None:
            token.start_pos += offset
        if token.end_pos is not None:
            token.end_pos += offset
    return exc


def _too_large(size: int, path: str) -> Diagnostic:
    return error(
        "ABM102",
        f"the file is {size:,} bytes; a playbook may have at most {MAX_FILE_BYTES:,}",
        Span(path, 1, 1, 1, 1),
        hint="split it into several files joined with `import`",
    )


def _scan(text: str, path: str) -> tuple[Diagnostic | None, list[ast.Comment]]:
    """One pass over brackets, strings and comments: too deep a nesting, and the comments.

    Comments are gathered here rather than by a callback on Lark's lexer: the parser is
    shared by the whole process, so a callback installed on it for one parse would also
    see the comments of a parse running in another thread at the same time.
    """
    depth, line, counted = 0, 1, 0  # `line` is the line of offset `counted`
    comments: list[ast.Comment] = []
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char[0] == "#":
            start = match.start()
            line, counted = line + text.count("\n", counted, start), start
            column = start - text.rfind("\n", 0, start)
            span = Span(path, line, column, line, column + len(char))
            comments.append(ast.Comment(text=char, span=span))
        elif char in "({":
            depth += 1
            if depth > MAX_NESTING:
                return _too_deep(text[: match.start()], path), []
        elif char in ")}":
            depth -= 1
    return None, comments


def _too_deep(before: str, path: str) -> Diagnostic:
    return error(
        "ABM106",
        f"brackets nest more than {MAX_NESTING} deep",
        _offset_span(before, path),
        hint="flatten the expression or split the block into named parts",
    )


def _offset_span(before: str, path: str) -> Span:
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return Span(path, line, column, line, column + 1)


__all__ = [
    "UnexpectedCharacters",
    "UnexpectedEOF",
    "decode",
    "grammar_text",
    "lark_parser",
    "normalise_newlines",
    "parse",
]
