"""`abm evaluate`: the pilot's scorecard from its activities, and the verdict as the exit code.

``add_evaluate_command(subparsers)`` registers the subcommand on `abm`'s parser. Exit codes:
0 the pilot passes (with ``--as-of`` before the horizon: it is on track to), 1 it does not,
2 bad input or usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_evaluate_command(subparsers: Any) -> argparse.ArgumentParser:
    from .cli import add_engine_arguments, iso_date

    evaluate = subparsers.add_parser(
        "evaluate", help="the pilot's KPIs against their targets, and the verdict"
    )
    evaluate.add_argument("playbook")
    evaluate.add_argument(
        "--accounts",
        required=True,
        help="CSV, XLSX, Parquet, JSON or NDJSON; or postgresql://…?table=NAME (or ?query=…)",
    )
    evaluate.add_argument("--activities", required=True, help="what happened: touches, replies …")
    evaluate.add_argument("--contacts", help="the buying committees, for KPIs about contacts")
    evaluate.add_argument(
        "--as-of",
        metavar="DATE",
        type=iso_date,
        help="count activities up to DATE (YYYY-MM-DD) and project the KPIs to the horizon",
    )
    evaluate.add_argument(
        "--date-field", metavar="FIELD", help="the activities' date field, when they have several"
    )
    evaluate.add_argument(
        "--by",
        choices=("tier", "cluster", "group"),
        help="also show every KPI in each tier, cluster, or group (programme, control, outside)",
    )
    evaluate.add_argument(
        "--scores",
        metavar="FILE",
        help="also write every account's key, tier, group and engagement scores: .csv, "
        ".parquet or .json, for a later `abm run` to read as fields of accounts",
    )
    evaluate.add_argument(
        "-o",
        "--output",
        action="append",
        default=[],
        metavar="FILE",
        help="also write the scorecard: .json, .md (Markdown) or .xml (JUnit); may be repeated",
    )
    add_engine_arguments(evaluate)
    evaluate.set_defaults(run=cmd_evaluate)
    return evaluate


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .cli import FAILED, OK, UsageError, _compiled_or_exit, _data_file, engine_of
    from .data import DataError, render_problems
    from .evaluate import EvaluateError, evaluate_playbook
    from .evaluate.report import FORMATS, WRITERS, render
    from .files import OutputError, atomic
    from .outputs import FORMATS as SCORE_FORMATS

    for path in args.output:
        if Path(path).suffix.lower() not in FORMATS:
            raise UsageError(f"cannot write {Path(path).name}: use one of " + ", ".join(FORMATS))
    scores = Path(args.scores) if args.scores else None
    if scores is not None and scores.suffix.lower() not in SCORE_FORMATS:
        raise UsageError(f"cannot write {scores.name}: use one of " + ", ".join(SCORE_FORMATS))
    compiled = _compiled_or_exit(args.playbook)
    assert compiled.playbook is not None
    try:
        with engine_of(args) as engine:
            card = evaluate_playbook(
                compiled.playbook,
                compiled.sources,
                _data_file(args.accounts, "accounts"),  # type: ignore[arg-type]
                _data_file(args.activities, "activities"),  # type: ignore[arg-type]
                _data_file(args.contacts, "contacts"),
                as_of=args.as_of,
                date_field=args.date_field,
                scores=scores,
                by=args.by,
                engine=engine,
            )
    except DataError as exc:
        print(render_problems(exc.problems, exc.total), file=sys.stderr)
        raise UsageError("the data does not match what the playbook declares") from exc
    except EvaluateError as exc:
        raise UsageError(f"{args.playbook}: {exc}") from exc
    except OutputError as exc:
        raise UsageError(str(exc)) from exc
    try:
        for path in args.output:
            with atomic(Path(path)) as stream:
                stream.write(WRITERS[Path(path).suffix.lower()](card))
    except OutputError as exc:
        raise UsageError(str(exc)) from exc
    print(render(card), end="")
    for path in args.output:
        print(f"wrote the scorecard to {path}")
    if scores is not None:
        print(f"wrote the engagement scores to {scores}")
    verdict = card.verdict if card.projected_verdict is None else card.projected_verdict
    return OK if verdict is True else FAILED
