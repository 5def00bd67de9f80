"""`abm fmt`: a parsed playbook → its one canonical layout, every comment kept in its place.

Input: an :class:`abmdsl.ast.Module` with its comments (:func:`format_module`) or playbook
text (:func:`format_source`). Output: canonical text. Files are handled by
:mod:`abmdsl.format_files`.

The canonical layout — the language has exactly one:

* Statements in source order (``abm 1`` first when it is written first), separated by exactly
  one blank line. Lines end with LF; the file ends with one newline; no BOM, no trailing
  spaces, no tabs but those inside strings and comments. Single spaces between words; lines
  are never wrapped.
* Blocks: ``{`` ends the header line, one item per line indented two more spaces, ``}`` on a
  line of its own; an empty block is ``{`` and ``}`` on two lines. A tier with no items has no
  braces: ``tier bulk "title" otherwise``.
* Fields: ``key account_id: text``, ``x: int 0..5 optional references accounts`` (the range,
  then ``optional``, then ``references``), ``level: enum(c_level, c_minus_1)``.
* ``name "title" weight 40% = expr`` — the expression in parentheses only when the next
  criterion is named like a keyword (``h``, ``USD``…), as in ``= (5)`` then ``h weight …``,
  which would otherwise read as 5 hours; ``tier t "title" when expr {``; ``at most 5 accounts
  ranked by expr desc``, the order printed only where one was written (``None`` and ``desc``
  are different trees); ``research 3 h per account, 1 h per contact``.
* Steps: ``touch 1 on day 1: gift to c_level "note" refers to touch 1 by owner`` or
  ``day 3: email to c_minus_1``, with A/B variants on the same line:
  ``variants { a 50% "Problem first" b "Case first" }``; stop rules: ``stop on reply``,
  ``pause account on meeting``; ``recontact after 2 business days``. A tier's cadence:
  ``cadence warmup from week 6`` or ``from 2027-02-15``.
* Plan stages: ``stage name "title" weeks 4..5 {``, or ``week 3`` when both weeks are the
  same; RACI lines ``accountable sponsor, bdr``; ``capacity bdr 40 touches per day, 30 h per
  week`` (limits in the order written); ``budget 25000 USD``.
* A KPI with items: ``kpi name "title" =``, then the expression on the next line and each
  ``target``/``warn``/``measures`` on a line of its own, all indented two spaces. A KPI with
  no items is one line, ``kpi name "title" = expr``, like a baseline.
* ``verdict "title" pass when expr`` on one line; ``simulate {`` with one assumption a line.
* ``engagement name "title" {`` with one item a line: ``reply by gift 10 points``,
  ``level c_level x2``, ``within 60 days``, ``decay 10% per week``, ``roll up max``.
* Examples: ``given account {`` with one ``field: value`` a line, ``}``, then one ``expect`` a
  line. A comma ends a pair only when the next field is named like a keyword (``h``, ``and``,
  ``USD``…): without it that name would be read as part of the value.
* Expressions: :mod:`abmdsl.format_expr`.

Comments — every one survives; only its trailing whitespace is trimmed:

* A comment after code stays at the end of that line, two spaces after the code. When a
  construct written over several lines becomes one line and so gathers several such comments,
  the last stays at the end and the others go on lines of their own just above it.
* A comment on a line of its own stays directly before the next statement or item, at its
  indentation; before a ``}`` it stays inside the block; after the last statement it stays at
  the end of the file.
* Comments are placed by the source lines of the nodes' spans. The AST keeps no span for an
  example's ``given account { … }``, so its lines are read from the text (:func:`format_source`
  does so; :func:`format_module` does when given the text).

Blank lines: exactly one between statements; inside a block a run of blank lines becomes one
(none right after ``{`` or right before ``}``); none inside examples and KPIs. Among the own-line
comments before a statement or item, runs of blank lines become one — so a file's opening
comment stays detached from the first statement if it was. A source line holding only
punctuation the AST does not record (a lone ``{`` or ``,``) counts as blank.
"""

from __future__ import annotations

import bisect
import itertools
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from . import ast
from .diagnostics import DiagnosticError
from .format_engagement import ITEM_LINES as ENGAGEMENT_LINES
from .format_engagement import header as engagement_header
from .format_expr import LINES, criterion, expr, pair, quote, range_, title
from .parser import parse

Gap = Literal["none", "keep", "force"]
"""How the blank lines written before a line are kept: dropped, collapsed, or at least one."""

