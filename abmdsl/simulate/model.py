"""The model: the schedule's planned touches played R times, as activities with a ``__run``.

Input: a checked playbook with a ``simulate`` block, the dated touches of its schedule
(:func:`abmdsl.schedule.build_schedule`; the holdout already left out) and a DuckDB
connection. Output: in that connection, the view :data:`ACTIVITIES` — every run's
activities in the playbook's own ``activities`` schema plus ``__run`` — and the table
:data:`RUNS` of the run numbers; :func:`costs` gives each run's spend.

How a run plays, all runs at once, in a handful of DuckDB statements (no Python loop per run,
account, contact or touch):

* every uncertain rate (``2%..6%``, ``beta(3, 27)``) is drawn once per run; a touch's reply
  rate is the most specific ``reply`` line that fits its channel, contact and tier;
* whether a touch gets a reply, and whether each funnel stage converts, is a uniform number
  made from a hash of (seed, run, touch, stage): it needs no state, so every statement can read
  it in any order, on any number of threads, and get the same run;
* a reply is dated on its touch's day, each conversion its delay later; an event after the
  pilot's last day does not happen;
* a cadence's ``stop``/``pause`` rule holds back the touches of the contact (or account) dated
  **after** the first such event (as :mod:`abmdsl.schedule.stops` marks real ones); a touch not
  made costs nothing and draws no reply.

Only the events (replies and what follows) and each run's last day of each contact are
stored. The touches made are a view, a join of those last days with the planned touches by
contact and day range, which the KPI query streams; an account-wide stop is kept once per run
and account, not copied to each of its contacts.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import pyarrow as pa

from ..data.values import SQL_TYPES
from ..ir import ConvertIR, DistIR, FieldInfo, Playbook, ReplyIR, SimulationIR
from ..schedule.calendar import BusinessCalendar
from ..schedule.stops import rules_in_use

ACTIVITIES = "activities"  # the name the KPI views read (see abmdsl.evaluate.population)
RUNS = "__sim_run_ids"
TOUCHES, PARAMS, MADE, EVENTS = "__sim_touches", "__sim_params", "__sim_made", "__sim_events"
CONTACTS, CUT = "__sim_contacts", "__sim_cut"  # contacts with their rules; stop days
LIMIT = "__sim_limit"  # each run's last day of each contact's touches
TWO_64 = "18446744073709551616.0"


class SimulateError(Exception):
    """The playbook or its data cannot be simulated as asked; the message says why."""


@dataclass(frozen=True)
class Shape:
    """Which field of ``activities`` holds what a simulated activity says."""

    key: str | None
    type: str
    date: str
    account: str | None
    contact: str | None
    channel: str | None
    cost: str | None
    fields: dict[str, FieldInfo]

    @classmethod
    def of(cls, playbook: Playbook) -> Shape:
        fields = playbook.fields.get("activities")
        if fields is None:
            raise SimulateError(
                "the playbook declares no `activities`: the simulation writes activities like "
                "the real ones, so declare what a row holds"
            )
        key = next((f.name for f in fields.values() if f.key), None)
        kind = fields.get("type")
        if kind is None:
            kind = next(
                (f for f in fields.values() if {"touch", "reply"} & set(f.enum_values)), None
            )
        dates = [f.name for f in fields.values() if f.type == "date"]
        if kind is None or len(dates) != 1:
            raise SimulateError(
                "`activities` need a `type` field (touch, reply, meeting, …) and one date "
                "field for the simulation to write them, e.g. `type: enum(touch, reply, "
                "meeting)  on: date`"
            )
        money = [f.name for f in fields.values() if f.type == "money"]
        cost = "cost" if "cost" in money else (money[0] if len(money) == 1 else None)
        return cls(
            key=key,
            type=kind.name,
            date=dates[0],
            account=_linked(playbook, fields, "accounts"),
            contact=_linked(playbook, fields, "contacts"),
            channel="channel" if "channel" in fields else None,
            cost=cost,
            fields=dict(fields),
        )


def _linked(playbook: Playbook, fields: dict[str, FieldInfo], dataset: str) -> str | None:
    named = next((f.name for f in fields.values() if f.references == dataset), None)
    key = playbook.key_field(dataset)  # type: ignore[arg-type]
    if named is None and key is not None and key.name in fields and not fields[key.name].key:
        named = key.name
    return named


@dataclass(frozen=True)
class Model:
    """What one simulation plays: the stages of the funnel, the last day, the fixed costs."""

    simulation: SimulationIR
    runs: int
    seed: int
    last_day: dt.date
    stages: tuple[str, ...]  # "touch", "reply", then each stage a conversion reaches
    conversions: tuple[ConvertIR, ...]  # the one into each stage after "reply"
    replies: tuple[ReplyIR, ...]  # the lines a touch's rate may come from, in their order
    per_account: Decimal  # the per-account costs together
    one_off: Decimal
    # The sensitivity analysis: each variant sets one rate column (``r0``, ``v1``…) to a value
    # in the first ``variant_runs`` runs, which it plays again with their own draws.
    variants: tuple[tuple[str, float], ...] = ()
    variant_runs: int = 0

    @property
    def played(self) -> int:
        """The runs played: the base's, then each variant's (run ids in that order)."""
        return self.runs + len(self.variants) * self.variant_runs


def model(playbook: Playbook, runs: int, seed: int) -> Model:
    simulation = playbook.simulation
    if simulation is None:
        raise SimulateError(
            "the playbook has no `simulate` block: write the assumptions down first, e.g. "
            "`simulate { reply email 4%  cost email 2 USD per touch }`"
        )
    if playbook.start is None:
        raise SimulateError("the playbook has no start date: add e.g. `start 2027-01-11`")
    stages, chain = ["touch", "reply"], []
    by_source = {c.source: c for c in simulation.conversions}
    while stages[-1] in by_source and by_source[stages[-1]].target not in stages:
        chain.append(by_source[stages[-1]])
        stages.append(chain[-1].target)
    return Model(
        simulation=simulation,
        runs=runs,
        seed=seed,
        last_day=playbook.start + dt.timedelta(days=playbook.horizon_days - 1),
        stages=tuple(stages),
        conversions=tuple(chain),
        replies=simulation.replies,
        per_account=sum((c.amount for c in simulation.costs if c.per == "account"), Decimal(0)),
        one_off=sum((c.amount for c in simulation.costs if c.per is None), Decimal(0)),
    )


# ---------------------------------------------------------------------------- per-run draws
def draws(dist: DistIR, runs: int, rng: random.Random) -> list[float]:
    """One rate per run. A fixed rate draws nothing, so adding one leaves the others' draws."""
    if dist.kind == "fixed":
        return [float(dist.low)] * runs
    if dist.kind == "uniform":
        low, width = float(dist.low), float(dist.high - dist.low)
        return [low + width * rng.random() for _ in range(runs)]
    a, b = float(dist.a or 1), float(dist.b or 1)
    return [rng.betavariate(a, b) for _ in range(runs)]


