"""The evaluation benchmark: the seed pilot's KPIs over generated activities read from Parquet.

Each engine goes from the tiered accounts and the activities file to the KPIs' values:

* **abmdsl, the KPI query**: the views of :func:`abmdsl.evaluate.population.build` over a
  DuckDB view of the file as it is, then the query of
  :class:`abmdsl.evaluate.compile.KpiCompiler`, run and fetched: what
  :func:`abmdsl.evaluate.evaluate_playbook` runs once the data is loaded;
* **abmdsl, `abm evaluate`'s path**: :func:`abmdsl.evaluate.evaluate_playbook` on the files,
  which also tiers the accounts and validates and loads both files
  (:func:`abmdsl.data.load_dataset`);
* **(a) DuckDB by hand**: the same five KPIs and two baselines written directly in SQL.

The accounts are tiered once per size, untimed (tiering has its own benchmark), and the result
is given to the first and last engines alike. Before timing, every engine's values are checked
against abmdsl's, exactly; a difference stops the benchmark. docs/performance.md ("Evaluating
the pilot") explains the method and the figures.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from accounts import ROW_GROUP, write_accounts
from tiering import parquet_view, seed_playbook
from timing import child_peak, report_peak, turns

from abmdsl.engine.run import connect, tier_table
from abmdsl.evaluate import evaluate_playbook, population
from abmdsl.evaluate.compile import KpiCompiler
from abmdsl.evaluate.population import Window
from abmdsl.ir import Playbook

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "playbooks" / "pharma_pilot.abm"
DATA = ROOT / "out" / "bench"
ACCOUNTS = 100_000
EXTRAS = ("city", "employees")  # the generated accounts' columns the playbook does not declare
RATIO_GOAL = 1.3
Values = dict[str, Decimal | None]  # KPI or baseline name → its exact value

# ------------------------------------------------------------------------- the activities

# A CRM export of every account's activities, in the proportions of the bundled sample
# (playbooks/data/activities.csv): mostly touches, each later stage of the funnel rarer.
TYPES = {
    "touch": 0.85,
    "reply": 0.07,
    "meeting": 0.04,
    "discussion": 0.025,
    "opportunity": 0.01,
    "tender_invitation": 0.004,
    "contract": 0.001,
}
LEVELS = {"c_level": 0.3, "c_minus_1": 0.6, None: 0.1}
# A touch's channel and what it costs (the sample's prices, in USD); the later stages keep the
# channel of the touch they came from and cost nothing.
CHANNELS = {"email": (0.45, 2), "gift": (0.2, 120), "call": (0.2, 15), "linkedin": (0.15, 5)}
# A fifth of the rows are of the ~50 accounts the pilot works or holds out (the seed tiers at
# most 50 accounts into its programme, however many there are), so that the KPIs aggregate
# millions of rows rather than a few thousand; the rest are spread over every account.
PILOT_SHARE = 0.2
UNKNOWN_SHARE = 0.001  # naming an account that is not in the accounts file
OUTSIDE_SHARE = 0.03  # dated up to 60 days before the pilot or 30 days after it, half each
NO_CONTACT = 0.05
CONTACTS_PER_ACCOUNT = 8


class _Draws:
    """Independent seeded uniform draws in [0, 1), one array of ``n`` per call."""

    def __init__(self, n: int, seed: int):
        self.n, self.seed, self.calls = n, seed, 0

    def __call__(self) -> pa.Array:
        self.calls += 1
        return pc.random(self.n, initializer=self.seed * 1000 + self.calls)


def _whole(u: pa.Array, count: int) -> pa.Array:
    """A uniform whole number in ``0 .. count - 1`` from a uniform draw in [0, 1)."""
    return pc.cast(pc.floor(pc.multiply(u, count)), pa.int64())


def _codes(u: pa.Array, shares: list[float]) -> pa.Array:
    """An index into ``shares`` drawn with its share: the number of bounds at or below ``u``."""
    bounds, total = [], 0.0
    for share in shares[:-1]:
        total += share
        bounds.append(total / sum(shares))
    code = pc.cast(pc.greater_equal(u, bounds[0]), pa.int64())
    for bound in bounds[1:]:
        code = pc.add(code, pc.cast(pc.greater_equal(u, bound), pa.int64()))
    return code


def _numbered(prefix: str, numbers: pa.Array, width: int) -> pa.Array:
    text = pc.utf8_lpad(pc.cast(numbers, pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def activities(
    n: int, account_ids: pa.Array, pilot_ids: pa.Array, start: dt.date, days: int, seed: int
) -> pa.Table:
    """``n`` activities of the seed's ``activities`` declaration, drawn with ``seed``.

    >>> ids = pa.array([f"ACC-{i}" for i in range(10)])
    >>> table = activities(1000, ids, ids.slice(0, 2), dt.date(2027, 1, 11), 90, seed=1)
    >>> table.num_rows, table.column_names[-1], table.schema.field("cost").type
    (1000, 'on', Decimal128Type(decimal128(18, 2)))
    """
    draw = _Draws(n, seed)
    accounts = len(account_ids)
    # Indices past the account ids are the pilot's accounts, listed again after them.
    anyone = _whole(draw(), accounts)
    pilot = pc.less(draw(), PILOT_SHARE if len(pilot_ids) else 0.0)
    index = pc.if_else(pilot, pc.add(_whole(draw(), max(len(pilot_ids), 1)), accounts), anyone)
    names = pc.take(pa.concat_arrays([account_ids, pilot_ids]), index)
    strangers = _numbered("ACC-X", _whole(draw(), 1000), 7)
    account = pc.if_else(pc.less(draw(), UNKNOWN_SHARE), strangers, names)

    type_code = _codes(draw(), list(TYPES.values()))
    touch = pc.equal(type_code, 0)
    channel_code = _codes(draw(), [share for share, _ in CHANNELS.values()])
    # int32: a decimal128(18, 2) has room for every int32, not for every int64.
    prices = pc.take(pa.array([price for _, price in CHANNELS.values()], pa.int32()), channel_code)
    cost = pc.if_else(touch, prices, pa.nulls(n, pa.int32())).cast(pa.decimal128(18, 2))
    level_code = _codes(draw(), list(LEVELS.values()))

    person = pc.add(pc.multiply(index, CONTACTS_PER_ACCOUNT), _whole(draw(), 8))
    contact = _numbered("C-", person, 9)
    contact = pc.if_else(pc.less(draw(), NO_CONTACT), pa.nulls(n, pa.string()), contact)

    epoch = (start - dt.date(1970, 1, 1)).days
    outside = draw()
    day = _whole(draw(), days)
    day = pc.if_else(pc.less(outside, OUTSIDE_SHARE / 2), pc.subtract(-1, _whole(draw(), 60)), day)
    day = pc.if_else(
        pc.greater(outside, 1 - OUTSIDE_SHARE / 2), pc.add(days, _whole(draw(), 30)), day
    )
    on = pc.cast(pc.add(day, epoch), pa.int32()).cast(pa.date32())

    return pa.table(
        {
            "activity_id": _numbered("A-", pa.array(range(1, n + 1), pa.int64()), 9),
            "account_id": account,
            "contact_id": contact,
            "type": pc.take(pa.array(list(TYPES)), type_code),
            "level": pc.take(pa.array(list(LEVELS)), level_code),
            "channel": pc.take(pa.array(list(CHANNELS)), channel_code),
            "cost": cost,
            "on": on,
        }
    )


def write_activities(n: int, path: Path, pilot: Pilot, seed: int = 2027) -> Path:
    """Write ``n`` generated activities to ``path`` (Parquet) unless that file is there already."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tiered = pilot.tiered
    ids = tiered.column("account_id").combine_chunks()
    tiers = pa.array(population.programme_tiers(pilot.playbook))
    worked = pc.is_in(tiered.column("tier").combine_chunks(), tiers)
    start = pilot.playbook.start
    assert start is not None
    table = activities(n, ids, pc.filter(ids, worked), start, pilot.playbook.horizon_days, seed + n)
    partial = path.with_suffix(".partial")
    pq.write_table(table, partial, row_group_size=ROW_GROUP)
    partial.replace(path)
    return path


