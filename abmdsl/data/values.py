"""How a cell's text becomes a typed value, as DuckDB SQL expressions (one per field type).

Input: a SQL expression for a cell (any type; text formats give VARCHAR) and the declared field.
Output: SQL text. :func:`clean` trims the cell and makes a blank one NULL; a :class:`Parser`
then turns the clean text into the field's type, giving NULL for text it cannot read, so that
"blank" and "unreadable" stay distinguishable. The spellings accepted are listed in
docs/data.md; every function here only builds text, DuckDB runs it over all rows at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..ir import FieldInfo
from ..numbers import plain

WHITESPACE = " \t\r\n\u00a0\u202f\u2007\ufeff"
NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
WHOLE = r"[+-]?\d+(\.0*)?"
GROUPED_BY_SPACES = r"[+-]?[1-9]\d{0,2}([ \x{00a0}\x{202f}\x{2007}']\d{3})+([.,]\d*)?"
GROUPED_BY_DOTS = r"[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d*)?"
GROUPED_BY_COMMAS = r"[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?"
DATE = (
    r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\.\d{1,2}\.\d{4})"
    r"([ T]\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$"
)
DURATION = r"^(.*?)\s*([^\d\s.,]*)$"
TRUE = ("true", "t", "yes", "y", "1", "1.0", "да", "д", "истина", "tak", "t", "prawda")
FALSE = ("false", "f", "no", "n", "0", "0.0", "нет", "н", "ложь", "nie", "fałsz")
DAYS_PER_UNIT = {
    **dict.fromkeys(("", "d", "day", "days"), "1"),
    **dict.fromkeys(("w", "wk", "week", "weeks"), "7"),
}
UNITS_PER_DAY = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 24),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), 1440),
}
SQL_TYPES = {
    "bool": "BOOLEAN",
    "int": "BIGINT",
    "number": "DECIMAL(38,6)",
    "money": "DECIMAL(38,6)",
    "percent": "DECIMAL(38,6)",
    "duration": "DECIMAL(38,6)",
    "date": "DATE",
    "text": "VARCHAR",
    "enum": "VARCHAR",
}
NUMERIC_TYPES = ("number", "money", "percent", "duration")


def ident(name: str) -> str:
    """A quoted SQL identifier: ``ident('a"b')`` is ``'"a""b"'``."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal: ``literal("it's")`` is ``"'it''s'"``."""
    return "'" + text.replace("'", "''") + "'"


def _in(value: str, options: tuple[str, ...]) -> str:
    # Not `IN (…)`: DuckDB plans a long IN list as a join, many times slower than this.
    return f"list_contains([{', '.join(literal(o) for o in options)}], {value})"


def clean(cell: str) -> str:
    """The cell as trimmed text, NULL when blank."""
    text = f"CAST({cell} AS VARCHAR)"
    # Trimming is slow in DuckDB; looking at both ends first is not.
    edge = " OR ".join(
        f"contains({literal(WHITESPACE)}, {end}({text}, 1))" for end in ("left", "right")
    )
    trimmed = f"trim({text}, {literal(WHITESPACE)})"
    return f"NULLIF(CASE WHEN {edge} THEN {trimmed} ELSE {text} END, '')"


def number_text(value: str, decimal_comma: bool) -> str:
    """``value`` rewritten as a plain decimal (`1 234,5` → `1234.5`), or as something invalid.

    Spaces (also no-break ones) and apostrophes group thousands. With a decimal comma, a dot
    groups thousands when it does so exactly (`1.234,5`); without it, a comma does (`1,234.5`),
    and a lone comma between digits (`3,5`) is still a decimal comma.
    """
    # Most cells are plain numbers: they skip the rewriting below.
    plain_number = r"[+-]?\d+(,\d+)?" if decimal_comma else r"[+-]?\d+(\.\d+)?"
    fast = f"WHEN regexp_full_match({value}, {literal(plain_number)}) THEN " + (
        f"replace({value}, ',', '.')" if decimal_comma else value
    )
    return f"CASE {fast} ELSE {_rewritten(value, decimal_comma)} END"


def _rewritten(value: str, decimal_comma: bool) -> str:
    minus = f"replace({value}, '−', '-')"
    ungrouped = (
        f"CASE WHEN regexp_full_match({minus}, {literal(GROUPED_BY_SPACES)}) "
        f"THEN regexp_replace({minus}, '[ \u00a0\u202f\u2007'']', '', 'g') ELSE {minus} END"
    )
    if decimal_comma:
        return (
            f"CASE WHEN regexp_full_match({ungrouped}, {literal(GROUPED_BY_DOTS)}) "
            f"THEN replace(replace({ungrouped}, '.', ''), ',', '.') "
            f"ELSE replace({ungrouped}, ',', '.') END"
        )
    return (
        f"CASE WHEN regexp_full_match({ungrouped}, {literal(GROUPED_BY_COMMAS)}) "
        f"THEN replace({ungrouped}, ',', '') "
        f"WHEN regexp_full_match({ungrouped}, '[+-]?\\d*,\\d+') "
        f"THEN replace({ungrouped}, ',', '.') ELSE {ungrouped} END"
    )


def number_part(value: str) -> str:
    """The leading number of a cell such as `25 %` or `3,5 h`, to sniff its decimal separator."""
    return f"regexp_extract({value}, {literal(DURATION)}, 1)"


