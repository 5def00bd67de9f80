"""Types of expressions: what each expression yields, and the diagnostics when it cannot.

Input: an AST expression and a :class:`Scope` (which names it may use).
Output: a :class:`Type`, or ``None`` when the expression is wrong (a diagnostic was recorded;
``None`` stops one mistake from being reported again by every enclosing expression).

Types: ``bool``, ``number``, ``percent`` (a number written with %; mixes freely with
numbers), ``money``, ``duration``, ``date``, ``text``, and ``missing`` (the type of the
``missing`` literal, which fits anywhere). ``nullable`` marks values that may be missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from . import ast
from .diagnostics import Diagnostic, closest, did_you_mean, error
from .span import Span

Kind = Literal["bool", "number", "percent", "money", "duration", "date", "text", "missing"]
NUMERIC = {"number", "percent"}


@dataclass(frozen=True)
class Type:
    kind: Kind
    nullable: bool = False
    enum: tuple[str, ...] | None = None

    def __str__(self) -> str:
        return {
            "percent": "a percentage",
            "money": "money",
            "duration": "a duration",
            "date": "a date",
            "text": "text",
            "bool": "a yes/no value",
            "number": "a number",
            "missing": "`missing`",
        }[self.kind]


BOOL, NUMBER, PERCENT, MONEY = Type("bool"), Type("number"), Type("percent"), Type("money")
DURATION, DATE, TEXT, MISSING = Type("duration"), Type("date"), Type("text"), Type("missing")

# Words of the expression language: a definition named so can never be used in an expression,
# because the parser reads the word, not the name (`count(`, `if ... then`, `x is missing`).
RESERVED_WORDS = frozenset(
    {"missing", "true", "false", "and", "or", "not", "if", "then", "else", "in", "is", "of"}
    | set(get_args(ast.AggregateFunc))
)

FIELD_TYPES: dict[str, Type] = {
    "bool": BOOL,
    "int": NUMBER,
    "number": NUMBER,
    "text": TEXT,
    "date": DATE,
    "money": MONEY,
    "percent": PERCENT,
    "duration": DURATION,
    "enum": TEXT,
}


@dataclass
class Scope:
    """The names an expression may use, innermost first.

    ``rows`` is the data set whose fields are visible (``accounts`` in tier rules; the data
    set of an aggregate inside its ``where``); ``names`` are other definitions (scores,
    KPIs, baselines) with their types; ``outer`` is the enclosing scope of a nested aggregate.
    """

    rows: str | None
    fields: Mapping[str, Mapping[str, Type]]
    names: Mapping[str, Type] = field(default_factory=dict)
    attrs: Mapping[str, Mapping[str, Type]] = field(default_factory=dict)
    aggregates: bool = False
    outer: Scope | None = None
    used: set[str] = field(default_factory=set)
    groups: frozenset[str] = frozenset()  # what `KPI of GROUP` may name

    def lookup(self, name: str) -> Type | None:
        scope: Scope | None = self
        while scope is not None:
            if scope.rows and name in scope.fields.get(scope.rows, {}):
                return scope.fields[scope.rows][name]
            if name in scope.names:
                self.used.add(name)
                return scope.names[name]
            scope = scope.outer
        return None

    def visible(self) -> set[str]:
        names: set[str] = set()
        scope: Scope | None = self
        while scope is not None:
            names |= set(scope.fields.get(scope.rows, {})) if scope.rows else set()
            names |= set(scope.names)
            scope = scope.outer
        return names

    def inner(self, rows: str) -> Scope:
        return Scope(
            rows, self.fields, {}, self.attrs, self.aggregates, self, self.used, self.groups
        )


@dataclass
class Checker:
    """Infers types, recording a diagnostic for each mistake."""

    currency: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def infer(self, expr: ast.Expr, scope: Scope) -> Type | None:
        rule = _RULES.get(expr.kind)
        assert rule is not None, expr.kind
        return rule(self, expr, scope)

    def expect_bool(self, expr: ast.Expr, scope: Scope, what: str) -> Type | None:
        got = self.infer(expr, scope)
        if got is not None and got.kind not in ("bool", "missing"):
            shown = expr.id if isinstance(expr, ast.Name) else "x"
            self.fail(
                "ABM204",
                f"{what} must be yes or no, but this is {got}",
                expr.span,
                f"compare it with something, e.g. `{shown} >= 3`",
            )
            return None
        return got

    def fail(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))


# ---------------------------------------------------------------- literals and names
def _literal(kind: Type) -> Callable[[Checker, ast.Expr, Scope], Type | None]:
    return lambda checker, expr, scope: kind


def _money(checker: Checker, expr: ast.Money, scope: Scope) -> Type | None:
    if checker.currency and expr.currency != checker.currency:
        checker.fail(
            "ABM249",
            f"this amount is in {expr.currency}, but the playbook counts "
            f"money in {checker.currency}",
            expr.span,
            f"write it in {checker.currency}, or change `currency` in the header",
        )
    return MONEY


def _name(checker: Checker, expr: ast.Name, scope: Scope) -> Type | None:
    found = scope.lookup(expr.id)
    if found is None:
        match = closest(expr.id, scope.visible())
        if match is not None:  # the typo uses what it misspells: do not also call that unused
            scope.used.add(match)
        checker.fail(
            "ABM201",
            f"unknown name `{expr.id}`",
            expr.span,
            f"did you mean `{match}`?" if match else _known_names(scope),
        )
    return found


def _known_names(scope: Scope) -> str | None:
    names = sorted(scope.visible())
    if not names:
        return None
    shown = ", ".join(f"`{n}`" for n in names[:8]) + (" ..." if len(names) > 8 else "")
    return f"names known here: {shown}"


def _attr(checker: Checker, expr: ast.Attr, scope: Scope) -> Type | None:
    members = scope.attrs.get(expr.obj)
    if members is None:
        checker.fail(
            "ABM201", f"unknown name `{expr.obj}`", expr.span, did_you_mean(expr.obj, scope.attrs)
        )
        return None
    if expr.attr not in members:
        checker.fail(
            "ABM201",
            f"`{expr.obj}` has no `{expr.attr}`",
            expr.span,
            did_you_mean(expr.attr, members),
        )
        return None
    scope.used.add(expr.obj)
    return members[expr.attr]


# ---------------------------------------------------------------- operators
def _family(t: Type) -> str:
    return "number" if t.kind in NUMERIC else t.kind


def _arith_result(op: str, left: Type, right: Type) -> Kind | None:
    lf, rf = _family(left), _family(right)
    if op in "+-":
        if lf == rf and lf in ("number", "money", "duration"):
            both_percent = left.kind == right.kind == "percent"
            return "percent" if both_percent else lf  # type: ignore[return-value]
        if lf == "date" and rf == "duration":
            return "date"
        if op == "-" and lf == rf == "date":
            return "duration"
        return None
    if op == "*":
        pair = {lf, rf}
        if pair == {"number"}:
            return "number"
        if len(pair) == 2 and "number" in pair and pair & {"money", "duration"}:
            return (pair - {"number"}).pop()  # type: ignore[return-value]
        return None
    if lf == rf and lf in ("number", "money", "duration"):  # division of like by like
        return "number"
    if rf == "number" and lf in ("money", "duration"):
        return lf  # type: ignore[return-value]
    return None


def _binary(checker: Checker, expr: ast.Binary, scope: Scope) -> Type | None:
    left, right = checker.infer(expr.left, scope), checker.infer(expr.right, scope)
    if left is None or right is None:
        return None
    if "missing" in (left.kind, right.kind):
        other = right if left.kind == "missing" else left
        return replace(other, nullable=True, enum=None)
    kind = _arith_result(expr.op, left, right)
    if kind is None:
        checker.fail(
            "ABM203",
            f"cannot use `{expr.op}` on {left} and {right}",
            expr.span,
            _arith_hint(left, right),
        )
        return None
    # Division by zero gives `missing`, so a division may be missing, unless it divides by a
    # constant that is not zero (`employees / 1000`).
    maybe_zero = expr.op == "/" and not _nonzero_constant(expr.right)
    return Type(kind, left.nullable or right.nullable or maybe_zero)


def _nonzero_constant(expr: ast.Expr) -> bool:
    """True for a number, percentage, amount or duration written out and not zero.

    >>> from abmdsl.parser import parse
    >>> m, _ = parse("baseline b = x / -1000")
    >>> _nonzero_constant(m.statements[0].expr.right)
    True
    """
    if isinstance(expr, ast.Neg):
        return _nonzero_constant(expr.operand)
    if isinstance(expr, ast.Number | ast.Percent):
        return expr.value != 0
    if isinstance(expr, ast.Money | ast.Duration):
        return expr.amount != 0
    return False


def _arith_hint(left: Type, right: Type) -> str | None:
    kinds = {left.kind, right.kind}
    if kinds == {"money", "duration"}:
        return "money and time are different quantities; convert one with a rate first"
    if "money" in kinds and kinds & NUMERIC:
        return "add amounts with a currency, e.g. `100 USD`, or multiply money by a number"
    if "text" in kinds or "bool" in kinds:
        return "arithmetic works on numbers, percentages, money, durations and dates"
    return None


def _comparable(left: Type, right: Type) -> bool:
    if "missing" in (left.kind, right.kind):
        return True
    return _family(left) == _family(right)


def _compare(checker: Checker, expr: ast.Compare, scope: Scope) -> Type | None:
    left, right = checker.infer(expr.left, scope), checker.infer(expr.right, scope)
    if left is None or right is None:
        return BOOL
    if not _comparable(left, right):
        checker.fail(
            "ABM203",
            f"cannot compare {left} with {right}",
            expr.span,
            _compare_hint(expr, left, right),
        )
    elif left.kind == "bool" and expr.op not in ("=", "!="):
        checker.fail(
            "ABM203",
            f"`{expr.op}` needs numbers, but these are yes/no values",
            expr.span,
            "use `=` or `!=` on yes/no values",
        )
    else:
        _check_enum_values(checker, left, expr.right)
        _check_enum_values(checker, right, expr.left)
    return BOOL


def _compare_hint(expr: ast.Compare, left: Type, right: Type) -> str:
    if left.kind == "bool" or right.kind == "bool":
        side = expr.left if left.kind == "bool" else expr.right
        name = side.id if isinstance(side, ast.Name) else None
        if name:
            return f"a yes/no field is a condition by itself: write `{name}` or `not {name}`"
        return "yes/no values are compared with `true` or `false`"
    return "compare like with like: money with money, days with days"


def _check_enum_values(checker: Checker, t: Type, other: ast.Expr) -> None:
    if t.enum is None or not isinstance(other, ast.Text):
        return
    if other.value not in t.enum:
        match = closest(other.value, t.enum)
        hint = (
            f'did you mean "{match}"?'
            if match
            else "it can be " + ", ".join(f'"{v}"' for v in t.enum)
        )
        checker.fail(
            "ABM224", f'"{other.value}" is not one of the declared values', other.span, hint
        )


def _logic(checker: Checker, expr: ast.Logic, scope: Scope) -> Type | None:
    checker.expect_bool(expr.left, scope, f"each side of `{expr.op}`")
    checker.expect_bool(expr.right, scope, f"each side of `{expr.op}`")
    return BOOL


def _not(checker: Checker, expr: ast.Not, scope: Scope) -> Type | None:
    checker.expect_bool(expr.operand, scope, "what follows `not`")
    return BOOL


def _neg(checker: Checker, expr: ast.Neg, scope: Scope) -> Type | None:
    t = checker.infer(expr.operand, scope)
    if t is not None and _family(t) not in ("number", "money", "duration"):
        checker.fail("ABM203", f"cannot negate {t}", expr.span)
        return None
    return t


def _in_range(checker: Checker, expr: ast.InRange, scope: Scope) -> Type | None:
    value = checker.infer(expr.value, scope)
    for bound in (expr.range.low, expr.range.high):
        t = checker.infer(bound, scope)
        if value is not None and t is not None and not _comparable(value, t):
            checker.fail("ABM203", f"cannot compare {value} with a range of {t}", bound.span)
            break
    return BOOL


def _in_list(checker: Checker, expr: ast.InList, scope: Scope) -> Type | None:
    value = checker.infer(expr.value, scope)
    for item in expr.items:
        t = checker.infer(item, scope)
        if value is not None and t is not None:
            if not _comparable(value, t):
                checker.fail("ABM203", f"cannot compare {value} with {t}", item.span)
            else:
                _check_enum_values(checker, value, item)
    return BOOL


def _is_missing(checker: Checker, expr: ast.IsMissing, scope: Scope) -> Type | None:
    checker.infer(expr.value, scope)
    return BOOL


def _if(checker: Checker, expr: ast.If, scope: Scope) -> Type | None:
    checker.expect_bool(expr.cond, scope, "the condition after `if`")
    then, else_ = checker.infer(expr.then, scope), checker.infer(expr.else_, scope)
    if then is None or else_ is None:
        return None
    return unify(checker, then, else_, expr.else_.span, "both branches of `if`")


def unify(checker: Checker, a: Type, b: Type, span: Span | None, what: str) -> Type | None:
    """The common type of two values that may stand in the same place."""
    if a.kind == "missing":
        return replace(b, nullable=True)
    if b.kind == "missing":
        return replace(a, nullable=True)
    if not _comparable(a, b):
        checker.fail(
            "ABM203", f"{what} must be of one kind, but one is {a} and the other {b}", span
        )
        return None
    kind = a.kind if a.kind == b.kind else "number"
    return Type(kind, a.nullable or b.nullable, a.enum if a.enum == b.enum else None)


# ---------------------------------------------------------------- functions and aggregates
def _call(checker: Checker, expr: ast.Call, scope: Scope) -> Type | None:
    spec = FUNCTIONS.get(expr.func)
    if spec is None:
        checker.fail(
            "ABM220",
            f"unknown function `{expr.func}`",
            expr.span,
            did_you_mean(expr.func, FUNCTIONS) or "functions: " + ", ".join(sorted(FUNCTIONS)),
        )
        return None
    low, high, _ = spec
    if not low <= len(expr.args) <= high:
        wanted = str(low) if low == high else f"{low} to {high}" if high < 99 else f"{low}+"
        checker.fail(
            "ABM220",
            f"`{expr.func}` takes {wanted} arguments, not {len(expr.args)}",
            expr.span,
            FUNCTION_USAGE[expr.func],
        )
        return None
    args = [checker.infer(a, scope) for a in expr.args]
    if any(a is None for a in args):
        return None
    return spec[2](checker, expr, [a for a in args if a is not None])


def _same_kind(checker: Checker, expr: ast.Call, args: list[Type]) -> Type | None:
    result = args[0]
    for arg, node in zip(args[1:], expr.args[1:], strict=True):
        unified = unify(checker, result, arg, node.span, f"the arguments of `{expr.func}`")
        if unified is None:
            return None
        result = unified
    if _family(result) not in ("number", "money", "duration", "date"):
        checker.fail("ABM203", f"`{expr.func}` works on quantities, not {result}", expr.span)
        return None
    return result


def _coalesce(checker: Checker, expr: ast.Call, args: list[Type]) -> Type | None:
    result = args[0]
    for arg, node in zip(args[1:], expr.args[1:], strict=True):
        unified = unify(
            checker, replace(result, nullable=False), arg, node.span, "the arguments of `coalesce`"
        )
        if unified is None:
            return None
        result = replace(unified, nullable=arg.nullable or arg.kind == "missing")
    return result


def _round(checker: Checker, expr: ast.Call, args: list[Type]) -> Type | None:
    if _family(args[0]) not in ("number", "money", "duration"):
        checker.fail("ABM203", f"`{expr.func}` works on numbers, not {args[0]}", expr.span)
        return None
    if len(args) == 2 and not isinstance(expr.args[1], ast.Number):
        checker.fail(
            "ABM203",
            "the number of decimals must be a whole number written out",
            expr.args[1].span,
            "e.g. `round(score, 1)`",
        )
    return args[0]


def _days_between(checker: Checker, expr: ast.Call, args: list[Type]) -> Type | None:
    for arg, node in zip(args, expr.args, strict=True):
        if arg.kind not in ("date", "missing"):
            checker.fail("ABM203", f"`days_between` needs dates, not {arg}", node.span)
            return None
    return Type("number", any(a.nullable for a in args))


FunctionRule = Callable[[Checker, ast.Call, list[Type]], Type | None]
FUNCTIONS: dict[str, tuple[int, int, FunctionRule]] = {
    "clamp": (3, 3, _same_kind),
    "min": (2, 99, _same_kind),
    "max": (2, 99, _same_kind),
    "round": (1, 2, _round),
    "floor": (1, 1, _round),
    "ceil": (1, 1, _round),
    "abs": (1, 1, _round),
    "coalesce": (2, 99, _coalesce),
    "days_between": (2, 2, _days_between),
}
FUNCTION_USAGE: dict[str, str] = {
    "clamp": "clamp(value, low, high)",
    "min": "min(a, b, ...)",
    "max": "max(a, b, ...)",
    "round": "round(value) or round(value, decimals)",
    "floor": "floor(value)",
    "ceil": "ceil(value)",
    "abs": "abs(value)",
    "coalesce": "coalesce(value, fallback, ...)",
    "days_between": "days_between(earlier_date, later_date)",
}


def _aggregate(checker: Checker, expr: ast.Aggregate, scope: Scope) -> Type | None:
    if not scope.aggregates:
        checker.fail(
            "ABM245",
            f"`{expr.func}(...)` sums up many rows; it belongs in a KPI "
            "or a baseline, not in a rule about one account",
            expr.span,
            "here, use the account's own fields; to use its activity, export it as a field "
            "of accounts, e.g. `meetings: int`",
        )
        return None
    rows = scope.fields.get(expr.dataset)
    if rows is None:
        checker.fail(
            "ABM231",
            f"`{expr.dataset}` are not declared in this playbook",
            expr.span,
            f"declare them: `{expr.dataset} {{ key id: text ... }}`",
        )
        return None
    inner = scope.inner(expr.dataset)
    if expr.where is not None:
        checker.expect_bool(expr.where, inner, "the condition after `where`")
    column: Type | None = None
    if expr.value is not None:
        column = checker.infer(expr.value, inner)
        return None if column is None else _aggregate_result(checker, expr, column)
    if expr.field is not None:
        column = rows.get(expr.field)
        if column is None:
            checker.fail(
                "ABM231",
                f"`{expr.dataset}` have no field `{expr.field}`",
                expr.span,
                did_you_mean(expr.field, rows),
            )
            return None
    return _aggregate_result(checker, expr, column)


# Words a strategist may reach for, and the group each means.
_GROUP_WORDS = {
    "holdout": ("control", "the holdout of every tier is the control group"),
    "abm": ("programme", "the accounts the pilot works on"),
    "program": ("programme", "the accounts the pilot works on"),
    "everyone": ("all", "every row of the data"),
}


def _of(checker: Checker, expr: ast.Of, scope: Scope) -> Type | None:
    group = expr.group.name
    if not scope.aggregates:
        checker.fail(
            "ABM245",
            f"`of {group}` measures a group of accounts; it belongs in a KPI or a baseline, "
            "not in a rule about one account",
            expr.span,
            "here, use the account's own fields",
        )
        return None
    if scope.rows is not None:
        checker.fail(
            "ABM250",
            f"`of {group}` inside `where` would change the group in the middle of one count",
            expr.span,
            "put `of` on the whole KPI, e.g. `engagement of control`, or on the aggregate: "
            "`count(activities where ...) of control`",
        )
        return None
    if group not in scope.groups:
        known = ", ".join(f"`{g}`" for g in sorted(scope.groups))
        meant = _GROUP_WORDS.get(group.lower())
        checker.fail(
            "ABM250",
            f"unknown group of accounts `{group}`",
            expr.group.span,
            f"write `{meant[0]}`: {meant[1]}"
            if meant
            else did_you_mean(group, scope.groups) or f"groups: {known}",
        )
        return None
    return checker.infer(expr.value, scope)


def _aggregate_result(checker: Checker, expr: ast.Aggregate, column: Type | None) -> Type | None:
    if expr.func in ("count", "share"):
        if column is not None:
            checker.fail(
                "ABM231",
                f"`{expr.func}` counts rows; it takes no field or value",
                expr.span,
                f"write `{expr.func}({expr.dataset} where ...)`",
            )
        return PERCENT if expr.func == "share" else NUMBER
    if column is None:
        checker.fail(
            "ABM231",
            f"`{expr.func}` needs a field, e.g. `{expr.func}({expr.dataset}.cost)`",
            expr.span,
        )
        return None
    if expr.func == "distinct":
        return NUMBER
    if expr.func in ("earliest", "latest"):  # the first or last date, the least or most value
        if column.kind not in ("number", "percent", "money", "duration", "date"):
            checker.fail("ABM203", f"cannot take `{expr.func}` of {column}", expr.span)
            return None
        return Type(column.kind, True)
    if _family(column) not in ("number", "money", "duration"):
        checker.fail("ABM203", f"cannot take `{expr.func}` of {column}", expr.span)
        return None
    # Over no rows at all, sum is 0 but avg and median have no value.
    return Type(column.kind, expr.func != "sum")


_RULES: dict[str, Callable[[Checker, ast.Expr, Scope], Type | None]] = {
    "number": _literal(NUMBER),
    "percent": _literal(PERCENT),
    "money": _money,  # type: ignore[dict-item]
    "duration": _literal(DURATION),
    "date": _literal(DATE),
    "text": _literal(TEXT),
    "bool": _literal(BOOL),
    "missing": _literal(MISSING),
    "name": _name,  # type: ignore[dict-item]
    "attr": _attr,
    "neg": _neg,
    "not": _not,
    "binary": _binary,
    "logic": _logic,  # type: ignore[dict-item]
    "compare": _compare,
    "in_range": _in_range,
    "in_list": _in_list,  # type: ignore[dict-item]
    "is_missing": _is_missing,
    "if": _if,
    "call": _call,
    "aggregate": _aggregate,  # type: ignore[dict-item]
    "of": _of,  # type: ignore[dict-item]
}