# ------------------------------------------------------------------------------ the engines


@dataclass(frozen=True)
class Pilot:
    """What every engine is given: the playbook, the files and the accounts tiered once."""

    playbook: Playbook
    sources: dict[str, str]
    accounts: Path
    tiered: pa.Table
    activities: Path = Path()

    @property
    def window(self) -> Window:
        """The pilot's days, as `abm evaluate` counts them without ``--as-of``."""
        start = self.playbook.start
        assert start is not None
        last = start + dt.timedelta(days=self.playbook.horizon_days - 1)
        return Window(start, last, population.date_field(self.playbook))


def prepare(accounts: Path) -> Pilot:
    """The seed pilot with the accounts of ``accounts`` tiered as `abm run` tiers them."""
    playbook = seed_playbook()
    con = connect()
    parquet_view(con, accounts)
    tiered = tier_table(playbook, con, "accounts", EXTRAS)
    return Pilot(playbook, {str(SEED): SEED.read_text(encoding="utf-8")}, accounts, tiered)


def abmdsl_kpis(pilot: Pilot) -> Values:
    """What `evaluate_playbook` runs after loading: the views and the counts of who is where
    (:func:`population.build`), then the KPI query."""
    con = connect()
    parquet_view(con, pilot.activities, "activities")
    population.build(con, pilot.playbook, pilot.tiered, {"activities"}, pilot.window)
    return _measure(pilot, con)


