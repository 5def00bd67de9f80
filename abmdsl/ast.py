"""The abstract syntax tree: what a playbook says, exactly as written, with a span on every node.

Input: nothing (these are the types). Output: frozen pydantic models built by :mod:`abmdsl.parser`.
Spans are excluded from ``model_dump()``; compare trees by their dumps, as the formatter's
round-trip test does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .span import Span


class Node(BaseModel):
    # defer_build: pydantic builds each model's schema on first validation, not at import,
    # so that `abm` starts fast (the parser builds nodes without validating them).
    model_config = ConfigDict(
        frozen=True, extra="forbid", arbitrary_types_allowed=True, defer_build=True
    )
    span: Span | None = Field(default=None, exclude=True, repr=False)


class Ident(Node):
    """A name used at a place: a definition's name or a reference to one."""

    name: str


# ---------------------------------------------------------------- expressions
class Number(Node):
    kind: Literal["number"] = "number"
    value: Decimal


class Percent(Node):
    """``25%``; ``value`` is the written number (25), :attr:`fraction` the quantity (0.25)."""

    kind: Literal["percent"] = "percent"
    value: Decimal

    @property
    def fraction(self) -> Decimal:
        return self.value / 100


class Money(Node):
    kind: Literal["money"] = "money"
    amount: Decimal
    currency: str


DurationUnit = Literal["min", "h", "day", "week", "business_day"]


class Duration(Node):
    kind: Literal["duration"] = "duration"
    amount: Decimal
    unit: DurationUnit


class DateLit(Node):
    kind: Literal["date"] = "date"
    value: dt.date


class Text(Node):
    kind: Literal["text"] = "text"
    value: str


class Bool(Node):
    kind: Literal["bool"] = "bool"
    value: bool


class Missing(Node):
    kind: Literal["missing"] = "missing"


class Name(Node):
    kind: Literal["name"] = "name"
    id: str


class Attr(Node):
    """``baseline.inbound`` or ``activities.cost``: a name inside a namespace."""

    kind: Literal["attr"] = "attr"
    obj: str
    attr: str


class Neg(Node):
    kind: Literal["neg"] = "neg"
    operand: Expr


class Not(Node):
    kind: Literal["not"] = "not"
    operand: Expr


class Binary(Node):
    kind: Literal["binary"] = "binary"
    op: Literal["+", "-", "*", "/"]
    left: Expr
    right: Expr


class Logic(Node):
    kind: Literal["logic"] = "logic"
    op: Literal["and", "or"]
    left: Expr
    right: Expr


CompareOp = Literal[">=", "<=", "!=", "=", ">", "<"]


class Compare(Node):
    kind: Literal["compare"] = "compare"
    op: CompareOp
    left: Expr
    right: Expr


class Range(Node):
    low: Expr
    high: Expr


class InRange(Node):
    kind: Literal["in_range"] = "in_range"
    value: Expr
    range: Range
    negated: bool = False


class InList(Node):
    kind: Literal["in_list"] = "in_list"
    value: Expr
    items: list[Expr]
    negated: bool = False


class IsMissing(Node):
    kind: Literal["is_missing"] = "is_missing"
    value: Expr
    negated: bool = False


class If(Node):
    kind: Literal["if"] = "if"
    cond: Expr
    then: Expr
    else_: Expr


class Of(Node):
    """``engagement of control``: a KPI-level value measured on another group of accounts."""

    kind: Literal["of"] = "of"
    value: Expr
    group: Ident


class Call(Node):
    kind: Literal["call"] = "call"
    func: str
    args: list[Expr]


AggregateFunc = Literal["count", "sum", "avg", "median", "share", "distinct", "earliest", "latest"]
DatasetName = Literal["accounts", "contacts", "activities"]


class Aggregate(Node):
    """``count(activities where type = "reply")``: an aggregate over one data set."""

    kind: Literal["aggregate"] = "aggregate"
    func: AggregateFunc
    dataset: DatasetName
    field: str | None = None
    value: Expr | None = None  # `avg(accounts: EXPR)`: computed for each row, instead of a field
    where: Expr | None = None


Expr = Annotated[
    Number
    | Percent
    | Money
    | Duration
    | DateLit
    | Text
    | Bool
    | Missing
    | Name
    | Attr
    | Neg
    | Not
    | Binary
    | Logic
    | Compare
    | InRange
    | InList
    | IsMissing
    | If
    | Call
    | Aggregate
    | Of,
    Field(discriminator="kind"),
]

LITERALS = (Number, Percent, Money, Duration, DateLit, Text, Bool, Missing)


# ---------------------------------------------------------------- header, imports, data
class Version(Node):
    number: Decimal


class Import(Node):
    path: str


class Setting(Node):
    """One header line, e.g. ``start 2027-01-11``; checked and typed by the checker.

    ``calendar DE region BY`` has two values: the country's name, then the region's (a
    ``Name``, or a ``Text`` for a code written in quotes)."""

    key: Literal["start", "horizon", "calendar", "currency", "holidays", "workdays"]
    values: list[Expr]


