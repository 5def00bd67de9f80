"""Evaluating the pilot: tier the accounts, measure every KPI on the activities, judge them.

Input: a checked playbook, its sources, the accounts and activities files (contacts optional),
and optionally an as-of date. Output: a :class:`Scorecard` — each KPI's value, threshold and
status, the baselines, the verdict and why — or :class:`~abmdsl.data.DataError` /
:class:`EvaluateError` for input that cannot be measured.

Everything is measured by one query (:mod:`abmdsl.evaluate.compile`) over the views of
:mod:`abmdsl.evaluate.population`; Python only judges the handful of values it returns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from .. import ast, format_expr
from ..engine.run import Provenance, connect, playbook_hash, run_playbook
from ..engine.sqlgen import Unsupported, column
from ..ir import KpiIR, Playbook
from ..outputs import write_table
from . import engagement, population
from .compile import KpiCompiler, Output
from .judge import Status, deciding, judge, verdict
from .population import Counts, PopulationError, Window

if TYPE_CHECKING:
    from ..data import Source
    from ..engines import Engine


class EvaluateError(Exception):
    """The playbook or the data cannot be evaluated as asked; the message says why."""


@dataclass(frozen=True)
class KpiResult:
    name: str
    title: str | None
    kind: str  # number, percent, money or duration
    value: Decimal | None
    status: Status
    target: str | None  # the threshold as written, e.g. ">= 30%"
    target_value: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    warn: str | None = None
    warn_value: Decimal | None = None
    goals: tuple[str, ...] = ()
    projected: Decimal | None = None  # at the horizon, from an as-of date
    projected_status: Status | None = None


@dataclass(frozen=True)
class Part:
    """One group of a breakdown: its name, its accounts, and every KPI's value in it."""

    label: str
    accounts: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Scorecard:
    title: str
    currency: str
    kpis: tuple[KpiResult, ...]
    baselines: dict[str, Decimal | None]
    verdict_title: str | None
    verdict: bool | None  # None: no verdict, or not enough data to say
    failing: tuple[str, ...]  # the verdict's KPIs that did not pass
    window: Window
    as_of: dt.date | None
    elapsed_days: int | None
    horizon_days: int
    counts: Counts
    provenance: Provenance
    projected_verdict: bool | None = None
    goal_titles: dict[str, str | None] = field(default_factory=dict)
    baseline_kinds: dict[str, str] = field(default_factory=dict)
    by: str | None = None  # tier, cluster or group: what `breakdown` splits the KPIs by
    breakdown: tuple[Part, ...] = ()

    @property
    def passed(self) -> bool:
        return self.verdict is True


def evaluate_playbook(
    playbook: Playbook,
    sources: dict[str, str],
    accounts: Source,
    activities: Source,
    contacts: Source | None = None,
    as_of: dt.date | None = None,
    date_field: str | None = None,
    scores: Path | None = None,
    by: str | None = None,
    engine: Engine | None = None,
) -> Scorecard:
    """Measure and judge the pilot; raises DataError for bad data, EvaluateError otherwise.

    With ``scores``, also write every account's engagement scores there (CSV, Parquet or
    JSON; :class:`~abmdsl.files.OutputError` when it cannot be written). With ``by``
    (``tier``, ``cluster`` or ``group``), also every KPI's value in each of them. With an
    ``engine`` other than DuckDB, the tiering and the KPIs' query run there (the data is
    checked, and the groups' rows chosen, by DuckDB).
    """
    from ..data import load_dataset

    if "activities" not in playbook.fields:
        raise EvaluateError("the playbook declares no `activities`: declare what they hold")
    window = _window(playbook, as_of, date_field)
    con = connect()
    run = run_playbook(playbook, sources, accounts, contacts, con=con, engine=engine)
    report = load_dataset(
        con, activities, "activities", playbook.fields["activities"], "activities"
    )
    datasets = {"activities"} | ({"contacts"} if contacts is not None else set())
    columns = _breakdown(playbook, run.table, by)
    try:
        counts = population.build(
            con, playbook, run.table, datasets, window, [g for g, _ in columns]
        )
    except PopulationError as exc:
        raise EvaluateError(str(exc)) from exc
    scale, elapsed = _projection(playbook, as_of)
    wanted = engagement.used(playbook) if scores is None else list(playbook.engagements)
    if contacts is None and engagement.needs_contacts(playbook, wanted):
        raise EvaluateError(
            "the engagement scores read contacts (a contact's field multiplies, or activities "
            "name their account through their contact): pass --contacts"
        )
    compiler = KpiCompiler(
        playbook,
        population.view,
        frozenset({"activities"}),
        day=window.last,
        date_field=window.date_field,
        contacts=contacts is not None,
    )
    data_hash = hashlib.sha256((run.provenance.data_sha256 + report.sha256).encode()).hexdigest()
    try:
        measured = compiler.compile(scale, [g for g, _ in columns])
        row = _measure(con, measured.query, engine)
        if scores is not None:
            table = con.sql(_scores_sql(playbook, window, contacts is not None)).to_arrow_table()
            provenance = Provenance(playbook_hash(sources), data_hash)
            write_table(table, scores, provenance.as_dict())
    except Unsupported as exc:
        raise EvaluateError(f"cannot measure this playbook: {exc}") from exc
    values = dict(zip(measured.outputs, row, strict=True))
    card = _scorecard(
        playbook,
        values,
        window,
        as_of,
        elapsed,
        counts,
        Provenance(playbook_hash(sources), data_hash),
    )
    sizes = (
        [counts.accounts[g] for g, _ in columns]
        if by == "group"
        else _accounts(run.table, by, columns)
    )
    parts = tuple(
        Part(label, size, {n: _exact(values[Output("value", n, False, g)]) for n in playbook.kpis})
        for (g, label), size in zip(columns, sizes, strict=True)
    )
    return replace(card, by=by, breakdown=parts)