def _decimal(text: str, scale: int = 6) -> str:
    return (
        f"CASE WHEN regexp_full_match({text}, {literal(NUMBER)}) "
        f"THEN TRY_CAST({text} AS DECIMAL(38,{scale})) END"
    )


@dataclass(frozen=True)
class Parser:
    """How one field type is read: intermediate texts from the clean cell, then the value."""

    prepare: Callable[[str, bool], tuple[str, ...]]
    typed: Callable[[str, tuple[str, ...], FieldInfo], str]


def _same(value: str, decimal_comma: bool) -> tuple[str, ...]:
    return ()


def _as_number(value: str, decimal_comma: bool) -> tuple[str, ...]:
    return (number_text(value, decimal_comma),)


def _as_percent(value: str, decimal_comma: bool) -> tuple[str, ...]:
    return (number_text(f"regexp_replace({value}, '\\s*%$', '')", decimal_comma),)


def _as_duration(value: str, decimal_comma: bool) -> tuple[str, ...]:
    amount, unit = (f"regexp_extract({value}, {literal(DURATION)}, {i})" for i in (1, 2))
    return (number_text(amount, decimal_comma), f"lower({unit})")


def _int(value: str, texts: tuple[str, ...], field: FieldInfo) -> str:
    (text,) = texts
    return (
        f"CASE WHEN regexp_full_match({text}, {literal(WHOLE)}) "
        f"THEN TRY_CAST(regexp_replace({text}, '\\.0*$', '') AS BIGINT) END"
    )


def _number(value: str, texts: tuple[str, ...], field: FieldInfo) -> str:
    return _decimal(texts[0])


def _percent(value: str, texts: tuple[str, ...], field: FieldInfo) -> str:
    # `25%` is a hundredth of 25; a bare number is already a fraction. Scale 16 keeps the
    # only rounding in the final cast to 6 decimals.
    hundredths = f"CAST(({_decimal(texts[0], 16)}) * 0.01 AS DECIMAL(38,6))"
    return f"CASE WHEN ends_with({value}, '%') THEN {hundredths} ELSE {_decimal(texts[0])} END"


def _duration(value: str, texts: tuple[str, ...], field: FieldInfo) -> str:
    amount, unit = texts
    cases = [
        f"WHEN {_in(unit, tuple(units))} THEN CAST(({_decimal(amount, 10)}) * {factor} "
        "AS DECIMAL(38,6))"
        for factor, units in _group(DAYS_PER_UNIT).items()
    ]
    cases += [
        f"WHEN {_in(unit, tuple(units))} THEN CAST(TRY_CAST(({_decimal(amount, 10)}) AS DOUBLE) "
        f"/ {per_day} AS DECIMAL(38,6))"
        for per_day, units in _group(UNITS_PER_DAY).items()
    ]
    return f"CASE {' '.join(cases)} END"


def _group(mapping: dict[str, object]) -> dict[object, list[str]]:
    groups: dict[object, list[str]] = {}
    for unit, factor in mapping.items():
        groups.setdefault(factor, []).append(unit)
    return groups


def _bool(value: str, texts: tuple[str, ...], field: FieldInfo) -> str:
    lowered = f"lower({value})"
    return f"CASE WHEN {_in(lowered, TRUE)} THEN true WHEN {_in(lowered, FALSE)} THEN false END"


def _date(value: str, texts: tuple[str, ...], field: FieldInfo) -> str:
    day = f"regexp_extract({value}, {literal(DATE)}, 1)"
    return f"CAST(try_strptime({day}, ['%Y-%m-%d', '%d.%m.%Y']) AS DATE)"


def _text(value: str, texts: tuple[str, ...], field: FieldInfo) -> str:
    return value


def _enum(value: str, texts: tuple[str, ...], field: FieldInfo) -> str:
    # Exact spelling first; then case, spaces and hyphens are forgiven (`IT services`).
    if not field.enum_values:
        return value
    loose = f"lower(regexp_replace({value}, '[\\s-]+', '_', 'g'))"
    cases = " ".join(
        f"WHEN {literal(v.lower())} THEN {literal(v)}" for v in dict.fromkeys(field.enum_values)
    )
    return (
        f"CASE WHEN {_in(value, field.enum_values)} THEN {value} ELSE CASE {loose} {cases} END END"
    )


PARSERS: dict[str, Parser] = {
    "int": Parser(_as_number, _int),
    "number": Parser(_as_number, _number),
    "money": Parser(_as_number, _number),
    "percent": Parser(_as_percent, _percent),
    "duration": Parser(_as_duration, _duration),
    "bool": Parser(_same, _bool),
    "date": Parser(_same, _date),
    "text": Parser(_same, _text),
    "enum": Parser(_same, _enum),
}


def out_of_range(value: str, field: FieldInfo) -> tuple[str, str]:
    """SQL conditions: ``value`` below the field's low end, above its high end (``false`` if none).

    >>> from decimal import Decimal
    >>> f = FieldInfo(dataset="accounts", name="x", type="int", low=Decimal(1), high=Decimal(5))
    >>> out_of_range("p", f)
    ('p < 1', 'p > 5')
    """
    low = f"{value} < {plain(field.low)}" if field.low is not None else "false"
    high = f"{value} > {plain(field.high)}" if field.high is not None else "false"
    return low, high