def abmdsl_query(pilot: Pilot) -> Values:
    """The views and the KPI query, without the counts: what (a) computes, like for like."""
    con = connect()
    parquet_view(con, pilot.activities, "activities")
    population.views(con, pilot.playbook, pilot.tiered, {"activities"}, pilot.window)
    return _measure(pilot, con)


def _measure(pilot: Pilot, con: duckdb.DuckDBPyConnection) -> Values:
    measured = KpiCompiler(pilot.playbook, population.view, frozenset({"activities"})).compile()
    (row,) = con.sql(measured.query.sql("duckdb")).fetchall()
    return {
        out.name: None if value is None else Decimal(str(value))
        for out, value in zip(measured.outputs, row, strict=True)
        if out.what in ("value", "baseline")
    }


def abmdsl_evaluate(pilot: Pilot) -> Values:
    """What `abm evaluate` does: tier, validate and load both files, measure, judge."""
    card = evaluate_playbook(pilot.playbook, pilot.sources, pilot.accounts, pilot.activities)
    values: Values = {k.name: k.value for k in card.kpis}
    values.update(card.baselines)
    return values


def _ratio(numerator: str, denominator: str) -> str:
    """``numerator / denominator`` (both ≥ 0, the denominator a count) exactly, rounded half
    up to six places, as the language rounds; NULL when dividing by zero."""
    scaled = f"CAST({numerator} * 1000000 AS HUGEINT)"
    return (
        f"CAST(({scaled} + {denominator} // 2) // nullif({denominator}, 0) AS DECIMAL(38, 0))"
        " * 0.000001"
    )


# (a): the programme's activities of the pilot's days, read once (a semi-join on the ~50
# programme accounts, four columns kept), then every KPI of the activities as an aggregate
# with a FILTER, and the engagement KPI as a count of discussions per programme account.
HAND_SQL = """
WITH programme AS (
  SELECT account_id FROM tiered WHERE tier IN ('tailored', 'cluster') AND NOT holdout
),
acts AS MATERIALIZED (
  SELECT account_id, type, level, cost FROM read_parquet('{path}')
  WHERE "on" BETWEEN DATE '{first}' AND DATE '{last}'
    AND account_id IN (SELECT account_id FROM programme)
),
totals AS (
  SELECT count(*) FILTER (type = 'tender_invitation') AS tenders,
    count(*) FILTER (type = 'opportunity') AS opportunities,
    coalesce(sum(cost), 0) AS cost,
    count(DISTINCT account_id) FILTER (type = 'discussion') AS discussed,
    count(DISTINCT account_id) FILTER (type = 'touch') AS touched
  FROM acts
),
engaged AS (
  SELECT count(*) FILTER (coalesce(d.n, 0) >= 1) AS engaged, count(*) AS accounts
  FROM programme LEFT JOIN (
    SELECT account_id, count(*) AS n FROM acts
    WHERE type = 'discussion' AND level = 'c_level' GROUP BY account_id
  ) d USING (account_id)
)
SELECT
  CAST(1500 AS DECIMAL(38, 6)) AS inbound_cost_per_opportunity,
  CAST(0.05 AS DECIMAL(38, 6)) AS traditional_conversion,
  CAST(tenders AS DECIMAL(38, 6)) AS tender_invitations,
  {engagement} AS engagement,
  {cost_per_opportunity} AS cost_per_opportunity,
  {cadence_conversion} AS cadence_conversion,
  CAST(opportunities AS DECIMAL(38, 6)) AS pipeline
FROM totals, engaged
"""


def duckdb_by_hand(pilot: Pilot) -> Values:
    """(a) The seed's KPIs and baselines for the programme, written directly in DuckDB SQL."""
    window = pilot.window
    assert window.first is not None and window.last is not None
    sql = HAND_SQL.format(
        path=pilot.activities,
        first=window.first.isoformat(),
        last=window.last.isoformat(),
        engagement=_ratio("engaged", "accounts"),
        cost_per_opportunity=_ratio("cost", "opportunities"),
        cadence_conversion=_ratio("discussed", "touched"),
    )
    con = duckdb.connect()
    con.register("tiered", pilot.tiered)
    result = con.sql(sql)
    (row,) = result.fetchall()
    return dict(zip(result.columns, row, strict=True))