def parameters(m: Model) -> pa.Table:
    """Each run's rates: ``r0…`` for the reply lines, ``v0…`` for the conversions.

    Python draws them (``random.Random(seed)``, the same on every platform): a few numbers
    per run and assumption, where a Beta draw needs a real sampler; everything per touch is
    drawn in DuckDB.
    """
    rng = random.Random(m.seed)
    rates: dict[str, list[float]] = {}
    for i, reply in enumerate(m.replies):
        rates[f"r{i}"] = draws(reply.p, m.runs, rng)
    for i, convert in enumerate(m.conversions):
        rates[f"v{i}"] = draws(convert.p, m.runs, rng)
    # A variant's run k replays base run k: the same ``__draw`` (so the same hashes, common
    # random numbers) and the same rates but the one it moves, so a difference in P(pass) is
    # the assumption's and not reseeding noise.
    draw = list(range(m.runs))
    for name, value in m.variants:
        draw += range(m.variant_runs)
        for column, values in rates.items():
            values += [value] * m.variant_runs if column == name else values[: m.variant_runs]
    columns: dict[str, pa.Array] = {
        "__run": pa.array(range(m.played), pa.int64()),
        "__draw": pa.array(draw, pa.int64()),
    }
    columns.update({c: pa.array(v, pa.float64()) for c, v in rates.items()})
    return pa.table(columns)


