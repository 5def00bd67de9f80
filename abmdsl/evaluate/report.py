"""A scorecard as a terminal table, JSON, Markdown and JUnit XML (one test case per KPI).

Input: a :class:`~abmdsl.evaluate.scorecard.Scorecard`. Output: text, the same bytes for the
same scorecard (no clock: a JUnit report's timestamp is the as-of date or the pilot's end).
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO
from typing import Any
from xml.etree import ElementTree as ET

from .scorecard import KpiResult, Scorecard

FORMATS = (".json", ".md", ".xml")
_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "no data": "NO DATA", "no target": "-"}


def shown(value: Decimal | None, kind: str, currency: str) -> str:
    """A value for people: percentages ×100, money with cents, other numbers as they are.

    >>> shown(Decimal("0.204081"), "percent", "USD"), shown(Decimal("1500"), "money", "USD")
    ('20.41%', '1500.00 USD')
    >>> shown(None, "number", "USD"), shown(Decimal("1.800000"), "number", "USD")
    ('no data', '1.8')
    """
    if value is None:
        return "no data"
    if kind == "date":
        return str(value)
    if kind == "percent":
        return f"{_places(value * 100, 2)}%"
    if kind == "money":
        return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f} {currency}"
    if kind == "duration":
        return f"{_places(value / 60, 2)} h"
    return _places(value, 6)


def _places(value: Decimal, places: int) -> str:
    text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def threshold_shown(result: KpiResult, card: Scorecard) -> str:
    """The target with its value as judged: ``>= 30%``, ``<= 1500.00 USD``, ``-`` for none."""
    if result.target is None:
        return "-"
    if result.low is not None or result.high is not None:
        low = shown(result.low, result.kind, card.currency)
        high = shown(result.high, result.kind, card.currency)
        return f"{low} to {high}"
    if result.target_value is None:  # a baseline or KPI without data: say which
        return f"{result.target} (no data)"
    op = result.target.split(" ", 1)[0]
    return f"{op} {shown(result.target_value, result.kind, card.currency)}"


def warn_shown(result: KpiResult, card: Scorecard) -> str:
    if result.warn is None:
        return "-"
    op = result.warn.split(" ", 1)[0]
    return f"{op} {shown(result.warn_value, result.kind, card.currency)}"


def headline(card: Scorecard) -> str:
    """One line: the verdict and, when it did not pass, which KPIs it hung on."""
    title = f' "{card.verdict_title}"' if card.verdict_title else ""
    if card.verdict is True:
        return f"verdict{title}: PASS"
    if card.verdict is None and not card.failing:
        return "no verdict: the playbook declares none"
    state = "NO DATA" if card.verdict is None else "FAIL"
    by = {r.name: r for r in card.kpis}
    reasons = [_why(by[n], card) for n in card.failing if n in by]
    return f"verdict{title}: {state}" + (" — " + "; ".join(reasons) if reasons else "")


def _why(result: KpiResult, card: Scorecard) -> str:
    value = shown(result.value, result.kind, card.currency)
    if result.status == "no data":
        return f"{result.name} has no data"
    return f"{result.name} {result.status}s ({value}, target {threshold_shown(result, card)})"


def period(card: Scorecard) -> str:
    if card.as_of is None:
        last = card.window.last
        return f"to {last}" if last else "all the data"
    day = f" (day {card.elapsed_days} of {card.horizon_days})" if card.elapsed_days else ""
    return f"as of {card.as_of}{day}"


def render(card: Scorecard) -> str:
    from rich.console import Console
    from rich.table import Table

    projecting = any(r.projected_status is not None for r in card.kpis)
    table = Table(title=f"{card.title}: scorecard {period(card)}", title_justify="left")
    columns = ["KPI", "value", "target", "warn", "status"]
    columns += [f"at day {card.horizon_days}", "on track"] if projecting else []
    columns += ["measures"]
    for name in columns:
        table.add_column(name, justify="right" if name in ("value",) else "left")
    for r in card.kpis:
        cells = [r.name, shown(r.value, r.kind, card.currency), threshold_shown(r, card)]
        cells += [warn_shown(r, card), _MARK[r.status]]
        if projecting:
            cells += [shown(r.projected, r.kind, card.currency), _MARK[r.projected_status or "-"]]
        cells.append(", ".join(r.goals) or "-")
        table.add_row(*cells)
    out = StringIO()
    Console(file=out, width=120, color_system=None).print(table)
    lines = [out.getvalue().rstrip("\n")]
    if card.baselines:
        kinds = card.baseline_kinds
        lines.append(
            "baselines: "
            + "; ".join(
                f"{n} = {shown(v, kinds.get(n, 'number'), card.currency)}"
                for n, v in card.baselines.items()
            )
        )
    if card.breakdown:
        lines.append(_breakdown_table(card))
    lines += _data_lines(card)
    lines.append(headline(card))
    if projecting and card.projected_verdict is not None:
        state = "PASS" if card.projected_verdict else "FAIL"
        lines.append(f"on track for day {card.horizon_days}, at the rate so far: {state}")
    return "\n".join(lines) + "\n"


def _breakdown_table(card: Scorecard) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"by {card.by}", title_justify="left")
    table.add_column("KPI")
    for part in card.breakdown:
        table.add_column(f"{part.label} ({part.accounts})", justify="right")
    kinds = {r.name: r.kind for r in card.kpis}
    for name, kind in kinds.items():
        cells = [shown(part.values.get(name), kind, card.currency) for part in card.breakdown]
        table.add_row(name, *cells)
    out = StringIO()
    Console(file=out, width=120, color_system=None).print(table)
    return out.getvalue().rstrip("\n")


def _breakdown_markdown(card: Scorecard) -> list[str]:
    if not card.breakdown:
        return []
    head = ["KPI", *(f"{p.label} ({p.accounts} accounts)" for p in card.breakdown)]
    lines = [f"## By {card.by}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in card.kpis:
        cells = [shown(p.values.get(r.name), r.kind, card.currency) for p in card.breakdown]
        lines.append("| " + " | ".join([f"`{r.name}`", *cells]) + " |")
    return [*lines, ""]


def _data_lines(card: Scorecard) -> list[str]:
    c = card.counts
    lines = [
        f"accounts: {c.accounts['programme']} in the programme, {c.accounts['control']} "
        f"in the control group, {c.accounts['outside']} outside"
    ]
    lines.append(
        f"activities counted: {c.activities['all']} ({c.activities['programme']} of the "
        f"programme, {c.activities['control']} of the control group, "
        f"{c.activities['outside']} outside)"
    )
    left = [
        (c.unknown_account, "name an account that is not in the accounts file"),
        (c.before_window, f"are dated before {card.window.first}"),
        (c.after_window, f"are dated after {card.window.last}"),
        (c.undated, "have no date"),
    ]
    for n, why in left:
        if n:
            counted = "counted only in `all`" if "account" in why else "not counted"
            lines.append(f"note: {n} activities {why}: {counted}")
    return lines


def as_json(card: Scorecard) -> str:
    def num(value: Decimal | None) -> str | None:
        if value is None or not isinstance(value, Decimal):
            return None if value is None else str(value)  # a date
        return f"{value.normalize():f}"

    data: dict[str, Any] = {
        "playbook": card.title,
        "as_of": card.as_of.isoformat() if card.as_of else None,
        "window": {
            "first": card.window.first.isoformat() if card.window.first else None,
            "last": card.window.last.isoformat() if card.window.last else None,
            "date_field": card.window.date_field,
        },
        "elapsed_days": card.elapsed_days,
        "horizon_days": card.horizon_days,
        "verdict": {
            "title": card.verdict_title,
            "passed": card.verdict,
            "failing": list(card.failing),
            "projected": card.projected_verdict,
            "text": headline(card),
        },
        "kpis": [
            {
                "name": r.name,
                "title": r.title,
                "kind": r.kind,
                "value": num(r.value),
                "status": r.status,
                "target": r.target,
                "target_value": num(r.target_value),
                "low": num(r.low),
                "high": num(r.high),
                "warn": r.warn,
                "warn_value": num(r.warn_value),
                "measures": list(r.goals),
                "projected": num(r.projected),
                "projected_status": r.projected_status,
            }
            for r in card.kpis
        ],
        "baselines": {n: num(v) for n, v in card.baselines.items()},
        "counts": {
            "accounts": card.counts.accounts,
            "activities": card.counts.activities,
            "unknown_account": card.counts.unknown_account,
            "before_window": card.counts.before_window,
            "after_window": card.counts.after_window,
            "undated": card.counts.undated,
        },
        "breakdown": {
            "by": card.by,
            "groups": [
                {
                    "name": p.label,
                    "accounts": p.accounts,
                    "kpis": {n: num(v) for n, v in p.values.items()},
                }
                for p in card.breakdown
            ],
        }
        if card.breakdown
        else None,
        "provenance": card.provenance.as_dict(),
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def as_markdown(card: Scorecard) -> str:
    projecting = any(r.projected_status is not None for r in card.kpis)
    head = ["KPI", "value", "target", "warn", "status"]
    head += [f"at day {card.horizon_days}", "on track"] if projecting else []
    head.append("measures")
    lines = [f"# {card.title}: scorecard {period(card)}", "", f"**{headline(card)}**", ""]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in card.kpis:
        name = f"{r.title} (`{r.name}`)" if r.title else f"`{r.name}`"
        cells = [name, shown(r.value, r.kind, card.currency), threshold_shown(r, card)]
        cells += [warn_shown(r, card), _MARK[r.status]]
        if projecting:
            cells += [shown(r.projected, r.kind, card.currency), _MARK[r.projected_status or "-"]]
        cells.append(", ".join(card.goal_titles.get(g) or g for g in r.goals) or "-")
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines.append("")
    lines += _breakdown_markdown(card)
    lines += [line.replace("note: ", "- ") for line in _data_lines(card)]
    lines.append("")
    return "\n".join(lines)


def as_junit(card: Scorecard) -> str:
    """One test suite, one test case per KPI: failed when it failed or warned, skipped when it
    has no data or no target — so that a CI system shows the scorecard as tests."""
    judged = [r for r in card.kpis if r.status not in ("no data", "no target")]
    suite = ET.Element(
        "testsuite",
        name=card.title,
        tests=str(len(card.kpis) + 1),
        failures=str(sum(r.status in ("fail", "warn") for r in judged) + (card.verdict is False)),
        skipped=str(len(card.kpis) - len(judged) + (card.verdict is None)),
        timestamp=f"{card.as_of or card.window.last or ''}T00:00:00",
    )
    for r in card.kpis:
        case = ET.SubElement(suite, "testcase", classname="kpi", name=r.name)
        value = shown(r.value, r.kind, card.currency)
        text = f"{r.title or r.name}: {value}, target {threshold_shown(r, card)}"
        if r.status in ("fail", "warn"):
            ET.SubElement(case, "failure", message=f"{r.status}: {text}").text = text
        elif r.status in ("no data", "no target"):
            ET.SubElement(case, "skipped", message=f"{r.status}: {text}")
    case = ET.SubElement(suite, "testcase", classname="verdict", name=card.verdict_title or "")
    if card.verdict is False:
        ET.SubElement(case, "failure", message=headline(card)).text = headline(card)
    elif card.verdict is None:
        ET.SubElement(case, "skipped", message=headline(card))
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, "unicode") + "\n"


WRITERS = {".json": as_json, ".md": as_markdown, ".xml": as_junit}
