"""The reference evaluator of KPIs: the executable definition of what KPIs, baselines, targets
and the verdict mean.

Input: a checked :class:`abmdsl.ir.Playbook` and its data (data set → rows, each a field →
value mapping with the values of :mod:`abmdsl.reference`: ``Decimal`` for numbers, percentages
as fractions, money, durations in days and whole numbers; ``str``; ``bool``; ``datetime.date``;
``None`` for missing). Output: :class:`Measures`, every KPI's, baseline's, target's and warn
level's value; :func:`judge` and :func:`verdict` turn them into passes and the pilot's verdict.

It is small and slow on purpose (nested aggregates loop over rows inside rows); every compiled
path must agree with it. Arithmetic, comparisons, logic, functions and missing values are
:func:`abmdsl.reference.evaluate`'s own: this module only adds the aggregates and the names.
The rules of ``docs/language/kpis.md``:

* ``count`` counts the rows whose ``where`` is true (false or missing: not counted); ``sum``,
  ``avg``, ``median`` and ``distinct`` take the field of those rows, skipping missing values;
* over no values ``count``, ``sum`` and ``distinct`` are 0, ``avg`` and ``median`` missing;
  ``share`` is missing over no rows;
* ``avg``, an even ``median``'s mean of the two middle values, and ``share`` are rounded to six
  places half away from zero, exactly like a quotient of :mod:`abmdsl.reference`; every numeric
  result is a six-place ``Decimal`` (and an overflow error from :data:`~abmdsl.reference.LIMIT`);
* a nested aggregate ranges over the rows of its data set linked to the current row of the
  aggregate directly around it; inside a ``where`` a name is a field of the aggregate's data
  set, else of the enclosing aggregates' (innermost first), else a KPI or a baseline;
* KPIs and baselines use each other in any order (never in a circle).

Choices the language documents do not pin, made here:

* **Linking.** The inner data set is the child when one of its fields ``references`` the outer
  one (or, failing that, is named like the outer's key and is not itself a key): an inner row
  belongs to the outer row when that field equals the outer row's key. Otherwise the outer is
  the child and the inner row whose key equals the outer row's linking field belongs to it. The
  child direction is tried first; among several linking fields a ``references`` field wins over
  a same-named one, then the first declared. A missing linking value links to nothing.
* **Same data set.** An aggregate nested in one over the same data set
  (``count(activities where cost > avg(activities.cost))``) ranges over **all** its rows, not
  only the current one: that is the only reading under which such a condition says anything.
* **Only the nearest enclosing row links.** Activities counted inside contacts counted inside
  accounts are those of the contact; the account only matters through the contact.
* **Sum of nothing.** ``sum`` over rows whose field is missing everywhere is 0, as over no rows
  (SQL's ``SUM`` would give NULL).
* **Data values are taken as they are** (a loaded data set holds at most six decimal places);
  only results are rounded. A field a row lacks is missing; an undeclared key of a row is ignored.
* **Passing** (:func:`judge`): a KPI with a missing value has no data (``None``); otherwise it
  passes when the comparison with its target is true, has no data when that comparison is
  missing (a missing target), warns when it does not pass and the comparison with its warn level
  is true, and fails otherwise (a missing warn level does not warn).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Literal

from . import ast
from .check.links import children
from .ir import KpiIR, Playbook
from .reference import PRECISION, Env, EvalError, Value, evaluate, quantize
from .reference_engagement import scores

Rows = Sequence[Mapping[str, Value]]
Data = Mapping[str, Rows]
Frames = tuple[tuple[str, Mapping[str, Value]], ...]  # (data set, row), innermost first
Outcome = Literal["pass", "warn", "fail"] | None

# An aggregate is replaced by a name no playbook can spell (a NUL byte), which the names
# callback evaluates with the rows around it: reference.py then evaluates everything else.
_HOISTED = "\0"
_VALUE, _TARGET, _LOW, _HIGH = "\0value", "\0target", "\0low", "\0high"
_OF = "\0of"  # `X of GROUP`, replaced like an aggregate


@dataclass(frozen=True)
class Measures:
    """Every value a playbook's KPIs, baselines, targets and warn levels have on some data."""

    kpis: dict[str, Value]  # in the playbook's order
    baselines: dict[str, Value]
    targets: dict[str, Value]  # KPI → its target's value, for `target OP expr` only
    ranges: dict[str, tuple[Value, Value]]  # KPI → (low, high), for `target in a..b`
    warns: dict[str, Value]  # KPI → its warn level's value