# ---------------------------------------------------------------------------- the plays
def play(con: duckdb.DuckDBPyConnection, playbook: Playbook, m: Model, planned: pa.Table) -> int:
    """Create :data:`RUNS`, the events and the view :data:`ACTIVITIES`; the number of
    accounts in work (those with a touch planned within the pilot)."""
    shape = Shape.of(playbook)
    con.register("__sim_planned", planned)
    con.register("__sim_params_arrow", parameters(m))
    con.execute(f"CREATE OR REPLACE TABLE {PARAMS} AS SELECT * FROM __sim_params_arrow")
    con.execute(f"CREATE OR REPLACE TABLE {RUNS} AS SELECT __run FROM {PARAMS}")
    rules = _rules(playbook, m)
    tags = [c for c in planned.column_names if c.startswith("contact_")]
    flags = "".join(
        f", cadence IN ({', '.join(_lit(c) for c in cadences) or 'NULL'}) AS __s{i}"
        for i, (_, _, cadences) in enumerate(rules)
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {TOUCHES} AS SELECT "
        "(row_number() OVER (ORDER BY date, account, cadence, touch, contact) - 1)::BIGINT "
        "AS t, dense_rank() OVER (ORDER BY account) AS a, "
        "dense_rank() OVER (ORDER BY account, contact) AS c, "
        f"date AS day, account, contact, channel, tier, cadence, "
        f"{_rule_case(m.replies, tags)} AS rule, {_cost_case(m)} AS cost"
        f"{''.join(f', {_q(t)}' for t in tags)}{flags} "
        f"FROM __sim_planned WHERE date <= DATE '{m.last_day.isoformat()}'"
    )
    unmatched = con.sql(f"SELECT DISTINCT channel FROM {TOUCHES} WHERE rule < 0").fetchall()
    if unmatched:
        channels = ", ".join(sorted(str(c) for (c,) in unmatched))
        raise SimulateError(
            f"no reply rate fits the touches on {channels}: add e.g. `reply {unmatched[0][0]} 5%`"
        )
    _reply_days(con, m, BusinessCalendar.of(playbook))
    con.execute(
        f"CREATE OR REPLACE TABLE {CONTACTS} AS SELECT DISTINCT a, c"
        f"{''.join(f', __s{i}' for i in range(len(rules)))} FROM {TOUCHES}"
    )
    ((nc, na),) = con.sql(
        f"SELECT coalesce(max(c), 0) + 1, coalesce(max(a), 0) + 1 FROM {TOUCHES}"
    ).fetchall()
    cuts = _Cuts(rules, int(nc), int(na))
    _events(con, m, cuts, BusinessCalendar.of(playbook))
    # A contact's touches made in a run are those up to its last day: a join on the contact
    # with a range, whose build side is the planned touches, rather than a probe of the
    # stops for every one of runs × planned touches.
    con.execute(
        f"CREATE OR REPLACE VIEW {MADE} AS SELECT l.__run, t.* FROM {LIMIT} l "
        f"JOIN {TOUCHES} t ON t.c = l.c AND t.day <= l.last"
    )
    con.execute(
        f"CREATE OR REPLACE VIEW {ACTIVITIES} AS "
        f"SELECT __run, {_columns(shape, tags, m, None)} FROM {MADE} t "
        f"UNION ALL SELECT e.__run, {_columns(shape, tags, m, 'e')} "
        f"FROM {EVENTS} e JOIN {TOUCHES} t ON t.t = e.t"
    )
    ((accounts,),) = con.sql(f"SELECT count(DISTINCT account) FROM {TOUCHES}").fetchall()
    return int(accounts)


def costs(con: duckdb.DuckDBPyConnection, m: Model, accounts: int) -> list[Decimal]:
    """Each base run's spend: its touches made, plus the per-account and one-off costs."""
    made = dict(
        con.sql(
            f"SELECT l.__run, sum(t.cost) FROM {LIMIT} l JOIN {TOUCHES} t "
            f"ON t.c = l.c AND t.day <= l.last WHERE t.cost IS NOT NULL AND l.__run < {m.runs} "
            "GROUP BY l.__run"
        ).fetchall()
    )
    fixed = m.per_account * accounts + m.one_off
    return [Decimal(str(made.get(r) or 0)) + fixed for r in range(m.runs)]


def _uniform(run: str, touch: str, stage: int, seed: int) -> str:
    """A uniform number in [0, 1) for (seed, run, touch, stage) — ``run`` being the run whose
    draws it uses (``__draw``: a variant's run reuses its base run's) — a hash, the same on any
    number of threads and in any order (BIGINTs throughout: the hash depends on the type).

    DuckDB combines the hashes of several arguments by a plain mix, under which the numbers
    of two stages of one touch are tied (a reply drawn below 5% made every conversion pass):
    hashing the combination once more avalanches it.
    """
    return (
        f"(hash(hash({seed}::BIGINT, {run}::BIGINT, {touch}::BIGINT, {stage}::BIGINT))"
        f"::DOUBLE / {TWO_64})"
    )


