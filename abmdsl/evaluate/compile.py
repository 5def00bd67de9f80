"""KPIs, baselines and their thresholds → one SQLGlot query, with the reference's semantics.

Input: a checked playbook and the table that holds each data set of each group of accounts.
Output: a :class:`Measured` query whose one row holds every KPI's value, target, range ends and
warn level, and every baseline's value; with an as-of date, the same again projected to the
horizon.

How the query is shaped, so that 10M activity rows are read once, as a hand-written query would:

* every aggregate at the top of an expression becomes one column of a **scan**: one ``SELECT``
  over its data set with an aggregate per column, each with its own ``FILTER (WHERE …)``;
* an aggregate inside another's ``where`` (activities of *this* account) becomes a grouped
  subquery per link value, ``LEFT JOIN``-ed to the rows around it;
* KPIs and baselines that use each other are inlined by name: the final ``SELECT`` reads the
  scans' single rows.

The rules of :mod:`abmdsl.reference_kpis` hold: ``count``, ``sum`` and ``distinct`` are 0 over
no rows, ``avg``, ``median`` and ``share`` are missing; a quotient (``avg``, ``share``, the two
middle values of a ``median``) is exact and rounded half away from zero to six places.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlglot import exp

from .. import ast
from ..engine.sqlgen import DECIMAL, Columns, Unsupported, column, decimal, exact_division, to_sql
from ..ir import FieldInfo, Playbook
from . import engagement

Tables = Callable[[str, str], str]  # (data set, group) → the table or view holding its rows
NUMERIC = ("number", "percent", "money", "duration")
DEFAULT_GROUP = "programme"
# Aggregates whose value grows with the days that pass: what an as-of projection scales.
ADDITIVE = ("count", "sum", "distinct")


@dataclass
class _Scan:
    """One data set of one group, read once: its aggregates and the joins they need."""

    alias: str
    dataset: str
    table: str
    columns: list[exp.Expression] = field(default_factory=list)
    joins: list[tuple[exp.Expression, exp.Expression]] = field(default_factory=list)


@dataclass
class _Row:
    """The row an expression inside an aggregate's ``where`` is about."""

    dataset: str
    alias: str
    group: str
    joins: list[tuple[exp.Expression, exp.Expression]]
    outer: _Row | None = None
    outer_alias: str | None = None  # the enclosing row, joined in only when it is used
    uses_outer: bool = False


