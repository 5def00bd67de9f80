"""The `abm` command: a thin layer over :mod:`abmdsl.api`.

Exit codes (one table for every subcommand):

====  =====================================================================
0     everything holds
1     a check failed: error diagnostics, an example that does not hold,
      a file `fmt --check` would change
2     the command could not do its job: bad usage, a missing or unreadable file
====  =====================================================================

Heavy modules are imported inside the subcommands, so that ``abm --version`` starts fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .__about__ import __version__

if TYPE_CHECKING:
    from .api import Compiled
    from .data import Source
    from .engine.run import Run
    from .engines import Engine

OK, FAILED, USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how `abm` was called; reported in one line, exit 2."""


def playbook_paths(paths: Sequence[str]) -> list[Path]:
    """Files named directly, plus every ``*.abm`` under the folders named, in sorted order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*.abm") if p.is_file())
        elif path.is_file():
            out.append(path)
        else:
            raise UsageError(f"no such file or folder: {raw}")
    if not out:
        raise UsageError("no playbooks (*.abm) found in " + ", ".join(paths))
    return out


def _colour(choice: str, stream: object) -> bool:
    if choice == "always":
        return True
    return choice == "auto" and bool(getattr(stream, "isatty", lambda: False)())


def cmd_check(args: argparse.Namespace) -> int:
    from .render import render_github, render_json, render_junit, render_sarif, render_text
    from .workspace import compile_all

    results = compile_all(playbook_paths(args.paths))
    diagnostics = [d for r in results for d in r.diagnostics]
    if any(d.code == "ABM100" for d in diagnostics):
        raise UsageError(next(d.message for d in diagnostics if d.code == "ABM100"))
    if args.format == "json":
        print(render_json(diagnostics))
    elif args.format == "sarif":
        print(render_sarif(diagnostics))
    elif args.format == "junit":
        print(render_junit(results), end="")
    elif args.format == "github":
        if diagnostics:
            print(render_github(diagnostics))
    else:
        sources = {k: v for r in results for k, v in r.sources.items()}
        if diagnostics:
            print(render_text(diagnostics, sources, _colour(args.colour, sys.stdout)))
        errors = sum(d.severity == "error" for d in diagnostics)
        warnings = len(diagnostics) - errors
        print(
            f"checked {len(results)} playbook{'s' * (len(results) != 1)}: "
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
            file=sys.stderr,
        )
    return FAILED if any(d.severity == "error" for d in diagnostics) else OK


def cmd_fmt(args: argparse.Namespace) -> int:
    from .format_files import format_paths

    return format_paths(playbook_paths(args.paths), check=args.check, diff=args.diff)


def cmd_test(args: argparse.Namespace) -> int:
    from .example_runner import run_paths

    return run_paths(
        playbook_paths(args.paths), coverage=args.coverage, as_json=args.format == "json"
    )


def iso_date(text: str) -> dt.date:
    """An argument that is a date, written as 2027-03-01."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (write it as 2027-03-01)") from None


def write_output(path: str, text: str) -> None:
    """``text`` into ``path``, whole or not at all; a :class:`UsageError` if it cannot be."""
    from .files import OutputError, atomic

    try:
        with atomic(Path(path)) as stream:
            stream.write(text)
    except OutputError as exc:
        raise UsageError(str(exc)) from exc


def _compiled_or_exit(path: str) -> Compiled:
    """A playbook ready to run; bad playbooks are bad input here (exit 2), not a failed check."""
    from .api import compile_file
    from .render import render_text

    if not Path(path).is_file():
        raise UsageError(f"no such playbook: {path}")
    compiled = compile_file(path)
    if not compiled.ok:
        print(
            render_text(compiled.diagnostics, compiled.sources, _colour("auto", sys.stderr)),
            file=sys.stderr,
        )
        raise UsageError(f"{path} has errors; fix them first (see `abm check {path}`)")
    return compiled


def _data_file(path: str | None, what: str) -> Source | None:
    """The file named ``path``, or the PostgreSQL table or query its ``postgresql://`` URL
    names; a :class:`UsageError` when there is no such file or the URL names nothing."""
    from .data import SourceError, is_url, parse_source

    if path is None:
        return None
    if is_url(path):
        try:
            return parse_source(path)
        except SourceError as exc:
            raise UsageError(f"--{what} {_redacted(path)}: {exc}") from exc
    if not Path(path).is_file():
        raise UsageError(f"no such {what} file: {path}")
    return Path(path)


