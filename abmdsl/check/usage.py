"""Whole-playbook checks: cycles between definitions and definitions nothing uses."""

from __future__ import annotations

from ..span import Span
from .context import Context
from .kpis import names_in


def dependencies(ctx: Context) -> dict[str, list[tuple[str, Span | None]]]:
    """Definition → the definitions its expressions use (scores, KPIs, baselines)."""
    deps: dict[str, list[tuple[str, Span | None]]] = {}
    scores = ctx.ir.get("scores", {})
    for score in scores.values():
        deps[score.name] = [
            (n.id, n.span) for c in score.criteria for n in names_in(c.expr) if n.id in scores
        ]
    defined = {**ctx.ir.get("kpis", {}), **ctx.ir.get("baselines", {})}
    for name, node in defined.items():
        deps[name] = [(n.id, n.span) for n in names_in(node.expr) if n.id in defined]
    return deps


def check_cycles(ctx: Context) -> None:
    deps = dependencies(ctx)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(deps):
        if state.get(start):
            continue
        path: list[str] = [start]
        stack = [iter(deps[start])]
        state[start] = 1
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            name, span = step
            if state.get(name) == 1:
                _report_cycle(ctx, path[path.index(name) :], name, span, deps)
            elif not state.get(name) and name in deps:
                state[name] = 1
                path.append(name)
                stack.append(iter(deps[name]))


def _report_cycle(
    ctx: Context,
    cycle: list[str],
    back: str,
    span: Span | None,
    deps: dict[str, list[tuple[str, Span | None]]],
) -> None:
    """One error naming the whole circle, with a note at each step of it."""
    shown = " → ".join(f"`{name}`" for name in [*cycle, back])
    steps = list(zip(cycle, [*cycle[1:], back], strict=True))
    notes = tuple((f"`{a}` uses `{b}` here", _first_use(deps, a, b)) for a, b in steps)
    kinds = {ctx.definitions.get(name, ("definition", None))[0] for name in cycle}
    what = f"{kinds.pop()}s" if len(kinds) == 1 else "definitions"
    ctx.error(
        "ABM212",
        f"these {what} depend on each other in a circle: {shown}",
        span,
        "break the circle: compute one of them without the others",
        notes=notes,
    )


def _first_use(deps: dict[str, list[tuple[str, Span | None]]], user: str, used: str) -> Span | None:
    return next((s for name, s in deps[user] if name == used), None)


def check_unused(ctx: Context) -> None:
    used = ctx.used
    for name, score in ctx.ir.get("scores", {}).items():
        if name not in used:
            ctx.warn(
                "ABM236",
                f"the score `{name}` is never used by a tier",
                score.span,
                "use it in a tier's condition or ranking, or remove it",
            )
    for name, cadence in ctx.ir.get("cadences", {}).items():
        if name not in used:
            ctx.warn(
                "ABM236",
                f"the cadence `{name}` is not given to any tier",
                cadence.span,
                f"add `cadence {name}` to a tier, or remove it",
            )
    for name, baseline in ctx.ir.get("baselines", {}).items():
        if name not in used:
            ctx.warn(
                "ABM236",
                f"the baseline `{name}` is never compared with",
                baseline.span,
                "use it in a KPI's target, or remove it",
            )
    for role in ctx.ir.get("role_decls", []):
        if "role:" + role.name not in used:
            ctx.warn(
                "ABM236",
                f"the role `{role.name}` has nothing to do in the plan",
                role.span,
                "give it a RACI line or a cadence step, or remove it",
            )
