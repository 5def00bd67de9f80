"""`abm diff OLD NEW`: what a change to a playbook does to the accounts, budget and workload.

``add_diff_command(subparsers)`` registers the subcommand on `abm`'s parser. OLD and NEW are
playbook files or ``REV:PATH`` at a git revision. Exit codes: 0 done, 1 more accounts change
tier than ``--fail-on-moves`` allows, 2 bad input or usage (a playbook with errors included).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from .diff import FORMATS

if TYPE_CHECKING:
    from .api import Compiled


def add_diff_command(subparsers: Any) -> argparse.ArgumentParser:
    diff = subparsers.add_parser(
        "diff",
        help="what a change to a playbook does: accounts that change tier, budget, workload",
    )
    diff.add_argument("old", metavar="OLD", help="a playbook file, or REV:PATH (main:pb.abm)")
    diff.add_argument("new", metavar="NEW", help="a playbook file, or REV:PATH")
    diff.add_argument("--accounts", required=True, help="CSV, XLSX, Parquet, JSON or NDJSON")
    diff.add_argument(
        "--contacts", help="also compare research per contact and touches per role and week"
    )
    diff.add_argument(
        "--fail-on-moves",
        metavar="N",
        type=_count,
        help="exit 1 when more than N accounts change tier (for CI)",
    )
    diff.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text for people, markdown for a pull-request comment, json for tools",
    )
    diff.add_argument(
        "--limit",
        metavar="N",
        type=_count,
        default=20,
        help="show at most N accounts that change tier, and N largest score changes (20)",
    )
    diff.set_defaults(run=cmd_diff)
    return diff


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"not a count: {text!r} (write 0 or more)")
    return value


def cmd_diff(args: argparse.Namespace) -> int:
    from .cli import FAILED, OK, UsageError, _data_file
    from .data import render_problems
    from .diff.compare import VersionDataError, compare
    from .diff.report import render

    accounts = _data_file(args.accounts, "accounts")
    contacts = _data_file(args.contacts, "contacts")
    old, new = _compiled(args.old, "OLD"), _compiled(args.new, "NEW")
    assert accounts is not None
    try:
        diff = compare(args.old, old, args.new, new, accounts, contacts, limit=args.limit)
    except VersionDataError as exc:
        print(render_problems(exc.error.problems, exc.error.total), file=sys.stderr)
        raise UsageError(str(exc)) from exc
    print(render(diff, args.format), end="")
    if args.fail_on_moves is not None and diff.accounts.moved > args.fail_on_moves:
        print(
            f"abm diff: {diff.accounts.moved} accounts change tier, more than the "
            f"{args.fail_on_moves} --fail-on-moves allows",
            file=sys.stderr,
        )
        return FAILED
    return OK


def _compiled(spec: str, which: str) -> Compiled:
    """A version ready to run; one with errors is bad input (exit 2), shown with them."""
    from .cli import UsageError, _colour
    from .diff.revisions import RevisionError, compile_version
    from .render import render_text

    try:
        compiled = compile_version(spec)
    except RevisionError as exc:
        raise UsageError(f"{which}: {exc}") from exc
    if any(d.code == "ABM100" for d in compiled.diagnostics):
        raise UsageError(f"{which}: " + next(d.message for d in compiled.diagnostics))
    if not compiled.ok:
        print(
            render_text(compiled.diagnostics, compiled.sources, _colour("auto", sys.stderr)),
            file=sys.stderr,
        )
        raise UsageError(f"{which} ({spec}) has errors; fix them first")
    return compiled
