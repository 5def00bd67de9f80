"""Which assumption matters most: each uncertain rate at its low and its high end.

Input: the :class:`~abmdsl.simulate.model.Model` and the judged runs of the base and of each
variant (:mod:`abmdsl.simulate.run` plays them all in one model and one KPI query). Output: a
:class:`Sensitivity`, its rows ranked by the swing of the verdict's P(pass).

An uncertain rate is a range (``2%..6%``: its ends) or a Beta (its 5th and 95th percentiles: a
Beta's support is 0–1, whose ends say nothing). A variant replays the first runs of the base
with their own random numbers, only that one rate moved: common random numbers, so the change
against the base is the assumption's, not noise from drawing everything again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..ir import DistIR, SimulationIR
from .model import Model
from .results import Simulation

BETA_ENDS = (0.05, 0.95)
DEFAULT_RUNS = 1_000  # replays per end unless asked: common random numbers keep changes steady


@dataclass(frozen=True)
class Assumption:
    label: str  # as the `simulate` block writes it, e.g. "reply email 2%..6%"
    column: str  # the model's rate column: r0… for reply lines, v0… for conversions
    low: float
    high: float


@dataclass(frozen=True)
class End:
    """P(pass) with the assumption at one end: the verdict's (None without one), each KPI's."""

    verdict: float | None
    kpis: dict[str, float]


@dataclass(frozen=True)
class Row:
    assumption: Assumption
    low: End
    high: End

    def swing(self, base: End) -> float:
        """How far the verdict's P(pass) moves, or without a verdict the most any KPI's does."""
        if base.verdict is not None and self.low.verdict is not None:
            assert self.high.verdict is not None
            return abs(self.high.verdict - self.low.verdict)
        return max((abs(self.high.kpis[k] - self.low.kpis[k]) for k in base.kpis), default=0.0)


@dataclass(frozen=True)
class Sensitivity:
    runs: int  # per end, and of the base it is compared with (the first runs of the base)
    base: End
    rows: tuple[Row, ...]  # ranked: the largest swing first, then the block's order


def assumptions(m: Model) -> list[Assumption]:
    """The uncertain rates the model uses, in the order of the `simulate` block."""
    found = []
    for i, reply in enumerate(m.replies):
        if reply.p.kind != "fixed":
            audience = f" to {reply.audience}" if reply.audience else ""
            tier = f" in {reply.tier}" if reply.tier else ""
            label = f"reply {reply.channel}{audience}{tier} {_shown(reply.p)}"
            found.append(Assumption(label, f"r{i}", *ends(reply.p)))
    for i, convert in enumerate(m.conversions):
        if convert.p.kind != "fixed":
            label = f"convert {convert.source} to {convert.target} {_shown(convert.p)}"
            found.append(Assumption(label, f"v{i}", *ends(convert.p)))
    return found


def uncertain(simulation: SimulationIR) -> bool:
    lines = [*simulation.replies, *simulation.conversions]
    return any(line.p.kind != "fixed" for line in lines)


def ends(dist: DistIR) -> tuple[float, float]:
    if dist.kind == "beta":
        a, b = float(dist.a or 1), float(dist.b or 1)
        low, high = (round(beta_quantile(q, a, b), 6) for q in BETA_ENDS)
        return low, high
    return float(dist.low), float(dist.high)


def analyse(
    assumed: Sequence[Assumption], base: Simulation, variants: Sequence[Simulation]
) -> Sensitivity:
    """``base`` summarises the base's first runs, ``variants`` each assumption's low then high
    end, in the order of ``assumed``."""
    runs = base.runs
    ends_ = [_end(v) for v in variants]
    rows = [Row(a, ends_[2 * i], ends_[2 * i + 1]) for i, a in enumerate(assumed)]
    start = _end(base)
    order = sorted(range(len(rows)), key=lambda i: (-round(rows[i].swing(start), 9), i))
    return Sensitivity(runs=runs, base=start, rows=tuple(rows[i] for i in order))


def _end(sim: Simulation) -> End:
    verdict = None if sim.verdict_passed is None else sim.verdict_passed / sim.runs
    return End(verdict, {k.name: k.passed / sim.runs for k in sim.kpis})


def _shown(dist: DistIR) -> str:
    if dist.kind == "beta":
        return f"beta({dist.a:f}, {dist.b:f})"
    return f"{_percent(float(dist.low))}..{_percent(float(dist.high))}"


def _percent(p: float) -> str:
    return f"{round(p * 100, 4):g}%"


# ---------------------------------------------------------------------------- Beta quantiles
def beta_quantile(q: float, a: float, b: float) -> float:
    """The ``q`` quantile of Beta(a, b), by bisection on its distribution function: exact to
    1e-12 and the same on every machine (no SciPy for one number per assumption)."""
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if beta_cdf(mid, a, b) < q:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def beta_cdf(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b), by its continued fraction."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    # The fraction converges fast only below the mean; above it, use I_x(a, b) = 1 − I_{1−x}(b, a).
    if x < (a + 1) / (a + b + 2):
        return front * _fraction(x, a, b) / a
    return 1 - front * _fraction(1 - x, b, a) / b


def _fraction(x: float, a: float, b: float) -> float:
    """Lentz's evaluation of the continued fraction (Numerical Recipes' ``betacf``)."""
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for num in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + num * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h