def measure(
    playbook: Playbook,
    data: Data,
    groups: Mapping[str, Data] | None = None,
    day: dt.date | None = None,
) -> Measures:
    """The value of every KPI, baseline, target and warn level of ``playbook`` on ``data``.

    ``data`` is the programme's; ``groups`` holds the data of each other group of accounts an
    ``X of GROUP`` names (``control``, ``all``, a tier …); a group it lacks has no rows.
    ``day`` is the day engagement scores count ages to (the as-of date or the pilot's last
    day); an account row's ``tier`` is what a score's tier multiplier reads.

    >>> from abmdsl.api import compile_text
    >>> pb = compile_text('''playbook "P" { horizon 90 days  currency USD }
    ... accounts { key account_id: text }
    ... kpi many = count(accounts)
    ...   target >= 2
    ... verdict pass when many''').playbook
    >>> measure(pb, {"accounts": [{"account_id": "A"}]}).kpis
    {'many': Decimal('1.000000')}
    """
    with localcontext() as context:
        context.prec = PRECISION
        return _Measurer(playbook, data, groups or {}, day).run()


def judge(playbook: Playbook, measures: Measures) -> dict[str, Outcome]:
    """Each KPI with a target: passes, warns, fails, or ``None`` (no data).

    >>> from abmdsl.api import compile_text
    >>> pb = compile_text('''playbook "P" { horizon 90 days  currency USD }
    ... accounts { key account_id: text }
    ... kpi many = count(accounts)
    ...   target >= 3
    ...   warn >= 2
    ... verdict pass when many''').playbook
    >>> judge(pb, measure(pb, {"accounts": [{"account_id": "A"}, {"account_id": "B"}]}))
    {'many': 'warn'}
    """
    outcomes: dict[str, Outcome] = {}
    for name, kpi in playbook.kpis.items():
        if kpi.target_op is not None:
            outcomes[name] = _outcome(kpi, name, measures)
    return outcomes


def passed(outcomes: Mapping[str, Outcome]) -> dict[str, bool | None]:
    """What each KPI's name means in the verdict: it passed (a warning is not a pass)."""
    return {name: None if o is None else o == "pass" for name, o in outcomes.items()}


def verdict(playbook: Playbook, passed: Mapping[str, bool | None]) -> bool | None:
    """The verdict's condition, each KPI's name meaning "it passed"; ``None`` without a verdict.

    A KPI absent from ``passed`` has no data (``None``). Only ``True`` passes the pilot.

    >>> from abmdsl.api import compile_text
    >>> pb = compile_text('''playbook "P" { horizon 90 days  currency USD }
    ... accounts { key account_id: text }
    ... kpi a = count(accounts)
    ...   target >= 1
    ... kpi b = count(accounts)
    ...   target >= 2
    ... verdict pass when a or b''').playbook
    >>> verdict(pb, {"a": False, "b": None}) is None, verdict(pb, {"a": None, "b": True})
    (True, True)
    """
    if playbook.verdict is None:
        return None

    def kpi_passed(name: str) -> Value:
        if name not in playbook.kpis:
            raise EvalError(f"`{name}` is not a KPI; the verdict is decided by KPIs", None)
        return passed.get(name)

    result = evaluate(playbook.verdict.when, Env({}, kpi_passed))
    assert result is None or isinstance(result, bool), result
    return result


# ---------------------------------------------------------------- passing
def _outcome(kpi: KpiIR, name: str, measures: Measures) -> Outcome:
    low, high = measures.ranges.get(name, (None, None))
    return outcome(
        kpi, measures.kpis[name], measures.targets.get(name), low, high, measures.warns.get(name)
    )


