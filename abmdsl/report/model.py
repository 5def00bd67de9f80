"""What a report holds: plain data collected once, read by every renderer.

Input: nothing (definitions only). Output: the dataclasses :mod:`abmdsl.report.build` fills
and :mod:`abmdsl.report.render` (HTML and Markdown) and :mod:`abmdsl.report.charts` read.
Numbers that people read are kept as the text ``abm`` shows elsewhere (``4.2``, ``1000 USD``),
numbers that charts place as floats: the renderers then never format a value twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..evaluate.scorecard import Scorecard
    from ..explain import Explanation
    from ..graph.cascade import Cascade
    from ..ir import CadenceIR
    from ..schedule.plan import CadenceStart, DatedStage
    from ..schedule.workload import Workload
    from ..simulate.results import Simulation


@dataclass(frozen=True)
class Axis:
    """One axis of the scoring matrix: a score and its scale."""

    score: str
    title: str | None
    low: float
    high: float


@dataclass(frozen=True)
class Dot:
    """The accounts of one tier at one point of the matrix (many share a point on a 1–5 scale)."""

    x: float
    y: float
    tier: str
    accounts: int
    holdout: bool = False  # the tier's control group: drawn hollow


@dataclass(frozen=True)
class Regions:
    """Which tier takes each cell of a grid over the matrix; ``-1``: no tier (or unknown).

    ``cells[row][column]``, row 0 at the low end of Y, each cell ``(high - low) / size`` wide.
    """

    exact: bool  # True: from the tier conditions; False: the nearest account's tier
    cells: tuple[tuple[int, ...], ...]
    why: str


@dataclass(frozen=True)
class Matrix:
    x: Axis
    y: Axis
    dots: tuple[Dot, ...]
    points_not_drawn: int  # points (not accounts) left out of a very large picture
    accounts_not_drawn: int
    regions: Regions | None
    axes_rule: str  # which two scores were taken, and why


@dataclass(frozen=True)
class AccountLine:
    key: str
    label: str | None  # the account's `name`, when the accounts declare one
    x: str | None  # the axis scores as shown
    y: str | None
    tier: str | None
    cluster: str | None
    holdout: bool
    why: str  # one line: the tiers it missed and why, then the one it got
    explanation: Explanation


@dataclass(frozen=True)
class TierSummary:
    name: str
    title: str | None
    colour: str
    condition: str  # as written, or "otherwise"
    accounts: int  # all the tier's accounts, the holdout included
    programme: int  # without the holdout
    holdout: int
    contacts: int | None  # of the accounts in the programme; None without contacts
    research_hours: str | None
    budget: str | None
    cadence: str | None
    capacity: str | None  # `at most 5 accounts`
    clusters: dict[str, int]
    listed: tuple[AccountLine, ...]
    not_listed: int  # accounts of the tier the report does not list one by one


@dataclass(frozen=True)
class PlanSection:
    title: str | None
    start: dt.date | None
    end: dt.date | None
    stages: tuple[DatedStage, ...]  # empty without a plan or a start date
    weeks: tuple[tuple[str, int, int, str | None], ...]  # (stage, first, last, title) if undated
    raci: dict[str, dict[str, str]]
    cadence_start: CadenceStart | None
    budget: str | None
    note: str | None


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    channel: str
    touches: int


@dataclass(frozen=True)
class CadenceSection:
    cadences: tuple[CadenceIR, ...]
    tiers: dict[str, tuple[str, ...]]  # cadence → the tiers that run it
    workload: Workload | None  # None without contacts
    days: tuple[DayCount, ...]
    gaps: int  # accounts missing a contact their cadence targets
    holdout: int
    note: str | None


@dataclass(frozen=True)
class Report:
    title: str
    playbook: str  # the path as given
    currency: str
    horizon_days: int
    provenance: dict[str, str]
    accounts: int
    inputs: dict[str, str]  # what the report was made from: accounts, contacts…
    matrix: Matrix | None
    matrix_note: str | None  # why there is no matrix
    tiers: tuple[TierSummary, ...]
    listed_per_tier: int
    goals: Cascade
    plan: PlanSection
    cadence: CadenceSection
    scorecard: Scorecard | None
    simulation: Simulation | None
    options: dict[str, str] = field(default_factory=dict)  # as-of, runs, seed

    @property
    def tier_colours(self) -> dict[str, str]:
        return {t.name: t.colour for t in self.tiers}
