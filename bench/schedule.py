"""The schedule benchmark: 10,000 accounts × 8 contacts × a 12-step cadence, ~1M dated touches.

Each engine goes from the accounts and contacts CSV files (or, for one of them, from the
data already loaded) to the dated touches as an Arrow table:

* **abmdsl, `abm schedule`'s path**: :func:`abmdsl.schedule.build_schedule` on the files:
  it validates and loads both CSVs, tiers the accounts, dates the plan, expands the cadence,
  applies the re-contact window and the daily limits until they agree, dates and sorts the
  touches, and counts the gaps and the normatives; what ``abm schedule`` does before it
  writes a file;
* **abmdsl, after loading**: the same steps from a connection on which the CSVs are already
  validated, loaded and tiered (:func:`abmdsl.engine.run.run_playbook`, untimed);
* the same two for a **plain variant** of the playbook, without the re-contact window and the
  daily limits, so that nothing moves;
* **(a) DuckDB by hand**: the plain variant's touches written directly in SQL: the CSVs
  read with ``read_csv``, the steps as a ``VALUES`` list, a calendar table of business days
  from the `holidays` package, accounts × contacts × steps joined to it. No capacity queue.

Before timing, (a)'s touches are checked row for row against the plain variant's, and each
"after loading" engine's against its end-to-end twin; a difference stops the benchmark.
docs/performance.md ("Schedules") explains the method and the figures.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
from accounts import accounts as generated_accounts
from timing import child_peak, report_peak, turns

from abmdsl.api import compile_text
from abmdsl.engine.run import Run, connect, run_playbook
from abmdsl.ir import Playbook
from abmdsl.schedule import build_schedule
from abmdsl.schedule import expand as schedule_expand
from abmdsl.schedule.build import cadenced_tiers
from abmdsl.schedule.calendar import BusinessCalendar
from abmdsl.schedule.plan import cadence_start, tier_starts

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "out" / "bench"
ACCOUNTS, CONTACTS_PER_ACCOUNT = 10_000, 8
GOAL_SECONDS = 5.0

# ------------------------------------------------------------------------------ the playbook

# The cadence's steps as (touch, day, channel, audience, note, owner); every touch after the
# first refers to it. Each step reaches every contact: by level, or by role.
LEVEL, ROLE = ["c_level", "c_minus_1"], ["decision_maker", "influencer", "user"]
STEPS = [
    (1, 1, "gift", LEVEL, "Grabber: a personalised gift", "marketing_assistant"),
    (2, 2, "email", LEVEL, "The problem, a quick intro and an insight", "bdr"),
    (3, 3, "linkedin", ROLE, None, "bdr"),
    (4, 4, "email", LEVEL, "Insight and the solution to their pain", "bdr"),
    (5, 5, "call", ROLE, None, "bdr"),
    (6, 7, "email", LEVEL, "A case study", "bdr"),
    (7, 8, "gift", ROLE, "Gift for the committee", "marketing_assistant"),
    (8, 9, "linkedin", LEVEL, None, "bdr"),
    (9, 10, "call", ROLE, None, "bdr"),
    (10, 12, "email", LEVEL, "Call to action", "bdr"),
    (11, 13, "call", LEVEL, None, "bdr"),
    (12, 15, "email", ROLE, "The last word", "bdr"),
]

# The seed pilot's header, accounts and plan (playbooks/pharma_pilot.abm), with one tier that
# takes every account, contacts tagged by level and by role, and a cadence of twelve steps
# over fifteen business days, each reaching every contact (so 8 × 12 touches per account).
# The limits are set so that both roles' queues move touches: on its busiest days each role
# has more due than it can do (on day 1 alone, 80,000 gifts against 15,000 a day).
PLAYBOOK = """abm 1

playbook "Schedule benchmark 2027" {
  start 2027-01-11
  horizon 90 days
  calendar RU
  currency USD
}

accounts {
  key account_id: text
  name: text
  industry: enum(pharma, mining, retail, it_services, manufacturing)
  has_budget: bool
  strategic_initiatives: int 0..5
  complementary_tech: int 0..5
  case_studies: int 0..5
  insider: bool
  info_openness: int 1..5
}

