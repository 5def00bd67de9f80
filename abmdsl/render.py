"""Diagnostics → text for people (snippet and caret), JSON for tools, GitHub annotations for CI."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from .diagnostics import Diagnostic, Severity
from .limits import MAX_DIAGNOSTICS

_COLOURS = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m"}
_BOLD, _BLUE, _RESET = "\x1b[1m", "\x1b[1;34m", "\x1b[0m"


def render_text(
    diagnostics: Sequence[Diagnostic], sources: dict[str, str], colour: bool = False
) -> str:
    """Each diagnostic as ``file:line:col: severity[CODE]: message`` with the line and a caret.

    >>> from abmdsl.span import Span
    >>> from abmdsl.diagnostics import error
    >>> d = error("ABM201", "unknown name `potental`", Span("a.abm", 1, 13, 1, 21),
    ...           hint="did you mean `potential`?")
    >>> print(render_text([d], {"a.abm": "tier t when potental >= 4"}))
    a.abm:1:13: error[ABM201]: unknown name `potental`
      |
    1 | tier t when potental >= 4
      |             ^^^^^^^^
      = hint: did you mean `potential`?
    """
    shown = [_one(d, sources, colour) for d in diagnostics[:MAX_DIAGNOSTICS]]
    rest = len(diagnostics) - MAX_DIAGNOSTICS
    if rest > 0:  # a wall of text helps nobody: the first ones usually explain the rest
        shown.append(
            f"... and {rest} more diagnostic{'s' * (rest != 1)} not shown; "
            "fix these first, or see them all with `--format json`"
        )
    return "\n".join(shown)


def _one(d: Diagnostic, sources: dict[str, str], colour: bool) -> str:
    paint: Callable[[str, str], str] = (
        (lambda c, s: f"{c}{s}{_RESET}") if colour else (lambda c, s: s)
    )
    where = d.span.label() + ": " if d.span else ""
    head = (
        paint(_BOLD, where)
        + paint(_COLOURS[d.severity], f"{d.severity}[{d.code}]")
        + paint(_BOLD, f": {d.message}")
    )
    lines = [head]
    if d.span is not None:
        lines += _snippet(d, sources.get(d.span.file), paint)
    for note, span in d.notes:
        lines.append(f"  = note: {note}" + (f" ({span.label()})" if span else ""))
    if d.hint:
        lines.append("  " + paint(_BLUE, "= hint:") + f" {d.hint}")
    return "\n".join(lines)


def _snippet(d: Diagnostic, source: str | None, paint: Callable[[str, str], str]) -> list[str]:
    assert d.span is not None
    if source is None:
        return []
    all_lines = source.split("\n")
    if not 1 <= d.span.line <= len(all_lines):
        return []
    # One character for one, so the caret stays aligned; a playbook from a pull request must
    # not write escape codes into a terminal or a CI log.
    text = "".join(
        c if c.isprintable() else " " if c == "\t" else "?" for c in all_lines[d.span.line - 1]
    )
    number = str(d.span.line)
    gutter = " " * len(number)
    end = d.span.end_column if d.span.end_line == d.span.line else len(text) + 1
    width = max(1, min(end, len(text) + 1) - d.span.column)
    caret = " " * (d.span.column - 1) + "^" * width
    return [
        f"{gutter} |",
        f"{number} | {text}",
        f"{gutter} | " + paint(_COLOURS[d.severity], caret),
    ]


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps([as_dict(d) for d in diagnostics], ensure_ascii=False, indent=2)


def as_dict(d: Diagnostic) -> dict[str, object]:
    span = d.span
    return {
        "code": d.code,
        "severity": str(d.severity),
        "message": d.message,
        "file": span.file if span else None,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
        "hint": d.hint,
        "notes": [{"message": m, "location": s.label() if s else None} for m, s in d.notes],
    }


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands: each diagnostic becomes an annotation on the PR.

    >>> from abmdsl.span import Span
    >>> from abmdsl.diagnostics import warning
    >>> print(render_github([warning("ABM236", "unused", Span("a.abm", 2, 7, 2, 9), "use it")]))
    ::warning file=a.abm,line=2,col=7,endLine=2,endColumn=9,title=ABM236::unused%0Ahint: use it
    """
    out = []
    for d in diagnostics:
        kind = "error" if d.severity is Severity.ERROR else "warning"
        props = ",".join(_escape_prop(p) for p in _github_props(d))
        out.append(f"::{kind} {props}::{_escape(_github_message(d))}")
    return "\n".join(out)


def _github_props(d: Diagnostic) -> list[str]:
    if d.span is None:
        return [f"title={d.code}"]
    return [
        f"file={d.span.file}",
        f"line={d.span.line}",
        f"col={d.span.column}",
        f"endLine={d.span.end_line}",
        f"endColumn={d.span.end_column}",
        f"title={d.code}",
    ]


def _github_message(d: Diagnostic) -> str:
    """The message, then its notes and hint on lines of their own, as the text output has them."""
    notes = [f"note: {n}" + (f" ({s.label()})" if s else "") for n, s in d.notes]
    hint = [f"hint: {d.hint}"] if d.hint else []
    return "\n".join([d.message, *notes, *hint])


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(prop: str) -> str:
    key, _, value = prop.partition("=")
    return key + "=" + _escape(value).replace(":", "%3A").replace(",", "%2C")