def _redacted(url: str) -> str:
    from .engines.postgres import redact

    return redact(url)


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """``--engine`` and how to reach it, for the commands that run the compiled SQL."""
    from .engines import ENGINES

    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="duckdb",
        help="where the compiled SQL runs (default: DuckDB, embedded); the data is checked "
        "by DuckDB in every case",
    )
    parser.add_argument(
        "--spark-master",
        metavar="URL",
        help="with --engine spark: the cluster's master URL (default: local[2])",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="with --engine postgres: the server, postgresql://user@host:port/dbname",
    )


@contextmanager
def engine_of(args: argparse.Namespace) -> Iterator[Engine | None]:
    """The engine ``args`` ask for, closed afterwards; ``None`` for the embedded default."""
    from .engines import EngineError, EngineOptions, open_engine

    name = getattr(args, "engine", "duckdb")
    if name == "duckdb":
        yield None
        return
    options = EngineOptions(getattr(args, "spark_master", None), _database(args))
    try:
        engine = open_engine(name, options)
    except EngineError as exc:
        raise UsageError(str(exc)) from exc
    try:
        yield engine
    except EngineError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        engine.close()


def _database(args: argparse.Namespace) -> str | None:
    """``--database``; else, when the accounts come from a PostgreSQL server, that server."""
    from .data import SourceError, is_url, parse_source

    database = getattr(args, "database", None)
    accounts = getattr(args, "accounts", None)
    wanted = database is None and getattr(args, "engine", None) == "postgres"
    if wanted and accounts and is_url(accounts):
        try:
            return parse_source(accounts).url
        except SourceError as exc:
            raise UsageError(f"--accounts {_redacted(accounts)}: {exc}") from exc
    return database


def _run(args: argparse.Namespace) -> Run:
    from .data import DataError, render_problems
    from .engine.run import run_playbook

    compiled = _compiled_or_exit(args.playbook)
    assert compiled.playbook is not None
    try:
        with engine_of(args) as engine:
            return run_playbook(
                compiled.playbook,
                compiled.sources,
                _data_file(args.accounts, "accounts"),  # type: ignore[arg-type]
                _data_file(getattr(args, "contacts", None), "contacts"),
                engine=engine,
            )
    except DataError as exc:
        print(render_problems(exc.problems, exc.total), file=sys.stderr)
        raise UsageError("the data does not match what the playbook declares") from exc


def cmd_run(args: argparse.Namespace) -> int:
    from .outputs import OutputError, write_table
    from .summary import render_summary, summarise

    run = _run(args)
    if args.output:
        try:
            write_table(
                run.table.drop_columns(["__row"]), Path(args.output), run.provenance.as_dict()
            )
        except OutputError as exc:
            raise UsageError(str(exc)) from exc
    print(render_summary(summarise(run)), end="")
    if args.output:
        print(f"wrote {run.table.num_rows} accounts to {args.output}")
    return OK


