"""A report as one self-contained HTML page, or as Markdown.

Input: a :class:`~abmdsl.report.model.Report`. Output: text — the same bytes for the same
report. The templates ship inside the package (``abmdsl/report/templates``) and are read with
Jinja2's package loader; HTML is autoescaped, so a name like ``<R&D>`` stays text.

The HTML page needs nothing from the network: the style sheet is inlined, charts are inline
SVG drawn by matplotlib, there is no script and no web font. The Markdown form has the same
sections and tables; its charts are left out, with a line that says so.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from .view import FILTERS, HELPERS

if TYPE_CHECKING:
    from jinja2 import Environment

    from .model import Report

FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}
SECTIONS = ("matrix", "tiers", "goals", "plan", "cadence", "scorecard", "simulation")
"""The ids of the sections, in order; the HTML page has an element with each."""


@cache
def environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("abmdsl.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,  # a misspelt field fails the tests, not the strategist
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.globals.update(HELPERS)
    return env


def render_html(report: Report) -> str:
    """The page, charts drawn."""
    from .charts import report_charts

    template = environment().get_template("report.html.j2")
    return template.render(r=report, charts=report_charts(report), sections=SECTIONS)


def render_markdown(report: Report) -> str:
    template = environment().get_template("report.md.j2")
    text = template.render(r=report, sections=SECTIONS)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"


RENDERERS = {"html": render_html, "markdown": render_markdown}
