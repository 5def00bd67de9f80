"""The simulation benchmark: a 50-account × 8-contact × 10-step pilot, played many times.

The pilot is ``tests/unit/test_simulate_speed.py``'s: every contact gets every step, stop on
reply and pause account on meeting, the seed's four kinds of KPI. Two engines, best of N:

* **abmdsl**: :func:`abmdsl.simulate.simulate_playbook` from the CSV files, what
  ``abm simulate`` does before it prints (schedule, tiering, model, KPI query, judging);
* **(a) DuckDB by hand**: the same runs played by abmdsl's model (the same reply draws, so
  the same activities), then the four KPIs and the cost of each run written directly in SQL
  for this pilot: pre-aggregated per run and account, no ``COUNT(DISTINCT …)``, no
  compiler. It times the part of the work a hand-written query could save.

Before timing, (a)'s KPI values are checked run by run against abmdsl's; a difference stops
the benchmark. docs/performance.md ("Simulating the pilot") explains the figures.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from test_simulate_speed import STEPS, pilot  # noqa: E402  (the pilot is the test's)
from timing import turns  # noqa: E402

from abmdsl.engine.run import connect, run_playbook  # noqa: E402
from abmdsl.ir import Playbook  # noqa: E402
from abmdsl.schedule import build_schedule  # noqa: E402
from abmdsl.simulate import model, simulate_playbook  # noqa: E402
from abmdsl.simulate.measure import measure, views  # noqa: E402

GOAL_SECONDS = 5.0
GOAL = (10_000, 50)  # runs, accounts
SIZES = [(1_000, 50), (5_000, 50), (10_000, 50), (20_000, 50), (10_000, 25), (10_000, 100)]
QUICK_SIZES = [(20, 3), (40, 3)]
LABELS = {"abmdsl": "abmdsl (`simulate_playbook`)", "hand": "(a) DuckDB by hand"}
KPIS = ("tenders", "engagement", "cost_per_opportunity", "conversion")


@dataclass(frozen=True)
class Row:
    runs: int
    accounts: int
    touches: int  # planned per run
    seconds: dict[str, float]


def _pilot(folder: Path, accounts: int) -> tuple[Playbook, dict[str, str], Path, Path]:
    playbook, sources, a, c = pilot(folder, accounts)
    return playbook, sources, a, c  # type: ignore[return-value]


def by_hand(
    playbook: Playbook, sources: dict[str, str], a: Path, c: Path, runs: int
) -> list[tuple[object, ...]]:
    """Each run's four KPIs (as the compiled query returns them) and its touch cost."""
    m = model.model(playbook, runs, playbook.simulation.seed)  # type: ignore[union-attr]
    con = connect()
    run_playbook(playbook, sources, a, c, con=con)
    model.play(con, playbook, m, build_schedule(playbook, sources, a, c).touches)
    kind = {s: k for k, s in enumerate(m.stages)}
    accounts = con.sql("SELECT count(DISTINCT account) FROM __sim_touches").fetchall()[0][0]
    # Per run and account: what each KPI needs, from the events (few) and the touches made
    # (runs × contacts last days joined to the contact's touches by a range).
    sql = f"""
    WITH ev AS (
      SELECT e.__run, t.a,
             count(*) FILTER (WHERE e.kind = {kind["tender_invitation"]}) AS tenders,
             count(*) FILTER (WHERE e.kind = {kind["opportunity"]}) AS opportunities,
             bool_or(e.kind = {kind["discussion"]}) AS discussed,
             bool_or(e.kind = {kind["discussion"]} AND t.contact_level = 'c_level') AS senior
      FROM {model.EVENTS} e JOIN {model.TOUCHES} t ON t.t = e.t GROUP BY ALL
    ), made AS (
      SELECT l.__run, sum(t.cost) AS cost, count(DISTINCT t.a) AS touched
      FROM {model.LIMIT} l JOIN {model.TOUCHES} t ON t.c = l.c AND t.day <= l.last
      GROUP BY l.__run
    ), per_run AS (
      SELECT __run, sum(tenders) AS tenders, sum(opportunities) AS opportunities,
             count(*) FILTER (WHERE discussed) AS discussed,
             count(*) FILTER (WHERE senior) AS senior
      FROM ev GROUP BY __run
    )
    SELECT r.__run, coalesce(p.tenders, 0),
           round(coalesce(p.senior, 0)::DECIMAL(38, 6) / {accounts}, 6),
           round(m.cost / nullif(coalesce(p.opportunities, 0), 0), 6),
           round(coalesce(p.discussed, 0)::DECIMAL(38, 6) / nullif(m.touched, 0), 6), m.cost
    FROM {model.RUNS} r LEFT JOIN per_run p USING (__run) LEFT JOIN made m USING (__run)
    ORDER BY r.__run
    """
    return [row[1:] for row in con.sql(sql).fetchall()]


