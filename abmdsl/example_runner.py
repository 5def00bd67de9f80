"""`abm test`: run a playbook's own `example` blocks with the reference evaluator.

Input: checked playbooks. Output: one :class:`ExampleResult` per example (passed or the
reasons it failed) and, with coverage, the condition outcomes no example exercised.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from . import ast
from .api import Compiled
from .ir import ExampleIR, Playbook
from .numbers import plain
from .reference import AccountEvaluator, AccountResult, Coverage, EvalError, Value, literal_value
from .render import render_text
from .span import Span


@dataclass
class ExampleResult:
    title: str
    span: Span | None
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class Gap:
    """A condition outcome that no example produced."""

    span: Span | None
    what: str


def run_examples(playbook: Playbook, coverage: Coverage | None = None) -> list[ExampleResult]:
    """Evaluate each example's account and compare with what it expects."""
    evaluator = AccountEvaluator(playbook, coverage)
    return [_run_one(evaluator, example) for example in playbook.examples]


def _run_one(evaluator: AccountEvaluator, example: ExampleIR) -> ExampleResult:
    result = ExampleResult(example.title, example.span)
    account = {name: literal_value(value) for name, value in example.given.items()}
    try:
        got = evaluator.run(account)
    except EvalError as exc:
        result.failures.append(f"cannot evaluate: {exc}")
        return result
    for expectation in example.expects:
        failure = _expectation_failure(expectation, got)
        if failure:
            result.failures.append(failure)
    return result


def _expectation_failure(expectation: ast.Expectation, got: AccountResult) -> str | None:
    if isinstance(expectation, ast.ExpectTier):
        if got.tier != expectation.tier.name:
            return f"expected tier {expectation.tier.name}, got {got.tier or 'no tier'}" + _why(got)
        return None
    if isinstance(expectation, ast.ExpectCluster):
        if got.cluster != expectation.value:
            return f'expected cluster "{expectation.value}", got {_show(got.cluster)}'
        return None
    want = literal_value(expectation.value)
    if isinstance(expectation, ast.ExpectScore):
        actual = got.scores.get(expectation.score.name)
        label = f"score {expectation.score.name}"
    else:
        actual = got.points.get(expectation.score.name, {}).get(expectation.criterion.name)
        label = f"criterion {expectation.score.name}.{expectation.criterion.name}"
    if actual != want:
        return f"expected {label} = {_show(want)}, got {_show(actual)}"
    return None


def _why(got: AccountResult) -> str:
    scores = ", ".join(f"{name} = {_show(value)}" for name, value in got.scores.items())
    return f" ({scores})" if scores else ""


def _show(value: Value) -> str:
    if value is None:
        return "missing"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def coverage_gaps(playbook: Playbook, coverage: Coverage) -> list[Gap]:
    """Each tier condition and `if` branch whose true or false outcome no example produced."""
    gaps: list[Gap] = []
    for tier in playbook.tiers:
        if tier.when is not None:
            gaps += _gaps(coverage, tier.when, f"tier {tier.name}: condition")
    for score in playbook.scores.values():
        for criterion in score.criteria:
            for node in _ifs(criterion.expr):
                gaps += _gaps(
                    coverage, node, f"criterion {score.name}.{criterion.name}: `if` condition"
                )
    return gaps


def _gaps(coverage: Coverage, node: ast.Node, what: str) -> list[Gap]:
    seen = coverage.seen(node)
    cond = node.cond if isinstance(node, ast.If) else node
    return [
        Gap(cond.span, f"{what} never {word}")
        for outcome, word in ((True, "true"), (False, "false"))
        if outcome not in seen
    ]


def _ifs(expr: ast.Node) -> list[ast.If]:
    found: list[ast.If] = []
    stack: list[object] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If):
            found.append(node)
        if isinstance(node, ast.Node):
            stack.extend(v for v in node.__dict__.values() if isinstance(v, ast.Node | list))
        elif isinstance(node, list):
            stack.extend(node)
    return sorted(found, key=lambda n: n.span.sort_key() if n.span else ("", 0, 0))


def outcome_count(playbook: Playbook) -> int:
    conditions = sum(1 for t in playbook.tiers if t.when is not None)
    branches = sum(len(_ifs(c.expr)) for s in playbook.scores.values() for c in s.criteria)
    return 2 * (conditions + branches)


def run_paths(paths: list[Path], coverage: bool = False, as_json: bool = False) -> int:
    """`abm test`: exit 0 when every example holds, 1 otherwise (or on check errors)."""
    from .workspace import compile_all

    report: list[dict[str, object]] = []
    failed = False
    for compiled in compile_all(paths):
        failed |= _report_one(compiled, coverage, as_json, report)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    return 1 if failed else 0


def _report_one(
    compiled: Compiled, want_coverage: bool, as_json: bool, report: list[dict[str, object]]
) -> bool:
    name = next(iter(compiled.sources), "<playbook>")
    if compiled.playbook is None:
        print(render_text(compiled.diagnostics, compiled.sources), file=sys.stderr)
        report.append({"file": name, "error": "the playbook has errors; see `abm check`"})
        return True
    coverage = Coverage() if want_coverage else None
    results = run_examples(compiled.playbook, coverage)
    entry: dict[str, object] = {
        "file": name,
        "examples": [
            {
                "title": r.title,
                "line": r.span.line if r.span else None,
                "passed": r.passed,
                "failures": r.failures,
            }
            for r in results
        ],
    }
    if coverage is not None:
        gaps = coverage_gaps(compiled.playbook, coverage)
        entry["coverage"] = {
            "outcomes": outcome_count(compiled.playbook),
            "missed": [{"at": g.span.label() if g.span else None, "what": g.what} for g in gaps],
        }
    report.append(entry)
    if not as_json:
        _print_text(name, results, entry.get("coverage"))  # type: ignore[arg-type]
    return any(not r.passed for r in results)


def _print_text(name: str, results: list[ExampleResult], coverage: dict | None) -> None:
    passed = sum(r.passed for r in results)
    print(name)
    for r in results:
        print(f"  {'ok  ' if r.passed else 'FAIL'} {r.title}")
        for failure in r.failures:
            print(f"       {failure}" + (f"  ({r.span.label()})" if r.span else ""))
    noun = "example" if len(results) == 1 else "examples"
    print(f"  {len(results)} {noun}: {passed} passed, {len(results) - passed} failed")
    if coverage is not None:
        total, missed = coverage["outcomes"], coverage["missed"]
        share = f" ({(total - len(missed)) * 100 // total}%)" if total else ""
        print(f"  coverage: {total - len(missed)} of {total} condition outcomes exercised" + share)
        for gap in missed:
            print(f"    {gap['at']}: {gap['what']}")
