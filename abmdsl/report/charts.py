"""The report's pictures of accounts and time: the matrix, the Gantt and the cadence calendar.

Input: the sections of a :class:`~abmdsl.report.model.Report`. Output: ``chart id → <svg>``,
drawn by matplotlib (see :mod:`abmdsl.report.svg`). The simulation's charts are in
:mod:`abmdsl.report.charts_sim`. Only the HTML report draws; the Markdown one never imports
matplotlib.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .svg import render_svg

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .model import CadenceSection, Matrix, PlanSection, Report

CHANNELS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#882255")
INK, MUTED, LINE = "#1f2933", "#6b7785", "#d5dbe1"


def report_charts(report: Report) -> dict[str, str]:
    """Every chart the report has data for, by the id the HTML places it under."""
    from .charts_sim import simulation_charts

    charts: dict[str, str] = {}
    if report.matrix is not None:
        charts["chart-matrix"] = matrix_chart(report.matrix, report)
    if report.plan.stages or report.plan.weeks:
        charts["chart-gantt"] = gantt_chart(report.plan)
    colours = channel_colours(report.cadence)
    if report.cadence.workload is not None and report.cadence.workload.touches:
        charts["chart-cadence-weeks"] = weeks_chart(report.cadence, report.plan, colours)
        charts["chart-cadence-days"] = days_chart(report.cadence, colours)
    if report.cadence.cadences:
        charts["chart-cadence-steps"] = steps_chart(report.cadence, colours)
    if report.simulation is not None:
        charts |= simulation_charts(report.simulation)
    return charts


def channel_colours(cadence: CadenceSection) -> dict[str, str]:
    """One colour per channel, by name, the same in every chart of the report."""
    names = sorted({s.channel for c in cadence.cadences for s in c.steps})
    names += sorted({d.channel for d in cadence.days} - set(names))
    return {name: CHANNELS[i % len(CHANNELS)] for i, name in enumerate(names)}


# ------------------------------------------------------------------------ the matrix
def matrix_chart(matrix: Matrix, report: Report) -> str:
    colours = report.tier_colours
    order = [t.name for t in report.tiers]

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        x, y = matrix.x, matrix.y
        if matrix.regions is not None:
            _shade(ax, matrix, [colours[n] for n in order])
        counts = {t.name: t.accounts for t in report.tiers}
        for i, name in enumerate(order):
            # tiers sharing a point are nudged apart a little, so that none hides another
            nudge = (i - (len(order) - 1) / 2) * (x.high - x.low) * 0.006
            for held in (False, True):
                dots = [d for d in matrix.dots if d.tier == name and d.holdout == held]
                if not dots and held:
                    continue
                ax.scatter(
                    [d.x + nudge for d in dots],
                    [d.y for d in dots],
                    s=[min(30 + 18 * (d.accounts - 1), 420) for d in dots],
                    color="white" if held else colours[name],
                    edgecolors=colours[name] if held else "white",
                    linewidths=1.4 if held else 0.6,
                    label=f"{name}: holdout" if held else f"{name} ({counts.get(name, 0)})",
                    zorder=3,
                )
        pad = (x.high - x.low) * 0.04
        ax.set_xlim(x.low - pad, x.high + pad)
        ax.set_ylim(y.low - pad, y.high + pad)
        ax.set_xlabel(_axis_label("X", x.score, x.title))
        ax.set_ylabel(_axis_label("Y", y.score, y.title))
        ax.grid(True, color=LINE, linewidth=0.5, zorder=0)
        ax.legend(title="tier (accounts)", loc="upper left", bbox_to_anchor=(1.01, 1))

    return render_svg("chart-matrix", (8.2, 5.6), draw)


def _axis_label(which: str, score: str, title: str | None) -> str:
    return f"{which}: {score}" + (f" — {title}" if title else "")


def _shade(ax: Axes, matrix: Matrix, colours: list[str]) -> None:
    """The regions as a few rectangles: equal cells merged along rows, equal rows stacked."""
    from matplotlib.patches import Rectangle

    assert matrix.regions is not None
    cells = matrix.regions.cells
    if not cells:
        return
    x, y = matrix.x, matrix.y
    width = (x.high - x.low) / len(cells[0])
    height = (y.high - y.low) / len(cells)
    for first, last, runs in _blocks(cells):
        for start, end, tier in runs:
            if tier < 0:
                continue
            ax.add_patch(
                Rectangle(
                    (x.low + start * width, y.low + first * height),
                    (end - start) * width,
                    (last - first) * height,
                    facecolor=colours[tier],
                    alpha=0.13 if matrix.regions.exact else 0.08,
                    linewidth=0,
                    zorder=1,
                )
            )


def _blocks(
    cells: tuple[tuple[int, ...], ...],
) -> list[tuple[int, int, list[tuple[int, int, int]]]]:
    """(first row, row after the last, runs of a row): consecutive rows with the same runs."""
    out: list[tuple[int, int, list[tuple[int, int, int]]]] = []
    for r, row in enumerate(cells):
        runs, start = [], 0
        for c in range(1, len(row) + 1):
            if c == len(row) or row[c] != row[start]:
                runs.append((start, c, row[start]))
                start = c
        if out and out[-1][2] == runs:
            out[-1] = (out[-1][0], r + 1, runs)
        else:
            out.append((r, r + 1, runs))
    return out


# ------------------------------------------------------------------------ the plan
def gantt_chart(plan: PlanSection) -> str:
    rows = len(plan.stages) or len(plan.weeks)

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        if plan.stages:
            _dated_bars(ax, plan)
        else:
            _week_bars(ax, plan)
        ax.invert_yaxis()  # the first stage on top, as a plan is read
        ax.grid(True, axis="x", color=LINE, linewidth=0.5)
        ax.set_axisbelow(True)

    return render_svg("chart-gantt", (8.2, 0.9 + 0.42 * rows), draw)


def _dated_bars(ax: Axes, plan: PlanSection) -> None:
    import matplotlib.dates as mdates

    day = dt.timedelta(days=1)
    for i, s in enumerate(plan.stages):
        left = mdates.date2num(s.start)
        span = mdates.date2num(s.end + day) - left
        ax.barh(i, span, left=left, height=0.56, color="#0072B2", alpha=0.85)
        weeks = f"w{s.first_week}" + (f"–{s.last_week}" if s.last_week != s.first_week else "")
        ax.text(
            left + span + 0.6,
            i,
            f"{weeks} · {s.business_days} business days",
            va="center",
            fontsize=8,
            color=MUTED,
        )
    ax.set_yticks(range(len(plan.stages)), [s.name for s in plan.stages])
    marks = [(plan.start, "start"), (plan.end, "last day")]
    if plan.cadence_start is not None:
        marks.append((plan.cadence_start.date, "cadences start"))
    for when, label in marks:
        if when is None:
            continue
        ax.axvline(mdates.date2num(when), color="#D55E00", linewidth=0.9, linestyle="--")
        ax.annotate(
            label,
            (mdates.date2num(when), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, 2),
            textcoords="offset points",
            fontsize=8,
            color="#D55E00",
        )
    ax.xaxis.set_major_locator(
        mdates.WeekdayLocator(byweekday=plan.start.weekday() if plan.start else 0, interval=2)
    )
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    last = plan.end or plan.stages[-1].end
    ax.set_xlim(mdates.date2num(plan.start or plan.stages[0].start) - 1, mdates.date2num(last) + 14)


def _week_bars(ax: Axes, plan: PlanSection) -> None:
    for i, (_, first, last, _title) in enumerate(plan.weeks):
        ax.barh(i, last - first + 1, left=first, height=0.56, color="#0072B2", alpha=0.85)
    ax.set_yticks(range(len(plan.weeks)), [w[0] for w in plan.weeks])
    ax.set_xlabel("pilot week")


# ------------------------------------------------------------------------ the cadences
def weeks_chart(cadence: CadenceSection, plan: PlanSection, colours: dict[str, str]) -> str:
    load = cadence.workload
    assert load is not None

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        weeks = load.weeks
        bottom = [0] * len(weeks)
        for channel in load.by_channel:
            heights = [load.by_week_channel[w].get(channel, 0) for w in weeks]
            ax.bar(
                [str(w) for w in weeks],
                heights,
                bottom=bottom,
                color=colours.get(channel),
                label=channel,
                width=0.7,
            )
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        for i, total in enumerate(bottom):
            ax.text(i, total, str(total), ha="center", va="bottom", fontsize=8, color=MUTED)
        ax.set_xlabel("pilot week")
        ax.set_ylabel("touches")
        ax.set_title("Touches per week, by channel")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
        _labels_from_start(ax, weeks, plan)

    return render_svg("chart-cadence-weeks", (8.2, 3.4), draw)


def _labels_from_start(ax: Axes, weeks: list[int], plan: PlanSection) -> None:
    if plan.start is None:
        return
    firsts = [plan.start + dt.timedelta(weeks=w - 1) for w in weeks]
    ax.set_xticks(
        range(len(weeks)), [f"w{w}\n{d:%d %b}" for w, d in zip(weeks, firsts, strict=True)]
    )


def days_chart(cadence: CadenceSection, colours: dict[str, str]) -> str:
    days = sorted({d.day for d in cadence.days})
    load = cadence.workload
    order = list(load.by_channel) if load is not None else list(colours)
    channels = [c for c in order if any(d.channel == c for d in cadence.days)]
    count = {(d.day, d.channel): d.touches for d in cadence.days}

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        # business days side by side: weekends and holidays have no touches to show
        places = list(range(len(days)))
        bottom = [0] * len(days)
        for channel in channels:
            heights = [count.get((d, channel), 0) for d in days]
            ax.bar(
                places,
                heights,
                bottom=bottom,
                width=0.75,
                color=colours.get(channel),
                label=channel,
            )
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        step = max(1, -(-len(days) // 16))
        ax.set_xticks(places[::step], [f"{d:%a}\n{d:%d %b}" for d in days[::step]], fontsize=8)
        ax.set_ylim(0, max(bottom, default=0) * 1.1 or 1)
        ax.set_ylabel("touches")
        ax.set_title("Touches per business day, by channel")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))

    return render_svg("chart-cadence-days", (8.2, 3.2), draw)


def steps_chart(cadence: CadenceSection, colours: dict[str, str]) -> str:
    cadences = cadence.cadences

    def draw(figure: Figure) -> None:
        axes = figure.subplots(len(cadences), 1, squeeze=False)[:, 0]
        for ax, c in zip(axes, cadences, strict=True):
            channels = list(dict.fromkeys(s.channel for s in c.steps))
            for s in c.steps:
                row = channels.index(s.channel)
                ax.scatter([s.day], [row], s=120, color=colours.get(s.channel), zorder=3)
                ax.annotate(
                    str(s.touch),
                    (s.day, row),
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color="white",
                    zorder=4,
                )
                ax.annotate(
                    ", ".join(s.audience),
                    (s.day, row),
                    xytext=(0, -13),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                    color=MUTED,
                )
            ax.set_yticks(range(len(channels)), channels)
            ax.set_ylim(len(channels) - 0.4, -0.7)
            ax.set_xlim(0.3, c.days + 0.7)
            ax.set_xticks(range(1, c.days + 1))
            ax.set_xlabel("business day of the cadence")
            ax.set_title(f"{c.name}" + (f" — {c.title}" if c.title else ""))
            ax.grid(True, axis="x", color=LINE, linewidth=0.5)
            ax.set_axisbelow(True)

    height = sum(1.0 + 0.45 * len({s.channel for s in c.steps}) for c in cadences)
    return render_svg("chart-cadence-steps", (8.2, height), draw)
