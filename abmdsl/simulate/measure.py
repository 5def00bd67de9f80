"""Every run's KPIs: the playbook's compiled KPI query, partitioned by ``__run``.

Input: a connection where :mod:`abmdsl.simulate.model` has played the runs, the tiered accounts
and the window the KPIs count in. Output: the compiled query's outputs and one row per run
(the run first). The KPIs are not written again here: :class:`~abmdsl.evaluate.compile.
KpiCompiler` compiles them, as for ``abm evaluate``, and groups every scan by the run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import duckdb
import pyarrow as pa

from ..engine.sqlgen import Unsupported
from ..evaluate import population
from ..evaluate.compile import KpiCompiler, Output, Partition
from ..evaluate.population import PopulationError, Window
from ..ir import Playbook
from .model import ACTIVITIES, RUNS, SimulateError

RUN = "__run"


def window(playbook: Playbook) -> Window:
    """Activities count from the pilot's start to its last day, by their one date field."""
    try:
        field = population.date_field(playbook)
    except PopulationError as exc:
        raise SimulateError(str(exc)) from exc
    start = playbook.start
    last = None
    if start is not None:
        import datetime as dt

        last = start + dt.timedelta(days=playbook.horizon_days - 1)
    return Window(start, last, field)


def views(
    con: duckdb.DuckDBPyConnection, playbook: Playbook, tiered: pa.Table, with_contacts: bool
) -> None:
    """The views of every group the KPIs may read, as ``abm evaluate`` makes them."""
    datasets = {"activities"} | ({"contacts"} if with_contacts else set())
    try:
        population.views(con, playbook, tiered, datasets, window(playbook))
    except PopulationError as exc:
        raise SimulateError(str(exc)) from exc


def per_run_tables(con: duckdb.DuckDBPyConnection) -> Callable[[str, str], str]:
    """(data set, group) → a view holding ``__run``: the activities have it; the accounts
    and contacts are the same in every run, so each is crossed with the runs (lazily: only
    the views a KPI reads are read)."""

    def tables(dataset: str, group: str) -> str:
        name = population.view(dataset, group)
        if dataset == "activities":
            # The model plays the programme's touches within the pilot and nothing else, so
            # the programme's (and all) activities are all of them: no filter to run on each.
            return ACTIVITIES if group in ("programme", "all") else name
        crossed = f"__sim_{dataset}_{hashlib.md5(group.encode()).hexdigest()[:12]}"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {crossed} AS SELECT v.*, p.{RUN} "
            f"FROM {name} v CROSS JOIN {RUNS} p"
        )
        return crossed

    return tables


def measure(
    con: duckdb.DuckDBPyConnection, playbook: Playbook, with_contacts: bool
) -> tuple[tuple[Output, ...], list[tuple[object, ...]]]:
    """The compiled KPIs, one row per run in the order of the runs (after :func:`views`)."""
    compiler = KpiCompiler(
        playbook,
        per_run_tables(con),
        frozenset({"activities"}),
        day=window(playbook).last,
        date_field=window(playbook).date_field,
        contacts=with_contacts,
    )
    try:
        measured = compiler.compile(partition=Partition(RUN, RUNS))
    except Unsupported as exc:
        raise SimulateError(f"cannot measure this playbook per run: {exc}") from exc
    rows = con.sql(measured.query.sql("duckdb")).fetchall()
    return measured.outputs, [row[1:] for row in rows]


def measure_one(
    con: duckdb.DuckDBPyConnection, playbook: Playbook, with_contacts: bool
) -> tuple[tuple[Output, ...], tuple[object, ...]]:
    """The unpartitioned query over the views as they stand: what ``abm evaluate`` runs."""
    w = window(playbook)
    compiler = KpiCompiler(
        playbook,
        population.view,
        frozenset({"activities"}),
        day=w.last,
        date_field=w.date_field,
        contacts=with_contacts,
    )
    measured = compiler.compile()
    (row,) = con.sql(measured.query.sql("duckdb")).fetchall()
    return measured.outputs, row