class _Names(Mapping[str, exp.Expression]):
    """Names resolved on demand, so that only what an expression uses is compiled."""

    def __init__(self, known: Callable[[str], bool], get: Callable[[str], exp.Expression]):
        self._known, self._get = known, get

    def __getitem__(self, name: str) -> exp.Expression:
        if not self._known(name):
            raise KeyError(name)
        return self._get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._known(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass(frozen=True)
class Output:
    """What one column of the result is: ``(what, name)``, e.g. ``("target", "engagement")``."""

    what: str  # value | target | low | high | warn | baseline
    name: str
    projected: bool = False
    group: str | None = None  # a KPI's value in one group of a breakdown (`--by tier`)


@dataclass(frozen=True)
class Partition:
    """Measure every KPI once per value of ``column`` (a simulation's run, say).

    Every table the compiler reads must hold ``column``; ``values`` is a table holding each
    value once, so that a value whose rows are all missing from a data set still gets its
    row, with what the KPIs give over no rows.
    """

    column: str
    values: str


@dataclass(frozen=True)
class Measured:
    query: exp.Select
    outputs: tuple[Output, ...]  # in the order of the query's columns (after the partition's)
    partition: str | None = None  # the first column when measured per partition, by it


class KpiCompiler:
    """Compiles a playbook's measures; one instance per query."""

    def __init__(
        self,
        playbook: Playbook,
        tables: Tables,
        dated: frozenset[str] = frozenset(),
        day: dt.date | None = None,
        date_field: str | None = None,
        contacts: bool = True,
    ):
        self.playbook = playbook
        self._tables = tables
        self._reads: dict[str, tuple[str, int]] = {}  # the name reads go by → (table, reads)
        self._groups: dict[str, str] = {}  # the name a read of accounts goes by → its group
        # Engagement scores: the day ages count to, the activities' date, whether contacts exist.
        self.day, self.date_field, self.contacts = day, date_field, contacts
        self._scored = engagement.used(playbook)
        self.dated = dated  # data sets cut at the as-of date, whose counts grow with time
        self._scans: dict[tuple[str, str], _Scan] = {}
        self._done: dict[tuple[int, str], tuple[str, _Scan, ast.Aggregate]] = {}
        self._ids = itertools.count()
        self._scale: exp.Expression | None = None
        self._memo: dict[tuple[str, str, bool], exp.Expression] = {}
        self._partition: Partition | None = None

    # ------------------------------------------------------------------ the whole query
    def compile(
        self,
        scale: Decimal | None = None,
        breakdown: Sequence[str] = (),
        partition: Partition | None = None,
    ) -> Measured:
        """Every KPI's value and thresholds and every baseline's value; with ``scale``, also
        each projected to the horizon (additive aggregates of dated data multiplied by it);
        and every KPI's value in each group of ``breakdown`` (each tier, say).

        With ``partition``, one row per value of its column, that value first: every scan
        and nested aggregate is grouped by it, so each row is what the query without a
        partition gives on that value's rows alone.
        """
        self._partition = partition
        outputs: list[Output] = []
        columns: list[exp.Expression] = []
        for group in breakdown:
            for name, kpi in self.playbook.kpis.items():
                sql = self.expression(kpi.expr, group)
                sql = decimal(sql) if kpi.kind in NUMERIC else sql
                columns.append(exp.alias_(sql, f"__o{len(outputs)}", quoted=True))
                outputs.append(Output("value", name, False, group))
        for projected in (False, True) if scale is not None else (False,):
            self._scale = exp.Literal.number(f"{scale:f}") if projected else None
            for out, node, kind in self._wanted():
                out = Output(out.what, out.name, projected)
                sql = self.expression(node, DEFAULT_GROUP)
                if kind in NUMERIC:
                    sql = decimal(sql)
                columns.append(exp.alias_(sql, f"__o{len(outputs)}", quoted=True))
                outputs.append(out)
        self._scale = None
        return Measured(
            self._select(columns), tuple(outputs), partition.column if partition else None
        )

    def _wanted(self) -> Iterator[tuple[Output, ast.Expr, str]]:
        for name, baseline in self.playbook.baselines.items():
            yield Output("baseline", name), baseline.expr, baseline.kind
        for name, kpi in self.playbook.kpis.items():
            yield Output("value", name), kpi.expr, kpi.kind
            if kpi.target is not None:
                yield Output("target", name), kpi.target, kpi.kind
            if kpi.target_range is not None:
                yield Output("low", name), kpi.target_range.low, kpi.kind
                yield Output("high", name), kpi.target_range.high, kpi.kind
            if kpi.warn is not None:
                yield Output("warn", name), kpi.warn, kpi.kind

    def _select(self, columns: list[exp.Expression]) -> exp.Select:
        if self._partition is not None:
            return self._partitioned(columns, self._partition)
        select = exp.select(*columns)
        scans = list(self._scans.values())
        for n, scan in enumerate(scans):
            body = exp.select(*scan.columns).from_(exp.alias_(exp.to_table(scan.table), "r"))
            for source, on in scan.joins:
                body = body.join(source, on=on, join_type="LEFT")
            select = select.with_(scan.alias, as_=body)
            table = exp.to_table(scan.alias)
            select = select.from_(table) if n == 0 else select.join(table, join_type="CROSS")
        return self._shared(select)

    def _partitioned(self, columns: list[exp.Expression], partition: Partition) -> exp.Select:
        """Each scan grouped by the partition, left-joined to the table of its values: a
        value without rows in a scan reads as missing there, which :meth:`_top` turns into
        what its aggregate gives over no rows."""
        key, runs = partition.column, "__partitions"
        select = exp.select(exp.alias_(column(key, runs), key, quoted=True), *columns)
        select = select.from_(exp.alias_(exp.to_table(partition.values), runs))
        for scan in self._scans.values():
            body = exp.select(exp.alias_(column(key, "r"), key, quoted=True), *scan.columns).from_(
                exp.alias_(exp.to_table(scan.table), "r")
            )
            for source, on in scan.joins:
                body = body.join(source, on=on, join_type="LEFT")
            body = body.group_by(column(key, "r"))
            select = select.with_(scan.alias, as_=body)
            on = exp.EQ(this=column(key, scan.alias), expression=column(key, runs))
            select = select.join(exp.to_table(scan.alias), on=on, join_type="LEFT")
        return self._shared(select.order_by(column(key, runs)))

    def _same_partition(self, inner: str, outer: str | None) -> exp.Expression | None:
        """``inner.partition = outer.partition``; ``None`` without a partition."""
        if self._partition is None:
            return None
        key = self._partition.column
        return exp.EQ(this=column(key, inner), expression=column(key, outer))

    def tables(self, dataset: str, group: str) -> str:
        """The name one read of a data set's rows of a group goes by, until :meth:`_shared`."""
        table = self._tables(dataset, group)
        name = next((n for n, (t, _) in self._reads.items() if t == table), None)
        name = name or f"__rows_{len(self._reads)}"
        self._reads[name] = (table, self._reads.get(name, (table, 0))[1] + 1)
        if dataset == "accounts":
            self._groups[name] = group
        return name

    def _shared(self, select: exp.Select) -> exp.Select:
        """Rows read more than once (the activities of the scan and of a nested count of the
        activities of each account) are read once, into a ``MATERIALIZED`` CTE of the columns
        the query uses; the others are read where they are used.

        DuckDB would otherwise read and filter the file once per use: at 10M activities, the
        seed's KPIs took 1.6 s reading them twice and 0.7 s reading them once (with every
        column kept, 1.2 s).
        """
        places = [t for t in select.find_all(exp.Table) if t.name in self._reads]
        shared: list[exp.CTE] = []
        for name, (table, reads) in self._reads.items():
            if name in self._groups and self._scored:
                # The accounts with their engagement scores, computed from the group's rows.
                group = self._groups[name]
                body = engagement.scored_accounts(
                    self.playbook,
                    self._scored,
                    table,
                    self._tables("activities", group),
                    self._tables("contacts", group) if self.contacts else None,
                    self.day,
                    self.date_field,
                    self._partition.column if self._partition is not None else None,
                )
                cte = exp.CTE(this=body, alias=exp.TableAlias(this=name), materialized=reads > 1)
                shared.append(cte)
                continue
            if reads < 2:
                for place in (p for p in places if p.name == name):
                    place.set("this", exp.to_identifier(table))
                continue
            used: dict[str, None] = {}
            for place in (p for p in places if p.name == name):
                scope = place.find_ancestor(exp.Select)
                for col in scope.find_all(exp.Column) if scope is not None else ():
                    if col.table == place.alias_or_name:
                        used[col.name] = None
            kept = [column(c) for c in used] or [exp.alias_(exp.Literal.number(1), "__one")]
            body = exp.select(*kept).from_(exp.to_table(table))
            shared.append(exp.CTE(this=body, alias=exp.TableAlias(this=name), materialized=True))
        if shared:
            with_ = select.args.get("with_") or select.args.get("with")  # renamed in sqlglot 30
            assert with_ is not None  # rows are read by scans, which are CTEs
            with_.set("expressions", [*shared, *with_.expressions])
        return select

    # ------------------------------------------------------------------ KPI-level expressions
    def expression(self, expr: ast.Expr, group: str) -> exp.Expression:
        """An expression of KPIs, baselines, constants and aggregates, as one scalar."""
        columns = Columns(
            names=_Names(self._is_measure, lambda name: self.measure(name, group)),
            aggregate=lambda node: self._top(node, group),
            of=lambda node: exp.Paren(this=self.expression(node.value, node.group.name)),
        )
        return to_sql(expr, columns)

    def _is_measure(self, name: str) -> bool:
        return name in self.playbook.kpis or name in self.playbook.baselines

    def measure(self, name: str, group: str) -> exp.Expression:
        """A KPI's or baseline's value, inlined (the checker has ruled out circles)."""
        key = (name, group, self._scale is not None)
        if key not in self._memo:
            kpi = self.playbook.kpis.get(name)
            node = kpi.expr if kpi is not None else self.playbook.baselines[name].expr
            self._memo[key] = exp.Paren(this=self.expression(node, group))
        return self._memo[key].copy()

    def _top(self, node: ast.Aggregate, group: str) -> exp.Expression:
        key = (id(node), group)
        if key not in self._done:
            scan = self._scan(node.dataset, group)
            row = _Row(node.dataset, "r", group, scan.joins)
            name = f"__a{next(self._ids)}"
            scan.columns.append(exp.alias_(self._aggregate(node, row), name, quoted=True))
            self._done[key] = (name, scan, node)
        name, scan, node = self._done[key]
        value: exp.Expression = column(name, scan.alias)
        if self._partition is not None and node.func in ADDITIVE:
            # A partition without rows in this scan: nothing counted, nothing summed.
            zero = exp.Literal.number(0)
            value = exp.Coalesce(
                this=value, expressions=[decimal(zero) if node.func == "sum" else zero]
            )
        if self._scale is not None and node.func in ADDITIVE and node.dataset in self.dated:
            value = decimal(exp.Mul(this=decimal(value), expression=self._scale.copy()))
        return value

    def _scan(self, dataset: str, group: str) -> _Scan:
        key = (dataset, group)
        if key not in self._scans:
            alias = f"__scan_{dataset}_{len(self._scans)}"
            self._scans[key] = _Scan(alias, dataset, self.tables(dataset, group))
        return self._scans[key]

    # ------------------------------------------------------------------ row-level expressions
    def _aggregate(self, node: ast.Aggregate, row: _Row, filtered: bool = True) -> exp.Expression:
        """``node`` over the rows of ``row``; with ``filtered=False`` its ``where`` is left
        to the caller (who puts it in the ``WHERE`` of the query it builds)."""
        where = node.where if filtered else None
        cond = self._row_expression(where, row) if where is not None else None

        def only(agg: exp.Expression) -> exp.Expression:
            if cond is None:
                return agg
            return exp.Filter(this=agg, expression=exp.Where(this=cond.copy()))

        zero = decimal(exp.Literal.number(0))
        if node.func == "count":
            return only(exp.Count(this=exp.Star()))
        if node.func == "share":
            return exact_division(only(exp.Count(this=exp.Star())), exp.Count(this=exp.Star()))
        # The checker requires a field or a value of the others.
        if node.value is not None:
            raw = self._row_expression(node.value, row)
        else:
            raw = column(node.field, row.alias)  # type: ignore[arg-type]
        if node.func == "distinct":
            return only(exp.Count(this=exp.Distinct(expressions=[raw])))
        if node.func in ("earliest", "latest"):  # dates stay dates; numbers are exact already
            kind = exp.Min if node.func == "earliest" else exp.Max
            return only(kind(this=raw))
        value = decimal(raw)
        if node.func == "sum":
            return exp.Coalesce(this=only(exp.Sum(this=value)), expressions=[zero])
        if node.func == "avg":
            return exact_division(only(exp.Sum(this=value)), only(exp.Count(this=value.copy())))
        # The median is the mean of the lower and the upper middle values (one and the same
        # when their number is odd): the upper one is the lower middle of the negated values.
        half = exp.Literal.number("0.5")
        lower = only(exp.PercentileDisc(this=value, expression=half))
        upper = exp.Neg(
            this=only(exp.PercentileDisc(this=exp.Neg(this=value.copy()), expression=half.copy()))
        )
        return exact_division(exp.Add(this=lower, expression=upper), exp.Literal.number(2))

    def _fields(self, dataset: str) -> Mapping[str, FieldInfo]:
        """A data set's fields; for accounts, with the engagement scores, numbers like them."""
        fields = self.playbook.fields.get(dataset, {})
        if dataset != "accounts" or not self.playbook.engagements:
            return fields
        scores = {
            n: FieldInfo(dataset="accounts", name=n, type="number")
            for n in self.playbook.engagements
        }
        return {**fields, **scores}

    def _row_expression(self, expr: ast.Expr, row: _Row) -> exp.Expression:
        fields = self._fields(row.dataset)
        outer = self._fields(row.outer.dataset) if row.outer else {}

        def known(name: str) -> bool:
            return name in fields or name in outer or self._is_measure(name)

        def get(name: str) -> exp.Expression:
            if name in fields:
                return column(name, row.alias)
            if name in outer:
                row.uses_outer = True
                return column(name, row.outer_alias)
            return self._constant_measure(name)

        dates = frozenset(n for n, f in [*outer.items(), *fields.items()] if f.type == "date")
        columns = Columns(
            names=_Names(known, get), dates=dates, aggregate=lambda node: self._nested(node, row)
        )
        return to_sql(expr, columns)

    def _constant_measure(self, name: str) -> exp.Expression:
        kpi = self.playbook.kpis.get(name)
        node = kpi.expr if kpi is not None else self.playbook.baselines[name].expr
        if any(isinstance(n, ast.Aggregate) for n in _walk(node)):
            raise Unsupported(
                f"`{name}` is computed from the data; inside `where`, use constants or "
                "baselines that are constants"
            )
        return exp.Paren(this=self.expression(node, DEFAULT_GROUP))

    def _nested(self, node: ast.Aggregate, outer: _Row) -> exp.Expression:
        """``count(activities where …)`` about the row around it: grouped by the link."""
        if outer.outer is not None and outer.uses_outer:
            raise Unsupported("an aggregate three levels deep that uses the outermost row")
        n = next(self._ids)
        if node.dataset == outer.dataset:
            return self._whole(node, outer, n)
        inner_link, outer_link = link(self.playbook.fields, node.dataset, outer.dataset)
        row = _Row(node.dataset, f"__i{n}", outer.group, [], outer, f"__o{n}")
        # The condition of any aggregate but a share can go in the WHERE: a group with no row
        # left then gives no row, which reads as NULL (0 once coalesced), as the FILTER of an
        # empty group does; only the few rows that pass are grouped (a per-account count of
        # one kind of activity no longer groups every activity).
        early = node.where is not None and node.func != "share"
        value = self._aggregate(node, row, filtered=not early)
        # Before the joins are read: the condition may add some (and use the outer row).
        cond = self._row_expression(node.where, row) if early else None  # type: ignore[arg-type]
        keys = [exp.alias_(column(inner_link, row.alias), "__link", quoted=True)]
        grouped = [column(inner_link, row.alias)]
        if self._partition is not None:
            part = self._partition.column
            keys.append(exp.alias_(column(part, row.alias), part, quoted=True))
            grouped.append(column(part, row.alias))
        body = (
            exp.select(*keys, exp.alias_(value, "__v", quoted=True))
            .from_(exp.alias_(exp.to_table(self.tables(node.dataset, outer.group)), row.alias))
            .group_by(*grouped)
        )
        if row.uses_outer:
            outer_table = exp.to_table(self.tables(outer.dataset, outer.group))
            linked: exp.Expression = exp.EQ(
                this=column(inner_link, row.alias),
                expression=column(outer_link, row.outer_alias),
            )
            same = self._same_partition(row.alias, row.outer_alias)
            linked = linked if same is None else exp.and_(linked, same)
            body = body.join(exp.alias_(outer_table, row.outer_alias or ""), on=linked)
        for source, on in row.joins:
            body = body.join(source, on=on, join_type="LEFT")
        if cond is not None:
            body = body.where(cond)
        alias = f"__n{n}"
        joined: exp.Expression = exp.EQ(
            this=column("__link", alias), expression=column(outer_link, outer.alias)
        )
        same = self._same_partition(alias, outer.alias)
        outer.joins.append(
            (
                exp.alias_(exp.Subquery(this=body), alias),
                joined if same is None else exp.and_(joined, same),
            )
        )
        result: exp.Expression = column("__v", alias)
        if node.func in ADDITIVE:  # no linked rows: nothing counted, nothing summed
            zero = exp.Literal.number(0)
            result = exp.Coalesce(
                this=result, expressions=[decimal(zero) if node.func == "sum" else zero]
            )
        return result

    def _whole(self, node: ast.Aggregate, outer: _Row, n: int) -> exp.Expression:
        """An aggregate nested in one over the same data set ranges over all its rows
        (``count(activities where cost > avg(activities.cost))``): one scalar subquery."""
        row = _Row(node.dataset, f"__i{n}", outer.group, [])
        body = exp.select(self._aggregate(node, row)).from_(
            exp.alias_(exp.to_table(self.tables(node.dataset, outer.group)), row.alias)
        )
        for source, on in row.joins:
            body = body.join(source, on=on, join_type="LEFT")
        same = self._same_partition(row.alias, outer.alias)
        if same is not None:  # all the rows of the outer row's partition: correlated by it
            body = body.where(same)
        return exp.Subquery(this=body)


def link(fields: Mapping[str, Mapping[str, FieldInfo]], inner: str, outer: str) -> tuple[str, str]:
    """Which field of ``inner`` equals which field of ``outer`` for the rows that belong together.

    The child's field that ``references`` the parent (or is named like the parent's key and is
    not its own key) equals the parent's key, whichever of the two is inside.
    """
    found = _pointer(fields, inner, outer)
    if found is not None:
        return found, _key(fields, outer)
    found = _pointer(fields, outer, inner)
    if found is not None:
        return _key(fields, inner), found
    raise Unsupported(f"nothing links `{inner}` to `{outer}`")  # ABM231 keeps this out


def _key(fields: Mapping[str, Mapping[str, FieldInfo]], dataset: str) -> str:
    key = next((f.name for f in fields[dataset].values() if f.key), None)
    if key is None:
        raise Unsupported(f"`{dataset}` have no key field")
    return key


def _pointer(fields: Mapping[str, Mapping[str, FieldInfo]], child: str, parent: str) -> str | None:
    key = next((f.name for f in fields[parent].values() if f.key), None)
    declared = next((f.name for f in fields[child].values() if f.references == parent), None)
    if declared is not None:
        return declared
    named = fields[child].get(key) if key is not None else None
    return named.name if named is not None and not named.key else None


def _walk(expr: ast.Expr) -> Iterator[ast.Expr]:
    from ..check.links import children

    yield expr
    for child in children(expr):
        yield from _walk(child)


__all__ = ["DECIMAL", "KpiCompiler", "Measured", "Output", "Partition", "Tables", "link"]