def _days(con: duckdb.DuckDBPyConnection, m: Model) -> list[dt.date]:
    """Every day an event can fall on: from the first touch to the pilot's last day."""
    ((first,),) = con.sql(f"SELECT min(day) FROM {TOUCHES}").fetchall()
    first = first or m.last_day
    return [first + dt.timedelta(days=i) for i in range((m.last_day - first).days + 1)]


def _later(day: dt.date, delay: int, business: bool, calendar: BusinessCalendar) -> dt.date:
    if not business or not delay:
        return day + dt.timedelta(days=delay)
    return calendar.business_days(day + dt.timedelta(days=1), delay)[-1]


def _business_days(
    con: duckdb.DuckDBPyConnection, name: str, m: Model, delay: int, calendar: BusinessCalendar
) -> None:
    """``name``: for every day an event can fall on, the day ``delay`` business days later in
    the playbook's calendar (its holidays and working days included) — a few hundred rows,
    which the events join instead of adding calendar days."""
    days = _days(con, m)
    later = [_later(day, delay, True, calendar) for day in days]
    con.register("__sim_bd_arrow", pa.table({"day": days, "later": later}))
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM __sim_bd_arrow")
    con.unregister("__sim_bd_arrow")


def _reply_days(con: duckdb.DuckDBPyConnection, m: Model, calendar: BusinessCalendar) -> None:
    """Each planned touch's ``rday``: the day a reply to it would come, its reply line's delay
    after the touch (the touch's own day without one)."""
    delays = {i: r for i, r in enumerate(m.replies) if r.delay_days}
    if not delays:
        con.execute(f"CREATE OR REPLACE TABLE {TOUCHES} AS SELECT *, day AS rday FROM {TOUCHES}")
        return
    days = _days(con, m)
    rules, on, later = [], [], []
    for i, reply in delays.items():
        delay = math.ceil(reply.delay_days or 0)
        rules += [i] * len(days)
        on += days
        later += [_later(day, delay, reply.business_days, calendar) for day in days]
    con.register(
        "__sim_rd_arrow",
        pa.table({"rule": pa.array(rules, pa.int32()), "day": on, "later": later}),
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {TOUCHES} AS SELECT t.*, coalesce(d.later, t.day) AS rday "
        f"FROM {TOUCHES} t LEFT JOIN __sim_rd_arrow d ON d.rule = t.rule AND d.day = t.day "
        "ORDER BY t.t"
    )
    con.unregister("__sim_rd_arrow")


_Rule = tuple[str, bool, list[str]]  # (event stage, for the whole account, cadences it is of)


@dataclass(frozen=True)
class _Cuts:
    """Where the stop days are: a contact's rules in :data:`CUT` (one row per run and contact
    that stops), each account-wide rule ``i`` in ``__sim_cut_a{i}`` (one row per run and
    account): a pause of the whole account is not copied to each of its contacts."""

    rules: list[_Rule]
    nc: int  # above every contact's number: run and contact make one key, one hash join
    na: int  # the same for accounts
    # The stop tables that have rows so far ("c" for the contacts', an index for an
    # account-wide rule's): joins to the others would find nothing, so they are left out.
    filled: set[str] = field(default_factory=set)

    def accounts(self) -> list[int]:
        return [i for i, (_, account, _) in enumerate(self.rules) if account]

    def _filled_accounts(self) -> list[int]:
        return [i for i in self.accounts() if str(i) in self.filled]

    def join(self, run: str, t: str) -> str:
        """The days the touch's contact and account stop in the run, if they do."""
        out = ""
        if "c" in self.filled:
            out += f" LEFT JOIN {CUT} x ON x.key = {run} * {self.nc} + {t}.c"
        for i in self._filled_accounts():
            out += f" LEFT JOIN {CUT}_a{i} y{i} ON y{i}.key = {run} * {self.na} + {t}.a"
        return out

    def last(self, t: str) -> str:
        """The last day the touch's contact gets touches (9999-12-31: it never stops)."""
        never = "DATE '9999-12-31'"
        days = [f"coalesce(x.day, {never})"] if "c" in self.filled else []
        days += [
            f"CASE WHEN {t}.__s{i} AND y{i}.day IS NOT NULL THEN y{i}.day ELSE {never} END"
            for i in self._filled_accounts()
        ]
        if not days:
            return never
        return f"least({', '.join(days)})" if len(days) > 1 else days[0]

    def made(self, t: str) -> str:
        """The touch is not dated after its contact stopped."""
        if not self.join("r", t):
            return "true"
        return f"{t}.day <= {self.last(t)}"


