"""Checks of KPIs, baselines and the verdict: aggregates, targets, warn levels, references."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

from .. import ast
from ..diagnostics import did_you_mean
from ..ir import BaselineIR, KpiIR, VerdictIR
from ..typecheck import BOOL, Scope, Type
from .context import Context

# The groups of accounts a KPI can be measured on (`engagement of control`), besides each tier.
GROUPS = ("programme", "control", "outside", "all")

_LOOSER = {
    ">=": lambda warn, target: warn <= target,
    ">": lambda warn, target: warn <= target,
    "<=": lambda warn, target: warn >= target,
    "<": lambda warn, target: warn >= target,
}


def names_in(expr: ast.Expr) -> Iterator[ast.Name]:
    """Every bare name an expression mentions, outside aggregates (those read data rows)."""
    if isinstance(expr, ast.Name):
        yield expr
        return
    if isinstance(expr, ast.Aggregate):
        return
    for value in expr.__dict__.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, ast.Node) and hasattr(item, "kind"):
                yield from names_in(item)  # type: ignore[arg-type]
            elif isinstance(item, ast.Range):
                yield from names_in(item.low)
                yield from names_in(item.high)


def check_kpis(ctx: Context) -> None:
    baselines = {b.name.name: b for b in ctx.of(ast.Baseline) if ctx.define(b.name, "baseline")}
    kpis = {k.name.name: k for k in ctx.of(ast.Kpi) if ctx.define(k.name, "KPI")}
    kpis = {n: _from_library(ctx, k) for n, k in kpis.items()}
    types: dict[str, Type] = {}
    groups = frozenset({*GROUPS, *(t.name for t in ctx.ir.get("tiers", ()))})
    scope = Scope(None, ctx.kpi_field_types(), types, {}, True, None, ctx.used, groups)
    for name in [*baselines, *kpis]:
        types[name] = Type("number")  # provisional, so that KPIs may use each other
    untyped: set[str] = set()  # wrong expressions: already reported, so not compared again
    for name, node in [*baselines.items(), *kpis.items()]:
        if isinstance(node, ast.Kpi) and isinstance(node.expr, ast.Missing) and node.library:
            untyped.add(name)  # not in the library: ABM251 said so
            continue
        before = len(ctx.diagnostics)
        got = ctx.types.infer(node.expr, scope)
        if isinstance(node, ast.Kpi) and node.library:
            _in_library_terms(ctx, name, before)
        if got is None:
            untyped.add(name)
        else:
            types[name] = got
    ctx.ir["baselines"] = {
        n: BaselineIR(name=n, title=b.title, expr=b.expr, span=b.name.span, kind=types[n].kind)
        for n, b in baselines.items()
    }
    ctx.ir["kpis"] = {n: _kpi(ctx, k, scope, types, n not in untyped) for n, k in kpis.items()}
    ctx.ir["kpi_types"] = types
    _check_measures(ctx)


def _from_library(ctx: Context, kpi: ast.Kpi) -> ast.Kpi:
    """``kpi engagement from library``: the library's definition, reported at this line."""
    if not kpi.library:
        return kpi
    from ..library import library_kpis, respan

    known = library_kpis()
    found = known.get(kpi.name.name)
    if found is None:
        ctx.error(
            "ABM251",
            f"the KPI library has no `{kpi.name.name}`",
            kpi.name.span,
            did_you_mean(kpi.name.name, known) or "its KPIs: " + ", ".join(f"`{n}`" for n in known),
        )
        # Kept, as a KPI of no value, so that the verdict naming it says nothing more.
        return kpi.model_copy(update={"expr": ast.Missing(span=kpi.name.span)})
    expr = respan(found.expr, kpi.name.span)
    return kpi.model_copy(update={"expr": expr, "title": kpi.title or found.title})


def _in_library_terms(ctx: Context, name: str, since: int) -> None:
    """A library KPI's mistakes are the playbook's data lacking what the library reads: say so."""
    for n in range(since, len(ctx.diagnostics)):
        d = ctx.diagnostics[n]
        ctx.diagnostics[n] = replace(
            d,
            message=f"the library's `{name}` does not fit this playbook's data: {d.message}",
            hint=(d.hint + "; or " if d.hint else "")
            + f"write your own: `kpi {name} = ...` (see docs/kpi-library.md)",
        )


def _kpi(ctx: Context, kpi: ast.Kpi, scope: Scope, types: dict[str, Type], typed: bool) -> KpiIR:
    own = types.get(kpi.name.name) if typed else None
    fields: dict[str, object] = {"measures": [], "kind": own.kind if own else "number"}
    first_target: ast.KpiTarget | None = None
    for item in kpi.items:
        if isinstance(item, ast.Measures):
            fields["measures"].append(item.goal.name)  # type: ignore[attr-defined]
            ctx.ir.setdefault("goal_refs", []).append(item.goal)
        elif isinstance(item, ast.KpiWarn):
            fields.update(warn_op=item.op, warn=item.value)
            _threshold(ctx, item.value, scope, types, own)
        elif first_target is not None:
            ctx.error(
                "ABM226",
                f"`{kpi.name.name}` has two targets",
                item.span,
                "keep one; add `warn` for a second, looser level",
                notes=(("the first target", first_target.span),),
            )
        else:
            first_target = item
            fields.update(target_op=item.op, target=item.value, target_range=item.range)
            for value in [item.value] if item.value else [item.range.low, item.range.high]:
                _threshold(ctx, value, scope, types, own)
    _check_warn(ctx, kpi, fields)
    fields["measures"] = tuple(fields["measures"])  # type: ignore[arg-type]
    return KpiIR(name=kpi.name.name, title=kpi.title, expr=kpi.expr, span=kpi.name.span, **fields)  # type: ignore[arg-type]