contacts {
  key contact_id: text
  account_id: text references accounts
  level: enum(c_level, c_minus_1)
  role: enum(decision_maker, influencer, user)
}

tier everyone "Every account" when true {
  research 30 min per account, 15 min per contact
  budget 10 USD per account
  cadence warmup
}

cadence warmup "Twelve touches in three weeks" over 15 business days {
{steps}{window}  stop on reply
}

plan "90-day pilot" {
  roles sponsor, project_lead, marketing_assistant, analyst, bdr
{limits}  capacity analyst 40 h per week
  budget 250000 USD

  stage research "Research on approved accounts" week 4 {
    accountable project_lead
    responsible analyst
  }
  stage cadences "Cadence launch" weeks 6..9 {
    accountable project_lead
    responsible bdr, marketing_assistant
    informed sponsor
  }
}
"""
WINDOW = "  recontact after 2 business days\n"
# Touches a role can do per day, per account of the market (60,000 and 15,000 at 10,000
# accounts), so that a small run moves touches as the full one does.
PER_ACCOUNT_LIMITS = {"bdr": 6.0, "marketing_assistant": 1.5}


def limits(accounts: int) -> dict[str, int]:
    return {role: round(share * accounts) for role, share in PER_ACCOUNT_LIMITS.items()}


def playbook_text(plain: bool = False, accounts: int = ACCOUNTS) -> str:
    """The benchmark's playbook; ``plain``: without the re-contact window and daily limits."""
    capacity = "".join(
        f"  capacity {role} {n} touches per day\n" for role, n in limits(accounts).items()
    )
    steps = "".join(
        f"  touch {touch} on day {day}: {channel} to {', '.join(who)}"
        + (f' "{note}"' if note else "")
        + (" refers to touch 1" if touch > 1 else "")
        + f" by {owner}\n"
        for touch, day, channel, who, note, owner in STEPS
    )
    text = PLAYBOOK.replace("{steps}", steps).replace("{window}", "" if plain else WINDOW)
    return text.replace("{limits}", "" if plain else capacity)


def compiled(plain: bool = False, accounts: int = ACCOUNTS) -> tuple[Playbook, dict[str, str]]:
    name = "schedule-plain.abm" if plain else "schedule.abm"
    text = playbook_text(plain, accounts)
    result = compile_text(text, name)
    assert result.playbook is not None and result.ok, result.diagnostics[:3]
    return result.playbook, {name: text}


# ---------------------------------------------------------------------------------- the data

LEVELS = {"c_level": 0.25, "c_minus_1": 0.75}
ROLES = {"decision_maker": 0.2, "influencer": 0.4, "user": 0.4}


def _codes(u: pa.Array, shares: list[float]) -> pa.Array:
    """An index into ``shares`` drawn with its share: the number of bounds at or below ``u``."""
    bounds = [sum(shares[: i + 1]) for i in range(len(shares) - 1)]
    passed = [pc.cast(pc.greater_equal(u, bound), pa.int64()) for bound in bounds]
    code = passed[0]
    for more in passed[1:]:
        code = pc.add(code, more)
    return code


def contacts(account_ids: pa.Array, per_account: int, seed: int) -> pa.Table:
    """``per_account`` contacts of each account, in a shuffled order, with seeded levels and
    roles.

    >>> table = contacts(pa.array(["A", "B"]), 3, seed=1)
    >>> table.num_rows, sorted(set(table.column("account_id").to_pylist()))
    (6, ['A', 'B'])
    """
    n = len(account_ids) * per_account
    draws = iter(pc.random(n, initializer=seed * 1000 + i) for i in range(1, 4))
    # A random permutation of the rows, so the file is in neither key nor account order.
    order = pc.sort_indices(next(draws))
    owner = pc.cast(pc.divide(pc.cast(order, pa.int64()), per_account), pa.int64())
    number = pc.utf8_lpad(pc.cast(pc.add(order, 1), pa.string()), 8, "0")
    return pa.table(
        {
            "contact_id": pc.binary_join_element_wise("C-", number, ""),
            "account_id": pc.take(account_ids, owner),
            "level": pc.take(pa.array(list(LEVELS)), _codes(next(draws), list(LEVELS.values()))),
            "role": pc.take(pa.array(list(ROLES)), _codes(next(draws), list(ROLES.values()))),
        }
    )