Engine = Callable[[Pilot], Values]
ENGINES: dict[str, Engine] = {
    "abmdsl": abmdsl_kpis,
    "abmdsl_query": abmdsl_query,
    "abmdsl_evaluate": abmdsl_evaluate,
    "duckdb": duckdb_by_hand,
}
LABELS = {
    "abmdsl": "abmdsl: what `abm evaluate` runs after loading (views, counts, KPI query)",
    "abmdsl_query": "abmdsl: the views and the KPI query, without the counts",
    "abmdsl_evaluate": "abmdsl: `abm evaluate`'s path (tier, validate and load, measure, judge)",
    "duckdb": "(a) DuckDB SQL by hand",
}


# ----------------------------------------------------------------------------- verification


class Mismatch(AssertionError):
    """An engine's KPI values differ from abmdsl's."""


def verify(name: str, got: Values, want: Values) -> None:
    """The same KPIs and baselines with the same exact values; raises :class:`Mismatch`."""
    wrong = [
        f"{key}: {got.get(key)} ≠ abmdsl's {want.get(key)}"
        for key in sorted(set(got) | set(want))
        if got.get(key) != want.get(key)
    ]
    if wrong:
        raise Mismatch(f"{name} differs from abmdsl: " + "; ".join(wrong))


# ---------------------------------------------------------------------------------- timing


@dataclass
class Timing:
    seconds: dict[str, float] = field(default_factory=dict)
    rows: int = 0
    counted: int = 0  # the programme's activities within the pilot's days
    values: Values = field(default_factory=dict)


def measure(pilot: Pilot, engines: list[str], runs: int) -> Timing:
    """Best of ``runs`` per engine, after an untimed run of each that is also verified.

    The engines take turns, one run each per round, so that a burst of load from another
    process slows them all alike.
    """
    want = ENGINES["abmdsl"](pilot)
    for name in engines:
        verify(name, want if name == "abmdsl" else ENGINES[name](pilot), want)
    best = turns({name: partial(ENGINES[name], pilot) for name in engines}, runs)
    return Timing(best, pq.read_metadata(pilot.activities).num_rows, _counted(pilot), want)


def _counted(pilot: Pilot) -> int:
    con = connect()
    parquet_view(con, pilot.activities, "activities")
    counts = population.build(con, pilot.playbook, pilot.tiered, {"activities"}, pilot.window)
    return counts.activities["programme"]


def peak_memory(engine: str, accounts: Path, activities: Path) -> int:
    """The peak resident memory (bytes) of a new process that runs ``engine`` once."""
    return child_peak(__file__, [engine, str(accounts), str(activities)])


def _child(engine: str, accounts: Path, activities: Path) -> None:
    """Tier the accounts, run one engine once, print the process's peak memory (VmHWM)."""
    pilot = prepare(accounts)
    pilot = Pilot(pilot.playbook, pilot.sources, accounts, pilot.tiered, activities)
    report_peak(values=len(ENGINES[engine](pilot)))


# ------------------------------------------------------------------------------- reporting


@dataclass
class Results:
    sizes: list[int]
    runs: dict[int, int]
    accounts: int
    programme: int  # accounts in the programme
    timings: dict[int, Timing]
    peaks: dict[str, int]  # at the largest size
    load: tuple[float, float]  # the 1-minute load average before and after


def run_benchmark(
    sizes: list[int],
    runs: dict[int, int],
    data: Path = DATA,
    peaks: bool = True,
    accounts: int = ACCOUNTS,
    engines: list[str] | None = None,
) -> Results:
    """Generate (or reuse) the files, check and time every engine at every size, and measure
    peak memory at the largest."""
    import os

    before = os.getloadavg()[0]
    names = engines or list(ENGINES)
    accounts_path = data / f"accounts-{accounts}.parquet"
    write_accounts(accounts, accounts_path)
    pilot = prepare(accounts_path)
    timings: dict[int, Timing] = {}
    paths: dict[int, Path] = {}
    for size in sizes:
        paths[size] = write_activities(size, data / f"activities-{size}.parquet", pilot)
        sized = Pilot(pilot.playbook, pilot.sources, accounts_path, pilot.tiered, paths[size])
        timings[size] = measure(sized, names, runs[size])
    largest = paths[max(sizes)]
    memory = {n: peak_memory(n, accounts_path, largest) for n in names} if peaks else {}
    programme = pc.sum(
        pc.and_(
            pc.is_in(pilot.tiered.column("tier"), pa.array(["tailored", "cluster"])),
            pc.invert(pilot.tiered.column("holdout")),
        )
    ).as_py()
    return Results(sizes, runs, accounts, programme, timings, memory, (before, os.getloadavg()[0]))


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n:,}"