def _measure(con: Any, query: exp.Select, engine: Engine | None) -> tuple[Any, ...]:
    """The KPIs' one row, from DuckDB or from ``engine``, which is first given every table
    and view of ``con`` the query reads."""
    if engine is None or engine.name == "duckdb":
        (row,) = con.sql(query.sql("duckdb")).fetchall()
        return tuple(row)
    from ..engines import conform

    ctes = {cte.alias for cte in query.find_all(exp.CTE)}
    for name in sorted({t.name for t in query.find_all(exp.Table)} - ctes):
        engine.put(name, con.sql(f'SELECT * FROM "{name}"').to_arrow_table())
    schema = con.sql(f"SELECT * FROM ({query.sql('duckdb')}) LIMIT 0").to_arrow_table().schema
    (row,) = conform(engine.query(engine.sql(query)), schema).to_pylist()
    return tuple(row.values())


def _exact(value: object) -> Any:
    return value if value is None or isinstance(value, dt.date) else Decimal(str(value))


def _breakdown(playbook: Playbook, tiered: Any, by: str | None) -> list[tuple[str, str]]:
    """The groups of a breakdown, each as (the group KPIs are measured on, its label)."""
    if by is None:
        return []
    if by == "tier":
        return [(t.name, t.name) for t in playbook.tiers]
    if by == "group":
        return [(g, g) for g in ("programme", "control", "outside")]
    values = sorted({str(v) for v in tiered.column("cluster").to_pylist() if v is not None})
    return [(population.cluster_group(v), v) for v in values]


def _accounts(tiered: Any, by: str | None, columns: list[tuple[str, str]]) -> list[int]:
    """Accounts of each tier or cluster, the holdout apart (as the KPIs count them)."""
    import pyarrow.compute as pc

    if by is None:
        return []
    kept = pc.invert(pc.fill_null(tiered.column("holdout"), False))
    field = "tier" if by == "tier" else "cluster"
    column = pc.cast(tiered.column(field), "string")
    return [
        int(pc.sum(pc.and_(kept, pc.equal(column, label))).as_py() or 0) for _, label in columns
    ]


def _scores_sql(playbook: Playbook, window: Window, with_contacts: bool) -> str:
    """Every account's key, tier, group and engagement scores, by key: what ``--scores``
    writes, for a later run to read as fields of accounts."""
    key = playbook.key_field("accounts")
    assert key is not None, "population.build has checked the key"
    scored = engagement.scored_accounts(
        playbook,
        list(playbook.engagements),
        population.ACCOUNTS,
        population.view("activities", "all"),
        population.view("contacts", "all") if with_contacts else None,
        window.last,
        window.date_field,
    )
    names = [column(key.name), column("tier"), exp.alias_(column("__group"), "group", quoted=True)]
    names += [column(n) for n in playbook.engagements]
    query = exp.select(*names).from_(exp.alias_(exp.Subquery(this=scored), "s"))
    return query.order_by(column(key.name)).sql("duckdb")