@dataclass(frozen=True)
class Files:
    accounts: Path
    contacts: Path
    size: int  # accounts in the file, which the playbook's daily limits are scaled to


def write_files(n: int, directory: Path = DATA, seed: int = 2027) -> Files:
    """``n`` accounts and ``8 n`` contacts as `;`-separated CSV files (as the bundled sample),
    written unless they are there already."""
    files = Files(
        directory / f"schedule-accounts-{n}.csv",
        directory / f"schedule-contacts-{n}x{CONTACTS_PER_ACCOUNT}.csv",
        n,
    )
    if files.accounts.exists() and files.contacts.exists():
        return files
    directory.mkdir(parents=True, exist_ok=True)
    table = generated_accounts(n, seed)
    people = contacts(table.column("account_id").combine_chunks(), CONTACTS_PER_ACCOUNT, seed)
    for path, data in ((files.accounts, table), (files.contacts, people)):
        partial = path.with_suffix(".partial")
        with partial.open("wb") as out:
            # pyarrow quotes the names of a header it writes; the sample's header is bare
            out.write((";".join(data.column_names) + "\n").encode())
            options = pv.WriteOptions(include_header=False, delimiter=";", quoting_style="none")
            pv.write_csv(data, out, options)
        partial.replace(path)
    return files


# ------------------------------------------------------------------------------ the engines


@dataclass(frozen=True)
class Pilot:
    """What the engines are given: a playbook, its files, and a connection holding them
    loaded and tiered (for the "after loading" engines)."""

    playbook: Playbook
    sources: dict[str, str]
    files: Files
    loaded: tuple[duckdb.DuckDBPyConnection, Run] | None = None

    def load(self) -> Pilot:
        con = connect()
        files = self.files
        run = run_playbook(self.playbook, self.sources, files.accounts, files.contacts, con=con)
        return Pilot(self.playbook, self.sources, files, (con, run))


def end_to_end(pilot: Pilot) -> pa.Table:
    """What `abm schedule` computes before writing: load and check the CSVs, tier, schedule."""
    return build_schedule(
        pilot.playbook, pilot.sources, pilot.files.accounts, pilot.files.contacts
    ).touches


def after_loading(pilot: Pilot) -> pa.Table:
    """What :func:`build_schedule` does once :func:`run_playbook` has loaded and tiered the
    data: the cadence starts, the calendar, the expansion with its windows and limits, the
    gaps and the counts per tier. (The dated plan and the budget are a few Python lines over
    the stages, left out.)"""
    assert pilot.loaded is not None
    con, run = pilot.loaded
    playbook = pilot.playbook
    start = playbook.start
    assert start is not None
    calendar = BusinessCalendar.of(playbook)
    con.register(schedule_expand.TIERED, run.table)
    launch = cadence_start(playbook, start, calendar)
    every = tier_starts(playbook, start, calendar, launch)
    starts = {t.name: every[t.name] for t in cadenced_tiers(playbook)}
    origin = min((s.date for s in starts.values()), default=launch.date)
    offsets = {tier: calendar.count(origin, s.date) - 1 for tier, s in starts.items()}
    longest = max(c.days for c in playbook.cadences.values()) + max(offsets.values(), default=0)
    schedule_expand.register_cadences(
        con, playbook, calendar.business_days(origin, longest), offsets
    )
    columns = schedule_expand.ContactColumns.of(playbook)
    touches, _ = schedule_expand.touches(
        con, playbook, columns, start, lambda n: calendar.business_days(origin, n), keep=False
    )
    schedule_expand.gaps(con, playbook, columns)
    schedule_expand.tier_counts(con, playbook, True)
    return touches