class Header(Node):
    title: str
    settings: list[Setting]


FieldType = Literal["bool", "int", "number", "text", "date", "money", "percent", "duration", "enum"]


class FieldDecl(Node):
    name: Ident
    type: FieldType
    key: bool = False
    enum_values: list[Ident] = []
    range: Range | None = None
    optional: bool = False
    references: DatasetName | None = None


class Dataset(Node):
    name: DatasetName
    fields: list[FieldDecl]


# ---------------------------------------------------------------- scores and tiers
class Criterion(Node):
    name: Ident
    title: str | None = None
    weight: Percent
    expr: Expr


class Score(Node):
    name: Ident
    title: str | None = None
    scale: Range
    criteria: list[Criterion]


class Capacity(Node):
    kind: Literal["capacity"] = "capacity"
    limit: int
    rank_by: Expr | None = None
    order: Literal["asc", "desc"] | None = None


class Grouping(Node):
    kind: Literal["grouping"] = "grouping"
    field: Ident
    clusters: Range
    sizes: Range | None = None


class Research(Node):
    kind: Literal["research"] = "research"
    per_account: Duration
    per_contact: Duration | None = None


class Budget(Node):
    kind: Literal["budget"] = "budget"
    amount: Money


class TierCadence(Node):
    kind: Literal["cadence"] = "cadence"
    cadence: Ident
    from_week: int | None = None  # `from week 6`: day 1 is the first business day of week 6
    from_date: DateLit | None = None  # `from 2027-02-15`


class Holdout(Node):
    kind: Literal["holdout"] = "holdout"
    share: Percent
    seed: int | None = None  # None: the default seed, "abm"


TierItem = Annotated[
    Capacity | Grouping | Research | Budget | TierCadence | Holdout, Field(discriminator="kind")
]


class Tier(Node):
    name: Ident
    title: str | None = None
    when: Expr | None = None  # None: the tier is `otherwise`
    items: list[TierItem] = []


# ---------------------------------------------------------------- goals
class Via(Node):
    metric: Ident
    rate: Percent


class Target(Node):
    kind: Literal["target"] = "target"
    metric: Ident
    op: CompareOp
    value: Expr
    via: Via | None = None


class Milestone(Node):
    kind: Literal["milestone"] = "milestone"
    name: Ident


class Contribution(Node):
    kind: Literal["contribution"] = "contribution"
    value: Percent | Money


class MeasuredBy(Node):
    kind: Literal["measured_by"] = "measured_by"
    kpi: Ident


class Segment(Node):
    kind: Literal["segment"] = "segment"
    value: str


class Funnel(Node):
    kind: Literal["funnel"] = "funnel"
    stage: Ident


class Goal(Node):
    kind: Literal["goal"] = "goal"
    name: Ident
    title: str | None = None
    items: list[GoalItem] = []


GoalItem = Annotated[
    Goal | Target | Milestone | Contribution | MeasuredBy | Segment | Funnel,
    Field(discriminator="kind"),
]


# ---------------------------------------------------------------- cadences and the plan
class Variant(Node):
    """``a 50% "Problem first"``: one arm of a step's A/B test; no share: an equal split."""

    name: Ident
    share: Percent | None = None
    note: str


class Step(Node):
    kind: Literal["step"] = "step"
    touch: int | None = None
    day: int | None = None
    channel: Ident
    audience: list[Ident]
    note: str | None = None
    refers_to: int | None = None
    owner: Ident | None = None
    variants: list[Variant] = []


class StopRule(Node):
    kind: Literal["stop_rule"] = "stop_rule"
    mode: Literal["stop", "pause"]
    account: bool = False
    event: Ident


class Recontact(Node):
    """``recontact after 2 business days``: a contact's touches are at least that far apart."""

    kind: Literal["recontact"] = "recontact"
    days: int


class Cadence(Node):
    name: Ident
    title: str | None = None
    days: int
    items: list[Annotated[Step | StopRule | Recontact, Field(discriminator="kind")]]


class Roles(Node):
    kind: Literal["roles"] = "roles"
    names: list[Ident]


RaciKind = Literal["responsible", "accountable", "consulted", "informed"]


class Raci(Node):
    role: RaciKind
    names: list[Ident]


class Stage(Node):
    kind: Literal["stage"] = "stage"
    name: Ident
    title: str | None = None
    first_week: int
    last_week: int
    raci: list[Raci]


class TouchLimit(Node):
    """``40 touches per day``: at most that many touches a day for the role."""

    kind: Literal["touches"] = "touches"
    count: int


class TimeLimit(Node):
    """``30 h per week`` or ``6 h per day``: the hours the role has for the pilot's work."""

    kind: Literal["time"] = "time"
    amount: Duration
    per: Literal["day", "week"]


class PlanCapacity(Node):
    """``capacity bdr 40 touches per day, 30 h per week``: what one role can do."""

    kind: Literal["capacity"] = "capacity"
    role: Ident
    limits: list[Annotated[TouchLimit | TimeLimit, Field(discriminator="kind")]]


