"""The simulation's charts: P(pass) with its interval, the outcomes, and the distributions.

Input: a :class:`~abmdsl.simulate.results.Simulation`. Output: ``chart id → <svg>``.

Each KPI's and the cost's distribution over the runs is drawn from the simulation's histogram
(:func:`abmdsl.simulate.results.histogram`), with its 5th, 50th and 95th percentiles marked.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from ..evaluate.report import shown
from .svg import render_svg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..simulate.results import Bin, Simulation

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
    """One small panel per KPI and for the cost: how many runs gave each value (a histogram),
    p5, p50 and p95 marked; as a p5–p95 bar when there is no histogram to draw."""
    panels: list[tuple[str, str, dict[int, Any], tuple[Bin, ...]]] = [
        (
            f"{k.name}" + (f" (target {k.target})" if k.target else ""),
            k.kind,
            k.percentiles,
            k.histogram,
        )
        for k in sim.kpis
    ]
    panels.append(("total cost", "money", dict(sim.cost), sim.cost_histogram))

    def draw(figure: Figure) -> None:
        axes = figure.subplots(len(panels), 1, squeeze=False)[:, 0]
        for ax, (title, kind, found, bins) in zip(axes, panels, strict=True):
            if _numeric(bins):
                _histogram(ax, title, kind, found, bins, sim)
            else:
                _range(ax, title, kind, found, sim.currency)

    return render_svg("chart-sim-ranges", (8.2, 1.35 * len(panels) + 0.4), draw)


def _numeric(bins: tuple[Bin, ...]) -> bool:
    return bool(bins) and all(isinstance(b.low, Decimal | int) for b in bins)


def _histogram(
    ax: Any, title: str, kind: str, found: dict[int, Any], bins: tuple[Bin, ...], sim: Simulation
) -> None:
    ax.set_title(title, fontsize=9, fontweight="normal", loc="left")
    single = all(b.low == b.high for b in bins)  # one bar per value (counts, mostly)
    if single:
        ranked = sorted({float(b.low) for b in bins})
        gaps = [b - a for a, b in pairwise(ranked)]
        width = (min(gaps) if gaps else 1.0) * 0.8
        xs = [float(b.low) for b in bins]
        ax.bar(xs, [b.runs / sim.runs * 100 for b in bins], width=width, color=KPI, alpha=0.85)
    else:
        lefts = [float(b.low) for b in bins]
        widths = [float(b.high) - float(b.low) for b in bins]
        heights = [b.runs / sim.runs * 100 for b in bins]
        ax.bar(lefts, heights, width=widths, align="edge", color=KPI, alpha=0.85)
    for q, style in ((5, ":"), (50, "-"), (95, ":")):
        value = found.get(q)
        if isinstance(value, Decimal | int):
            ax.axvline(float(value), color=VERDICT, linestyle=style, linewidth=1)
            label = f"p{q} {shown(Decimal(str(value)), kind, sim.currency)}"
            ax.annotate(
                label,
                (float(value), 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -2),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=7,
                color=VERDICT,
            )
    if kind == "percent":  # values are fractions: read them as the scorecard writes them
        from matplotlib.ticker import PercentFormatter

        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_ylabel("% of runs", fontsize=7.5)
    ax.tick_params(labelsize=7.5)
    ax.grid(True, axis="y", color="#d5dbe1", linewidth=0.5)
    ax.set_axisbelow(True)


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
