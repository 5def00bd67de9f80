"""Problems found in a data file, the error that carries them, and their text for people.

Input: the problems a load found (already sorted) and how many there were in all.
Output: :class:`DataError` for callers, :func:`render_problems` for a terminal or a log.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROBLEMS = 1000
"""A load keeps at most this many problems (it still counts them all)."""

SHOWN_PROBLEMS = 20
""":func:`render_problems` prints this many, then a count of the rest."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a data file cannot be used as it is.

    ``row`` is the 1-based data row (the header is not a row), ``line`` the physical line of a
    text file where the row starts, when it is known; both are ``None`` for a problem with the
    whole file or a whole column.
    """

    file: str
    row: int | None
    line: int | None
    column: str | None
    message: str
    hint: str | None = None

    def where(self) -> str:
        """``file: row 3 (line 4), column `x``` — as much of it as is known."""
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}" + (f" (line {self.line})" if self.line else ""))
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column `{self.column}`")
        return ": ".join([self.file, ", ".join(parts)] if parts else [self.file])


class DataError(Exception):
    """The data cannot be used; ``problems`` says why (at most :data:`MAX_PROBLEMS` of them).

    ``total`` counts every problem found, including those not kept.
    """

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = problems
        self.total = len(problems) if total is None else total
        super().__init__(render_problems(problems, self.total))


def render_problems(problems: list[Problem], total: int, limit: int = SHOWN_PROBLEMS) -> str:
    """The first ``limit`` problems, one a line (each hint below it), then a count of the rest.

    Args:
        problems: sorted problems, as :attr:`DataError.problems` holds them.
        total: how many problems there were in all (may exceed ``len(problems)``).
        limit: how many to print.

    Returns:
        Text for people, without a trailing newline.

    >>> p = Problem("accounts.csv", 17, 18, "info_openness", "7 is above the declared range 1..5")
    >>> print(render_problems([p, p], total=36, limit=1))
    accounts.csv: row 17 (line 18), column `info_openness`: 7 is above the declared range 1..5
    … and 35 more problems
    """
    lines = []
    for problem in problems[:limit]:
        lines.append(f"{problem.where()}: {problem.message}")
        if problem.hint:
            lines.append(f"  = hint: {problem.hint}")
    rest = total - min(limit, len(problems))
    if rest > 0:
        lines.append(f"… and {rest} more problem{'s' if rest > 1 else ''}")
    return "\n".join(lines)
