"""Matplotlib figures as inline SVG, byte for byte the same on every run.

Input: a function that draws on a :class:`matplotlib.figure.Figure`. Output: the ``<svg>``
element as text, ready to be placed in an HTML page.

Determinism: the SVG hash salt is fixed (matplotlib otherwise salts clip-path ids with a
random number), the date is left out of the metadata, and text is written as text (no glyph
outlines whose ids depend on the fonts installed). Every ``id`` inside the picture is
prefixed with the chart's own id, so that several charts in one page never share an id.
matplotlib is imported here only: ``abm --version`` and ``abm check`` never load it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STYLE: dict[str, Any] = {
    "svg.fonttype": "none",  # text stays text: selectable, searchable, smaller
    "text.parse_math": False,  # a `$` in a stage's title is a dollar, not TeX
    "font.family": "sans-serif",
    "font.size": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#9aa3ad",
    "axes.labelcolor": "#2b3440",
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "xtick.color": "#4a5561",
    "ytick.color": "#4a5561",
    "legend.frameon": False,
    "figure.dpi": 72,  # sizes in inches map to points 1:1; SVG is vector anyway
}
_HEAD = re.compile(r"\A.*?(?=<svg\b)", re.S)


def render_svg(chart_id: str, size: tuple[float, float], draw: Callable[[Figure], None]) -> str:
    """Draw a figure of ``size`` inches and return its ``<svg>`` element with id ``chart_id``."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    settings = STYLE | {"svg.hashsalt": f"abmdsl-{chart_id}", "svg.id": chart_id}
    with matplotlib.rc_context(settings):
        figure = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(figure)  # the Agg canvas: no display is ever needed
        draw(figure)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return _scoped(_HEAD.sub("", out.getvalue()), chart_id)


def _scoped(svg: str, chart_id: str) -> str:
    """Prefix inner ids (``figure_1``, ``axes_1``, clip paths) and the references to them."""
    svg = re.sub(r' id="(?!' + re.escape(chart_id) + r'")([^"]+)"', rf' id="{chart_id}-\1"', svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{chart_id}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{chart_id}-\1)", svg)
    return svg.replace("<svg ", '<svg role="img" class="chart" ', 1).strip() + "\n"
