"""A simulation for the terminal (a rich table) and as JSON; both the same bytes for a seed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from io import StringIO
from typing import Any

from ..evaluate.report import shown
from .results import PERCENTILES, Bin, Interval, Simulation
from .sensitivity import End, Sensitivity


def render(sim: Simulation) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{sim.title}: {sim.runs:,} simulated runs (seed {sim.seed})", title_justify="left"
    )
    for name in ("KPI", "target", "P(pass)", "95% interval", "p5", "p50", "p95"):
        table.add_column(name, justify="left" if name in ("KPI", "target") else "right")
    for k in sim.kpis:
        table.add_row(
            k.name,
            k.target or "-",
            _percent(k.passed / sim.runs),
            _interval(k.interval),
            *(_value(k.percentiles[q], k.kind, sim.currency) for q in PERCENTILES),
        )
    out = StringIO()
    Console(file=out, width=120, color_system=None).print(table)
    lines = [out.getvalue().rstrip("\n")]
    if sim.verdict_passed is not None and sim.verdict_interval is not None:
        title = f" ({sim.verdict_title})" if sim.verdict_title else ""
        lines.append(
            f"verdict{title}: passes in {_percent(sim.verdict_passed / sim.runs)} of runs, "
            f"95% interval {_interval(sim.verdict_interval)}"
        )
    costs = ", ".join(f"p{q} {shown(sim.cost[q], 'money', sim.currency)}" for q in PERCENTILES)
    lines.append(f"total cost: {costs}")
    lines.append(
        f"{sim.accounts} accounts in work, {sim.touches:,} touches planned per run "
        "(before stop rules)"
    )
    if sim.sensitivity is not None:
        lines.append(render_sensitivity(sim.sensitivity))
    return "\n".join(lines) + "\n"


def sensitivity_table(found: Sensitivity) -> tuple[list[str], list[list[str]], str]:
    """The ranked table as text cells: its headings, its rows (the largest swing first) and
    the line that says what the base is; the terminal and the report both show it."""
    verdict = found.base.verdict is not None
    heads = ["assumption", "low", "high"]
    heads += ["P(pass) at low", "at high", "change (pts)"] if verdict else []
    heads.append("KPI moved most")
    rows = []
    for row in found.rows:
        cells = [row.assumption.label, _percent(row.assumption.low), _percent(row.assumption.high)]
        if verdict:
            low, high = row.low.verdict or 0.0, row.high.verdict or 0.0
            base = found.base.verdict or 0.0
            cells += [
                _percent(low),
                _percent(high),
                f"{_points(low - base)} / {_points(high - base)}",
            ]
        cells.append(_most_moved(found.base, row.low, row.high))
        rows.append(cells)
    said = (
        f"the verdict passes in {_percent(found.base.verdict)} of them"
        if verdict
        else "no verdict: ranked by the KPI that moves most"
    )
    return heads, rows, f"base: the first {found.runs:,} runs as declared; {said}"


def render_sensitivity(found: Sensitivity) -> str:
    """The ranked table: the verdict's P(pass) at each end, and the KPI that moves most."""
    from rich.console import Console
    from rich.table import Table

    if not found.rows:
        return "sensitivity: every assumption is a fixed number, nothing to vary"
    heads, rows, base = sensitivity_table(found)
    table = Table(
        title=f"Sensitivity: {found.runs:,} runs per end, the same random numbers",
        title_justify="left",
    )
    for name in heads:
        table.add_column(
            name, justify="left" if name in ("assumption", "KPI moved most") else "right"
        )
    for cells in rows:
        table.add_row(*cells)
    out = StringIO()
    Console(file=out, width=120, color_system=None).print(table)
    return out.getvalue().rstrip("\n") + "\n" + base


def _most_moved(base: End, low: End, high: End) -> str:
    if not base.kpis:
        return "-"
    name = max(base.kpis, key=lambda k: abs(high.kpis[k] - low.kpis[k]))
    if high.kpis[name] == low.kpis[name]:
        return "none"
    return f"{name} {_percent(low.kpis[name])} → {_percent(high.kpis[name])}"


def _points(change: float) -> str:
    return f"{change * 100:+.1f}"


def to_json(sim: Simulation) -> str:
    """Everything, in a fixed order, numbers rounded to six places: one seed, one byte string."""
    data = {
        "title": sim.title,
        "runs": sim.runs,
        "seed": sim.seed,
        "currency": sim.currency,
        "accounts_in_work": sim.accounts,
        "touches_planned": sim.touches,
        "kpis": [
            {
                "name": k.name,
                "title": k.title,
                "kind": k.kind,
                "target": k.target,
                "p_pass": _number(k.passed / sim.runs),
                "interval95": _pair(k.interval),
                "runs": k.statuses,
                "percentiles": {f"p{q}": _number(k.percentiles[q]) for q in PERCENTILES},
                "histogram": _bins(k.histogram),
            }
            for k in sim.kpis
        ],
        "verdict": None
        if sim.verdict_passed is None or sim.verdict_interval is None
        else {
            "title": sim.verdict_title,
            "p_pass": _number(sim.verdict_passed / sim.runs),
            "interval95": _pair(sim.verdict_interval),
        },
        "cost": {f"p{q}": _number(sim.cost[q]) for q in PERCENTILES},
        "cost_histogram": _bins(sim.cost_histogram),
        "provenance": sim.provenance,
    }
    if sim.sensitivity is not None:
        # Only when asked for: a simulation without it keeps the bytes it always had.
        data["sensitivity"] = _sensitivity(sim.sensitivity)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _sensitivity(found: Sensitivity) -> dict[str, Any]:
    def end(at: End) -> dict[str, Any]:
        return {
            "verdict": _change(at.verdict, found.base.verdict),
            "kpis": {k: _change(p, found.base.kpis[k]) for k, p in at.kpis.items()},
        }

    return {
        "runs": found.runs,
        "base": {
            "verdict": _number(found.base.verdict),
            "kpis": {k: _number(p) for k, p in found.base.kpis.items()},
        },
        "assumptions": [
            {
                "assumption": row.assumption.label,
                "low": _number(row.assumption.low),
                "high": _number(row.assumption.high),
                "swing": _number(row.swing(found.base)),
                "at_low": end(row.low),
                "at_high": end(row.high),
            }
            for row in found.rows
        ],
    }


def _change(p: float | None, base: float | None) -> dict[str, Any] | None:
    if p is None or base is None:
        return None
    return {"p_pass": _number(p), "change": _number(p - base)}


def _number(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = value.normalize()
        return int(value) if value == value.to_integral_value() else float(value)
    return round(float(value), 6)


def _bins(bins: Sequence[Bin]) -> list[dict[str, Any]]:
    """Each bin's bounds, rounded like every number here; the ends of ``low`` to ``high``
    are as :class:`~abmdsl.simulate.results.Bin` says."""
    return [{"low": _number(b.low), "high": _number(b.high), "runs": b.runs} for b in bins]


def _pair(interval: Interval) -> list[float]:
    return [interval.low, interval.high]


def _percent(p: float) -> str:
    return f"{p * 100:.1f}%"


def _interval(interval: Interval) -> str:
    return f"{_percent(interval.low)}–{_percent(interval.high)}"


def _value(value: Any, kind: str, currency: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.date):
        return value.isoformat()
    return shown(value, kind, currency)
