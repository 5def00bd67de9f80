"""Source positions: where in which file a node, token or diagnostic sits.

Spans are kept outside node identity (excluded from ``model_dump``), so two parses of the same
text in different layouts compare equal once dumped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open region of a source file; lines and columns count from 1.

    >>> Span("a.abm", 2, 5, 2, 9).label()
    'a.abm:2:5'
    """

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def label(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def cover(self, other: Span | None) -> Span:
        """The smallest span holding both ``self`` and ``other``."""
        if other is None:
            return self
        start = min((self.line, self.column), (other.line, other.column))
        end = max((self.end_line, self.end_column), (other.end_line, other.end_column))
        return Span(self.file, start[0], start[1], end[0], end[1])

    def sort_key(self) -> tuple[str, int, int]:
        return (self.file, self.line, self.column)
