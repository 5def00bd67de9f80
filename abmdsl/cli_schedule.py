"""`abm schedule`: every touch of the pilot on a working day, the dated plan and the workload.

``add_schedule_command(subparsers)`` registers the subcommand on `abm`'s parser;
:func:`main` runs it on its own (``main(["schedule", "pb.abm", "--accounts", ...])``) with
the exit codes of :mod:`abmdsl.cli`: 0 done, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .schedule.formats import FORMATS, PER, TABLES


def add_schedule_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``schedule`` to the subparsers of `abm` (``parser.add_subparsers()``)."""
    schedule = subparsers.add_parser(
        "schedule",
        help="date every touch of the pilot on working days; the plan and the workload",
    )
    schedule.add_argument("playbook")
    schedule.add_argument("--accounts", required=True, help="CSV, XLSX, Parquet, JSON or NDJSON")
    schedule.add_argument("--contacts", help="the buying committees the cadences go to")
    schedule.add_argument(
        "--activities",
        help="what happened (replies, meetings…): touches the cadences' stop and pause rules "
        "hold back are marked stopped or paused",
    )
    schedule.add_argument(
        "-o", "--output", help="write the touches to a " + ", ".join(FORMATS) + " file"
    )
    schedule.add_argument(
        "--ics-per",
        choices=PER,
        default="touch",
        help="in an .ics file, one event per touch (default) or one per owner role and day",
    )
    schedule.add_argument(
        "--plan", metavar="FILE", help="write the dated plan with its RACI (.csv, .parquet, .json)"
    )
    schedule.add_argument(
        "--gaps",
        metavar="FILE",
        help="write the accounts missing a contact their cadence targets (.csv, .parquet, .json)",
    )
    schedule.set_defaults(run=cmd_schedule)
    return schedule


def cmd_schedule(args: argparse.Namespace) -> int:
    from .cli import OK, UsageError, _compiled_or_exit, _data_file
    from .data import DataError, render_problems
    from .files import OutputError
    from .schedule import CalendarError, ScheduleError, build_schedule, count_workload
    from .schedule.export import write_gaps, write_plan, write_schedule
    from .schedule.report import render, wrote

    _check_outputs(args, UsageError)
    compiled = _compiled_or_exit(args.playbook)
    assert compiled.playbook is not None
    try:
        schedule = build_schedule(
            compiled.playbook,
            compiled.sources,
            _data_file(args.accounts, "accounts"),  # type: ignore[arg-type]
            _data_file(args.contacts, "contacts"),
            _data_file(args.activities, "activities"),
        )
    except DataError as exc:
        print(render_problems(exc.problems, exc.total), file=sys.stderr)
        raise UsageError("the data does not match what the playbook declares") from exc
    except (ScheduleError, CalendarError) as exc:
        raise UsageError(f"{args.playbook}: {exc}") from exc
    load = count_workload(schedule.touches, schedule.end)
    try:
        if args.output:
            write_schedule(schedule, load, Path(args.output), args.ics_per)
        if args.plan:
            write_plan(schedule, Path(args.plan))
        if args.gaps:
            write_gaps(schedule, Path(args.gaps))
    except OutputError as exc:
        raise UsageError(str(exc)) from exc
    print(render(schedule, load), end="")
    if args.output:
        print(wrote(schedule, load, Path(args.output)))
    return OK


def _check_outputs(args: argparse.Namespace, error: type[Exception]) -> None:
    """Refuse an output format before the work, not after it."""
    checks = [(args.output, FORMATS), (args.plan, TABLES), (args.gaps, TABLES)]
    for path, formats in checks:
        if path and Path(path).suffix.lower() not in formats:
            raise error(f"cannot write {Path(path).name}: use one of " + ", ".join(formats))
    if args.ics_per != "touch" and not (args.output or "").lower().endswith(".ics"):
        raise error("--ics-per is for an .ics output: add `-o touches.ics`")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="abm")
    add_schedule_command(parser.add_subparsers(dest="command", metavar="COMMAND"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``abm schedule …`` alone; ``argv`` starts with ``schedule``."""
    from .cli import USAGE, UsageError

    args = build_parser().parse_args(argv)
    if getattr(args, "run", None) is None:
        return USAGE
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"abm: error: {exc}", file=sys.stderr)
        return USAGE
    except BrokenPipeError:
        return 0