def outcome(
    kpi: KpiIR,
    value: Value,
    target: Value = None,
    low: Value = None,
    high: Value = None,
    warn: Value = None,
) -> Outcome:
    """A KPI with a target, judged by its value and its thresholds' values; ``None``: no data."""
    if value is None:
        return None
    if kpi.target_op == "in":
        hit = _holds(
            ast.InRange(value=_ref(_VALUE), range=ast.Range(low=_ref(_LOW), high=_ref(_HIGH))),
            {_VALUE: value, _LOW: low, _HIGH: high},
        )
    else:
        assert kpi.target_op is not None
        hit = _holds(_comparison(kpi.target_op), {_VALUE: value, _TARGET: target})
    if hit is not True:
        # A missing target leaves it unknown whether the KPI passed: no data, three-valued.
        if hit is None:
            return None
        if kpi.warn_op is not None:
            warned = _holds(_comparison(kpi.warn_op), {_VALUE: value, _TARGET: warn})
            if warned is True:
                return "warn"
        return "fail"
    return "pass"


def _comparison(op: ast.CompareOp) -> ast.Compare:
    return ast.Compare(op=op, left=_ref(_VALUE), right=_ref(_TARGET))


def _ref(name: str) -> ast.Name:
    return ast.Name(id=name)


def _holds(condition: ast.Expr, values: dict[str, Value]) -> Value:
    # Through reference.py, so that a comparison means exactly what it means in a playbook.
    return evaluate(condition, Env(values))


