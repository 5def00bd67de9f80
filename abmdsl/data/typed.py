"""Typed cells (Parquet) read as they are, where that gives the values the text path would.

Input: a declared field and the DuckDB type of the column that holds it.
Output: SQL for the field's value straight from the typed cell (no text in between), or
``None`` when the column must be read as text (:mod:`.values`). A text or enum column of
strings also gets a *gate*: a condition true for a cell the typed reading would not take as
it is (blank, spaces around it, an enum value spelled loosely); if any cell meets it, the
whole column is read as text after all, so the result never depends on which path ran.

Why: turning every cell of a typed file into text and parsing it back costs several times
what tiering it does (docs/performance.md, "Tiering"). The checks (empty, ranges, enums, keys)
then run on the typed values in one scan (:func:`abmdsl.data.validate.screen`), and problems
are reported with the cell's text exactly as the text path reports them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..ir import FieldInfo
from .values import WHITESPACE, literal

Sql = Callable[[str], str]  # a cell's SQL → an expression over it

SIGNED = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")
UNSIGNED = ("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")
INTEGERS = frozenset(SIGNED + UNSIGNED)
FLOATS = frozenset(("FLOAT", "DOUBLE"))
TIMESTAMPS = frozenset(("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"))
STRINGS = frozenset(("VARCHAR",))
DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
# The text path reads dates written with a four-digit year, as DuckDB writes the years 1..9999.
FIRST_DAY, LAST_DAY = "DATE '0001-01-01'", "DATE '9999-12-31'"
# A duration is read from text at ten places before it is rounded to six: a decimal with more
# places would be rounded twice there, so it goes that way too.
DURATION_PLACES = 10


def _decimal_scale(kind: str) -> int | None:
    found = DECIMAL.fullmatch(kind)
    return int(found.group(2)) if found else None


def typed_value(info: FieldInfo, kind: str) -> Sql | None:
    """The field's value from a cell of DuckDB type ``kind``, or ``None``: read it as text.

    Every value it gives equals what the text path gives for the cell's text
    (``CAST(cell AS VARCHAR)``): a value the text path cannot read is ``NULL`` here too, and
    so reported as of the wrong type.

    >>> from abmdsl.ir import FieldInfo
    >>> f = FieldInfo(dataset="accounts", name="n", type="int")
    >>> typed_value(f, "TINYINT")("c")
    'TRY_CAST(c AS BIGINT)'
    >>> typed_value(f, "DOUBLE") is None
    True
    """
    scale = _decimal_scale(kind)
    exact = kind in INTEGERS or scale is not None
    match info.type:
        case "int" if kind in INTEGERS:
            return lambda cell: f"TRY_CAST({cell} AS BIGINT)"
        case "bool" if kind == "BOOLEAN":
            return lambda cell: cell
        case "date" if kind == "DATE" or kind in TIMESTAMPS:
            return _date
        case "number" | "money" | "percent" if exact:
            return lambda cell: f"TRY_CAST({cell} AS DECIMAL(38,6))"
        case "number" | "money" | "percent" if kind in FLOATS:
            # A float's shortest text is the number it stands for: rounded from there, as
            # written (`1e-07` is 0.000000, `5e-07` is 0.000001), never from its binary value.
            return _float
        case "duration" if kind in INTEGERS or (scale is not None and scale <= DURATION_PLACES):
            return lambda cell: f"TRY_CAST({cell} AS DECIMAL(38,6))"
        case "text" | "enum" if kind in STRINGS:
            return lambda cell: cell
        case "text" if exact or kind in FLOATS or kind in ("BOOLEAN", "DATE"):
            # Their text never has spaces around it nor is blank: clean() would change nothing.
            return lambda cell: f"CAST({cell} AS VARCHAR)"
    return None


def _date(cell: str) -> str:
    day = f"CAST({cell} AS DATE)"
    return f"CASE WHEN {day} BETWEEN {FIRST_DAY} AND {LAST_DAY} THEN {day} END"


def _float(cell: str) -> str:
    text = f"CAST({cell} AS VARCHAR)"
    return f"CASE WHEN isfinite({cell}) THEN TRY_CAST({text} AS DECIMAL(38,6)) END"


def text_gate(info: FieldInfo, kind: str) -> Sql | None:
    """A condition on a string cell the typed reading cannot take as it is, or ``None``.

    The text path trims spaces (also no-break ones) and reads a blank cell as empty; an enum
    value must be spelled exactly as declared (the text path forgives case, spaces and
    hyphens, and reports anything else).
    """
    if kind not in STRINGS or info.type not in ("text", "enum"):
        return None
    if info.type == "enum" and info.enum_values:
        values = ", ".join(literal(v) for v in dict.fromkeys(info.enum_values))
        return lambda cell: f"NOT list_contains([{values}], {cell})"
    spaces = literal(WHITESPACE)
    return lambda cell: (
        f"({cell} = '' OR contains({spaces}, left({cell}, 1)) "
        f"OR contains({spaces}, right({cell}, 1)))"
    )