def _rate(per_second: float) -> str:
    if per_second >= 1e6:
        return f"{per_second / 1e6:.1f}M"
    return f"{per_second / 1e3:.0f}k" if per_second >= 1e3 else f"{per_second:.0f}"


def ratios(results: Results, name: str) -> list[tuple[int, float]]:
    """(size, time ÷ (a)) of one engine at each size."""
    return [
        (size, results.timings[size].seconds[name] / results.timings[size].seconds["duckdb"])
        for size in results.sizes
    ]


GOAL_SIZE = 10_000_000  # the goal is over 10M activity rows


def goal_met(results: Results, name: str = "abmdsl_query") -> bool:
    """The goal holds at the sizes it is set for (every size, in a quick run below them)."""
    measured = ratios(results, name)
    judged = [r for size, r in measured if size >= GOAL_SIZE] or [r for _, r in measured]
    return all(ratio <= RATIO_GOAL for ratio in judged)


def table(results: Results, machine: str) -> str:
    """The figures as Markdown, for docs/performance.md."""
    sizes = results.sizes
    runs = " and ".join(f"{results.runs[s]} runs at {_size(s)}" for s in sizes)
    head = " | ".join(f"{_size(s)} | rows/s | ÷ (a)" for s in sizes)
    counted = ", ".join(
        f"{results.timings[s].counted:,} of {_size(s)} at {_size(s)}" for s in sizes
    )
    lines = [
        f"Measured {dt.date.today().isoformat()} on {machine}; DuckDB {duckdb.__version__},"
        f" pyarrow {pa.__version__}. Load average"
        f" {results.load[0]:.1f} before and {results.load[1]:.1f} after (2 cores).",
        f"{results.accounts:,} accounts, {results.programme} of them in the programme; the"
        f" programme's activities within the pilot's days: {counted}.",
        f"Fastest of {runs}, the engines taking turns; every engine's KPI values checked"
        " against abmdsl's, exactly, in the same run.",
        "",
        f"| engine | {head} |",
        "|---|" + "---:|" * 3 * len(sizes),
    ]
    for name in (n for n in ENGINES if n in results.timings[sizes[0]].seconds):
        cells = []
        for size in sizes:
            timing = results.timings[size]
            seconds = timing.seconds[name]
            ratio = seconds / timing.seconds["duckdb"]
            cells += [f"{seconds:.2f} s", _rate(timing.rows / seconds), f"{ratio:.2f}×"]
        lines.append(f"| {LABELS[name]} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Goal: the same KPIs over {_size(GOAL_SIZE)} activity rows in ≤ {RATIO_GOAL:g}× (a): the"
        " views and the KPI query, which compute what (a) computes. The counts of who is where"
        " are reported besides.",
        "",
    ]
    for name in ("abmdsl_query",):  # the counts row computes more than (a): not judged
        if name in results.timings[sizes[0]].seconds:
            shown = ", ".join(f"{r:.2f}× at {_size(s)}" for s, r in ratios(results, name))
            met = "met" if goal_met(results, name) else "**not met**"
            lines.append(f"- {LABELS[name]}: {met} ({shown}).")
    values = results.timings[sizes[-1]].values
    lines += [
        "",
        f"The values at {_size(sizes[-1])} (the same from every engine): "
        + ", ".join(f"{k} {v}" for k, v in sorted(values.items()))
        + ".",
    ]
    if results.peaks:
        lines += [
            "",
            f"Peak memory (VmHWM) of a new process that tiers the accounts and evaluates"
            f" {_size(max(sizes))} activities:",
            "",
        ]
        lines += [f"- {LABELS[n]}: {p / 2**30:.2f} GB" for n, p in results.peaks.items()]
    return "\n".join(lines)


def quick(directory: Path) -> Results:
    """A small run for smoke tests: 20,000 activities over 5,000 accounts, one run, every
    check, peak memory included."""
    return run_benchmark([20_000], {20_000: 1}, directory, peaks=True, accounts=5_000)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
