"""`abm simulate`: how likely each KPI and the verdict are to pass, and what the pilot costs.

``add_simulate_command(subparsers)`` registers the subcommand on `abm`'s parser. Exit codes:
0 done (whatever the odds), 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


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
    compiled = _compiled_or_exit(args.playbook)
    assert compiled.playbook is not None
    try:
        sim = simulate_playbook(
            compiled.playbook,
            compiled.sources,
            _data_file(args.accounts, "accounts"),  # type: ignore[arg-type]
            _data_file(args.contacts, "contacts"),
            runs=args.runs,
            seed=args.seed,
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