INDENT = "  "
_GIVEN_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\w+|[{}]')


@dataclass(frozen=True, slots=True)
class Line:
    """One output line, with the source lines it stands for (``None``: it has no span)."""

    depth: int
    text: str
    source: tuple[int, int] | None = None
    gap: Gap = "none"
    opens: bool = False
    closes: bool = False
    given: bool = False  # `given account {` or its `}`: lines the AST does not record


class UnsafeFormat(Exception):
    """The formatted text would not parse back to the same playbook: nothing is written."""


# ---------------------------------------------------------------- public API
def format_module(module: ast.Module, source: str | None = None) -> str:
    """The canonical text of a parsed module, its comments included.

    ``source`` is the text the module was parsed from. It is optional, but the AST keeps no
    span for the ``given account { … }`` of an example: without the text, a comment at the end
    of either line of that block moves to the line below.

    >>> from abmdsl.parser import parse
    >>> module, _ = parse('tier bulk   "Rest"otherwise # the rest')
    >>> print(format_module(module), end="")
    tier bulk "Rest" otherwise  # the rest
    """
    lines = [line for stmt in module.statements for line in _gapped(_lines(stmt, 0), "force")]
    if source is not None:
        lines = _given_lines_from(source, lines)
    return _render(lines, module.comments)


def format_source(text: str, path: str = "<playbook>") -> str:
    """Parse ``text`` and format it; raises :class:`DiagnosticError` on syntax errors.

    The result is checked to parse back to the same tree with the same comments; if it would
    not (a formatter bug), :class:`UnsafeFormat` is raised instead of returning it.

    >>> print(format_source('kpi k = a+b*c target>=4 # four'), end="")
    kpi k =
      a + b * c
      target >= 4  # four
    """
    # the lines counted in `source` must be the parser's: LF ends a line, a BOM is not text
    source = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    module, diagnostics = parse(source, path)
    if module is None:
        raise DiagnosticError(diagnostics)
    formatted = format_module(module, source)
    _verify(module, formatted, path)
    return formatted


def _verify(module: ast.Module, formatted: str, path: str) -> None:
    again, diagnostics = parse(formatted, path)
    if again is None:
        raise UnsafeFormat("the formatted text does not parse: " + diagnostics[0].message)
    if again.model_dump() != module.model_dump():
        raise UnsafeFormat("the formatted text parses to a different playbook")
    if _comment_texts(again) != _comment_texts(module):
        raise UnsafeFormat("the formatted text does not keep every comment")


def _comment_texts(module: ast.Module) -> Counter[str]:
    return Counter(comment.text.rstrip() for comment in module.comments)


# ---------------------------------------------------------------- statements and items
def _lines(node: ast.Node, depth: int) -> list[Line]:
    text = _OWN_LINES.get(type(node)) or LINES.get(type(node))
    if text is not None:
        return [Line(depth, text(node), _source(node))]
    return _BLOCKS[type(node)](node, depth)


def _gapped(lines: list[Line], gap: Gap) -> list[Line]:
    return [replace(lines[0], gap=gap), *lines[1:]]


def _source(node: ast.Node | None) -> tuple[int, int] | None:
    span = node.span if node is not None else None
    return (span.line, span.end_line) if span is not None else None


def _head_source(node: ast.Node, parts: Sequence[ast.Node | None]) -> tuple[int, int] | None:
    """The lines of a block's header: from its start to the end of its last part with a span."""
    if node.span is None:
        return None
    ends = [p.span.end_line for p in parts if p is not None and p.span is not None]
    return node.span.line, max([node.span.line, *ends])


def _end_source(node: ast.Node) -> tuple[int, int] | None:
    return (node.span.end_line, node.span.end_line) if node.span is not None else None


def _block(
    node: ast.Node,
    depth: int,
    header: str,
    items: Sequence[ast.Node],
    parts: Sequence[ast.Node | None] = (),
) -> list[Line]:
    head = Line(depth, header + " {", _head_source(node, parts), opens=True)
    body = [line for item in items for line in _gapped(_lines(item, depth + 1), "keep")]
    end = Line(depth, "}", _end_source(node), gap="keep", closes=True)
    return [head, *body, end]


def _setting(node: ast.Setting) -> str:
    """A header line; `calendar DE region BY` is the one whose values are not a list."""
    if node.key == "calendar" and len(node.values) == 2:
        country, region = node.values
        return f"calendar {expr(country)} region {expr(region)}"
    return LINES[ast.Setting](node)


