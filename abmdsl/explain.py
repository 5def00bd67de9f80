"""`abm explain`: why one account landed where it did.

Input: a run (the whole population, for capacity and clusters) and one account's key.
Output: an :class:`Explanation` — per criterion the inputs, points, weight and contribution;
each tier tried and, when its condition failed, which comparison failed and by how much;
any demotion — rendered as text or JSON. Points and conditions come from the reference
evaluator, the final placement from the compiled run; the differential tests keep the two
in agreement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from . import ast
from .check.kpis import names_in
from .engine.run import Run
from .engine.tiering import CLUSTER, DEMOTED_FROM, DEMOTION, HOLDOUT, RANK, TIER
from .numbers import plain
from .reference import AccountEvaluator, Env, Value, evaluate, quantize


class UnknownAccount(Exception):
    """No account has the key asked for."""


@dataclass
class CriterionLine:
    score: str
    criterion: str
    inputs: dict[str, Any]
    points: Any
    weight: str
    contribution: Any


@dataclass
class TierTry:
    tier: str
    condition: str | None  # None: `otherwise`
    matched: bool | None
    failures: list[str] = field(default_factory=list)
    demoted: str | None = None


@dataclass
class Explanation:
    account: str
    criteria: list[CriterionLine]
    scores: dict[str, Any]
    tried: list[TierTry]
    tier: str | None
    cluster: str | None
    rank: int | None
    holdout: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def explain(run: Run, key: str) -> Explanation:
    row = _find(run, key)
    playbook = run.playbook
    account = {name: _value(row.get(name)) for name in playbook.fields.get("accounts", {})}
    result = AccountEvaluator(playbook).run(account)
    env = Env(
        account,
        lambda name: result.scores.get(name),
        lambda score, criterion: result.points.get(score, {}).get(criterion),
    )
    criteria = [
        CriterionLine(
            score.name,
            c.name,
            {n.id: _show(account.get(n.id)) for n in names_in(c.expr) if n.id in account},
            _show(result.points[score.name][c.name]),
            plain(c.weight * 100) + "%",
            _show(
                None
                if result.points[score.name][c.name] is None
                else quantize(c.weight * result.points[score.name][c.name])
            ),
        )
        for score in playbook.scores.values()
        for c in score.criteria
    ]
    tried = _tried(run, row, env)
    return Explanation(
        key,
        criteria,
        {k: _show(v) for k, v in result.scores.items()},
        tried,
        row.get(TIER),
        row.get(CLUSTER),
        row.get(RANK),
        bool(row.get(HOLDOUT)),
    )


def _find(run: Run, key: str) -> dict[str, Any]:
    import pyarrow.compute as pc

    field_ = run.playbook.key_field("accounts")
    name = field_.name if field_ else "__row"
    keys = pc.cast(run.table.column(name), "string")
    matches = pc.indices_nonzero(pc.equal(keys, key)).to_pylist()
    if not matches:
        from .diagnostics import did_you_mean

        sample = keys.to_pylist()[:100_000]
        hint = did_you_mean(key, [k for k in sample if k is not None])
        raise UnknownAccount(f"no account has {name} = {key}" + (f"; {hint}" if hint else ""))
    return run.table.slice(matches[0], 1).to_pylist()[0]


def _tried(run: Run, row: dict[str, Any], env: Env) -> list[TierTry]:
    tried = []
    for tier in run.playbook.tiers:
        if tier.when is None:
            attempt = TierTry(tier.name, None, True)
        else:
            matched = evaluate(tier.when, env)
            attempt = TierTry(
                tier.name,
                _source(tier.when),
                matched if matched is None else bool(matched),
                [] if matched is True else _failures(tier.when, env),
            )
        if row.get(DEMOTED_FROM) == tier.name:
            attempt.demoted = row.get(DEMOTION)
        tried.append(attempt)
        if tier.name == row.get(TIER):
            break
    return tried


def _failures(expr: ast.Expr, env: Env) -> list[str]:
    """The parts of a condition that made it fail, in words with the numbers."""
    value = evaluate(expr, env)
    if value is True:
        return []
    if isinstance(expr, ast.Logic):
        left, right = evaluate(expr.left, env), evaluate(expr.right, env)
        if expr.op == "and":
            return [
                f
                for side, v in ((expr.left, left), (expr.right, right))
                if v is not True
                for f in _failures(side, env)
            ]
        return _failures(expr.left, env) + _failures(expr.right, env)
    if isinstance(expr, ast.Compare):
        return [_compare_failure(expr, env)]
    return [f"{_source(expr)} is {_show(value)}"]


def _compare_failure(expr: ast.Compare, env: Env) -> str:
    left, right = evaluate(expr.left, env), evaluate(expr.right, env)
    text = f"{_source(expr.left)} = {_show(left)}, needs {expr.op} {_show(right)}"
    if left is None or right is None:
        return text + " (missing)"
    if isinstance(left, Decimal) and isinstance(right, Decimal) and expr.op in (">=", ">"):
        return text + f" (short by {plain(right - left)})"
    if isinstance(left, Decimal) and isinstance(right, Decimal) and expr.op in ("<=", "<"):
        return text + f" (over by {plain(left - right)})"
    return text


def _source(expr: ast.Expr) -> str:
    from .format_expr import expr as format_expr

    return format_expr(expr)


def _value(value: Any) -> Value:
    if isinstance(value, bool) or value is None or isinstance(value, str | dt.date):
        return value
    if isinstance(value, int | Decimal):
        return Decimal(value)
    return str(value)


def _show(value: Value) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def render_explanation(e: Explanation) -> str:
    lines = [f"account {e.account}"]
    current = None
    for c in e.criteria:
        if c.score != current:
            current = c.score
            lines.append(f"  {c.score} = {e.scores.get(c.score)}")
        inputs = ", ".join(f"{k} = {v}" for k, v in c.inputs.items())
        lines.append(
            f"    {c.criterion}: {c.points} points × {c.weight} = {c.contribution}"
            + (f"   ({inputs})" if inputs else "")
        )
    lines.append("  tiers tried in order:")
    for t in e.tried:
        verdict = {True: "matches", False: "does not match", None: "is missing"}[t.matched]
        head = "otherwise" if t.condition is None else f"when {t.condition}"
        lines.append(f"    {t.tier}: {head} — {verdict}")
        lines += [f"      {f}" for f in t.failures]
        if t.demoted:
            lines.append(f"      demoted: {t.demoted}")
    placed = e.tier or "no tier"
    extra = (f", cluster {e.cluster}" if e.cluster else "") + (f", rank {e.rank}" if e.rank else "")
    lines.append(f"  → {placed}{extra}" + (" (in the holdout control group)" if e.holdout else ""))
    return "\n".join(lines)
