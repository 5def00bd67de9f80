"""The checked playbook: a typed, name-resolved intermediate representation.

Input: the modules of one playbook (the main file and its imports), already checked.
Output: :class:`Playbook`, which every later stage (evaluation, SQL, graph, schedule) reads.
Quantities are normalised here: weights and percentages become fractions, durations become
minutes or business days, money becomes an amount in the playbook's currency.
Expressions stay AST expressions; every name in them is known to resolve (see
:class:`Scope`), and :func:`abmdsl.types.infer` gives their types.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from . import ast
from .span import Span


class IRNode(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    span: Span | None = Field(default=None, exclude=True, repr=False)


class FieldInfo(IRNode):
    dataset: ast.DatasetName
    name: str
    type: ast.FieldType
    key: bool = False
    optional: bool = False
    enum_values: tuple[str, ...] = ()
    low: Decimal | None = None
    high: Decimal | None = None
    references: ast.DatasetName | None = None


class CriterionIR(IRNode):
    name: str
    title: str | None
    weight: Decimal  # a fraction: 40% is 0.4
    expr: ast.Expr


class ScoreIR(IRNode):
    name: str
    title: str | None
    low: Decimal
    high: Decimal
    criteria: tuple[CriterionIR, ...]


class CapacityIR(IRNode):
    limit: int
    rank_by: ast.Expr | None
    descending: bool = True


class GroupingIR(IRNode):
    field: str
    min_clusters: int
    max_clusters: int
    min_size: int | None = None
    max_size: int | None = None


class TierIR(IRNode):
    name: str
    title: str | None
    when: ast.Expr | None  # None: `otherwise`
    capacity: CapacityIR | None = None
    grouping: GroupingIR | None = None
    research_per_account_min: Decimal | None = None
    research_per_contact_min: Decimal | None = None
    budget_per_account: Decimal | None = None
    cadence: str | None = None
    cadence_from_week: int | None = None  # the tier's own cadence start, a pilot week
    cadence_from_date: dt.date | None = None  # … or a date
    holdout: Decimal | None = None
    holdout_seed: int | None = None


class TargetIR(IRNode):
    metric: str
    op: ast.CompareOp
    value: ast.Expr
    via_metric: str | None = None
    via_rate: Decimal | None = None


class GoalIR(IRNode):
    name: str
    title: str | None
    parent: str | None
    children: tuple[str, ...] = ()
    targets: tuple[TargetIR, ...] = ()
    milestones: tuple[str, ...] = ()
    contribution: Decimal | None = None  # a fraction of the parent
    contribution_money: Decimal | None = None
    measured_by: tuple[str, ...] = ()
    segment: str | None = None
    funnel: str | None = None


class VariantIR(IRNode):
    name: str
    share: Decimal  # a fraction; the shares of a step's variants add up to 1
    note: str


class StepIR(IRNode):
    touch: int
    day: int
    channel: str
    audience: tuple[str, ...]
    note: str | None = None
    refers_to: int | None = None
    owner: str | None = None
    variants: tuple[VariantIR, ...] = ()  # an A/B test of the step; () when there is none


class StopRuleIR(IRNode):
    mode: Literal["stop", "pause"]
    account: bool
    event: str


class CadenceIR(IRNode):
    name: str
    title: str | None
    days: int
    steps: tuple[StepIR, ...]
    stop_rules: tuple[StopRuleIR, ...] = ()
    recontact_days: int | None = None  # business days between two touches to one contact


class StageIR(IRNode):
    name: str
    title: str | None
    first_week: int
    last_week: int
    raci: dict[str, tuple[str, ...]]  # responsible/accountable/consulted/informed → roles


class RoleCapacityIR(IRNode):
    """What one role can do: touches a day, hours a day or a week (None: not limited)."""

    touches_per_day: int | None = None
    hours_per_day: Decimal | None = None
    hours_per_week: Decimal | None = None


class PlanIR(IRNode):
    title: str | None
    roles: tuple[str, ...]
    stages: tuple[StageIR, ...]
    capacity: dict[str, RoleCapacityIR] = {}  # role → its limits
    budget: Decimal | None = None  # the pilot's budget, in the playbook's currency


class KpiIR(IRNode):
    name: str
    title: str | None
    expr: ast.Expr
    target_op: ast.CompareOp | Literal["in"] | None = None
    target: ast.Expr | None = None
    target_range: ast.Range | None = None
    warn_op: ast.CompareOp | None = None
    warn: ast.Expr | None = None
    measures: tuple[str, ...] = ()
    kind: str = "number"  # of its value: number, percent, money or duration (how to show it)


class BaselineIR(IRNode):
    name: str
    title: str | None
    expr: ast.Expr
    kind: str = "number"


class VerdictIR(IRNode):
    title: str | None
    when: ast.Expr


class PointsIR(IRNode):
    type: str  # a value of the activities' type field
    channel: str | None  # None: any channel without points of its own for the type
    points: Decimal


class MultiplierIR(IRNode):
    source: Literal["activities", "contacts", "tier"]  # whose field: the activity's, its contact's
    field: str  # the field's name; `tier` for the account's tier
    value: str
    factor: Decimal
    boolean: bool = False  # a yes/no field, whose value is written `true` or `false`


class EngagementIR(IRNode):
    """An engagement score: a number per account, read in KPIs like a field of accounts."""

    name: str
    title: str | None
    type_field: str | None  # the activities' enum field holding the type words
    channel_field: str | None  # the activities' `channel`, when some points name a channel
    contact_field: str | None  # the activities' field naming their contact: whose score
    points: tuple[PointsIR, ...]
    multipliers: tuple[MultiplierIR, ...]  # in the order written; tier ones apply last
    within_days: int | None = None
    decay: Decimal | None = None  # a fraction taken off per period
    decay_days: int = 1  # the period: 1 (a day) or 7 (a week)
    roll_up: Literal["sum", "max", "average"] = "sum"


class DistIR(IRNode):
    """A probability: fixed, uniform between two values, or Beta(a, b)."""

    kind: Literal["fixed", "uniform", "beta"]
    low: Decimal
    high: Decimal
    a: Decimal | None = None
    b: Decimal | None = None


class ReplyIR(IRNode):
    channel: str
    audience: str | None
    tier: str | None
    p: DistIR
    delay_days: Decimal | None = None  # after its touch; business days with `business_days`
    business_days: bool = False


class ConvertIR(IRNode):
    source: str
    target: str
    p: DistIR
    delay_days: Decimal | None = None
    # True: ``delay_days`` counts business days of the playbook's calendar (``after 5
    # business days``); the date is the one that many business days after the stage before.
    business_days: bool = False


class CostIR(IRNode):
    item: str
    amount: Decimal
    per: Literal["touch", "account"] | None


class SimulationIR(IRNode):
    runs: int = 10_000
    seed: int = 0
    replies: tuple[ReplyIR, ...] = ()
    conversions: tuple[ConvertIR, ...] = ()
    costs: tuple[CostIR, ...] = ()


class ExampleIR(IRNode):
    title: str
    given: dict[str, ast.Expr]
    expects: tuple[ast.Expectation, ...]


class Playbook(IRNode):
    """Everything a playbook defines, checked; the input of every later stage."""

    title: str
    version: Decimal
    start: dt.date | None
    horizon_days: int
    calendar: str | None  # the country, or country-region as ISO 3166-2 writes it: DE-BY
    currency: str
    holidays: tuple[dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = ()
    fields: dict[str, dict[str, FieldInfo]]  # dataset → field name → field
    scores: dict[str, ScoreIR]
    tiers: tuple[TierIR, ...]
    goals: dict[str, GoalIR]
    cadences: dict[str, CadenceIR]
    plan: PlanIR | None
    kpis: dict[str, KpiIR]
    baselines: dict[str, BaselineIR]
    verdict: VerdictIR | None
    engagements: dict[str, EngagementIR] = {}  # name → score, a number field of accounts in KPIs
    simulation: SimulationIR | None
    examples: tuple[ExampleIR, ...]
    sources: tuple[str, ...]  # the main file first, then its imports

    @property
    def calendar_country(self) -> str | None:
        """The country of ``calendar DE region BY``: ``DE``."""
        return self.calendar.partition("-")[0] if self.calendar else None

    @property
    def calendar_region(self) -> str | None:
        """The region of ``calendar DE region BY`` (``BY``), as the `holidays` package
        spells it; ``None`` for a whole country."""
        return (self.calendar.partition("-")[2] or None) if self.calendar else None

    def key_field(self, dataset: ast.DatasetName) -> FieldInfo | None:
        return next((f for f in self.fields.get(dataset, {}).values() if f.key), None)

    def tier(self, name: str) -> TierIR | None:
        return next((t for t in self.tiers if t.name == name), None)
