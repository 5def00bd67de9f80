"""`abm fmt` on files: read, format, and rewrite, report or show a diff.

Input: playbook paths. Output: files in the canonical layout of :mod:`abmdsl.formatter`
(written atomically, keeping their permissions) and an exit code; a file that does not parse
or could not be formatted safely is never touched.
"""

from __future__ import annotations

import difflib
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from .diagnostics import DiagnosticError
from .files import atomic
from .formatter import UnsafeFormat, format_source
from .parser import decode
from .render import render_text


def format_paths(paths: Sequence[Path], check: bool, diff: bool) -> int:
    """`abm fmt`: rewrite each file in the canonical layout, or only report.

    With ``check`` or ``diff`` nothing is written: ``check`` prints ``would reformat PATH``,
    ``diff`` a unified diff, and the result is 1 if any file would change. Files that do not
    parse get their diagnostics on stderr, are never touched, and make the result 1; a file
    that cannot be read, written or safely formatted makes it 2. A summary goes to stderr.
    """
    outcomes = Counter(_format_file(path, write=not (check or diff), show=diff) for path in paths)
    print(_summary(outcomes, dry=check or diff), file=sys.stderr)
    if outcomes["failed"]:
        return 2
    would_change = outcomes["changed"] and (check or diff)
    return 1 if outcomes["invalid"] or would_change else 0


# ---------------------------------------------------------------- files
Outcome = Literal["changed", "unchanged", "invalid", "failed"]


def _format_file(path: Path, write: bool, show: bool) -> Outcome:
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"abm: error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return "failed"
    text, diagnostics = decode(data, str(path))
    if text is None:
        print(render_text(diagnostics, {}), file=sys.stderr)
        return "invalid"
    try:
        formatted = format_source(text, str(path))
    except DiagnosticError as exc:
        print(render_text(exc.diagnostics, {str(path): text}), file=sys.stderr)
        return "invalid"
    except UnsafeFormat as exc:
        print(f"abm: error: {path} left unchanged: {exc}", file=sys.stderr)
        return "failed"
    if formatted.encode("utf-8") == data:
        return "unchanged"
    return _apply(path, text, formatted, write, show)


def _apply(path: Path, text: str, formatted: str, write: bool, show: bool) -> Outcome:
    if show:
        sys.stdout.write(_diff(path, text, formatted))
    if not write:
        if not show:
            print(f"would reformat {path}")
        return "changed"
    try:
        with atomic(path, "wb") as stream:
            stream.write(formatted.encode("utf-8"))
    except OSError as exc:
        print(f"abm: error: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return "failed"
    return "changed"


def _diff(path: Path, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        _keepends(before), _keepends(after), fromfile=str(path), tofile=f"{path} (formatted)"
    )
    text = "".join(lines)
    # `before` is already decoded: what differs may be only CRLF line ends or a BOM
    return text or f"{path}: only line endings or the byte-order mark would change\n"


def _keepends(text: str) -> list[str]:
    return [line + "\n" for line in text.split("\n")][: -1 if text.endswith("\n") else None]


def _summary(outcomes: Counter[str], dry: bool) -> str:
    would = "would be " if dry else ""
    parts = [
        (outcomes["changed"], f"{would}reformatted"),
        (outcomes["unchanged"], f"{would}left unchanged"),
        (outcomes["invalid"] + outcomes["failed"], "not formatted (errors above)"),
    ]
    shown = [f"{n} file{'s' * (n != 1)} {what}" for n, what in parts if n]
    return ", ".join(shown) or "no files"
