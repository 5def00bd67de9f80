"""A simulation for the terminal (a rich table) and as JSON; both the same bytes for a seed."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

from ..evaluate.report import shown
from .results import PERCENTILES, Interval, Simulation


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
    return "\n".join(lines) + "\n"


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
        "provenance": sim.provenance,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _number(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = value.normalize()
        return int(value) if value == value.to_integral_value() else float(value)
    return round(float(value), 6)


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
