"""A KPI's value against its target and warn level; the verdict from the KPIs that passed.

Input: exact values (``Decimal`` or ``None`` for missing). Output: a :data:`Status` per KPI and
the verdict, three-valued: ``True`` passed, ``False`` not, ``None`` not enough data to say. The
rules are the reference's (:mod:`abmdsl.reference_kpis`); this module names the outcomes as the
scorecard shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Literal

from .. import ast
from ..ir import KpiIR, Playbook
from ..reference_kpis import outcome
from ..reference_kpis import verdict as reference_verdict

Status = Literal["pass", "warn", "fail", "no data", "no target"]


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
    found = outcome(kpi, value, target, low, high, warn)
    return "no data" if found is None else found


def verdict(playbook: Playbook, statuses: Mapping[str, Status]) -> bool | None:
    """The verdict's condition with each KPI meaning "it passed"; ``None`` without a verdict.

    A KPI with no data is missing, so ``a or b`` still passes when ``b`` did.
    """
    passed = {
        n: None if s in ("no data", "no target") else s == "pass" for n, s in statuses.items()
    }
    return reference_verdict(playbook, passed)


def deciding(playbook: Playbook, statuses: Mapping[str, Status]) -> list[str]:
    """The KPIs of the verdict that did not pass, in the order the verdict names them."""
    if playbook.verdict is None:
        return []
    seen: list[str] = []
    _names(playbook.verdict.when, seen)
    return [n for n in seen if statuses.get(n) != "pass"]


def _names(expr: ast.Expr, out: list[str]) -> None:
    from ..check.links import children

    if isinstance(expr, ast.Name):
        if expr.id not in out:
            out.append(expr.id)
        return
    for child in children(expr):
        _names(child, out)