def cmd_explain(args: argparse.Namespace) -> int:
    import json

    from .explain import UnknownAccount, explain, render_explanation

    run = _run(args)
    try:
        explanation = explain(run, args.account)
    except UnknownAccount as exc:
        raise UsageError(str(exc)) from exc
    if args.format == "json":
        print(json.dumps(explanation.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_explanation(explanation))
    return OK


def cmd_sql(args: argparse.Namespace) -> int:
    from .engine.tiering import tiering_query

    compiled = _compiled_or_exit(args.playbook)
    assert compiled.playbook is not None
    query = tiering_query(compiled.playbook, args.table, row_numbers=False)
    if args.dialect == "postgres":  # the SQL `--engine postgres` runs (docs/engines.md)
        from .engines.pgsql import postgres_tree

        query = postgres_tree(query)  # type: ignore[assignment]
    if args.dialect == "spark":  # the SQL `--engine spark` runs
        from .engines.sparksql import spark_tree

        query = spark_tree(query)  # type: ignore[assignment]
    print(query.sql(args.dialect, pretty=True) + ";")
    return OK


def cmd_goals(args: argparse.Namespace) -> int:
    import json

    from .graph.cascade import cascade
    from .graph.tree import render_goals

    compiled = _compiled_or_exit(args.playbook)
    assert compiled.playbook is not None
    goals = cascade(compiled.playbook)
    if args.format == "json":
        print(json.dumps(goals.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_goals(goals), end="")
    return OK


def cmd_graph(args: argparse.Namespace) -> int:
    from .graph import graph_of
    from .graph.cascade import cascade
    from .graph.export import RENDER, UnknownFocus, focus

    compiled = _compiled_or_exit(args.playbook)
    assert compiled.playbook is not None
    graph = graph_of(compiled.playbook)
    if args.focus:
        try:
            graph = focus(graph, args.focus)
        except UnknownFocus as exc:
            raise UsageError(str(exc)) from exc
    text = RENDER[args.format](graph, cascade(compiled.playbook))
    if not args.output:
        print(text, end="")
        return OK
    write_output(args.output, text)
    print(f"wrote the graph ({graph.number_of_nodes()} nodes) to {args.output}", file=sys.stderr)
    return OK


def cmd_parse(args: argparse.Namespace) -> int:
    import json

    from .load import load
    from .render import render_text

    loaded = load(Path(args.path))
    if loaded.diagnostics:
        print(render_text(loaded.diagnostics, loaded.sources), file=sys.stderr)
        return FAILED
    print(json.dumps(loaded.modules[0].model_dump(mode="json"), ensure_ascii=False, indent=2))
    return OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="abm", description="Playbook-as-code for Account-Based Marketing."
    )
    parser.add_argument("--version", action="version", version=f"abm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="find mistakes in playbooks")
    check.add_argument("paths", nargs="+", metavar="PATH", help="playbook files or folders")
    check.add_argument(
        "--format",
        choices=["text", "json", "github", "sarif", "junit"],
        default="text",
        help="text for people; json, github annotations, SARIF 2.1.0 or JUnit XML for tools",
    )
    check.add_argument("--colour", "--color", choices=["auto", "always", "never"], default="auto")
    check.set_defaults(run=cmd_check)

    fmt = sub.add_parser("fmt", help="put playbooks in the canonical layout")
    fmt.add_argument("paths", nargs="+", metavar="PATH")
    fmt.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file would change"
    )
    fmt.add_argument("--diff", action="store_true", help="show what would change")
    fmt.set_defaults(run=cmd_fmt)

    test = sub.add_parser("test", help="run the `example` blocks of playbooks")
    test.add_argument("paths", nargs="+", metavar="PATH")
    test.add_argument(
        "--coverage",
        action="store_true",
        help="show the tier conditions and criterion branches no example exercises",
    )
    test.add_argument("--format", choices=["text", "json"], default="text")
    test.set_defaults(run=cmd_test)

    run = sub.add_parser("run", help="score and tier accounts")
    run.add_argument("playbook")
    run.add_argument(
        "--accounts",
        required=True,
        help="CSV, XLSX, Parquet, JSON or NDJSON; or postgresql://…?table=NAME (or ?query=…)",
    )
    run.add_argument("--contacts", help="contacts, to count research per contact")
    run.add_argument("-o", "--output", help="write the tiers to a .csv, .parquet or .json file")
    add_engine_arguments(run)
    run.set_defaults(run=cmd_run)

    explain = sub.add_parser("explain", help="why one account landed in its tier")
    explain.add_argument("playbook")
    explain.add_argument("account", help="the account's key")
    explain.add_argument("--accounts", required=True)
    explain.add_argument("--contacts")
    explain.add_argument("--format", choices=["text", "json"], default="text")
    add_engine_arguments(explain)
    explain.set_defaults(run=cmd_explain)

    sql = sub.add_parser("sql", help="print the tiering as SQL for a warehouse")
    sql.add_argument("playbook")
    sql.add_argument(
        "--dialect",
        default="duckdb",
        choices=["duckdb", "postgres", "spark", "snowflake", "bigquery"],
    )
    sql.add_argument("--table", default="accounts", help="the table holding the accounts")
    sql.set_defaults(run=cmd_sql)

    goals = sub.add_parser("goals", help="the goal tree with declared and derived targets")
    goals.add_argument("playbook")
    goals.add_argument("--format", choices=["text", "json"], default="text")
    goals.set_defaults(run=cmd_goals)

    graph = sub.add_parser("graph", help="the goal/decision graph as a picture or as JSON")
    graph.add_argument("playbook")
    graph.add_argument("--format", choices=["dot", "mermaid", "json"], default="dot")
    graph.add_argument(
        "--focus", metavar="NAME", help="only this goal or tier and what it depends on"
    )
    graph.add_argument("-o", "--output", help="write to this file instead of the screen")
    graph.set_defaults(run=cmd_graph)

    from .cli_diff import add_diff_command
    from .cli_evaluate import add_evaluate_command
    from .cli_init import add_init_command
    from .cli_report import add_report_command
    from .cli_schedule import add_schedule_command
    from .cli_simulate import add_simulate_command

    add_schedule_command(sub)
    add_evaluate_command(sub)
    add_simulate_command(sub)
    add_report_command(sub)
    add_diff_command(sub)
    add_init_command(sub)

    parse = sub.add_parser("parse", help="print the syntax tree of a playbook as JSON")
    parse.add_argument("path")
    parse.set_defaults(run=cmd_parse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return USAGE
    try:
        return run(args)
    except UsageError as exc:
        print(f"abm: error: {exc}", file=sys.stderr)
        return USAGE
    except BrokenPipeError:  # `abm check | head` closed the pipe: not our error
        return OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
