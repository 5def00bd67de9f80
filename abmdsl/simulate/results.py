"""From the runs' KPI values to what a strategist reads: P(pass), intervals, percentiles.

Input: the compiled outputs and one row per run (:mod:`abmdsl.simulate.measure`), each run's
cost. Output: a :class:`Simulation`. Each run is judged by :func:`abmdsl.evaluate.judge.judge`
and :func:`~abmdsl.evaluate.judge.verdict`, the scorecard's own rules; runs with the same
values are judged once (counts take few distinct values), so judging 10,000 runs costs about
as much as judging their distinct outcomes.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING, Any

from ..evaluate.compile import Output
from ..evaluate.judge import Status, judge, verdict
from ..evaluate.scorecard import shown_kind, threshold_text
from ..ir import Playbook

if TYPE_CHECKING:
    from .sensitivity import Sensitivity

Z95 = 1.959963984540054  # the normal quantile of 97.5%: a two-sided 95% interval
PERCENTILES = (5, 50, 95)
WHAT = ("value", "target", "low", "high", "warn")


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class Bin:
    """Runs whose value lies from ``low`` to ``high``: ``low`` included, ``high`` excluded
    but for the last bin (one value when ``low == high``)."""

    low: Any
    high: Any
    runs: int


@dataclass(frozen=True)
class KpiOutcome:
    name: str
    title: str | None
    kind: str
    target: str | None
    passed: int  # runs in which it passed
    statuses: dict[str, int]  # status → runs
    interval: Interval  # Wilson 95% of P(pass)
    percentiles: dict[int, Any]  # 5/50/95 → value (None: no run had a value)
    histogram: tuple[Bin, ...] = ()  # the runs' values (none when no run had one)

    def p_pass(self, runs: int) -> float:
        return self.passed / runs


@dataclass(frozen=True)
class Simulation:
    title: str
    currency: str
    runs: int
    seed: int
    accounts: int  # in work: with a touch planned within the pilot
    touches: int  # planned within the pilot, per run before stop rules
    kpis: tuple[KpiOutcome, ...]
    verdict_title: str | None
    verdict_passed: int | None  # runs whose verdict passed; None without a verdict
    verdict_interval: Interval | None
    cost: dict[int, Decimal]  # 5/50/95 → total cost
    provenance: dict[str, str]
    sensitivity: Sensitivity | None = None  # None: not asked for
    cost_histogram: tuple[Bin, ...] = ()


def wilson(passed: int, runs: int, z: float = Z95) -> Interval:
    """The Wilson score interval of a proportion: sound at 0 and at ``runs`` passes too."""
    if runs == 0:
        return Interval(0.0, 1.0)
    p = passed / runs
    z2 = z * z
    centre = (p + z2 / (2 * runs)) / (1 + z2 / runs)
    half = z * math.sqrt(p * (1 - p) / runs + z2 / (4 * runs * runs)) / (1 + z2 / runs)
    low = 0.0 if passed == 0 else max(0.0, centre - half)
    high = 1.0 if passed == runs else min(1.0, centre + half)
    return Interval(round(low, 6), round(high, 6))


def percentile(values: Sequence[Any], q: int) -> Any:
    """The nearest-rank percentile: a value some run had, exact, the same on every machine."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


BINS = 20


def histogram(values: Sequence[Any], bins: int = BINS) -> tuple[Bin, ...]:
    """The values' distribution: one bin per value when there are at most ``bins`` distinct
    ones (counts, mostly), else ``bins`` bins of equal width from the least to the greatest,
    edges exact (decimals; dates by whole days).

    >>> [(b.low, b.runs) for b in histogram([3, 1, 3, 2])]
    [(1, 1), (2, 1), (3, 2)]
    >>> [b.runs for b in histogram([Decimal(i) for i in range(100)], bins=4)]
    [25, 25, 25, 25]
    """
    counts = Counter(values)
    distinct = sorted(counts)
    if len(distinct) <= bins:
        return tuple(Bin(v, v, counts[v]) for v in distinct)
    dates = isinstance(distinct[0], dt.date)
    number = (lambda v: Decimal(v.toordinal())) if dates else (lambda v: Decimal(v))
    back = (lambda d: dt.date.fromordinal(int(d))) if dates else (lambda d: d)
    low, high = number(distinct[0]), number(distinct[-1])
    step = Decimal(1) if dates else Decimal("0.000001")  # edges as exact as the values
    width = max(((high - low) / bins).quantize(step, rounding=ROUND_CEILING), step)
    edges = [e for e in (low + width * i for i in range(bins)) if e < high] + [high]
    runs = [0] * (len(edges) - 1)
    for value, n in counts.items():
        runs[min(bisect_right(edges, number(value)) - 1, len(runs) - 1)] += n
    return tuple(Bin(back(edges[i]), back(edges[i + 1]), runs[i]) for i in range(len(runs)))


def summarise(
    playbook: Playbook,
    outputs: Sequence[Output],
    rows: Sequence[Sequence[object]],
    costs: Sequence[Decimal],
    *,
    seed: int,
    accounts: int,
    touches: int,
    provenance: dict[str, str],
) -> Simulation:
    runs = len(rows)
    place = {o: i for i, o in enumerate(outputs)}
    judged: dict[tuple[str, tuple[Any, ...]], Status] = {}
    statuses: list[list[Status]] = [[] for _ in rows]
    kpis: list[KpiOutcome] = []
    for name, kpi in playbook.kpis.items():
        columns = [place.get(Output(w, name)) for w in WHAT]
        counted: Counter[str] = Counter()
        values: list[Any] = []
        for n, row in enumerate(rows):
            args = tuple(_exact(row[c]) if c is not None else None for c in columns)
            status = judged.get((name, args))
            if status is None:
                status = judged[(name, args)] = judge(kpi, *args)
            counted[status] += 1
            statuses[n].append(status)
            if args[0] is not None:
                values.append(args[0])
        kpis.append(
            KpiOutcome(
                name=name,
                title=kpi.title,
                kind=shown_kind(playbook, kpi),
                target=threshold_text(kpi),
                passed=counted["pass"],
                statuses=dict(sorted(counted.items())),
                interval=wilson(counted["pass"], runs),
                percentiles={q: percentile(values, q) for q in PERCENTILES},
                histogram=histogram(values),
            )
        )
    passed: int | None = None
    if playbook.verdict is not None:
        names = list(playbook.kpis)
        verdicts: dict[tuple[Status, ...], bool | None] = {}
        passed = 0
        for found in statuses:
            key = tuple(found)
            if key not in verdicts:
                verdicts[key] = verdict(playbook, dict(zip(names, key, strict=True)))
            passed += verdicts[key] is True
    return Simulation(
        title=playbook.title,
        currency=playbook.currency,
        runs=runs,
        seed=seed,
        accounts=accounts,
        touches=touches,
        kpis=tuple(kpis),
        verdict_title=playbook.verdict.title if playbook.verdict else None,
        verdict_passed=passed,
        verdict_interval=wilson(passed, runs) if passed is not None else None,
        cost={q: percentile(costs, q) for q in PERCENTILES},
        provenance=provenance,
        cost_histogram=histogram(costs),
    )


def _exact(value: object) -> Any:
    """As the scorecard reads a value: exact decimals; dates stay dates."""
    if value is None or isinstance(value, dt.date):
        return value
    return Decimal(str(value))
