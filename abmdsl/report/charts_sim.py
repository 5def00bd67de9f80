"""The simulation's charts: P(pass) with its interval, the outcomes, and the percentiles.

Input: a :class:`~abmdsl.simulate.results.Simulation`. Output: ``chart id → <svg>``.

A :class:`Simulation` keeps each KPI's count of runs per status and its 5th, 50th and 95th
percentiles, not every run's value; so the spread is drawn as those percentiles (a range with
its median), not as a histogram.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..evaluate.report import shown
from .svg import render_svg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..simulate.results import Simulation

STATUS_COLOURS = {"pass": "#1B7F3B", "warn": "#D99A00", "fail": "#C0392B", "no data": "#A0A8B0"}
VERDICT, KPI = "#0072B2", "#56B4E9"  # neutral: a low P(pass) is not drawn as good news


def simulation_charts(sim: Simulation) -> dict[str, str]:
    return {
        "chart-sim-pass": pass_chart(sim),
        "chart-sim-outcomes": outcomes_chart(sim),
        "chart-sim-ranges": ranges_chart(sim),
    }


def _rows(sim: Simulation) -> list[tuple[str, float, float, float, str]]:
    """(label, P(pass), low, high, colour): the verdict first, then each KPI."""
    rows = []
    if sim.verdict_passed is not None and sim.verdict_interval is not None:
        i = sim.verdict_interval
        rows.append(("verdict", sim.verdict_passed / sim.runs, i.low, i.high, VERDICT))
    for k in sim.kpis:
        p = k.passed / sim.runs
        rows.append((k.name, p, k.interval.low, k.interval.high, KPI))
    return rows


def pass_chart(sim: Simulation) -> str:
    rows = _rows(sim)

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        ys = range(len(rows))
        values = [r[1] * 100 for r in rows]
        errors = [
            [max(0.0, (r[1] - r[2]) * 100) for r in rows],
            [max(0.0, (r[3] - r[1]) * 100) for r in rows],
        ]
        ax.barh(ys, values, color=[r[4] for r in rows], height=0.55, alpha=0.9)
        ax.errorbar(values, ys, xerr=errors, fmt="none", ecolor="#1f2933", capsize=3, lw=1)
        for y, r in zip(ys, rows, strict=True):
            text = f"{r[1] * 100:.1f}%  ({r[2] * 100:.1f}–{r[3] * 100:.1f}%)"
            ax.text(min(r[3] * 100 + 1.5, 101), y, text, va="center", fontsize=8)
        ax.set_yticks(list(ys), [r[0] for r in rows])
        ax.invert_yaxis()
        ax.set_xlim(0, 125)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        ax.set_title(f"P(pass) with its 95% interval, {sim.runs:,} runs")
        ax.grid(True, axis="x", color="#d5dbe1", linewidth=0.5)
        ax.set_axisbelow(True)

    return render_svg("chart-sim-pass", (8.2, 1.0 + 0.42 * len(rows)), draw)


def outcomes_chart(sim: Simulation) -> str:
    names = [k.name for k in sim.kpis]

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        left = [0.0] * len(names)
        for status, colour in STATUS_COLOURS.items():
            widths = [k.statuses.get(status, 0) / sim.runs * 100 for k in sim.kpis]
            ax.barh(names, widths, left=left, color=colour, label=status, height=0.55)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        ax.set_title("Share of runs by status")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))

    return render_svg("chart-sim-outcomes", (8.2, 1.0 + 0.38 * len(names)), draw)


def ranges_chart(sim: Simulation) -> str:
    """One small panel per KPI and for the cost: p5 to p95 as a bar, the median as a dot."""
    panels: list[tuple[str, str, dict[int, Any]]] = [
        (f"{k.name}" + (f" (target {k.target})" if k.target else ""), k.kind, k.percentiles)
        for k in sim.kpis
    ]
    panels.append(("total cost", "money", dict(sim.cost)))

    def draw(figure: Figure) -> None:
        axes = figure.subplots(len(panels), 1, squeeze=False)[:, 0]
        for ax, (title, kind, found) in zip(axes, panels, strict=True):
            _range(ax, title, kind, found, sim.currency)

    return render_svg("chart-sim-ranges", (8.2, 0.85 * len(panels) + 0.4), draw)


def _range(ax: Any, title: str, kind: str, found: dict[int, Any], currency: str) -> None:
    ax.set_title(title, fontsize=9, fontweight="normal")
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    values = [found.get(q) for q in (5, 50, 95)]
    if any(v is None or not isinstance(v, Decimal | int | float) for v in values):
        ax.text(0.5, 0.5, "no run had a value", transform=ax.transAxes, ha="center", va="center")
        ax.set_xticks([])
        return
    low, mid, high = (float(v) for v in values)
    # from zero when the values are positive: a range then shows how far from nothing it is
    left = min(0.0, low)
    if left == 0.0:  # where nothing is, for the eye to measure the range against
        ax.axvline(0, color="#9aa3ad", linewidth=0.8)
        ax.annotate("0", (0, -0.75), ha="center", va="center", fontsize=7.5, color="#6b7785")
    ax.barh([0], [max(high - low, 1e-9)], left=low, height=0.5, color="#56B4E9", alpha=0.7)
    ax.scatter([mid], [0], color="#0072B2", s=40, zorder=3)
    for value, q in ((low, 5), (mid, 50), (high, 95)):
        label = f"p{q} {shown(Decimal(str(value)), kind, currency)}"
        offset = {5: -10, 50: 10, 95: -10}[q]
        ax.annotate(
            label,
            (value, 0),
            xytext=(0, offset),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=7.5,
        )
    spread = (high - left) or max(abs(mid), 1.0)
    ax.set_xlim(left - spread * 0.12, high + spread * 0.12)
    ax.set_ylim(-0.9, 0.9)
    ax.set_xticks([])  # the labels carry the values, in the KPI's own unit
    ax.spines["bottom"].set_visible(False)