_OWN_LINES: dict[type, Callable[[Any], str]] = {ast.Setting: _setting, **ENGAGEMENT_LINES}


# ---------------------------------------------------------------- blocks
def _tier(node: ast.Tier, depth: int) -> list[Line]:
    condition = "otherwise" if node.when is None else f"when {expr(node.when)}"
    header = f"tier {node.name.name}{title(node.title)} {condition}"
    if not node.items:
        return [Line(depth, header, _source(node))]
    return _block(node, depth, header, node.items, [node.name, node.when])


def _score(node: ast.Score, depth: int) -> list[Line]:
    header = f"score {node.name.name}{title(node.title)} scale {range_(node.scale)}"
    head, *body, end = _block(node, depth, header, node.criteria, [node.name, node.scale])
    following: list[ast.Criterion | None] = [*node.criteria[1:], None]
    texts = [criterion(c, nxt) for c, nxt in zip(node.criteria, following, strict=False)]
    return [head, *(replace(line, text=text) for line, text in zip(body, texts, strict=True)), end]


def _stage(node: ast.Stage, depth: int) -> list[Line]:
    weeks = f"week {node.first_week}"
    if node.last_week != node.first_week:
        weeks = f"weeks {node.first_week}..{node.last_week}"
    header = f"stage {node.name.name}{title(node.title)} {weeks}"
    return _block(node, depth, header, node.raci, [node.name])


def _kpi(node: ast.Kpi, depth: int) -> list[Line]:
    if node.expr is None:  # `kpi engagement from library`, then its own target
        header = f"kpi {node.name.name}{title(node.title)} from library"
        items = [line for item in node.items for line in _lines(item, depth + 1)]
        return [Line(depth, header, _head_source(node, [node.name])), *items]
    header = f"kpi {node.name.name}{title(node.title)} ="
    if not node.items:
        return [Line(depth, f"{header} {expr(node.expr)}", _source(node))]
    body = [Line(depth + 1, expr(node.expr), _source(node.expr))]
    body += [line for item in node.items for line in _lines(item, depth + 1)]
    return [Line(depth, header, _head_source(node, [node.name])), *body]


def _example(node: ast.Example, depth: int) -> list[Line]:
    following: list[ast.Pair | None] = [*node.given[1:], None]
    pairs = [
        Line(depth + 2, pair(p, nxt), _source(p))
        for p, nxt in zip(node.given, following, strict=False)  # `following` may be [None]
    ]
    expects = [line for item in node.expects for line in _lines(item, depth + 1)]
    return [
        Line(depth, f"example {quote(node.title)} {{", _head_source(node, []), opens=True),
        Line(depth + 1, "given account {", opens=True, given=True),
        *pairs,
        Line(depth + 1, "}", closes=True, given=True),
        *expects,
        Line(depth, "}", _end_source(node), closes=True),
    ]


def _given_lines_from(source: str, lines: list[Line]) -> list[Line]:
    """``lines`` with the source lines of each given block's braces, read from ``source``."""
    found = iter(_given_braces(source))
    out = []
    for line in lines:
        where = next(found, None) if line.given else None
        out.append(replace(line, source=(where, where)) if where is not None else line)
    return out


def _given_braces(source: str) -> list[int]:
    """The lines of the ``{`` and ``}`` of each ``given account { … }``, in order."""
    braces: list[int] = []
    words: list[str] = []  # the last two words, to spot `given account {`
    line, cursor = 1, 0
    for match in _GIVEN_TOKENS.finditer(source):
        token = match.group()
        if token.startswith(("#", '"')):
            continue
        line += source.count("\n", cursor, match.start())
        cursor = match.start()
        opens = token == "{" and words == ["given", "account"]
        if opens or (token == "}" and len(braces) % 2 == 1):
            braces.append(line)
        words = [*words[-1:], token]
    return braces


_BLOCKS: dict[type, Callable[[Any, int], list[Line]]] = {
    ast.Header: lambda n, d: _block(n, d, f"playbook {quote(n.title)}", n.settings),
    ast.Dataset: lambda n, d: _block(n, d, n.name, n.fields),
    ast.Score: _score,
    ast.Tier: _tier,
    ast.Goal: lambda n, d: _block(n, d, f"goal {n.name.name}{title(n.title)}", n.items, [n.name]),
    ast.Cadence: lambda n, d: _block(
        n,
        d,
        f"cadence {n.name.name}{title(n.title)} over {n.days} business days",
        n.items,
        [n.name],
    ),
    ast.Plan: lambda n, d: _block(n, d, f"plan{title(n.title)}", n.items),
    ast.Stage: _stage,
    ast.Kpi: _kpi,
    ast.Engagement: lambda n, d: _block(n, d, engagement_header(n), n.items, [n.name]),
    ast.Simulate: lambda n, d: _block(n, d, "simulate", n.items),
    ast.Example: _example,
}


