"""Small formatting helpers the templates call: values as ``abm`` shows them elsewhere.

Input: parts of a report (a KPI result, a goal's share, a number). Output: short text. The
templates (HTML and Markdown) share these, so the two forms of a report say the same thing.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from ..evaluate.report import headline, period, shown, threshold_shown, warn_shown
from ..explain import Explanation, render_explanation
from ..graph.tree import share_text
from ..numbers import plain
from ..simulate.report import sensitivity_table

if TYPE_CHECKING:
    from ..evaluate.scorecard import KpiResult, Scorecard
    from ..graph.cascade import CascadedGoal

MARKS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "no data": "NO DATA", "no target": "-"}
# Markdown would read these as markup: `\`, code, emphasis, links, table cells; `_` only at
# a word's edge (GitHub does not emphasise inside `executive_warmup`).
_MD_SPECIAL = re.compile(r"([\\`*\[\]|]|(?<!\w)_|_(?!\w))")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def value(result: KpiResult, card: Scorecard) -> str:
    return shown(result.value, result.kind, card.currency)


def share(goal: CascadedGoal) -> str | None:
    """A sub-goal's share of its parent, as ``abm goals`` says it."""
    return None if goal.share is None else share_text(goal.share, goal.parent or "")


def ratio(part: int | float, whole: int | float) -> str:
    """``part / whole`` as a percentage with one decimal.

    >>> ratio(336, 1000), ratio(0, 0)
    ('33.6%', '-')
    """
    return f"{part / whole * 100:.1f}%" if whole else "-"


def fraction(p: float) -> str:
    return f"{p * 100:.1f}%"


def number(value: Any) -> str:
    """Counts with thousands separators, decimals as written: ``1,250``, ``4.2``."""
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return plain(value)
    return "-" if value is None else str(value)


def md(text: Any) -> str:
    """Text made safe for a Markdown table cell: one line, no HTML tag, no emphasis.

    >>> print(md("a|b <i>_x_</i> & executive_warmup &amp;"))
    a\\|b &lt;i>\\_x\\_&lt;/i> & executive_warmup &amp;amp;
    """
    out = " ".join(str(text).split())
    out = _ENTITY.sub("&amp;", out).replace("<", "&lt;")
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), out)


def code(text: Any) -> str:
    """An identifier as a Markdown code span; a backtick inside gets a longer fence."""
    out = " ".join(str(text).split()).replace("|", "\\|")
    fence = "``" if "`" in out else "`"
    return f"{fence}{out}{fence}" if fence == "`" else f"{fence} {out} {fence}"


def status_class(status: str) -> str:
    return {"no data": "nodata", "no target": "none"}.get(status, status)


def explanation(e: Explanation) -> str:
    """The account's explanation exactly as ``abm explain`` prints it."""
    return render_explanation(e)


_CODE_SPAN = re.compile(r"`([^`]+)`")


def prose(text: Any) -> Markup:
    """abm's prose for HTML: escaped, with its `code` spans as ``<code>``.

    >>> str(prose("X = `a<b`, & more"))
    'X = <code>a&lt;b</code>, &amp; more'
    """
    escaped = str(escape(str(text)))
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", escaped))


HELPERS = {
    "status_class": status_class,
    "explanation": explanation,
    "kpi_value": value,
    "kpi_threshold": threshold_shown,
    "kpi_warn": warn_shown,
    "headline": headline,
    "period": period,
    "shown": shown,
    "share": share,
    "ratio": ratio,
    "fraction": fraction,
    "number": number,
    "marks": MARKS,
    "sensitivity_table": sensitivity_table,
}
FILTERS = {"md": md, "code": code, "number": number, "prose": prose}
