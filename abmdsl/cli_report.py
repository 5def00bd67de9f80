"""`abm report`: the whole pilot on one page — matrix, tiers, goals, plan, KPIs, simulation.

``add_report_command(subparsers)`` registers the subcommand on `abm`'s parser. Exit codes:
0 written, 2 bad input or usage (a playbook with errors, data that does not match it, a bad
option). The report is a picture of the pilot, not a gate: a failing verdict still exits 0
(``abm evaluate`` is the gate).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}
"""Output suffix → format, when ``--format`` is not given (kept here, not imported from
:mod:`abmdsl.report`, so that building `abm`'s parser loads neither Jinja2 nor DuckDB)."""


def add_report_command(subparsers: Any) -> argparse.ArgumentParser:
    from .cli import iso_date

    report = subparsers.add_parser(
        "report",
        help="one self-contained HTML page (or Markdown): matrix, tiers, goals, plan, KPIs",
    )
    report.add_argument("playbook")
    report.add_argument("--accounts", required=True, help="CSV, XLSX, Parquet, JSON or NDJSON")
    report.add_argument("--contacts", help="the buying committees: the calendar of touches")
    report.add_argument("--activities", help="what happened: adds the KPI scorecard")
    report.add_argument(
        "--as-of", metavar="DATE", type=iso_date, help="measure the KPIs up to DATE (YYYY-MM-DD)"
    )
    report.add_argument(
        "--simulate", metavar="N", type=int, help="also simulate the pilot N times (needs contacts)"
    )
    report.add_argument(
        "--seed", type=int, help="the simulation's seed (default: the `simulate` block's)"
    )
    report.add_argument(
        "--list",
        metavar="N",
        type=int,
        default=None,
        dest="listed",
        help="accounts listed one by one per tier (default 50); the rest are counted",
    )
    report.add_argument("-o", "--output", metavar="FILE", help="write to FILE (.html or .md)")
    report.add_argument(
        "--format",
        choices=("html", "markdown"),
        help="html or markdown (default: from the output's suffix; Markdown on the screen)",
    )
    report.set_defaults(run=cmd_report)
    return report


def output_format(args: argparse.Namespace, error: type[Exception]) -> str:
    """``html`` or ``markdown``: asked for, or told by the output's suffix. HTML is refused on
    a terminal, where it would only scroll by: write it to a file or a pipe."""
    if args.output:
        suffix = Path(args.output).suffix.lower()
        if args.format is None and suffix not in SUFFIXES:
            raise error(
                f"cannot tell the format of {Path(args.output).name}: "
                "name it .html or .md, or give --format html|markdown"
            )
        return args.format or SUFFIXES[suffix]
    if args.format == "html" and sys.stdout.isatty():
        raise error("an HTML report goes to a file: add `-o report.html` (or pipe it)")
    return args.format or "markdown"


def _check(args: argparse.Namespace, error: type[Exception]) -> None:
    """Refuse a bad combination of options before any work is done."""
    if args.simulate is not None and not 1 <= args.simulate <= 1_000_000:
        raise error(f"--simulate is from 1 to 1,000,000 runs, not {args.simulate:,}")
    if args.seed is not None and args.simulate is None:
        raise error("--seed is the simulation's: give it with --simulate N")
    if args.seed is not None and args.seed < 0:
        raise error(f"--seed is 0 or more, not {args.seed}")
    if args.simulate is not None and args.contacts is None:
        raise error("--simulate needs the contacts the cadences go to: add --contacts FILE")
    if args.as_of is not None and args.activities is None:
        raise error("--as-of dates the KPIs: give it with --activities FILE")
    if args.listed is not None and args.listed < 0:
        raise error(f"--list is 0 or more, not {args.listed}")


def cmd_report(args: argparse.Namespace) -> int:
    from .cli import OK, UsageError, _compiled_or_exit, _data_file, write_output
    from .data import DataError, render_problems
    from .evaluate import EvaluateError
    from .report import Inputs, ReportError, build_report
    from .report.render import RENDERERS
    from .schedule import CalendarError, ScheduleError
    from .simulate import SimulateError

    fmt = output_format(args, UsageError)
    _check(args, UsageError)
    compiled = _compiled_or_exit(args.playbook)
    assert compiled.playbook is not None
    given = Inputs(
        args.playbook,
        _data_file(args.accounts, "accounts"),  # type: ignore[arg-type]
        _data_file(args.contacts, "contacts"),
        _data_file(args.activities, "activities"),
        as_of=args.as_of,
        runs=args.simulate,
        seed=args.seed,
    )
    if args.listed is not None:
        given = replace(given, listed=args.listed)
    try:
        report = build_report(compiled.playbook, compiled.sources, given)
    except DataError as exc:
        print(render_problems(exc.problems, exc.total), file=sys.stderr)
        raise UsageError("the data does not match what the playbook declares") from exc
    except (ReportError, EvaluateError, SimulateError, ScheduleError, CalendarError) as exc:
        raise UsageError(f"{args.playbook}: {exc}") from exc
    text = RENDERERS[fmt](report)
    if not args.output:
        sys.stdout.write(text)
        return OK
    write_output(args.output, text)
    print(f"wrote the report ({fmt}, {report.accounts:,} accounts) to {args.output}")
    return OK