# ---------------------------------------------------------------- measuring
class _Measurer:
    """Evaluates one playbook on one data set, memoising KPIs and baselines."""

    def __init__(
        self, playbook: Playbook, data: Data, groups: Mapping[str, Data], day: dt.date | None
    ):
        self.playbook = playbook
        self.data = data
        self.groups = groups
        self.day = day
        self.scores: dict[str, dict[Value, Decimal]] = {}  # engagement → account key → score
        self.others: dict[str, _Measurer] = {}  # the measurer of each group `of` names
        self.aggregates: list[ast.Aggregate] = []
        self.ofs: list[ast.Of] = []
        self.hoisted: dict[int, ast.Expr] = {}
        self.definitions: dict[str, ast.Expr] = {
            **{n: b.expr for n, b in playbook.baselines.items()},
            **{n: k.expr for n, k in playbook.kpis.items()},
        }
        self.values: dict[str, Value] = {}
        self.evaluating: set[str] = set()

    def run(self) -> Measures:
        # In dependency order, so that a chain of KPIs using KPIs is evaluated one by one and
        # never as one deep recursion.
        for name in self._order():
            self._named(name)
        kpis = self.playbook.kpis
        targets: dict[str, Value] = {}
        ranges: dict[str, tuple[Value, Value]] = {}
        warns: dict[str, Value] = {}
        for name, kpi in kpis.items():
            if kpi.target is not None:
                targets[name] = self._value(kpi.target)
            if kpi.target_range is not None:
                low, high = kpi.target_range.low, kpi.target_range.high
                ranges[name] = (self._value(low), self._value(high))
            if kpi.warn is not None:
                warns[name] = self._value(kpi.warn)
        return Measures(
            kpis={n: self.values[n] for n in kpis},
            baselines={n: self.values[n] for n in self.playbook.baselines},
            targets=targets,
            ranges=ranges,
            warns=warns,
        )

    # ------------------------------------------------------------ names
    def _value(self, expr: ast.Expr) -> Value:
        return self._eval(self._hoist(expr), ())

    def _eval(self, hoisted: ast.Expr, frames: Frames) -> Value:
        return evaluate(hoisted, Env({}, lambda name: self._lookup(name, frames)))

    def _lookup(self, name: str, frames: Frames) -> Value:
        if name.startswith(_OF):
            return self._of(self.ofs[int(name[len(_OF) :])])
        if name.startswith(_HOISTED):
            return self._aggregate(self.aggregates[int(name[1:])], frames)
        for dataset, row in frames:
            if name in self.playbook.fields.get(dataset, {}):
                return row.get(name)
            if dataset == "accounts" and name in self.playbook.engagements:
                return self._score(name, row)
        return self._named(name)

    def _score(self, name: str, account: Mapping[str, Value]) -> Value:
        """An engagement score: a number field of accounts, computed from this group's rows."""
        if name not in self.scores:
            score = self.playbook.engagements[name]
            self.scores[name] = scores(self.playbook, score, self.data, self.day)
        key = _key(self.playbook, "accounts")
        return self.scores[name].get(account.get(key), quantize(Decimal(0)))

    def _named(self, name: str) -> Value:
        if name in self.values:
            return self.values[name]
        if name not in self.definitions:
            raise EvalError(f"unknown name `{name}`: not a field, KPI or baseline", None)
        if name in self.evaluating:
            raise EvalError(f"`{name}` is defined through itself", None)
        self.evaluating.add(name)
        value = self._value(self.definitions[name])
        self.evaluating.discard(name)
        self.values[name] = value
        return value

    def _hoist(self, expr: ast.Expr) -> ast.Expr:
        """``expr`` with each aggregate (its ``where`` hoisted too) replaced by a name."""
        known = self.hoisted.get(id(expr))
        if known is not None:
            return known
        result: ast.Expr
        if isinstance(expr, ast.Of):
            self.ofs.append(expr)
            result = ast.Name(id=f"{_OF}{len(self.ofs) - 1}", span=expr.span)
        elif isinstance(expr, ast.Aggregate):
            where = None if expr.where is None else self._hoist(expr.where)
            value = None if expr.value is None else self._hoist(expr.value)
            self.aggregates.append(expr.model_copy(update={"where": where, "value": value}))
            result = ast.Name(id=f"{_HOISTED}{len(self.aggregates) - 1}", span=expr.span)
        else:
            changes: dict[str, object] = {}
            for attr, value in expr:
                if isinstance(value, list):
                    changes[attr] = [self._hoist(item) for item in value]
                elif isinstance(value, ast.Range):
                    low, high = self._hoist(value.low), self._hoist(value.high)
                    changes[attr] = value.model_copy(update={"low": low, "high": high})
                elif isinstance(value, ast.Node) and hasattr(value, "kind"):
                    changes[attr] = self._hoist(value)  # type: ignore[arg-type]
            result = expr.model_copy(update=changes) if changes else expr
        # Keyed by identity: the playbook's expressions live as long as this evaluator.
        self.hoisted[id(expr)] = result
        return result

    def _of(self, node: ast.Of) -> Value:
        """``X of GROUP``: X measured, KPIs and all, on the group's data."""
        group = node.group.name
        if group == "programme" and group not in self.groups:
            return self._value(node.value)
        other = self.others.get(group)
        if other is None:
            other = _Measurer(self.playbook, self.groups.get(group, {}), self.groups, self.day)
            self.others[group] = other
        return other._value(node.value)

    def _order(self) -> list[str]:
        """KPIs and baselines, each after those it uses (an iterative depth-first search)."""
        order: list[str] = []
        seen: set[str] = set()
        for root in self.definitions:
            if root in seen:
                continue
            seen.add(root)
            stack = [(root, _uses(self.definitions[root], self.playbook))]
            while stack:
                name, uses = stack[-1]
                used = next((u for u in uses if u in self.definitions and u not in seen), None)
                if used is None:
                    stack.pop()
                    order.append(name)
                else:
                    seen.add(used)
                    stack.append((used, _uses(self.definitions[used], self.playbook)))
        return order

    # ------------------------------------------------------------ aggregates
    def _aggregate(self, agg: ast.Aggregate, frames: Frames) -> Value:
        """``agg`` (its ``where`` already hoisted) over its rows linked to ``frames[0]``."""
        rows = self._rows(agg.dataset, frames[0] if frames else None)
        chosen = [row for row in rows if self._where(agg, row, frames)]
        if agg.func == "count":
            return quantize(Decimal(len(chosen)), agg.span)
        if agg.func == "share":
            return None if not rows else quantize(Decimal(len(chosen)) / len(rows), agg.span)
        if agg.value is not None:  # computed for each row, about that row
            values = [self._eval(agg.value, ((agg.dataset, row), *frames)) for row in chosen]
        else:
            assert agg.field is not None, agg
            field = agg.field
            if agg.dataset == "accounts" and field in self.playbook.engagements:
                values = [self._score(field, row) for row in chosen]
            else:
                values = [row.get(field) for row in chosen]
        present = [v for v in values if v is not None]
        if agg.func == "distinct":
            return quantize(Decimal(len(set(present))), agg.span)
        if agg.func in ("earliest", "latest"):
            if not present:
                return None
            found = min(present) if agg.func == "earliest" else max(present)  # type: ignore[type-var]
            return found if isinstance(found, dt.date) else quantize(_number(found, agg), agg.span)
        numbers = [_number(v, agg) for v in present]
        if agg.func == "sum":
            return quantize(sum(numbers, Decimal(0)), agg.span)
        if not numbers:
            return None
        if agg.func == "avg":
            return quantize(sum(numbers, Decimal(0)) / len(numbers), agg.span)
        ordered = sorted(numbers)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return quantize(ordered[middle], agg.span)
        return quantize((ordered[middle - 1] + ordered[middle]) / 2, agg.span)

    def _where(self, agg: ast.Aggregate, row: Mapping[str, Value], frames: Frames) -> bool:
        if agg.where is None:
            return True
        return self._eval(agg.where, ((agg.dataset, row), *frames)) is True

    def _rows(self, dataset: str, around: tuple[str, Mapping[str, Value]] | None) -> Rows:
        rows = self.data.get(dataset, ())
        if around is None or around[0] == dataset:
            return rows
        outer, outer_row = around
        child_field = _link_field(self.playbook, dataset, outer)
        if child_field is not None:
            inner_field, outer_field = child_field, _key(self.playbook, outer)
        else:
            parent_field = _link_field(self.playbook, outer, dataset)
            if parent_field is None:
                raise EvalError(f"nothing links `{dataset}` to `{outer}` (ABM231)", None)
            inner_field, outer_field = _key(self.playbook, dataset), parent_field
        wanted = outer_row.get(outer_field)
        if wanted is None:
            return []
        return [row for row in rows if row.get(inner_field) == wanted]


