"""Diagnostics are data: a code, a severity, a message, a span, a hint.

Every stage returns a list of :class:`Diagnostic`; rendering (text, JSON, GitHub annotations)
lives in :mod:`abmdsl.render`. Codes and their documentation live in :mod:`abmdsl.codes`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from .span import Span


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about a playbook, pointing at the place it concerns."""

    code: str
    severity: Severity
    message: str
    span: Span | None
    hint: str | None = None
    notes: tuple[tuple[str, Span | None], ...] = field(default=())

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (*self.span.sort_key(), self.code)


def error(
    code: str,
    message: str,
    span: Span | None,
    hint: str | None = None,
    notes: tuple[tuple[str, Span | None], ...] = (),
) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, hint, notes)


def warning(
    code: str,
    message: str,
    span: Span | None,
    hint: str | None = None,
    notes: tuple[tuple[str, Span | None], ...] = (),
) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, span, hint, notes)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The known name closest to ``name``, if one is close enough to be a typo of it.

    >>> closest("potental", ["potential", "attractiveness"]), closest("xyz", ["potential"])
    ('potential', None)
    """
    match = difflib.get_close_matches(name, sorted(set(candidates) - {name}), n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest known name, if one is close enough.

    >>> did_you_mean("potental", ["potential", "attractiveness"])
    'did you mean `potential`?'
    """
    match = closest(name, candidates)
    return f"did you mean `{match}`?" if match else None


class DiagnosticError(Exception):
    """Raised to stop a stage early; carries the diagnostics gathered so far."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics
