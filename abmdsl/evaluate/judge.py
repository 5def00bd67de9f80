"""A KPI's value against its target and warn level; the verdict from the KPIs that passed.

Input: exact values (``Decimal`` or ``None`` for missing). Output: a :data:`Status` per KPI and
the verdict, three-valued: ``True`` passed, ``False`` not, ``None`` not enough data to say.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Literal

from .. import ast
from ..ir import KpiIR, VerdictIR
from ..reference import Env, evaluate

Status = Literal["pass", "warn", "fail", "no data", "no target"]

_OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def judge(
    kpi: KpiIR,
    value: Decimal | None,
    target: Decimal | None = None,
    low: Decimal | None = None,
    high: Decimal | None = None,
    warn: Decimal | None = None,
) -> Status:
    """Pass, warn or fail; "no data" when the value or its threshold is missing.

    >>> from abmdsl.api import compile_text
    >>> text = 'playbook "P" { horizon 9 days }\\nkpi k = 1\\n  target >= 30%\\n'
    >>> text += '  warn >= 20%\\nverdict pass when k'
    >>> p = compile_text(text).playbook
    >>> [judge(p.kpis["k"], Decimal(v), Decimal("0.3"), warn=Decimal("0.2"))
    ...  for v in ("0.3", "0.25", "0.1")]
    ['pass', 'warn', 'fail']
    """
    if kpi.target_op is None:
        return "no target"
    if value is None:
        return "no data"
    if kpi.target_op == "in":
        if low is None or high is None:
            return "no data"
        return "pass" if low <= value <= high else "fail"
    if target is None:
        return "no data"
    if _OPS[kpi.target_op](value, target):
        return "pass"
    if kpi.warn_op is not None and warn is not None and _OPS[kpi.warn_op](value, warn):
        return "warn"
    return "fail"


def verdict(rule: VerdictIR | None, statuses: Mapping[str, Status]) -> bool | None:
    """The verdict's condition with each KPI meaning "it passed"; ``None`` without a verdict.

    A KPI with no data is missing, so ``a or b`` still passes when ``b`` did.
    """
    if rule is None:
        return None
    passed = {n: None if s == "no data" else s == "pass" for n, s in statuses.items()}
    result = evaluate(rule.when, Env({}, names=lambda name: passed.get(name)))
    return result if isinstance(result, bool) else None


def deciding(rule: VerdictIR | None, statuses: Mapping[str, Status]) -> list[str]:
    """The KPIs of the verdict that did not pass, in the order the verdict names them."""
    if rule is None:
        return []
    seen: list[str] = []
    _names(rule.when, seen)
    return [n for n in seen if statuses.get(n) != "pass"]


def _names(expr: ast.Expr, out: list[str]) -> None:
    from ..check.links import children

    if isinstance(expr, ast.Name):
        if expr.id not in out:
            out.append(expr.id)
        return
    for child in children(expr):
        _names(child, out)
