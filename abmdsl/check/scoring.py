"""Checks of scores: names, scales, weights, and the points each criterion can give."""

from __future__ import annotations

from decimal import Decimal

from .. import ast
from ..ir import CriterionIR, ScoreIR
from ..numbers import percent, plain
from ..typecheck import Scope
from .bounds import Interval, value_range
from .context import Context

_ONE = Decimal(1)


def declare_scores(ctx: Context) -> None:
    """Names and scales first, so that criteria may refer to other scores."""
    scores: dict[str, ScoreIR] = {}
    for score in ctx.of(ast.Score):
        if not ctx.define(score.name, "score"):
            continue
        low, high = _scale(ctx, score)
        criteria = _criteria(ctx, score)
        scores[score.name.name] = ScoreIR(
            name=score.name.name,
            title=score.title,
            low=low,
            high=high,
            criteria=criteria,
            span=score.name.span,
        )
    ctx.ir["scores"] = scores


def _scale(ctx: Context, score: ast.Score) -> tuple[Decimal, Decimal]:
    low, high = score.scale.low, score.scale.high
    if not (isinstance(low, ast.Number) and isinstance(high, ast.Number)):
        ctx.error(
            "ABM211",
            "a scale runs between two plain numbers",
            score.scale.span,
            "e.g. `scale 1..5`",
        )
        ctx.ir.setdefault("unscaled", set()).add(score.name.name)
        return Decimal(0), Decimal(1)
    if low.value >= high.value:
        first, last = plain(low.value), plain(high.value)
        ctx.error(
            "ABM211",
            f"the scale {first}..{last} of `{score.name.name}` "
            + ("holds a single value" if first == last else "runs backwards"),
            score.scale.span,
            "a scale runs from a lower number to a higher one, e.g. `scale 1..5`",
        )
        # Check the criteria against what was meant (or not at all), not against the mistake.
        if low.value == high.value:
            ctx.ir.setdefault("unscaled", set()).add(score.name.name)
        return high.value, low.value
    return low.value, high.value


def _criteria(ctx: Context, score: ast.Score) -> tuple[CriterionIR, ...]:
    out: dict[str, CriterionIR] = {}
    for criterion in score.criteria:
        if criterion.name.name in out:
            ctx.duplicate(
                f"`{score.name.name}` already has a criterion `{criterion.name.name}`",
                criterion.name.span,
                out[criterion.name.name].span,
                "give each criterion its own name, or merge the two",
            )
            continue
        weight = ctx.percent(criterion.weight, "a weight", "weight 40%")
        out[criterion.name.name] = CriterionIR(
            name=criterion.name.name,
            title=criterion.title,
            weight=weight,
            expr=criterion.expr,
            span=criterion.name.span,
        )
    total = sum((c.weight for c in out.values()), Decimal(0))
    if out and total != _ONE:
        ctx.error(
            "ABM206",
            f"the weights of `{score.name.name}` add up to {percent(total)}, not 100%",
            score.name.span,
            "a score is a weighted average: make the weights sum to 100%",
        )
    if not out:
        ctx.error(
            "ABM206",
            f"`{score.name.name}` has no criteria",
            score.name.span,
            "add one: `budget weight 100% = if has_budget then 5 else 1`",
        )
    return tuple(out.values())


def check_scores(ctx: Context) -> None:
    scope = ctx.account_scope()
    natural = natural_ranges(ctx)
    unscaled = ctx.ir.get("unscaled", set())
    for score in ctx.ir["scores"].values():
        scale = Interval(score.low, score.high)
        for criterion in score.criteria if score.name not in unscaled else ():
            _check_criterion(ctx, scope, natural, score, scale, criterion)


def _check_criterion(
    ctx: Context,
    scope: Scope,
    natural: dict[str, Interval],
    score: ScoreIR,
    scale: Interval,
    criterion: CriterionIR,
) -> None:
    got = ctx.types.infer(criterion.expr, scope)
    if got is None:
        return
    if got.kind not in ("number", "percent"):
        ctx.error(
            "ABM203",
            f"a criterion gives points, a number; this gives {got}",
            criterion.expr.span,
            "e.g. `if has_budget then 5 else 1`",
        )
        return
    if got.nullable:
        ctx.warn(
            "ABM237",
            f"`{criterion.name}` is missing when its input is missing, and then "
            f"so is the whole score `{score.name}`",
            criterion.expr.span,
            f"say what a missing value is worth, e.g. `coalesce({_shown(criterion.expr)}, "
            f"{plain(score.low)})`",
        )
    points = value_range(criterion.expr, natural)
    if points is None:
        ctx.warn(
            "ABM238",
            f"cannot tell that `{criterion.name}` stays within the scale "
            f"{plain(score.low)}..{plain(score.high)} of `{score.name}`",
            criterion.expr.span,
            f"give the fields it uses a range (`int 0..5`), or bound it: "
            f"`clamp({_shown(criterion.expr)}, {plain(score.low)}, {plain(score.high)})`",
        )
    elif not points.within(scale):
        ctx.error(
            "ABM207",
            f"`{criterion.name}` can give {plain(points.low)}..{plain(points.high)} points, "
            f"but the scale of `{score.name}` is {plain(score.low)}..{plain(score.high)}",
            criterion.expr.span,
            f"keep the points on the scale, e.g. `clamp({_shown(criterion.expr)}, "
            f"{plain(score.low)}, {plain(score.high)})`",
        )


def _shown(expr: ast.Expr) -> str:
    """How a hint writes an expression: a name as itself, anything longer as `...`."""
    return expr.id if isinstance(expr, ast.Name) else "..."


def natural_ranges(ctx: Context) -> dict[str, Interval]:
    """What each account-level name can be, as declared: field ranges and score scales."""
    out: dict[str, Interval] = {}
    for info in ctx.ir.get("fields", {}).get("accounts", {}).values():
        if info.low is not None and info.high is not None:
            out[info.name] = Interval(info.low, info.high)
        elif info.type == "bool":
            out[info.name] = Interval(Decimal(0), Decimal(1))
    unscaled = ctx.ir.get("unscaled", set())  # a broken scale says nothing about the score
    for score in ctx.ir.get("scores", {}).values():
        if score.name not in unscaled:
            out[score.name] = Interval(score.low, score.high)
    return out