# (a): the plain variant's touches, as someone fluent in DuckDB would write them for this
# playbook: its steps as a VALUES list, its one tier (every account, no holdout, no cluster),
# the cadence's day N as the N-th business day from the first business day of week 6 (the
# plan's "Cadence launch" stage). Contacts of accounts not in the file are dropped by the join.
HAND_SQL = """
WITH steps(touch, day, channel, audience, action, owner) AS (VALUES {steps}),
accounts AS (
  SELECT account_id AS account
  FROM read_csv('{accounts}', delim = ';', header = true, all_varchar = true)
),
people AS (
  SELECT contact_id AS contact, account_id AS account, level, role
  FROM read_csv('{contacts}', delim = ';', header = true, all_varchar = true)
)
SELECT d.date, CAST(date_diff('day', DATE '{start}', d.date) // 7 + 1 AS INTEGER) AS week,
  CAST(s.day AS INTEGER) AS cadence_day, a.account, 'everyone' AS tier,
  CAST(NULL AS VARCHAR) AS cluster, p.contact, p.level AS contact_level, p.role AS contact_role,
  'warmup' AS cadence, CAST(s.touch AS INTEGER) AS touch, s.channel,
  array_to_string(s.audience, ', ') AS audience, s.action,
  CAST(CASE WHEN s.touch > 1 THEN 1 END AS INTEGER) AS refers_to, s.owner,
  CAST(NULL AS VARCHAR) AS variant, CAST(0 AS INTEGER) AS moved
FROM accounts a JOIN people p ON p.account = a.account
JOIN steps s ON list_contains(s.audience, p.level) OR list_contains(s.audience, p.role)
JOIN days d ON d.day = s.day
ORDER BY d.date, a.account, s.touch, p.contact
"""
START = dt.date(2027, 1, 11)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def business_days(first: dt.date, count: int) -> list[dt.date]:
    """The first ``count`` working days in Russia on or after ``first``, from `holidays`."""
    import holidays

    russia = holidays.country_holidays("RU")
    days, day = [], first
    while len(days) < count:
        if russia.is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def duckdb_by_hand(pilot: Pilot) -> pa.Table:
    """(a) The plain variant's touches, written directly in DuckDB SQL."""
    steps = ", ".join(
        f"({t}, {d}, '{c}', [{', '.join(map(_sql_text, who))}], "
        f"{_sql_text(note or f'{c} to ' + ', '.join(who))}, '{owner}')"
        for t, d, c, who, note, owner in STEPS
    )
    days = business_days(START + dt.timedelta(weeks=5), max(s[1] for s in STEPS))
    con = duckdb.connect()
    con.register(
        "days", pa.table({"day": pa.array(range(1, len(days) + 1), pa.int32()), "date": days})
    )
    sql = HAND_SQL.format(
        steps=steps, accounts=pilot.files.accounts, contacts=pilot.files.contacts, start=START
    )
    return con.sql(sql).to_arrow_table()


Engine = Callable[[Pilot], pa.Table]
ENGINES: dict[str, tuple[Engine, bool]] = {  # name → (engine, the plain variant?)
    "abmdsl": (end_to_end, False),
    "abmdsl_loaded": (after_loading, False),
    "abmdsl_plain": (end_to_end, True),
    "abmdsl_plain_loaded": (after_loading, True),
    "duckdb": (duckdb_by_hand, True),
}
LABELS = {
    "abmdsl": "abmdsl: `abm schedule`'s path (check and load the CSVs, tier, expand, window"
    " and limits, date, sort)",
    "abmdsl_loaded": "abmdsl: the same after loading (expand, window and limits, date, sort,"
    " gaps, counts)",
    "abmdsl_plain": "abmdsl, plain variant (no window, no limits): `abm schedule`'s path",
    "abmdsl_plain_loaded": "abmdsl, plain variant: after loading",
    "duckdb": "(a) DuckDB SQL by hand, plain (CSVs → dated, sorted touches)",
}
CHECKED_AGAINST = {
    "abmdsl_loaded": "abmdsl",
    "abmdsl_plain_loaded": "abmdsl_plain",
    "duckdb": "abmdsl_plain",
}


# ----------------------------------------------------------------------------- verification


class Mismatch(AssertionError):
    """An engine's touches differ from abmdsl's."""