def _threshold(
    ctx: Context, value: ast.Expr, scope: Scope, types: dict[str, Type], own: Type | None
) -> None:
    unknown = [n for n in names_in(value) if n.id not in types]
    for name in unknown:
        ctx.unknown(
            "ABM217", "KPI or baseline", ast.Ident(name=name.id, span=name.span), set(types)
        )
    if unknown:
        return
    got = ctx.types.infer(value, scope)
    if (
        got is not None
        and own is not None
        and got.kind != "missing"
        and ({got.kind, own.kind} - {"number", "percent"})
        and got.kind != own.kind
    ):
        ctx.error(
            "ABM203",
            f"the KPI is {own}, but its threshold is {got}",
            value.span,
            "compare like with like",
        )


def _check_warn(ctx: Context, kpi: ast.Kpi, fields: dict[str, Any]) -> None:
    warn: ast.Expr | None = fields.get("warn")
    if warn is None:
        return
    target_op, warn_op = fields.get("target_op"), fields["warn_op"]
    target = next((i for i in kpi.items if isinstance(i, ast.KpiTarget)), None)
    note = (("the target", target.span),) if target is not None else ()
    if target_op not in _LOOSER:
        ctx.error(
            "ABM232",
            "a warn level needs a target that points one way (`>=`, `>`, `<=` or `<`)"
            if target_op
            else f"`{kpi.name.name}` has a warn level but no target",
            warn.span,
            "e.g. `target >= 4` and `warn >= 2`: the KPI warns between the two",
            notes=note,
        )
        return
    if warn_op not in _LOOSER or (warn_op in ("<", "<=")) != (target_op in ("<", "<=")):
        ctx.error(
            "ABM232",
            f"the warn level points the other way from the target `{target_op}`",
            warn.span,
            f"write it with `{target_op}` too: the KPI warns between the warn level and the target",
            notes=note,
        )
        return
    w, t = _constant(warn), _constant(fields.get("target"))
    if w is not None and t is not None and not _LOOSER[target_op](w, t):
        ctx.error(
            "ABM232",
            "the warn level is stricter than the target, so it never warns",
            warn.span,
            "warn marks the band between failing and passing: make it looser than the target",
            notes=note,
        )


def _constant(expr: ast.Expr | None) -> Decimal | None:
    if isinstance(expr, ast.Number):
        return expr.value
    if isinstance(expr, ast.Money):
        return expr.amount
    if isinstance(expr, ast.Percent):
        return expr.fraction
    return None


def _check_measures(ctx: Context) -> None:
    for ref in ctx.ir.get("measure_refs", []):
        if ref.name not in ctx.ir["kpis"]:
            ctx.unknown("ABM217", "KPI", ref, set(ctx.ir["kpis"]))


def check_goal_refs(ctx: Context) -> None:
    goals = ctx.ir.get("goals", {})
    for ref in ctx.ir.get("goal_refs", []):
        if ref.name not in goals:
            ctx.unknown("ABM201", "goal", ref, set(goals))


def _not_a_kpi(ctx: Context, name: ast.Name, kpis: set[str]) -> None:
    defined = ctx.definitions.get(name.id)
    if defined is None:
        ctx.unknown("ABM234", "KPI", ast.Ident(name=name.id, span=name.span), kpis)
        return
    ctx.error(
        "ABM234",
        f"`{name.id}` is a {defined[0]}, not a KPI; the verdict is decided by KPIs",
        name.span,
        "name the KPIs that must meet their targets, e.g. `pass when tender_invitations`",
        notes=((f"`{name.id}` is defined here", defined[1]),),
    )


def _no_target(ctx: Context, name: ast.Name, kpi: KpiIR) -> None:
    """A KPI with no target only measures: it neither passes nor fails, so it cannot decide."""
    ctx.error(
        "ABM234",
        f"`{name.id}` has no target, so it can neither pass nor fail the verdict",
        name.span,
        f"give `{name.id}` a target, e.g. `target >= 10`, or leave it out of the verdict",
        notes=((f"`{name.id}` is defined here", kpi.span),),
    )


def check_verdict(ctx: Context) -> None:
    verdicts = ctx.of(ast.Verdict)
    for extra in verdicts[1:]:
        ctx.duplicate(
            "a playbook has one verdict; this is a second one",
            extra.span,
            verdicts[0].span,
            "join the conditions with `and` / `or` in one verdict",
        )
    if not verdicts:
        ctx.ir["verdict"] = None
        if ctx.ir.get("kpis"):
            ctx.warn(
                "ABM235",
                "the playbook has KPIs but no verdict, so the pilot cannot pass or fail",
                next(iter(ctx.ir["kpis"].values())).span,
                "add `verdict pass when kpi_a and kpi_b`",
            )
        return
    verdict = verdicts[0]
    kpis = {name: BOOL for name in ctx.ir.get("kpis", {})}
    ok = True
    for name in names_in(verdict.when):
        if name.id not in kpis:
            _not_a_kpi(ctx, name, set(kpis))
            ok = False
        elif ctx.ir["kpis"][name.id].target_op is None:
            _no_target(ctx, name, ctx.ir["kpis"][name.id])
        ctx.used.add(name.id)
    if ok:
        ctx.types.expect_bool(
            verdict.when, Scope(None, {}, kpis, {}, False, None, ctx.used), "the verdict"
        )
    ctx.ir["verdict"] = VerdictIR(title=verdict.title, when=verdict.when, span=verdict.span)
