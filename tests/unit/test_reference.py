"""The reference evaluator is the language's semantics: each rule of docs/language.md, pinned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from abmdsl.api import compile_text
from abmdsl.parser import parse
from abmdsl.reference import AccountEvaluator, Env, EvalError, evaluate


def value(source: str, **row: object) -> object:
    module, diagnostics = parse(f"kpi k = {source}")
    assert not diagnostics, diagnostics
    return evaluate(module.statements[0].expr, Env(row))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("10% * 1 + 20% * 4 + 70% * 3", Decimal("3.0")),
        ("10% * 1 + 20% * 4 + 70% * 3 >= 3", True),
        ("0.1 + 0.2 = 0.3", True),
        ("1 / 3 * 3 = 1", False),  # exact to 60 digits, not infinitely: documented
        ("7 / 2", Decimal("3.5")),
        ("5 / 0", None),
        ("0 / 0", None),
        ("round(2.5)", Decimal(3)),
        ("round(-2.5)", Decimal(-3)),
        ("round(2.45, 1)", Decimal("2.5")),
        ("floor(-1.5)", Decimal(-2)),
        ("ceil(1.2)", Decimal(2)),
        ("abs(-4)", Decimal(4)),
        ("clamp(7, 1, 5)", Decimal(5)),
        ("clamp(-7, 1, 5)", Decimal(1)),
        ("min(3, 1, 2)", Decimal(1)),
        ("max(3, 1, 2)", Decimal(3)),
        ("25% = 0.25", True),
        ("1000 USD * 3", Decimal(3000)),
        ("3 in 1..3", True),
        ("0.5 in 1..3", False),
        ("3 not in 1..3", False),
        ('"a" in ("a", "b")', True),
        ('"A" in ("a", "b")', False),
        ("2027-01-11 + 2 days", dt.date(2027, 1, 13)),
        ("2027-01-11 - 1 week", dt.date(2027, 1, 4)),
        ("days_between(2027-01-01, 2027-03-01)", Decimal(59)),
        ("2027-03-01 - 2027-01-01 = 59 days", True),
        ("if 1 > 2 then 10 else 20", Decimal(20)),
        ("not (1 > 2)", True),
        ("-(2 + 3)", Decimal(-5)),
    ],
)
def test_expression_semantics(source: str, expected: object) -> None:
    assert value(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x + 1", None),
        ("x > 1", None),
        ("x = missing", None),
        ("x is missing", True),
        ("x is not missing", False),
        ("false and x > 1", False),
        ("true and x > 1", None),
        ("true or x > 1", True),
        ("false or x > 1", None),
        ("not (x > 1)", None),
        ("if x > 1 then 1 else 2", Decimal(2)),
        ("coalesce(x, 4)", Decimal(4)),
        ("coalesce(x, missing)", None),
        ("clamp(x, 1, 5)", None),
        ("max(x, 1)", None),
        ("x in 1..5", None),
        ("2 in (1, x)", None),
        ("1 in (1, x)", True),
    ],
)
def test_missing_follows_three_valued_logic(source: str, expected: object) -> None:
    assert value(source, x=None) == expected


def test_aggregates_are_not_for_one_account() -> None:
    with pytest.raises(EvalError):
        value("count(accounts)")


PLAYBOOK = """
playbook "P" { horizon 90 days currency USD }
accounts { key id: text  a: int 0..5  b: int 1..5 optional }
score s scale 1..5 {
  x weight 10% = 1
  y weight 20% = 4
  z weight 70% = clamp(a, 1, 5)
}
score t scale 1..5 { w weight 100% = coalesce(b, 1) }
tier top when s >= 3 and t >= 2 { at most 1 accounts ranked by s }
tier middle when s >= 3
tier rest otherwise
"""


def test_account_scores_are_exact_and_meet_their_threshold() -> None:
    playbook = compile_text(PLAYBOOK).playbook
    assert playbook is not None
    result = AccountEvaluator(playbook).run({"id": "A", "a": Decimal(3), "b": None})
    assert result.scores == {"s": Decimal("3.0"), "t": Decimal(1)}
    assert result.points["s"] == {"x": 1, "y": 4, "z": 3}
    assert result.tier == "middle"
    assert result.conditions == {"top": False, "middle": True}
    assert result.tier == "middle"


def test_a_missing_criterion_makes_the_score_missing_and_no_condition_match() -> None:
    source = PLAYBOOK.replace("z weight 70% = clamp(a, 1, 5)", "z weight 70% = clamp(b, 1, 5)")
    playbook = compile_text(source).playbook
    assert playbook is not None
    result = AccountEvaluator(playbook).run({"id": "A", "a": Decimal(3), "b": None})
    assert result.scores["s"] is None
    # `missing and false` is false; `missing >= 3` alone is missing, which does not match.
    assert result.conditions == {"top": False, "middle": None, "rest": True}
    assert result.tier == "rest"