def _number(value: Value, agg: ast.Aggregate) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise EvalError(
            f"`{agg.func}({agg.dataset}.{agg.field})` met {value!r}, which is not a number",
            agg.span,
        )
    return Decimal(value)


def _key(playbook: Playbook, dataset: str) -> str:
    key = playbook.key_field(dataset)  # type: ignore[arg-type]
    if key is None:
        raise EvalError(f"`{dataset}` have no key field (ABM241)", None)
    return key.name


def _link_field(playbook: Playbook, child: str, parent: str) -> str | None:
    """The field of ``child`` that holds the key of a ``parent`` row, if there is one."""
    fields = list(playbook.fields.get(child, {}).values())
    key = playbook.key_field(parent)  # type: ignore[arg-type]
    by_reference = [f.name for f in fields if f.references == parent]
    by_name = [f.name for f in fields if key is not None and f.name == key.name and not f.key]
    return next(iter(by_reference + by_name), None)


def _uses(expr: ast.Expr, playbook: Playbook) -> Iterator[str]:
    """The KPIs and baselines ``expr`` may name, as :class:`~abmdsl.typecheck.Scope` sees them.

    A name inside a ``where`` that is a field of an enclosing aggregate's data set is a field,
    not a definition. Iterative, so that a deep expression costs no recursion here.
    """
    stack: list[tuple[ast.Expr, tuple[str, ...]]] = [(expr, ())]
    while stack:
        node, datasets = stack.pop()
        if isinstance(node, ast.Name):
            if not any(node.id in playbook.fields.get(d, {}) for d in datasets):
                yield node.id
        elif isinstance(node, ast.Aggregate):
            for inside in (node.where, node.value):
                if inside is not None:
                    stack.append((inside, (node.dataset, *datasets)))
        else:
            stack.extend((child, datasets) for child in children(node))