def verify(name: str, got: pa.Table, want: pa.Table) -> None:
    """The same columns, types and rows in the same order; raises :class:`Mismatch`."""
    if got.schema != want.schema:
        raise Mismatch(f"{name}: columns {got.schema} ≠ abmdsl's {want.schema}")
    if got.num_rows != want.num_rows:
        raise Mismatch(f"{name}: {got.num_rows:,} touches ≠ abmdsl's {want.num_rows:,}")
    for column in want.column_names:
        if not got.column(column).equals(want.column(column)):
            raise Mismatch(f"{name}: column {column} differs from abmdsl's")


def check_rules(touches: pa.Table, limits: dict[str, int]) -> None:
    """The full schedule keeps every role within its limit and every contact's touches in
    the cadence's order on distinct days: a benchmark that moved touches wrongly would time
    the wrong thing. (The window's exact spacing in business days is what
    tests/unit/test_schedule_settle.py checks.)"""
    con = duckdb.connect()
    con.register("t", touches)
    con.register("l", pa.table({"owner": list(limits), "cap": list(limits.values())}))
    ((over,),) = con.sql(
        "SELECT count(*) FROM (SELECT owner, date, count(*) AS n FROM t GROUP BY ALL) "
        "JOIN l USING (owner) WHERE n > cap"
    ).fetchall()
    ((close,),) = con.sql(
        "SELECT count(*) FROM (SELECT date, lag(date) OVER (PARTITION BY contact ORDER BY "
        "cadence_day, touch) AS before FROM t) WHERE before IS NOT NULL AND before >= date"
    ).fetchall()
    if over or close:
        raise Mismatch(f"{over} days over a limit, {close} touches out of order or on one day")


# ---------------------------------------------------------------------------------- timing


@dataclass
class Timing:
    seconds: dict[str, float] = field(default_factory=dict)
    touches: int = 0
    moved: int = 0  # touches of the full schedule moved by the window or a limit
    most_moved: int = 0
    last_date: dt.date | None = None
    passes: int | None = None  # rounds of window-then-limits until they agreed


def pilots(files: Files) -> dict[bool, Pilot]:
    """The full and plain playbooks over ``files``, each also loaded once (untimed)."""
    out = {}
    for plain in (False, True):
        playbook, sources = compiled(plain, files.size)
        out[plain] = Pilot(playbook, sources, files).load()
    return out


def measure(files: Files, engines: list[str], runs: int) -> Timing:
    """Best of ``runs`` per engine, after an untimed run of each that is also verified.

    The engines take turns, one run each per round, so that a burst of load from another
    process slows them all alike.
    """
    given = pilots(files)
    results, passes = {}, None
    for name in engines:
        engine, plain = ENGINES[name]
        if name == "abmdsl":  # the same work as `end_to_end`, keeping how the rules settled
            pilot = given[plain]
            built = build_schedule(
                pilot.playbook, pilot.sources, pilot.files.accounts, pilot.files.contacts
            )
            results[name], passes = built.touches, built.settle
        else:
            results[name] = engine(given[plain])
    for name, against in CHECKED_AGAINST.items():
        if name in results and against in results:
            verify(LABELS[name], results[name], results[against])
    full = results.get("abmdsl")
    timing = Timing()
    if full is not None:
        check_rules(full, limits(files.size))
        moved = full.column("moved")
        timing.touches = full.num_rows
        timing.moved = pc.sum(pc.greater(moved, 0)).as_py()
        timing.most_moved = pc.max(moved).as_py()
        timing.last_date = pc.max(full.column("date")).as_py()
        timing.passes = passes.passes if passes is not None and passes.settled else None
    else:
        timing.touches = next(iter(results.values())).num_rows
    del results, full
    works = {name: partial(ENGINES[name][0], given[ENGINES[name][1]]) for name in engines}
    timing.seconds = turns(works, runs)
    return timing


def peak_memory(engine: str, files: Files) -> int:
    """The peak resident memory (bytes) of a new process that runs ``engine`` once."""
    return child_peak(__file__, [engine, *map(str, vars(files).values())])


