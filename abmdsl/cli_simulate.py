"""`abm simulate`: how likely each KPI and the verdict are to pass, and what the pilot costs.

``add_simulate_command(subparsers)`` registers the subcommand on `abm`'s parser. Exit codes:
0 done (whatever the odds), 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

LONG_RUNS = 1_000  # fewer runs end in a second or two: a bar would only flicker


def add_simulate_command(subparsers: Any) -> argparse.ArgumentParser:
    simulate = subparsers.add_parser(
        "simulate", help="Monte Carlo over the playbook's KPIs: P(pass), percentiles, cost"
    )
    simulate.add_argument("playbook")
    simulate.add_argument("--accounts", required=True, help="CSV, XLSX, Parquet, JSON or NDJSON")
    simulate.add_argument("--contacts", required=True, help="the buying committees")
    simulate.add_argument(
        "--runs", type=int, help="how many runs (default: the `simulate` block's `runs`)"
    )
    simulate.add_argument(
        "--seed", type=int, help="the random seed (default: the `simulate` block's `seed`)"
    )
    simulate.add_argument(
        "--sensitivity-runs",
        type=int,
        metavar="N",
        help="runs per end of each uncertain assumption (default: the runs, at most 1,000)",
    )
    simulate.add_argument(
        "--no-sensitivity",
        action="store_true",
        help="skip moving each uncertain assumption to its low and high end",
    )
    simulate.add_argument("-o", "--output", metavar="FILE", help="also write the results: .json")
    simulate.set_defaults(run=cmd_simulate)
    return simulate


def cmd_simulate(args: argparse.Namespace) -> int:
    from .cli import OK, UsageError, _compiled_or_exit, _data_file
    from .data import DataError, render_problems
    from .files import OutputError, atomic
    from .simulate import SimulateError, simulate_playbook
    from .simulate.report import render, to_json

    if args.output and Path(args.output).suffix.lower() != ".json":
        raise UsageError(f"cannot write {Path(args.output).name}: use .json")
    if args.runs is not None and not 1 <= args.runs <= 1_000_000:
        raise UsageError(f"--runs is from 1 to 1,000,000, not {args.runs:,}")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed is 0 or more, not {args.seed}")
    if args.sensitivity_runs is not None and args.sensitivity_runs < 1:
        raise UsageError(f"--sensitivity-runs is 1 or more, not {args.sensitivity_runs:,}")
    compiled = _compiled_or_exit(args.playbook)
    assert compiled.playbook is not None
    block = compiled.playbook.simulation
    runs = args.runs if args.runs is not None or block is None else block.runs
    replays = 0
    if not args.no_sensitivity and runs is not None:
        from .simulate.sensitivity import DEFAULT_RUNS

        replays = min(runs, args.sensitivity_runs or DEFAULT_RUNS)
    try:
        with progress_bar(sys.stderr, runs or 0) as step:
            sim = simulate_playbook(
                compiled.playbook,
                compiled.sources,
                _data_file(args.accounts, "accounts"),  # type: ignore[arg-type]
                _data_file(args.contacts, "contacts"),
                runs=args.runs,
                seed=args.seed,
                sensitivity_runs=replays,
                progress=step,
            )
    except DataError as exc:
        print(render_problems(exc.problems, exc.total), file=sys.stderr)
        raise UsageError("the data does not match what the playbook declares") from exc
    except SimulateError as exc:
        raise UsageError(f"{args.playbook}: {exc}") from exc
    if args.output:
        try:
            with atomic(Path(args.output)) as stream:
                stream.write(to_json(sim))
        except OutputError as exc:
            raise UsageError(str(exc)) from exc
    print(render(sim), end="")
    if args.output:
        print(f"wrote the simulation to {args.output}")
    return OK


@contextmanager
def progress_bar(stream: TextIO, runs: int) -> Iterator[Callable[[str], None] | None]:
    """A bar over the steps of a long simulation, only on a terminal: a CI log or a pipe
    gets none of its redrawn lines."""
    if runs < LONG_RUNS or not stream.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .simulate.run import STEPS

    with Progress(
        TextColumn("simulating: {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(file=stream),
        transient=True,
    ) as bar:
        task = bar.add_task(STEPS[0], total=len(STEPS))
        done = 0

        def step(name: str) -> None:
            nonlocal done
            bar.update(task, completed=done, description=name)
            done += 1

        yield step
        bar.update(task, completed=len(STEPS))
