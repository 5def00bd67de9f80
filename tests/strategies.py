"""Hypothesis strategies that write valid abm playbooks, for property tests of any stage.

Input: nothing (import and draw). Output: playbook source text that always parses.

Public strategies:

* :func:`playbooks` — a whole playbook: every statement kind of the grammar, block items of
  every kind, the whole expression language, Unicode (Cyrillic, Polish) names and strings, in
  a random layout (spaces, tabs, newlines, blank lines) with ``#`` comments between tokens.
* :func:`statements` — the text of one top-level statement, laid out the same way.
* :func:`expressions` — the text of one expression: arithmetic, comparisons, ``and``/``or``/
  ``not``, ``if … then … else …``, ``in`` ranges and lists, ``is [not] missing``, percentages,
  money, durations in every unit spelling, dates, strings with escapes, calls and aggregates
  with ``where``; parenthesized where the grammar needs it and at random elsewhere.
* :func:`relayouts` — the same tokens as a given text in a new random layout, with extra
  comments: re-indented, whitespace collapsed or expanded. Parses to the same tree.
* :func:`identifiers` — names that are never keywords, ASCII or Unicode.

The text is syntactically valid, not meaningful: names are not resolved and types do not
match, so use these for the parser, the formatter and anything else before the checker.

:func:`layout` lays out any token list this way, and :data:`TOKEN` splits existing text back
into tokens.

>>> from hypothesis import given, settings
>>> from abmdsl.parser import parse
>>> @settings(max_examples=10, deadline=None)
... @given(playbooks())
... def test(text): assert parse(text)[0] is not None
>>> test()
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable

from hypothesis import strategies as st

from abmdsl.parser import grammar_text

Tokens = list[str]

TOKEN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\d{4}-\d{2}-\d{2}|\d+(?:\.\d+)?%?|\.\.|[<>!]=|x\d+\.\d+(?!\w)'
    r"|\w+|\S"
)
"""One token of playbook text: a string, a comment, a date, a number, a word or a symbol."""

KEYWORDS = frozenset(re.findall(r'"([A-Za-z_]+)"', grammar_text()))
"""Every word the grammar spells out; :func:`identifiers` never draws one."""

_LOWER = string.ascii_lowercase
_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюяё"
_POLISH = "ąćęłńóśźż"
_STRING_CHARS = _LOWER + _CYRILLIC + _POLISH + "ĄŁЖ 0-9,.:;!?{}()#'\"\\\n\t€₽"
_COMMENT_CHARS = _LOWER + _CYRILLIC + _POLISH + " -#{}\"'`*=→ \t"
_SPACES = [" ", " ", " ", "  ", "\t", "\n", "\n  ", "\n\t\t", "\n\n", " \n\n\n    "]
_GLUE_AFTER = {"(", "{", ",", ":", "..", "-"}
_GLUE_BEFORE = {")", "}", ",", ":", "..", "("}

# Precedence levels of the grammar's expression ladder, loosest first (written out here
# independently of the formatter's own table, which these strategies test).
IF, OR, AND, NOT, COMPARISON, SUM, PRODUCT, UNARY, ATOM = range(9)
Expr = tuple[Tokens, int]  # an expression's tokens and the level of its outermost operator


# ---------------------------------------------------------------- layout
def _separator(rng: random.Random) -> str:
    """What goes between two tokens: mostly whitespace, now and then a comment."""
    if rng.random() < 0.9:
        return rng.choice(_SPACES)
    text = "".join(rng.choices(_COMMENT_CHARS, k=rng.randrange(12)))
    return rng.choice(["", " ", "  ", "\n"]) + f"#{text}\n"


def layout(tokens: Tokens) -> st.SearchStrategy[str]:
    """``tokens`` joined by random separators; glued where no space is needed.

    The layout comes from a :class:`random.Random` seeded with one drawn integer rather than
    from a draw per boundary: drawing each separator makes generation ten times slower (and a
    shipped playbook has thousands of boundaries), and what Hypothesis shrinks best is the
    tokens anyway. The seed shrinks towards 0, which is a layout too.
    """
    return st.integers(0, 2**32).map(lambda seed: _laid_out(tokens, random.Random(seed)))


def _laid_out(tokens: Tokens, rng: random.Random) -> str:
    out = [rng.choice(["", "", "\n", "# top\n", "\n\n"])]
    for token, following in zip(tokens, [*tokens[1:], None], strict=False):
        out.append(token)
        if token.startswith("#"):  # a comment runs to the end of its line
            out.append("\n" + rng.choice(["", "  ", "\t"]))
        elif following is None:
            out.append(rng.choice(["", "\n", "\n\n", "  # end\n"]))
        elif _glueable(token, following) and rng.random() < 0.5:
            out.append("")
        else:
            out.append(_separator(rng))
    return "".join(out)


def _glueable(token: str, following: str) -> bool:
    # `-` glued to a number could make a date (2027-01-11), so glue only around brackets
    if token == "-" or following == "-":
        return False
    return token in _GLUE_AFTER or following in _GLUE_BEFORE


# ---------------------------------------------------------------- names and literals
def identifiers() -> st.SearchStrategy[str]:
    """A name that is never a keyword: ASCII, Cyrillic or Polish, with ``_`` and digits."""
    fixed = st.sampled_from(
        ["has_budget", "potential", "x1", "бюджет", "потенциал", "zażółć", "gęślą_jaźń", "łódź"]
    )
    drawn = st.builds(
        lambda first, rest: first + rest,
        st.sampled_from(_LOWER + _CYRILLIC + _POLISH),
        st.text(_LOWER + _CYRILLIC + _POLISH + "_0123456789", max_size=8),
    ).filter(lambda name: name not in KEYWORDS)
    return st.one_of(fixed, drawn)


def strings() -> st.SearchStrategy[str]:
    """A string literal, quotes included, with ``\\"``, ``\\\\`` and ``\\n`` escapes."""

    def quote(text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'

    return st.text(_STRING_CHARS, max_size=12).map(quote)


def integers(low: int = 0, high: int = 10_000) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(str)


def decimals() -> st.SearchStrategy[str]:
    """A number as written: ``7``, ``2.50``, ``0.125``, ``007``."""
    fraction = st.from_regex(r"[0-9]{1,4}\.[0-9]{1,3}", fullmatch=True)
    return st.one_of(integers(), fraction, st.just("007"), st.just("2.50"))


def percents() -> st.SearchStrategy[str]:
    return decimals().map(lambda n: n + "%")


def money() -> st.SearchStrategy[Tokens]:
    return st.tuples(decimals(), st.sampled_from(["USD", "EUR", "PLN", "RUB"])).map(list)


def durations() -> st.SearchStrategy[Tokens]:
    units = ["minutes", "minute", "min", "hours", "hour", "h", "days", "day", "weeks", "week"]
    unit = st.sampled_from([*([u] for u in units), ["business", "days"]])
    return st.tuples(decimals(), unit).map(lambda pair: [pair[0], *pair[1]])


def dates() -> st.SearchStrategy[str]:
    return st.dates().map(lambda day: day.isoformat()).filter(lambda text: len(text) == 10)


def ranges() -> st.SearchStrategy[Tokens]:
    """``low..high`` of plain, negative or percent numbers, as the grammar's ``range``."""
    signed = st.one_of(decimals().map(lambda n: [n]), decimals().map(lambda n: ["-", n]))
    numbers = st.tuples(signed, signed).map(lambda pair: [*pair[0], "..", *pair[1]])
    return st.one_of(numbers, st.tuples(percents(), percents()).map(lambda p: [p[0], "..", p[1]]))


def _literal() -> st.SearchStrategy[Tokens]:
    words = st.sampled_from(["true", "false", "missing"])
    singles = st.one_of(decimals(), percents(), dates(), strings(), words, identifiers())
    attr = st.tuples(identifiers(), identifiers()).map(lambda pair: [pair[0], ".", pair[1]])
    return st.one_of(singles.map(lambda token: [token]), money(), durations(), attr)


# ---------------------------------------------------------------- expressions
def _wrap(draw: st.DrawFn, expr: Expr, need: int) -> Tokens:
    """An operand's tokens, in parentheses where its level is too loose (or at random)."""
    tokens, level = expr
    return ["(", *tokens, ")"] if level < need or draw(st.integers(0, 9)) == 0 else tokens


def _joined(items: list[Tokens]) -> Tokens:
    out: Tokens = []
    for k, item in enumerate(items):
        out += ([","] if k else []) + item
    return out


def _combine(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    @st.composite
    def combined(draw: st.DrawFn) -> Expr:
        kind = draw(st.sampled_from(sorted(_BUILDERS)))
        return _BUILDERS[kind](draw, children)

    return combined()


def _binary(draw: st.DrawFn, children: st.SearchStrategy[Expr]) -> Expr:
    op = draw(st.sampled_from(["+", "-", "*", "/"]))
    own = SUM if op in "+-" else PRODUCT
    left, right = draw(children), draw(children)
    return [*_wrap(draw, left, own), op, *_wrap(draw, right, own + 1)], own


def _logic(draw: st.DrawFn, children: st.SearchStrategy[Expr]) -> Expr:
    op = draw(st.sampled_from(["and", "or"]))
    own = AND if op == "and" else OR
    left, right = draw(children), draw(children)
    return [*_wrap(draw, left, own), op, *_wrap(draw, right, own + 1)], own


def _compare(draw: st.DrawFn, children: st.SearchStrategy[Expr]) -> Expr:
    op = draw(st.sampled_from([">=", "<=", "!=", "=", ">", "<"]))
    left, right = draw(children), draw(children)
    return [*_wrap(draw, left, SUM), op, *_wrap(draw, right, SUM)], COMPARISON


def _membership(draw: st.DrawFn, children: st.SearchStrategy[Expr]) -> Expr:
    value = _wrap(draw, draw(children), SUM)
    negation = ["not"] if draw(st.booleans()) else []
    form = draw(st.sampled_from(["range", "list", "missing"]))
    if form == "missing":
        return [*value, "is", *negation, "missing"], COMPARISON
    if form == "range":
        return [*value, *negation, "in", *draw(ranges())], COMPARISON
    items = [draw(children)[0] for _ in range(draw(st.integers(1, 3)))]
    return [*value, *negation, "in", "(", *_joined(items), ")"], COMPARISON


def _unary(draw: st.DrawFn, children: st.SearchStrategy[Expr]) -> Expr:
    operand = draw(children)
    if draw(st.booleans()):
        return ["not", *_wrap(draw, operand, NOT)], NOT
    return ["-", *_wrap(draw, operand, UNARY)], UNARY


def _if(draw: st.DrawFn, children: st.SearchStrategy[Expr]) -> Expr:
    cond, then, else_ = (draw(children)[0] for _ in range(3))
    return ["if", *cond, "then", *then, "else", *else_], IF


def _call(draw: st.DrawFn, children: st.SearchStrategy[Expr]) -> Expr:
    args = [draw(children)[0] for _ in range(draw(st.integers(0, 3)))]
    return [draw(identifiers()), "(", *_joined(args), ")"], ATOM


def _aggregate(draw: st.DrawFn, children: st.SearchStrategy[Expr]) -> Expr:
    funcs = ["count", "sum", "avg", "median", "share", "distinct", "earliest", "latest"]
    func = draw(st.sampled_from(funcs))
    tokens = [func, "(", draw(st.sampled_from(["accounts", "contacts", "activities"]))]
    form = draw(st.sampled_from(["field", "value", "none"]))
    if form == "field":
        tokens += [".", draw(identifiers())]
    elif form == "value":
        tokens += [":", *draw(children)[0]]
    if draw(st.booleans()):
        tokens += ["where", *draw(children)[0]]
    return [*tokens, ")"], ATOM


def _of(draw: st.DrawFn, children: st.SearchStrategy[Expr]) -> Expr:
    return [*_wrap(draw, draw(children), ATOM), "of", draw(identifiers())], UNARY


_BUILDERS: dict[str, Callable[[st.DrawFn, st.SearchStrategy[Expr]], Expr]] = {
    "binary": _binary,
    "logic": _logic,
    "compare": _compare,
    "membership": _membership,
    "unary": _unary,
    "if": _if,
    "call": _call,
    "aggregate": _aggregate,
    "of": _of,
}


def expression_tokens(max_leaves: int = 8) -> st.SearchStrategy[Tokens]:
    """The tokens of one expression (see :func:`expressions`)."""
    atoms = _literal().map(lambda tokens: (tokens, ATOM))
    return st.recursive(atoms, _combine, max_leaves=max_leaves).map(lambda expr: expr[0])


def expressions(max_leaves: int = 8) -> st.SearchStrategy[str]:
    """The text of one expression, in a random layout; it parses as ``baseline b = <it>``."""
    return expression_tokens(max_leaves).flatmap(layout)


# ---------------------------------------------------------------- statements
def _maybe(strategy: st.SearchStrategy[Tokens]) -> st.SearchStrategy[Tokens]:
    return st.one_of(st.just([]), strategy)


def _title() -> st.SearchStrategy[Tokens]:
    return _maybe(strings().map(lambda s: [s]))


def _names() -> st.SearchStrategy[Tokens]:
    return st.lists(identifiers(), min_size=1, max_size=3).map(
        lambda names: _joined([[n] for n in names])
    )


def _seq(*parts: st.SearchStrategy[Tokens] | str | Tokens) -> st.SearchStrategy[Tokens]:
    """Tokens of consecutive parts: a literal token, a token list, or a strategy for one."""
    strategies = [
        part
        if isinstance(part, st.SearchStrategy)
        else st.just([part] if isinstance(part, str) else part)
        for part in parts
    ]
    return st.tuples(*strategies).map(lambda lists: [token for tokens in lists for token in tokens])


def _block(
    header: st.SearchStrategy[Tokens], item: st.SearchStrategy[Tokens], most: int = 4
) -> st.SearchStrategy[Tokens]:
    items = st.lists(item, max_size=most).map(lambda lists: [t for tokens in lists for t in tokens])
    return _seq(header, "{", items, "}")


def _expr() -> st.SearchStrategy[Tokens]:
    return expression_tokens(max_leaves=5)


def _compare_op() -> st.SearchStrategy[Tokens]:
    return st.sampled_from([">=", "<=", "!=", "=", ">", "<"]).map(lambda op: [op])


def _header() -> st.SearchStrategy[Tokens]:
    day = dates().map(lambda d: [d])
    days = st.lists(dates(), min_size=1, max_size=3).map(lambda ds: _joined([[d] for d in ds]))
    setting = st.one_of(
        _seq("start", day),
        _seq("horizon", durations()),
        _seq("calendar", st.sampled_from(["RU", "PL", "US"]).map(lambda c: [c])),
        _seq("currency", st.sampled_from(["USD", "PLN", "RUB"]).map(lambda c: [c])),
        _seq(st.sampled_from(["holidays", "workdays"]).map(lambda k: [k]), days),
    )
    return _block(_seq("playbook", strings().map(lambda s: [s])), setting)


def _dataset() -> st.SearchStrategy[Tokens]:
    simple = st.sampled_from(
        ["bool", "int", "number", "text", "date", "money", "percent", "duration"]
    )
    enum = _seq("enum", "(", _names(), ")")
    constraint = st.one_of(ranges(), st.just(["optional"]), _seq("references", _dataset_name()))
    constraints = st.lists(constraint, max_size=3).map(lambda ls: [t for c in ls for t in c])
    field = _seq(
        _maybe(st.just(["key"])),
        identifiers().map(lambda n: [n]),
        ":",
        st.one_of(simple.map(lambda t: [t]), enum),
        constraints,
    )
    return _block(_dataset_name(), field)


def _dataset_name() -> st.SearchStrategy[Tokens]:
    return st.sampled_from(["accounts", "contacts", "activities"]).map(lambda d: [d])


def _name() -> st.SearchStrategy[Tokens]:
    return identifiers().map(lambda n: [n])


def _int(low: int = 0, high: int = 100) -> st.SearchStrategy[Tokens]:
    return integers(low, high).map(lambda n: [n])


def _pct() -> st.SearchStrategy[Tokens]:
    return percents().map(lambda p: [p])


def _score() -> st.SearchStrategy[Tokens]:
    criterion = _seq(_name(), _title(), "weight", _pct(), "=", _expr())
    return _block(_seq("score", _name(), _title(), "scale", ranges()), criterion)


def _tier() -> st.SearchStrategy[Tokens]:
    order = _maybe(st.sampled_from(["asc", "desc"]).map(lambda o: [o]))
    ranked = _maybe(_seq("ranked", "by", _expr(), order))
    research_contact = _maybe(_seq(",", durations(), "per", "contact"))
    sizes = _maybe(_seq("of", ranges(), "accounts"))
    item = st.one_of(
        _seq("at", "most", _int(), "accounts", ranked),
        _seq("group", "by", _name(), "into", ranges(), "clusters", sizes),
        _seq("research", durations(), "per", "account", research_contact),
        _seq("budget", money(), "per", "account"),
        _seq(
            "cadence",
            _name(),
            _maybe(_seq("from", st.one_of(_seq("week", _int()), dates().map(lambda d: [d])))),
        ),
        _seq("holdout", _pct(), _maybe(_seq("seed", _int()))),
    )
    condition = st.one_of(_seq("when", _expr()), st.just(["otherwise"]))
    header = _seq("tier", _name(), _title(), condition)
    return st.one_of(header, _block(header, item))


def _goal(depth: int = 2) -> st.SearchStrategy[Tokens]:
    via = _maybe(_seq("via", _name(), "at", _pct()))
    items = [
        _seq("target", _name(), _compare_op(), _expr(), via),
        _seq("milestone", _name()),
        _seq("contributes", st.one_of(_pct(), money())),
        _seq("measured", "by", _name()),
        _seq("segment", strings().map(lambda s: [s])),
        _seq("funnel", _name()),
    ]
    if depth > 0:
        items.append(st.deferred(lambda: _goal(depth - 1)))
    return _block(_seq("goal", _name(), _title()), st.one_of(items), most=3)


def _cadence() -> st.SearchStrategy[Tokens]:
    when = st.one_of(
        _seq("touch", _int(1, 20), _maybe(_seq("on", "day", _int(1, 20)))),
        _seq("day", _int(1, 20)),
    )
    step = _seq(
        when,
        ":",
        _name(),
        "to",
        _names(),
        _title(),
        _maybe(_seq("refers", "to", "touch", _int(1, 20))),
        _maybe(_seq("by", _name())),
        _maybe(_seq("variants", "{", _variants(), "}")),
    )
    mode = st.sampled_from(["stop", "pause"]).map(lambda m: [m])
    stop = _seq(mode, _maybe(st.just(["account"])), "on", _name())
    header = _seq("cadence", _name(), _title(), "over", _int(1, 30), "business", "days")
    recontact = _seq("recontact", "after", _int(), "business", "days")
    return _block(header, st.one_of(step, stop, recontact))


def _variants() -> st.SearchStrategy[Tokens]:
    variant = _seq(_name(), _maybe(_pct()), strings().map(lambda s: [s]))
    return st.lists(variant, min_size=1, max_size=3).map(lambda vs: [t for v in vs for t in v])


def _plan() -> st.SearchStrategy[Tokens]:
    role = st.sampled_from(["responsible", "accountable", "consulted", "informed"])
    raci = _seq(role.map(lambda r: [r]), _names())
    weeks = st.one_of(_seq("weeks", _int(1, 13), "..", _int(1, 13)), _seq("week", _int(1, 13)))
    stage = _block(_seq("stage", _name(), _title(), weeks), raci)
    limit = st.one_of(
        _seq(_int(), "touches", "per", "day"),
        _seq(durations(), "per", st.sampled_from(["day", "week"]).map(lambda p: [p])),
    )
    limits = st.lists(limit, min_size=1, max_size=3).map(_joined)
    capacity = _seq("capacity", _name(), limits)
    items = st.one_of(_seq("roles", _names()), stage, capacity, _seq("budget", money()))
    return _block(_seq("plan", _title()), items)


def _kpi() -> st.SearchStrategy[Tokens]:
    item = st.one_of(
        _seq("target", _compare_op(), _expr()),
        _seq("target", "in", ranges()),
        _seq("warn", _compare_op(), _expr()),
        _seq("measures", _name()),
    )
    items = st.lists(item, max_size=3).map(lambda ls: [t for i in ls for t in i])
    return _seq("kpi", _name(), _title(), "=", _expr(), items)


def _simulate() -> st.SearchStrategy[Tokens]:
    number = decimals().map(lambda n: [n])
    dist = st.one_of(
        _pct(), _seq(_pct(), "..", _pct()), _seq("beta", "(", number, ",", number, ")")
    )
    per = _maybe(_seq("per", st.sampled_from(["touch", "account"]).map(lambda p: [p])))
    item = st.one_of(
        _seq("runs", _int(1, 100_000)),
        _seq("seed", _int()),
        _seq(
            "reply",
            _name(),
            _maybe(_seq("to", _name())),
            _maybe(_seq("in", _name())),
            dist,
            _maybe(_seq("after", durations())),
        ),
        _seq("convert", _name(), "to", _name(), dist, _maybe(_seq("after", durations()))),
        _seq("cost", _name(), money(), per),
    )
    return _block(st.just(["simulate"]), item)


def _engagement() -> st.SearchStrategy[Tokens]:
    number = decimals().map(lambda n: [n])
    unit = st.sampled_from(["points", "point"]).map(lambda u: [u])
    factor = decimals().map(lambda n: ["x" + n])
    item = st.one_of(
        _seq(_name(), _maybe(_seq("by", _name())), number, unit),
        _seq(_name(), _name(), factor),
        _seq("within", durations()),
        _seq("decay", _pct(), "per", st.sampled_from(["day", "week"]).map(lambda p: [p])),
        _seq("roll", "up", st.sampled_from(["sum", "max", "average"]).map(lambda r: [r])),
    )
    return _block(_seq("engagement", _name(), _title()), item)


def _example() -> st.SearchStrategy[Tokens]:
    pair = _seq(_name(), ":", _expr(), _maybe(st.just([","])))
    given = _block(st.just(["given", "account"]), pair)
    expect = st.one_of(
        _seq("expect", "tier", _name()),
        _seq("expect", "score", _name(), "=", _expr()),
        _seq("expect", "criterion", _name(), ".", _name(), "=", _expr()),
        _seq("expect", "cluster", strings().map(lambda s: [s])),
    )
    expects = st.lists(expect, max_size=3).map(lambda ls: [t for e in ls for t in e])
    return _seq("example", strings().map(lambda s: [s]), "{", given, expects, "}")


def statement_tokens() -> st.SearchStrategy[Tokens]:
    """The tokens of one top-level statement, of any kind."""
    return st.one_of(
        st.just(["abm", "1"]),
        _seq("import", strings().map(lambda s: [s])),
        _header(),
        _dataset(),
        _score(),
        _tier(),
        _goal(),
        _cadence(),
        _plan(),
        _kpi(),
        _seq("baseline", _name(), _title(), "=", _expr()),
        _seq("verdict", _title(), "pass", "when", _expr()),
        _engagement(),
        _simulate(),
        _example(),
    )


def statements() -> st.SearchStrategy[str]:
    """The text of one top-level statement, in a random layout."""
    return statement_tokens().flatmap(layout)


def playbooks(max_statements: int = 6) -> st.SearchStrategy[str]:
    """Playbook text: a few statements of any kind, in a random layout with comments."""
    return (
        st.lists(statement_tokens(), max_size=max_statements)
        .map(lambda ls: [t for s in ls for t in s])
        .flatmap(layout)
    )


# ---------------------------------------------------------------- new layouts of old text
def relayouts(text: str) -> st.SearchStrategy[str]:
    """``text`` re-laid out: the same tokens (comments too) with new whitespace and comments."""
    return layout([match.group() for match in TOKEN.finditer(text)])