def _child(engine: str, files: Files) -> None:
    """Run one engine once (loading first for an "after loading" one), print the process's
    peak memory (VmHWM)."""
    function, plain = ENGINES[engine]
    playbook, sources = compiled(plain, files.size)
    pilot = Pilot(playbook, sources, files)
    if function is after_loading:
        pilot = pilot.load()
    report_peak(touches=function(pilot).num_rows)


# ------------------------------------------------------------------------------- reporting


@dataclass
class Results:
    accounts: int
    contacts: int
    runs: int
    timing: Timing
    peaks: dict[str, int]
    load: tuple[float, float]  # the 1-minute load average before and after


def run_benchmark(
    accounts: int = ACCOUNTS,
    runs: int = 3,
    data: Path = DATA,
    peaks: bool = True,
    engines: list[str] | None = None,
) -> Results:
    """Generate (or reuse) the files, check and time every engine, and measure peak memory."""
    before = os.getloadavg()[0]
    names = engines or list(ENGINES)
    files = write_files(accounts, data)
    timing = measure(files, names, runs)
    memory = {n: peak_memory(n, files) for n in names} if peaks else {}
    after = os.getloadavg()[0]
    return Results(accounts, accounts * CONTACTS_PER_ACCOUNT, runs, timing, memory, (before, after))


def _rate(per_second: float) -> str:
    if per_second >= 1e6:
        return f"{per_second / 1e6:.2f}M"
    return f"{per_second / 1e3:.0f}k" if per_second >= 1e3 else f"{per_second:.0f}"


def goal_met(results: Results) -> bool:
    return results.timing.seconds.get("abmdsl", float("inf")) <= GOAL_SECONDS


def table(results: Results, machine: str) -> str:
    """The figures as Markdown, for docs/performance.md."""
    timing = results.timing
    baseline = timing.seconds.get("duckdb")
    lines = [
        f"Measured {dt.date.today().isoformat()} on {machine}; DuckDB {duckdb.__version__},"
        f" pyarrow {pa.__version__}. Load average {results.load[0]:.1f} before and"
        f" {results.load[1]:.1f} after ({os.cpu_count()} cores).",
        f"{results.accounts:,} accounts, {results.contacts:,} contacts, a 12-step cadence:"
        f" {timing.touches:,} touches. Fastest of {results.runs} runs, the engines taking"
        " turns; (a)'s touches checked row for row against abmdsl's plain variant, and each"
        " run after loading against its end-to-end twin, in the same run.",
        "",
        "| engine | time | touches/s | ÷ (a) |",
        "|---|---:|---:|---:|",
    ]
    for name in (n for n in ENGINES if n in timing.seconds):
        seconds = timing.seconds[name]
        ratio = f"{seconds / baseline:.2f}×" if baseline else ""
        lines.append(
            f"| {LABELS[name]} | {seconds:.2f} s | {_rate(timing.touches / seconds)} | {ratio} |"
        )
    if "abmdsl" in timing.seconds:
        if results.accounts == ACCOUNTS:  # the goal is for this size
            met = "met" if goal_met(results) else "**not met**"
            lines += [
                "",
                f"Goal: `abm schedule`'s path ≤ {GOAL_SECONDS:g} s: {met}"
                f" ({timing.seconds['abmdsl']:.2f} s).",
            ]
        lines += [
            "",
            f"The window and the limits moved {timing.moved:,} of the {timing.touches:,}"
            f" touches, by up to {timing.most_moved} business days, and "
            + (
                f"agreed after {timing.passes} rounds of window-then-limits"
                if timing.passes is not None
                else "did not settle"
            )
            + f"; the last touch is on {timing.last_date}.",
        ]
    if results.peaks:
        lines += ["", "Peak memory (VmHWM) of a new process that runs the engine once:", ""]
        lines += [f"- {LABELS[n]}: {p / 2**30:.2f} GB" for n, p in results.peaks.items()]
    return "\n".join(lines)


def quick(directory: Path) -> Results:
    """A small run for smoke tests: 200 accounts, one run, every check, peak memory included."""
    return run_benchmark(200, 1, directory, peaks=True)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        _child(sys.argv[2], Files(Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5])))