def check(folder: Path, runs: int, accounts: int) -> None:
    """(a)'s KPIs equal abmdsl's compiled query's, run by run."""
    playbook, sources, a, c = _pilot(folder, accounts)
    m = model.model(playbook, runs, playbook.simulation.seed)  # type: ignore[union-attr]
    con = connect()
    tiered = run_playbook(playbook, sources, a, c, con=con)
    model.play(con, playbook, m, build_schedule(playbook, sources, a, c).touches)
    views(con, playbook, tiered.table, True)
    outputs, rows = measure(con, playbook, True)
    place = [next(i for i, o in enumerate(outputs) if o == o.__class__("value", k)) for k in KPIS]
    hand = by_hand(playbook, sources, a, c, runs)
    for run, (row, mine) in enumerate(zip(rows, hand, strict=True)):
        want = tuple(_same(row[i]) for i in place)
        got = tuple(_same(v) for v in mine[:4])
        if want != got:
            raise SystemExit(f"bench: run {run}: abmdsl {want} != by hand {got}")


def _same(value: object) -> object:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


def run_benchmark(
    sizes: list[tuple[int, int]] | None = None, repeats: int = 2, folder: Path | None = None
) -> list[Row]:
    sizes = SIZES if sizes is None else sizes
    with tempfile.TemporaryDirectory(prefix="abm-bench-sim-") as scratch:
        base = folder or Path(scratch)
        check(base, 200, min(a for _, a in sizes))
        out = []
        for runs, accounts in sizes:
            pb, src, a, c = _pilot(base, accounts)
            works = {
                "abmdsl": partial(simulate_playbook, pb, src, a, c, runs=runs),
                "hand": partial(by_hand, pb, src, a, c, runs),
            }
            seconds = turns(works, repeats)
            out.append(Row(runs, accounts, accounts * 8 * len(STEPS), seconds))
    return out


def quick(folder: Path) -> list[Row]:
    return run_benchmark(QUICK_SIZES, repeats=1, folder=folder)


def goal_met(rows: list[Row]) -> bool:
    goal = next((r for r in rows if (r.runs, r.accounts) == GOAL), None)
    return goal is None or goal.seconds["abmdsl"] <= GOAL_SECONDS


def table(rows: list[Row], machine: str) -> str:
    lines = [
        f"Measured on {machine}; best of 2; 8 contacts per account, 10 steps each, every step "
        "to every contact.",
        "",
        f"| runs | accounts | touch-runs | {LABELS['abmdsl']} | {LABELS['hand']} | ratio |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        mine, hand = r.seconds["abmdsl"], r.seconds["hand"]
        touch_runs = r.runs * r.touches
        shown = f"{touch_runs / 1e6:.0f}M" if touch_runs >= 1e6 else f"{touch_runs:,}"
        bold = (r.runs, r.accounts) == GOAL
        cell = f"**{mine:.2f} s**" if bold else f"{mine:.2f} s"
        lines.append(
            f"| {r.runs:,} | {r.accounts} | {shown} | {cell} | {hand:.2f} s | {mine / hand:.1f}× |"
        )
    lines.append("")
    lines.append(f"Goal: {GOAL[0]:,} runs × {GOAL[1]} accounts in ≤ {GOAL_SECONDS:.0f} s.")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run_benchmark(), "this machine"))