def _window(playbook: Playbook, as_of: dt.date | None, chosen: str | None) -> Window:
    fields = playbook.fields["activities"]
    if chosen is not None:
        found = fields.get(chosen)
        if found is None or found.type != "date":
            dates = [f"`{f.name}`" for f in fields.values() if f.type == "date"]
            raise EvaluateError(
                f"activities have no date field `{chosen}`"
                + (f"; their date fields: {', '.join(dates)}" if dates else "")
            )
        name: str | None = chosen
    else:
        try:
            name = population.date_field(playbook)
        except PopulationError as exc:
            raise EvaluateError(str(exc)) from exc
    if name is None:
        if as_of is not None:
            raise EvaluateError("--as-of needs dated activities: declare e.g. `on: date`")
        return Window(None, None, None)
    start = playbook.start
    last = start + dt.timedelta(days=playbook.horizon_days - 1) if start else None
    if as_of is not None:
        if start is not None and as_of < start:
            raise EvaluateError(f"--as-of {as_of} is before the pilot starts on {start}")
        last = as_of if last is None else min(as_of, last)
    return Window(start, last, name)


def _projection(playbook: Playbook, as_of: dt.date | None) -> tuple[Decimal | None, int | None]:
    """How much the counts will have grown by the horizon, linearly: horizon ÷ days elapsed."""
    if as_of is None or playbook.start is None:
        return None, None
    elapsed = (as_of - playbook.start).days + 1
    if elapsed >= playbook.horizon_days:
        return None, elapsed
    factor = Decimal(playbook.horizon_days) / Decimal(elapsed)
    return factor.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP), elapsed


def _scorecard(
    playbook: Playbook,
    values: dict[Output, object],
    window: Window,
    as_of: dt.date | None,
    elapsed: int | None,
    counts: Counts,
    provenance: Provenance,
) -> Scorecard:
    def get(what: str, name: str, projected: bool = False) -> Any:
        found = values.get(Output(what, name, projected))
        if found is None or isinstance(found, dt.date):  # `latest(activities.on)` is a date
            return found
        return Decimal(str(found))

    projecting = any(o.projected for o in values)
    results: list[KpiResult] = []
    for name, kpi in playbook.kpis.items():
        now = [get(w, name) for w in ("value", "target", "low", "high", "warn")]
        ahead = [get(w, name, True) for w in ("value", "target", "low", "high", "warn")]
        results.append(
            KpiResult(
                name=name,
                title=kpi.title,
                kind=shown_kind(playbook, kpi),
                value=now[0],
                status=judge(kpi, *now),
                target=threshold_text(kpi),
                target_value=now[1],
                low=now[2],
                high=now[3],
                warn=f"{kpi.warn_op} {format_expr.expr(kpi.warn)}" if kpi.warn else None,
                warn_value=now[4],
                goals=_goals(playbook, name, kpi),
                projected=ahead[0] if projecting else None,
                projected_status=judge(kpi, *ahead) if projecting else None,
            )
        )
    statuses = {r.name: r.status for r in results}
    projected = {r.name: r.projected_status or r.status for r in results}
    return Scorecard(
        title=playbook.title,
        currency=playbook.currency,
        kpis=tuple(results),
        baselines={n: get("baseline", n) for n in playbook.baselines},
        verdict_title=playbook.verdict.title if playbook.verdict else None,
        verdict=verdict(playbook, statuses),
        failing=tuple(deciding(playbook, statuses)),
        window=window,
        as_of=as_of,
        elapsed_days=elapsed,
        horizon_days=playbook.horizon_days,
        counts=counts,
        provenance=provenance,
        projected_verdict=verdict(playbook, projected) if projecting else None,
        goal_titles={n: g.title for n, g in playbook.goals.items()},
        baseline_kinds={n: b.kind for n, b in playbook.baselines.items()},
    )


def shown_kind(playbook: Playbook, kpi: KpiIR) -> str:
    """A ratio of two counts is a number to the checker, but a rate to the strategist who
    compares it with a percentage: it is shown as one when its target is one."""
    if kpi.kind != "number":
        return kpi.kind
    target = (
        kpi.target
        if kpi.target is not None
        else (kpi.target_range.low if kpi.target_range is not None else None)
    )
    if isinstance(target, ast.Percent):
        return "percent"
    if isinstance(target, ast.Name):
        other = playbook.baselines.get(target.id) or playbook.kpis.get(target.id)
        if other is not None and other.kind == "percent":
            return "percent"
    return kpi.kind


def threshold_text(kpi: KpiIR) -> str | None:
    if kpi.target_op == "in" and kpi.target_range is not None:
        return f"in {format_expr.range_(kpi.target_range)}"
    if kpi.target_op is not None and kpi.target is not None:
        return f"{kpi.target_op} {format_expr.expr(kpi.target)}"
    return None


def _goals(playbook: Playbook, name: str, kpi: KpiIR) -> tuple[str, ...]:
    """The goals the KPI measures: its own `measures` and the goals `measured by` it."""
    goals = list(kpi.measures)
    goals += [g.name for g in playbook.goals.values() if name in g.measured_by]
    return tuple(dict.fromkeys(goals))