def _events(
    con: duckdb.DuckDBPyConnection, m: Model, cuts: _Cuts, calendar: BusinessCalendar
) -> None:
    """Replies and conversions of every planned touch; then, stage by stage, the first event
    of each rule, into the stops (:class:`_Cuts`); then each run's last day of each contact
    (:data:`LIMIT`) and the events of the touches made."""
    rates = " ".join(f"WHEN {i} THEN p.r{i}" for i in range(len(m.replies)))
    in_time = ""
    if any(r.delay_days for r in m.replies):
        in_time = f" AND t.rday <= DATE '{m.last_day.isoformat()}'"
    con.execute(
        "CREATE OR REPLACE TABLE __sim_e1 AS SELECT p.__run, t.t, t.c, t.rday AS day, "
        f"t.day AS td FROM {PARAMS} p CROSS JOIN {TOUCHES} t "
        f"WHERE {_uniform('p.__draw', 't.t', 1, m.seed)} < CASE t.rule {rates} END{in_time}"
    )
    for k, convert in enumerate(m.conversions, start=2):
        delay = math.ceil(convert.delay_days or 0)
        later, days = f"(e.day + {delay})::DATE", ""
        if convert.business_days and delay:
            _business_days(con, f"__sim_bd{k}", m, delay, calendar)
            later, days = "b.later", f" JOIN __sim_bd{k} b ON b.day = e.day"
        con.execute(
            f"CREATE OR REPLACE TABLE __sim_e{k} AS SELECT e.__run, e.t, e.c, "
            f"{later} AS day, e.td FROM __sim_e{k - 1} e JOIN {PARAMS} p "
            f"ON p.__run = e.__run{days} "
            f"WHERE {_uniform('p.__draw', 'e.t', k, m.seed)} < p.v{k - 2} "
            f"AND {later} <= DATE '{m.last_day.isoformat()}'"
        )
    # All touches of a contact are of one cadence (its account's tier's), so a contact's
    # touches stop on one day per run: the first event of any rule of that cadence. Rules
    # are taken in funnel order, each over the events of the touches the earlier stages'
    # rules let through: an event is never before its touch, so a touch a later rule holds
    # back cannot move an earlier rule's first event.
    rules, nc, na = cuts.rules, cuts.nc, cuts.na
    con.execute(f"CREATE OR REPLACE TABLE {CUT} (key BIGINT, __run BIGINT, c BIGINT, day DATE)")
    for i in cuts.accounts():
        con.execute(f"CREATE OR REPLACE TABLE {CUT}_a{i} (key BIGINT, day DATE)")
    for stage in dict.fromkeys(r[0] for r in rules):
        k = m.stages.index(stage)
        firsts = (
            f"SELECT e.__run, t.{{who}} AS who, min(e.day) AS day FROM __sim_e{k} e "
            f"JOIN {TOUCHES} t ON t.t = e.t{cuts.join('e.__run', 't')} "
            f"WHERE {cuts.made('t')} GROUP BY ALL"
        )
        # Every rule of the stage reads the stops as they were before it: computed first,
        # put in place after.
        parts, swaps = [], []
        for i, (event, account, _) in enumerate(rules):
            if event != stage:
                continue
            if account:
                con.execute(
                    f"CREATE OR REPLACE TABLE __sim_next_a{i} AS SELECT __run * {na} + who "
                    f"AS key, day FROM ({firsts.format(who='a')})"
                )
                swaps.append(i)
            else:
                parts.append(
                    f"SELECT f.__run, k.c, f.day FROM ({firsts.format(who='c')}) f "
                    f"JOIN {CONTACTS} k ON k.c = f.who AND k.__s{i}"
                )
        if len(parts) == 1 and "c" not in cuts.filled:
            # The first stops: already one row per run and contact, with its first day.
            con.execute(
                f"CREATE OR REPLACE TABLE {CUT} AS SELECT __run * {nc} + c AS key, __run, c, "
                f"day FROM ({parts[0]})"
            )
        elif parts:
            con.execute(
                f"CREATE OR REPLACE TABLE __sim_next AS SELECT __run * {nc} + c AS key, __run, "
                f"c, min(day) AS day FROM (SELECT __run, c, day FROM {CUT} UNION ALL "
                f"{' UNION ALL '.join(parts)}) GROUP BY ALL"
            )
            con.execute(f"CREATE OR REPLACE TABLE {CUT} AS SELECT * FROM __sim_next")
            con.execute("DROP TABLE __sim_next")
        if parts:
            cuts.filled.add("c")
        for i in swaps:
            con.execute(f"CREATE OR REPLACE TABLE {CUT}_a{i} AS SELECT * FROM __sim_next_a{i}")
            con.execute(f"DROP TABLE __sim_next_a{i}")
            cuts.filled.add(str(i))
    con.execute(
        f"CREATE OR REPLACE TABLE {LIMIT} AS SELECT r.__run, k.c, r.__run * {nc} + k.c AS key, "
        f"{cuts.last('k')} AS last FROM {RUNS} r CROSS JOIN {CONTACTS} k"
        f"{cuts.join('r.__run', 'k')}"
    )
    # The events of the touches made: one join with the last days, over all the stages.
    stages = " UNION ALL ".join(
        f"SELECT __run, t, c, td, {k}::TINYINT AS kind, day FROM __sim_e{k}"
        for k in range(1, len(m.stages))
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {EVENTS} AS SELECT e.__run, e.t, e.kind, e.day "
        f"FROM ({stages}) e JOIN {LIMIT} l ON l.key = e.__run * {nc} + e.c WHERE e.td <= l.last"
    )


