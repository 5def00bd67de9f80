"""Checks of `example` blocks: the account they describe and what they expect."""

from __future__ import annotations

from .. import ast
from ..diagnostics import closest
from ..ir import ExampleIR, FieldInfo
from ..numbers import plain
from ..typecheck import FIELD_TYPES, Scope
from .bounds import constant
from .context import Context


def check_examples(ctx: Context) -> None:
    fields = ctx.ir.get("fields", {}).get("accounts", {})
    needed = _needed_fields(ctx)
    examples = []
    for example in ctx.of(ast.Example):
        given: dict[str, ast.Expr] = {}
        for pair in example.given:
            if _check_pair(ctx, pair, fields, given):
                given[pair.field.name] = pair.value
        for name in sorted(needed - set(given)):
            if not fields[name].optional:
                ctx.error(
                    "ABM229",
                    f"the example gives no `{name}`, which the scores and tiers use",
                    example.span,
                    f"add `{name}: ...` (or `{name}: missing`)",
                )
        for expectation in example.expects:
            _check_expectation(ctx, expectation)
        _check_cluster(ctx, example)
        examples.append(
            ExampleIR(
                title=example.title, given=given, expects=tuple(example.expects), span=example.span
            )
        )
    ctx.ir["examples"] = tuple(examples)


def _check_pair(ctx: Context, pair: ast.Pair, fields: dict, given: dict) -> bool:
    info = fields.get(pair.field.name)
    if info is None:
        ctx.unknown("ABM229", "field of accounts", pair.field, set(fields))
        return False
    if pair.field.name in given:
        ctx.duplicate(
            f"the example gives `{pair.field.name}` twice",
            pair.field.span,
            given[pair.field.name].span,
            "keep one value per field",
        )
        return False
    got = ctx.types.infer(pair.value, Scope(None, {}))
    want = FIELD_TYPES[info.type]
    if (
        got is not None
        and got.kind != "missing"
        and got.kind != want.kind
        and not ({got.kind, want.kind} <= {"number", "percent"})
    ):
        ctx.error(
            "ABM229",
            f"`{pair.field.name}` is {want}, but the example gives {got}",
            pair.value.span,
            f"write e.g. `{pair.field.name}: {_example_value(info)}`",
        )
        return True  # the field is given, only wrongly: do not also call it missing
    if isinstance(pair.value, ast.Missing) and not info.optional:
        ctx.error(
            "ABM229",
            f"`{pair.field.name}` is required, so it cannot be missing",
            pair.value.span,
            f"declare it `{pair.field.name}: {info.type} optional`",
        )
    value = constant(pair.value)
    if value is not None and (
        (info.low is not None and value < info.low) or (info.high is not None and value > info.high)
    ):
        low, high = (plain(b) if b is not None else "" for b in (info.low, info.high))
        ctx.error(
            "ABM229",
            f"{plain(value)} is outside the declared range {low}..{high} of `{pair.field.name}`",
            pair.value.span,
            "an example describes an account the data could hold",
        )
    if isinstance(pair.value, ast.Text) and info.enum_values:
        _check_enum(ctx, pair.field.name, pair.value, info.enum_values)
    return True


def _check_enum(ctx: Context, field: str, value: ast.Text, allowed: tuple[str, ...]) -> None:
    if value.value in allowed:
        return
    match = closest(value.value, allowed)
    ctx.error(
        "ABM224",
        f'"{value.value}" is not one of the declared values of `{field}`',
        value.span,
        f'did you mean "{match}"?'
        if match
        else "it can be " + ", ".join(f'"{v}"' for v in allowed),
    )


_EXAMPLE_VALUES = {
    "bool": "true",
    "int": "3",
    "number": "2.5",
    "text": '"ACME"',
    "date": "2027-01-11",
    "money": "1000 USD",
    "percent": "25%",
    "duration": "3 days",
}


def _example_value(info: FieldInfo) -> str:
    if info.enum_values:
        return f'"{info.enum_values[0]}"'
    if info.low is not None:
        return plain(info.low)
    return _EXAMPLE_VALUES[info.type]


def _needed_fields(ctx: Context) -> set[str]:
    from .kpis import names_in

    fields = set(ctx.ir.get("fields", {}).get("accounts", {}))
    exprs = [c.expr for s in ctx.ir.get("scores", {}).values() for c in s.criteria]
    exprs += [t.when for t in ctx.ir.get("tiers", ()) if t.when is not None]
    return {n.id for e in exprs for n in names_in(e) if n.id in fields}


def _check_expectation(ctx: Context, expectation: ast.Expectation) -> None:
    scores = ctx.ir.get("scores", {})
    if isinstance(expectation, ast.ExpectTier):
        tiers = {t.name for t in ctx.ir.get("tiers", ())}
        if expectation.tier.name not in tiers:
            ctx.unknown("ABM201", "tier", expectation.tier, tiers)
    elif isinstance(expectation, ast.ExpectScore | ast.ExpectCriterion):
        if expectation.score.name not in scores:
            ctx.unknown("ABM201", "score", expectation.score, set(scores))
        elif isinstance(expectation, ast.ExpectCriterion):
            criteria = {c.name for c in scores[expectation.score.name].criteria}
            if expectation.criterion.name not in criteria:
                ctx.unknown("ABM201", "criterion", expectation.criterion, criteria)
        if constant(expectation.value) is None:
            ctx.error(
                "ABM229",
                "an expected score is a number",
                expectation.value.span,
                "e.g. `expect score attractiveness = 4.6`",
            )


def _check_cluster(ctx: Context, example: ast.Example) -> None:
    """An expected cluster needs an expected tier that groups its accounts into clusters."""
    tiers = {t.name: t for t in ctx.ir.get("tiers", ())}
    expected = [e.tier.name for e in example.expects if isinstance(e, ast.ExpectTier)]
    tier = tiers.get(expected[0]) if expected else None
    if tier is None or tier.grouping is not None:
        return  # no tier expected (or an unknown one, reported already): nothing to compare
    grouped = [t.name for t in tiers.values() if t.grouping is not None]
    for cluster in (e for e in example.expects if isinstance(e, ast.ExpectCluster)):
        ctx.error(
            "ABM229",
            f'the example expects cluster "{cluster.value}", but `{tier.name}` '
            "forms no clusters: it has no `group by`",
            cluster.span,
            f"expect the tier that groups accounts, `expect tier {grouped[0]}`, or drop "
            "`expect cluster`"
            if grouped
            else f"drop `expect cluster`, or give `{tier.name}` a `group by ... into ... clusters`",
            notes=((f"`{tier.name}` is defined here", tier.span),),
        )
