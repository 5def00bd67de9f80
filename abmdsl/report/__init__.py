"""`abm report`: one self-contained HTML page (or Markdown) a strategist reads end to end.

Modules, in the order a report is made: :mod:`.build` collects every section from the stages
that compute it (:mod:`.matrix` the two-axis scoring matrix, :mod:`.tiers` the tier table and
each account's explanation, :mod:`.timeline` the plan and the cadence calendar) into the
dataclasses of :mod:`.model`; :mod:`.render` writes them with the Jinja2 templates in
``templates/``, the HTML with the charts of :mod:`.charts` and :mod:`.charts_sim` (matplotlib,
as inline SVG by :mod:`.svg`). See docs/report.md.
"""

from .build import Inputs, ReportError, build_report
from .render import FORMATS, SECTIONS, render_html, render_markdown

__all__ = [
    "FORMATS",
    "SECTIONS",
    "Inputs",
    "ReportError",
    "build_report",
    "render_html",
    "render_markdown",
]