def _rules(playbook: Playbook, m: Model) -> list[_Rule]:
    """The stop and pause rules whose event the model makes, by (event, scope), in funnel
    order. A pause holds back the touches after its event like a stop: nothing resumes them."""
    found: dict[tuple[str, bool], list[str]] = {}
    for cadence, rule in rules_in_use(playbook):
        if rule.event in m.stages[1:]:
            found.setdefault((rule.event, rule.account), []).append(cadence)
    ordered = sorted(found.items(), key=lambda kv: (m.stages.index(kv[0][0]), kv[0][1]))
    return [(event, account, cadences) for (event, account), cadences in ordered]


def _rule_case(replies: Sequence[ReplyIR], tags: list[str]) -> str:
    """The index of the reply line for a touch: audience and tier, tier, audience, channel."""

    def rank(i: int) -> tuple[int, int]:
        reply = replies[i]
        both = reply.audience is not None and reply.tier is not None
        return (0 if both else 1 if reply.tier else 2 if reply.audience else 3, i)

    ranked = sorted(range(len(replies)), key=rank)
    whens = []
    for i in ranked:
        reply = replies[i]
        cond = [f"channel = {_lit(reply.channel)}"]
        if reply.tier is not None:
            cond.append(f"tier = {_lit(reply.tier)}")
        if reply.audience is not None:
            held = " OR ".join(f"{_q(t)} = {_lit(reply.audience)}" for t in tags) or "false"
            cond.append(f"({held})")
        whens.append(f"WHEN {' AND '.join(cond)} THEN {i}")
    return f"CASE {' '.join(whens)} ELSE -1 END" if whens else "-1"


def _cost_case(m: Model) -> str:
    per_touch = [c for c in m.simulation.costs if c.per == "touch"]
    whens = " ".join(f"WHEN channel = {_lit(c.item)} THEN {c.amount:f}" for c in per_touch)
    money = SQL_TYPES["money"]
    return f"CAST(CASE {whens} END AS {money})" if whens else f"CAST(NULL AS {money})"


def _columns(shape: Shape, tags: list[str], m: Model, event: str | None) -> str:
    """The activities' declared fields, in their order, over the touch ``t`` (and ``e``)."""
    out = []
    kinds = "[" + ", ".join(_lit(s) for s in m.stages) + "]"
    for name, f in shape.fields.items():
        sql_type = SQL_TYPES.get(f.type, "VARCHAR")
        if name == shape.key:
            kind = f"{event}.kind" if event else "0"
            value = f"concat('S', {event or 't'}.__run, '-', t.t, '-', {kind})"
        elif name == shape.type:
            value = f"{kinds}[{event}.kind + 1]" if event else "'touch'"
        elif name == shape.date:
            value = f"{event}.day" if event else "t.day"
        elif name == shape.account:
            value = "t.account"
        elif name == shape.contact:
            value = "t.contact"
        elif name == shape.channel:
            value = "t.channel"
        elif name == shape.cost:
            value = "NULL" if event else "t.cost"
        elif f"contact_{name}" in tags:
            value = f"t.{_q('contact_' + name)}"
        else:
            value = "NULL"
        out.append(f"CAST({value} AS {sql_type}) AS {_q(name)}")
    return ", ".join(out)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