# ---------------------------------------------------------------- comments and blank lines
Item = str | None  # a comment's text, or None for a blank line


@dataclass
class _Placement:
    """Where each comment goes: at the end of an output line, or in the gap before one."""

    trailing: dict[int, list[str]]
    gaps: dict[int, list[tuple[int, str]]]  # before output line i (len(lines): end of file)


def _place(lines: Sequence[Line], comments: Sequence[ast.Comment]) -> _Placement:
    anchored = [i for i, line in enumerate(lines) if line.source is not None]
    owner: dict[int, int] = {}  # source line → the last output line standing for it
    for i in anchored:
        first, last = lines[i].source or (0, -1)
        owner.update(dict.fromkeys(range(first, last + 1), i))
    # a running maximum keeps the search sound should spans ever run backwards
    reach = list(itertools.accumulate(((lines[i].source or (0, 0))[0] for i in anchored), max))
    placement = _Placement(defaultdict(list), defaultdict(list))
    for comment in comments:
        where = comment.span.line if comment.span is not None else sys.maxsize
        text = comment.text.rstrip()
        if where in owner:
            placement.trailing[owner[where]].append(text)
            continue
        k = bisect.bisect_right(reach, where)
        placement.gaps[anchored[k] if k < len(anchored) else len(lines)].append((where, text))
    return placement


def _render(lines: Sequence[Line], comments: Sequence[ast.Comment]) -> str:
    placement = _place(lines, comments)
    out: list[str] = []
    after_open, previous = False, 0  # previous: the last source line of the last anchored line
    for i, line in enumerate(lines):
        next_first = line.source[0] if line.source is not None else None
        gap = _gap_items(placement.gaps.get(i, []), previous, next_first)
        pad = INDENT * (line.depth + 1 if line.closes else line.depth)  # before `}`: inside
        out += _padded(_shape(gap, line.gap, not out, after_open, line.closes), pad)
        out += _with_trailing(line, placement.trailing.get(i, []), pad)
        after_open = line.opens
        previous = max(previous, line.source[1]) if line.source is not None else previous
    tail = _gap_items(placement.gaps.get(len(lines), []), previous, None)
    out += _padded(_shape(tail, "keep", not out, after_open, True), "")
    return "\n".join(out) + "\n" if out else ""


def _padded(items: Sequence[Item], pad: str) -> list[str]:
    return [pad + item if item is not None else "" for item in items]


def _with_trailing(line: Line, comments: Sequence[str], pad: str) -> list[str]:
    """``line`` with its last trailing comment; any others go on lines of their own above."""
    last = f"  {comments[-1]}" if comments else ""
    return [*(pad + text for text in comments[:-1]), INDENT * line.depth + line.text + last]


def _gap_items(
    comments: Sequence[tuple[int, str]], previous: int, next_first: int | None
) -> list[Item]:
    """The own-line comments of a gap, with a blank wherever the source skipped a line."""
    items: list[Item] = []
    cursor = previous
    for where, text in comments:
        if where - cursor > 1:
            items.append(None)
        items.append(text)
        cursor = where
    if next_first is not None and next_first - cursor > 1:
        items.append(None)
    return items


def _shape(
    items: list[Item], gap: Gap, at_start: bool, after_open: bool, closes: bool
) -> list[Item]:
    """The blank lines of a gap as the layout wants them (see :data:`Gap`)."""
    kept = [item for k, item in enumerate(items) if item is not None or _blank_kept(items, k, gap)]
    if kept and kept[0] is None and (at_start or after_open):
        kept.pop(0)
    if kept and kept[-1] is None and closes:
        kept.pop()
    if gap == "force" and not at_start and (not kept or kept[0] is not None):
        kept.insert(0, None)
    return kept


def _blank_kept(items: Sequence[Item], k: int, gap: Gap) -> bool:
    return gap != "none" and (k == 0 or items[k - 1] is not None)  # a run collapses to one
