"""Benchmarks of `abm check`, of the CLI's start-up and of tiering; figures go into
docs/performance.md.

Usage::

    .venv/bin/python bench/run.py            # full run; rewrites the tables in the doc
    .venv/bin/python bench/run.py --quick    # a small smoke run; prints, writes nothing
    .venv/bin/python bench/run.py --tiering  # only the tiering benchmark (1M and 10M)
    .venv/bin/python bench/run.py --tiering --sizes 1000000   # only at 1M accounts
    .venv/bin/python bench/run.py --evaluate # only the evaluation benchmark (1M and 10M)
    .venv/bin/python bench/run.py --evaluate --quick          # its small smoke run
    .venv/bin/python bench/run.py --schedule # only the schedule benchmark (~1M touches)
    .venv/bin/python bench/run.py --schedule --quick          # its small smoke run
    .venv/bin/python bench/run.py --simulate # only the simulation benchmark (abm simulate)
    .venv/bin/python bench/run.py --simulate --quick          # its small smoke run
    .venv/bin/python bench/run.py --engines  # DuckDB against Spark local[2] (1M and 10M)
    .venv/bin/python bench/run.py --engines --quick           # its small smoke run

What is measured (see docs/performance.md for why):

* the work of `abm check` on a generated 5,000-line playbook (:func:`abmdsl.api.compile_text`:
  parse, AST, check), against Lark's bare parse of the same text with the same grammar,
  both in this process, best of N runs;
* `abm --version` and `abm check` on the seed playbook as subprocesses, median of N runs;
* the heaviest imports of `abm check`, from ``python -X importtime``;
* tiering generated accounts read from Parquet with the seed pilot, against a hand-written
  DuckDB query and Polars pipeline and the reference evaluator (see ``tiering.py``);
* the seed pilot's KPIs over generated activities read from Parquet, against a hand-written
  DuckDB query (see ``evaluate.py``);
* `abm schedule` of 10,000 accounts × 8 contacts × a 12-step cadence, against a hand-written
  DuckDB expansion (see ``schedule.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import engines
import evaluate
import schedule
import simulate
import tiering
from generate import realistic_playbook
from timing import turns

from abmdsl.api import compile_text
from abmdsl.parser import lark_parser, parse

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"
SEED = ROOT / "playbooks" / "pharma_pilot.abm"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
TIERING_START, TIERING_END = "<!-- bench:tiering:start -->", "<!-- bench:tiering:end -->"
TIERING_SIZES = (1_000_000, 10_000_000)
TIERING_RUNS = {1_000_000: 5, 10_000_000: 3}  # best of; other sizes get 3
EVALUATE_START, EVALUATE_END = "<!-- bench:evaluate:start -->", "<!-- bench:evaluate:end -->"
EVALUATE_RUNS = {1_000_000: 5, 10_000_000: 3}  # best of; other sizes get 3
SCHEDULE_START, SCHEDULE_END = "<!-- bench:schedule:start -->", "<!-- bench:schedule:end -->"
SCHEDULE_RUNS = 3  # best of
SIMULATE_START, SIMULATE_END = "<!-- bench:simulate:start -->", "<!-- bench:simulate:end -->"
ENGINES_START, ENGINES_END = "<!-- bench:engines:start -->", "<!-- bench:engines:end -->"
RATIO_GOAL, COMPILE_GOAL, STARTUP_GOAL = 2.0, 1.0, 0.3


@dataclass(frozen=True)
class Row:
    """One line of the table: a measured time, its ratio to the bare parse, its goal."""

    what: str
    seconds: float
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None


@dataclass(frozen=True)
class Settings:
    lines: int
    runs: int
    process_runs: int


FULL = Settings(lines=5_000, runs=7, process_runs=7)
QUICK = Settings(lines=300, runs=1, process_runs=1)


def best_of(works: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """The fastest of ``runs`` timings of each work, after one untimed warm-up run of each.

    The works take turns, one run each per round, so that a burst of load from another
    process slows them all alike rather than only the one that happens to be running.
    """
    for work in works.values():
        work()
    return turns(works, runs)


def median_of(command: Sequence[str], runs: int) -> float:
    """The median wall time of running ``command``, after an untimed warm-up run if ``runs > 1``."""
    if runs > 1:  # the first run may write Lark's grammar cache and warm the disk cache
        subprocess.run(command, check=False, capture_output=True, cwd=ROOT)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, cwd=ROOT, check=False)
        timings.append(time.perf_counter() - start)
        assert done.returncode in (0, 1), done.stderr
    return statistics.median(timings)


def without_collector(work: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        gc.disable()
        try:
            return work()
        finally:
            gc.enable()

    return run


def compile_rows(settings: Settings) -> list[Row]:
    text = realistic_playbook(settings.lines)
    result = compile_text(text)
    assert result.ok and not result.diagnostics, result.diagnostics[:3]
    size = f"{text.count(chr(10)):,} lines, {len(text) // 1000} KB"
    best = best_of(
        {
            "bare": lambda: lark_parser().parse(text),
            "quiet": without_collector(lambda: lark_parser().parse(text)),
            "parsed": lambda: parse(text),
            "compiled": lambda: compile_text(text),
        },
        settings.runs,
    )
    bare, quiet, parsed, compiled = best["bare"], best["quiet"], best["parsed"], best["compiled"]
    ratio = compiled / bare
    return [
        Row(f"Lark's bare parse ({size})", bare, 1.0),
        Row("Lark's bare parse, garbage collector paused", quiet, quiet / bare),
        Row("`parse`: Lark + AST", parsed, parsed / bare),
        Row(
            "`compile_text`: what `abm check` does (parse, AST, check)",
            compiled,
            ratio,
            f"≤ {RATIO_GOAL:g}× and ≤ {COMPILE_GOAL:g} s",
            ratio <= RATIO_GOAL and compiled <= COMPILE_GOAL,
        ),
    ]


def abm_command() -> list[str]:
    script = Path(sys.executable).with_name("abm")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "abmdsl.cli"]  # pragma: no cover - a venv has the script


def process_rows(settings: Settings) -> list[Row]:
    abm = abm_command()
    version = median_of([*abm, "--version"], settings.process_runs)
    check = median_of([*abm, "check", str(SEED)], settings.process_runs)
    n = settings.process_runs
    return [
        Row(
            f"`abm --version`, a new process (median of {n})",
            version,
            goal=f"≤ {STARTUP_GOAL:g} s",
            met=version <= STARTUP_GOAL,
        ),
        Row(f"`abm check playbooks/pharma_pilot.abm`, a new process (median of {n})", check),
    ]


def heaviest_imports(count: int = 6) -> list[tuple[str, float]]:
    """The modules `abm check` imports that take longest on their own (self time, s)."""
    code = "import abmdsl.workspace, abmdsl.render"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    found: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s+(\S.*)$", line)
        if match:
            found.append((match.group(2).strip(), int(match.group(1)) / 1e6))
    return sorted(found, key=lambda item: -item[1])[:count]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = names[0] if names else cpu
    return (
        f"{cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def table(rows: list[Row], imports: list[tuple[str, float]], settings: Settings) -> str:
    lines = [
        f"Measured {dt.date.today().isoformat()} on {machine()}.",
        f"Best of {settings.runs} runs in one process; median of {settings.process_runs} new"
        " processes.",
        "",
        "| what | time | ratio to Lark's bare parse | goal | met |",
        "|---|---:|---:|---|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[row.met]
        lines.append(f"| {row.what} | {row.seconds:.3f} s | {ratio} | {row.goal} | {met} |")
    lines += ["", "Heaviest imports of `abm check` (`python -X importtime`, self time):", ""]
    lines += [f"- `{name}`: {seconds * 1000:.0f} ms" for name, seconds in imports]
    return "\n".join(lines)


def write_doc(figures: str, doc: Path = DOC, start: str = START, end: str = END) -> None:
    """Replace the figures between the markers of ``doc``, leaving its prose alone."""
    block = f"{start}\n{figures}\n{end}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else f"# Performance\n\n{block}\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    elif block not in text:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


def check_benchmark(settings: Settings, doc: Path | None) -> list[str]:
    """The `abm check` and start-up figures; returns the goals missed."""
    rows = compile_rows(settings) + process_rows(settings)
    figures = table(rows, heaviest_imports(), settings)
    print(figures)
    if doc is not None:
        write_doc(figures, doc)
    return [row.what for row in rows if row.met is False]


def _section(
    quick: bool,
    doc: Path | None,
    markers: tuple[str, str],
    measure_quick: Callable[[Path], Any],
    measure: Callable[[], Any],
    render: Callable[[Any, str], str],
    missed: Callable[[Any], list[str]],
) -> list[str]:
    """Measure one section (small and in a scratch folder when ``quick``), print its figures,
    write them between ``markers`` of ``doc``, and return the goals missed."""
    if quick:
        with tempfile.TemporaryDirectory(prefix="abm-bench-") as scratch:
            results = measure_quick(Path(scratch))
    else:
        results = measure()
    figures = render(results, machine())
    print(figures)
    if doc is not None:
        write_doc(figures, doc, *markers)
    return [] if quick else missed(results)  # tiny sizes: the figures say nothing


def tiering_benchmark(sizes: list[int], quick: bool, doc: Path | None) -> list[str]:
    """The tiering figures (see tiering.py); returns the goals missed."""
    runs = {size: TIERING_RUNS.get(size, 3) for size in sizes}
    compared = ("abmdsl_same_columns", "abmdsl")
    return _section(
        quick,
        doc,
        (TIERING_START, TIERING_END),
        tiering.quick,
        lambda: tiering.run_benchmark(sizes, runs),
        tiering.table,
        lambda r: [tiering.LABELS[n] for n in compared if not tiering.goals_met(r, n)],
    )


def evaluate_benchmark(sizes: list[int], quick: bool, doc: Path | None) -> list[str]:
    """The evaluation figures (see evaluate.py); returns the goals missed."""
    runs = {size: EVALUATE_RUNS.get(size, 3) for size in sizes}
    return _section(
        quick,
        doc,
        (EVALUATE_START, EVALUATE_END),
        evaluate.quick,
        lambda: evaluate.run_benchmark(sizes, runs),
        evaluate.table,
        lambda r: [] if evaluate.goal_met(r) else [evaluate.LABELS["abmdsl_query"]],
    )


def schedule_benchmark(quick: bool, doc: Path | None) -> list[str]:
    """The schedule figures (see schedule.py); returns the goals missed."""
    return _section(
        quick,
        doc,
        (SCHEDULE_START, SCHEDULE_END),
        schedule.quick,
        lambda: schedule.run_benchmark(runs=SCHEDULE_RUNS),
        schedule.table,
        lambda r: [] if schedule.goal_met(r) else [schedule.LABELS["abmdsl"]],
    )


def simulate_benchmark(quick: bool, doc: Path | None) -> list[str]:
    """The simulation figures (see simulate.py); returns the goals missed."""
    return _section(
        quick,
        doc,
        (SIMULATE_START, SIMULATE_END),
        simulate.quick,
        simulate.run_benchmark,
        simulate.table,
        lambda r: [] if simulate.goal_met(r) else [simulate.LABELS["abmdsl"]],
    )


def engines_benchmark(sizes: list[int], quick: bool, doc: Path | None) -> list[str]:
    """DuckDB against Spark in local mode (see engines.py); no goal, only figures."""
    return _section(
        quick,
        doc,
        (ENGINES_START, ENGINES_END),
        engines.quick,
        lambda: engines.run_benchmark(sizes),
        engines.table,
        lambda _: [],
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true", help="a small smoke run; writes nothing")
    options.add_argument("--doc", type=Path, default=DOC, help="where the figures go")
    options.add_argument("--tiering", action="store_true", help="only the tiering benchmark")
    options.add_argument(
        "--evaluate", action="store_true", help="only the evaluation benchmark (abm evaluate)"
    )
    options.add_argument(
        "--schedule", action="store_true", help="only the schedule benchmark (abm schedule)"
    )
    options.add_argument(
        "--simulate", action="store_true", help="only the simulation benchmark (abm simulate)"
    )
    options.add_argument(
        "--engines", action="store_true", help="only DuckDB against Spark (--engine spark)"
    )
    options.add_argument(
        "--sizes",
        default=",".join(str(n) for n in TIERING_SIZES),
        help="numbers of accounts to tier, or of activities to evaluate, comma-separated "
        "(default: 1000000,10000000)",
    )
    args = options.parse_args(argv)
    doc = None if args.quick else args.doc
    missed = []
    sizes = [int(n.replace("_", "")) for n in args.sizes.split(",")]
    if args.engines:
        missed += engines_benchmark(sizes, args.quick, doc)
    elif args.simulate:
        missed += simulate_benchmark(args.quick, doc)
    elif args.schedule:
        missed += schedule_benchmark(args.quick, doc)
    elif args.evaluate:
        missed += evaluate_benchmark(sizes, args.quick, doc)
    else:
        if not args.tiering:
            missed += check_benchmark(QUICK if args.quick else FULL, doc)
            print()
        missed += tiering_benchmark(sizes, args.quick, doc)
        # The quick run stays as it was (tests/test_bench.py); `--evaluate --quick` is its own.
        if not args.tiering and not args.quick:
            print()
            missed += evaluate_benchmark(sizes, False, doc)
            print()
            missed += schedule_benchmark(False, doc)
            print()
            missed += simulate_benchmark(False, doc)
    if doc is not None:
        print(f"\nwritten to {doc}", file=sys.stderr)
    if missed:  # a figure, not a failure: machines differ; the doc says what to do
        print("\nbench: goals not met: " + "; ".join(missed), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