class PlanBudget(Node):
    """``budget 25000 USD``: the pilot's whole budget."""

    kind: Literal["budget"] = "budget"
    amount: Money


class Plan(Node):
    title: str | None = None
    items: list[Annotated[Roles | Stage | PlanCapacity | PlanBudget, Field(discriminator="kind")]]


# ---------------------------------------------------------------- KPIs, baselines, verdict
class KpiTarget(Node):
    kind: Literal["target"] = "target"
    op: CompareOp | Literal["in"]
    value: Expr | None = None
    range: Range | None = None


class KpiWarn(Node):
    kind: Literal["warn"] = "warn"
    op: CompareOp
    value: Expr


class Measures(Node):
    kind: Literal["measures"] = "measures"
    goal: Ident


class Kpi(Node):
    """``kpi NAME = EXPR``, or ``kpi NAME from library``: then ``expr`` is None until the
    checker takes the library's definition."""

    name: Ident
    title: str | None = None
    expr: Expr | None
    library: bool = False
    items: list[Annotated[KpiTarget | KpiWarn | Measures, Field(discriminator="kind")]] = []


class Baseline(Node):
    name: Ident
    title: str | None = None
    expr: Expr


class Verdict(Node):
    title: str | None = None
    when: Expr


# ---------------------------------------------------------------- engagement scores
class EngagementPoints(Node):
    """``reply 5 points``, or ``reply by gift 10 points``: a channel's own points for a type."""

    kind: Literal["points"] = "points"
    type: Ident
    channel: Ident | None = None
    points: Number


class EngagementMultiplier(Node):
    """``level c_level x2``: activities (or contacts, or accounts of a tier) with that value."""

    kind: Literal["multiplier"] = "multiplier"
    field: Ident
    value: Ident
    factor: Number


class EngagementWithin(Node):
    kind: Literal["within"] = "within"
    duration: Duration


class EngagementDecay(Node):
    """``decay 10% per week``: each whole week of age takes 10% off an activity's weight."""

    kind: Literal["decay"] = "decay"
    rate: Percent
    per: Literal["day", "week"]


class EngagementRollUp(Node):
    kind: Literal["roll_up"] = "roll_up"
    strategy: Literal["sum", "max", "average"]


EngagementItem = Annotated[
    EngagementPoints | EngagementMultiplier | EngagementWithin | EngagementDecay | EngagementRollUp,
    Field(discriminator="kind"),
]


class Engagement(Node):
    """``engagement attention "title" { ... }``: a score per account from its activities."""

    name: Ident
    title: str | None = None
    items: list[EngagementItem] = []


# ---------------------------------------------------------------- simulation
class Fixed(Node):
    kind: Literal["fixed"] = "fixed"
    p: Percent


class Uniform(Node):
    kind: Literal["uniform"] = "uniform"
    low: Percent
    high: Percent


class Beta(Node):
    kind: Literal["beta"] = "beta"
    a: Number
    b: Number


Dist = Annotated[Fixed | Uniform | Beta, Field(discriminator="kind")]


class Runs(Node):
    kind: Literal["runs"] = "runs"
    count: int


class Seed(Node):
    kind: Literal["seed"] = "seed"
    value: int


class Reply(Node):
    kind: Literal["reply"] = "reply"
    channel: Ident
    audience: Ident | None = None
    tier: Ident | None = None
    dist: Dist
    delay: Duration | None = None  # `after 2 days`: how long after its touch a reply comes


class Convert(Node):
    kind: Literal["convert"] = "convert"
    source: Ident
    target: Ident
    dist: Dist
    delay: Duration | None = None


class Cost(Node):
    kind: Literal["cost"] = "cost"
    item: Ident
    amount: Money
    per: Literal["touch", "account"] | None = None


class Simulate(Node):
    items: list[Annotated[Runs | Seed | Reply | Convert | Cost, Field(discriminator="kind")]]


# ---------------------------------------------------------------- examples
class Pair(Node):
    field: Ident
    value: Expr


class ExpectTier(Node):
    kind: Literal["tier"] = "tier"
    tier: Ident


class ExpectScore(Node):
    kind: Literal["score"] = "score"
    score: Ident
    value: Expr


class ExpectCriterion(Node):
    kind: Literal["criterion"] = "criterion"
    score: Ident
    criterion: Ident
    value: Expr


class ExpectCluster(Node):
    kind: Literal["cluster"] = "cluster"
    value: str


Expectation = Annotated[
    ExpectTier | ExpectScore | ExpectCriterion | ExpectCluster, Field(discriminator="kind")
]


class Example(Node):
    title: str
    given: list[Pair]
    expects: list[Expectation]


Statement = (
    Version
    | Import
    | Header
    | Dataset
    | Score
    | Tier
    | Goal
    | Cadence
    | Plan
    | Kpi
    | Baseline
    | Verdict
    | Engagement
    | Simulate
    | Example
)


class Comment(Node):
    """A ``#`` comment; kept so that the formatter can put every one back."""

    text: str


class Module(Node):
    """One parsed file."""

    path: str
    statements: list[Statement]
    comments: list[Comment] = Field(default=[], exclude=True)
