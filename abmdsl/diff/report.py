"""A :class:`~abmdsl.diff.compare.Diff` as text (the terminal), Markdown (a pull-request
comment) or JSON (tools). Every list is in a fixed order, so the same change gives the same
output byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..numbers import plain
from .accounts import AccountChanges
from .compare import Diff, TierDelta, TouchDelta

NO_TIER = "(no tier)"
EXACT = "0.000001"  # scores and points, to the places the engine keeps


def render(diff: Diff, fmt: str) -> str:
    writers: dict[str, Callable[[Diff], str]] = {
        "text": render_text,
        "markdown": render_markdown,
        "json": render_json,
    }
    return writers[fmt](diff)


# ---------------------------------------------------------------- numbers as people read them
def _num(value: Decimal | int | None, places: str = "0.1") -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return plain(value.quantize(Decimal(places)))


def _signed(before: Decimal | int | None, after: Decimal | int | None, places: str = "0.1") -> str:
    if before is None and after is None:
        return "-"
    delta = (after or 0) - (before or 0)
    text = _num(delta, places)
    return text if text.startswith("-") or text == "0" else "+" + text


def _pair(before: Decimal | int | None, after: Decimal | int | None, places: str = "0.1") -> str:
    """``5 → 2 (-3)``, or the one value when nothing changed."""
    if before == after:
        return _num(after, places)
    return f"{_num(before, places)} → {_num(after, places)} ({_signed(before, after, places)})"


def _tier(name: str | None) -> str:
    return name if name is not None else NO_TIER


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def headline(diff: Diff) -> str:
    """One line: how many accounts move, the budget and the research time it costs."""
    a, total = diff.accounts, diff.total
    parts = [f"{a.moved} of {_plural(a.accounts, 'account')} change tier"]
    if total.budget != (None, None):
        parts.append(f"budget {_signed(*total.budget, places='1')} {diff.currency}")
    research = [total.research_hours, total.contact_hours]
    hours = [
        (b or Decimal(0)) + (c or Decimal(0)) if (b, c) != (None, None) else None
        for b, c in zip(*research, strict=True)
    ]
    if hours != [None, None]:
        parts.append(f"research {_signed(*hours)} h")
    parts.append(_plural(len(diff.changed), "definition") + " changed")
    return "; ".join(parts)


# ---------------------------------------------------------------- text
def render_text(diff: Diff) -> str:
    a = diff.accounts
    lines = [f"abm diff {diff.old} → {diff.new}", headline(diff), ""]
    lines.append("definitions changed:" if diff.changed else "no definition changed")
    lines += [f"  {c.how:8} {c.kind} {c.name}" for c in diff.changed]
    lines.append("")
    if a.transitions:
        lines.append(f"{_plural(a.moved, 'account')} change tier:")
        lines += [f"  {_tier(f)} → {_tier(t)}: {n}" for f, t, n in a.transitions]
        lines.append(_shown(a, "  "))
        for m in a.moves:
            scores = ", ".join(f"{s} {_pair(b, n, EXACT)}" for s, (b, n) in m.scores.items())
            lines.append(
                f"    {m.account}: {_tier(m.before)} → {_tier(m.after)} ({scores}); {m.why}"
            )
    else:
        lines.append("no account changes tier")
    lines += [f"  {line}" for line in _also(a)]
    lines.append("")
    lines.append(f"scores changed for {_plural(a.rescored, 'account')}")
    for s in a.scores:
        if s.changed:
            lines.append(
                f"  {s.score}: {s.changed} changed ({s.up} up, {s.down} down); largest rise "
                f"{_num(s.largest_rise, EXACT)}, largest fall {_num(s.largest_fall, EXACT)}"
            )
    for d in a.largest:
        lines.append(f"    {d.account} {d.score} {_num(d.before, EXACT)} → {_num(d.after, EXACT)}")
    lines.append("")
    lines.append(f"research hours and budget ({diff.currency}) per tier:")
    for t in [*diff.tiers, diff.total]:
        lines.append(
            f"  {t.tier}: accounts {_pair(*t.accounts)}; research h (accounts) "
            f"{_pair(*t.research_hours)}; research h (contacts) {_contact(diff, t)}; "
            f"budget {_pair(*t.budget, places='1')}"
        )
    lines.append("")
    lines.append("cadence changes:" if diff.cadences else "no cadence changed")
    lines += [f"  {c.cadence} {c.what}: {c.how}: {c.detail}" for c in diff.cadences]
    if diff.touches is not None:
        lines.append("")
        lines.append("touches per role and week:" if diff.touches else "no touch count changed")
        lines += [f"  {_touch_label(t)}: {_pair(t.before, t.after)}" for t in diff.touches]
    lines += [f"note: {n}" for n in diff.notes]
    return "\n".join(lines) + "\n"


def _contact(diff: Diff, t: TierDelta) -> str:
    return _pair(*t.contact_hours) if diff.contacts_known else "not counted (no --contacts)"


def _touch_label(t: TouchDelta) -> str:
    return f"{t.role} {'total' if t.week is None else f'week {t.week}'}"


def _shown(a: AccountChanges, indent: str) -> str:
    if len(a.moves) < a.moved:
        return f"{indent}the first {len(a.moves)} (by tier, then as in the accounts file):"
    return f"{indent}by tier, then as in the accounts file:"


def _also(a: AccountChanges) -> list[str]:
    out = []
    if a.cluster_changes:
        out.append(f"{_plural(a.cluster_changes, 'account')} keep their tier but change cluster")
    if a.holdout_changes:
        out.append(
            f"{_plural(a.holdout_changes, 'account')} keep their tier but join or leave the holdout"
        )
    return out


# ---------------------------------------------------------------- Markdown
def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> list[str]:
    right = right or set()
    out = ["| " + " | ".join(header) + " |"]
    out.append("|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|")
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _details(summary: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>"]


def render_markdown(diff: Diff) -> str:
    a = diff.accounts
    out = [f"## abm diff: `{diff.old}` → `{diff.new}`", "", f"**{headline(diff)}**", ""]
    out.append("### Definitions changed")
    out.append("")
    if diff.changed:
        out += _table(
            ["definition", "kind", "change"], [[f"`{c.name}`", c.kind, c.how] for c in diff.changed]
        )
    else:
        out.append("None: the two versions say the same.")
    out += ["", "### Accounts that change tier", ""]
    if a.transitions:
        out += _table(
            ["from", "to", "accounts"],
            [[_tier(f), _tier(t), str(n)] for f, t, n in a.transitions],
            {2},
        )
        scores = list(a.moves[0].scores) if a.moves else []
        rows = [
            [f"`{m.account}`", _tier(m.before), _tier(m.after)]
            + [_pair(*m.scores[s], places=EXACT) for s in scores]
            + [m.why]
            for m in a.moves
        ]
        shown = "" if len(a.moves) == a.moved else f" (the first {len(a.moves)})"
        out += [
            "",
            *_details(
                f"{_plural(a.moved, 'account')}{shown}",
                _table([a.key, "from", "to", *scores, "why"], rows),
            ),
        ]
    else:
        out.append("No account changes tier.")
    also = _also(a)
    if also:
        out += ["", *(f"- {line}" for line in also)]
    out += ["", "### Scores", ""]
    changed = [s for s in a.scores if s.changed]
    if changed:
        out.append(f"Scores change for {_plural(a.rescored, 'account')}.")
        out.append("")
        out += _table(
            ["score", "accounts changed", "up", "down", "largest rise", "largest fall"],
            [
                [
                    s.score,
                    str(s.changed),
                    str(s.up),
                    str(s.down),
                    _num(s.largest_rise, EXACT),
                    _num(s.largest_fall, EXACT),
                ]
                for s in changed
            ],
            {1, 2, 3, 4, 5},
        )
        if a.largest:
            out += [
                "",
                *_details(
                    f"The {_plural(len(a.largest), 'largest change')}",
                    _table(
                        [a.key, "score", "before", "after", "change"],
                        [
                            [
                                f"`{d.account}`",
                                d.score,
                                _num(d.before, EXACT),
                                _num(d.after, EXACT),
                                _signed(d.before, d.after, EXACT),
                            ]
                            for d in a.largest
                        ],
                        {2, 3, 4},
                    ),
                ),
            ]
    else:
        out.append("No score changes.")
    out += ["", "### Research hours and budget per tier", ""]
    rows = []
    for t in [*diff.tiers, diff.total]:
        rows.append(
            [
                t.tier,
                _pair(*t.accounts),
                _pair(*t.research_hours),
                _contact(diff, t),
                _pair(*t.budget, places="1"),
            ]
        )
    rows[-1][0] = "**total**"
    out += _table(
        [
            "tier",
            "accounts",
            "research h (accounts)",
            "research h (contacts)",
            f"budget {diff.currency}",
        ],
        rows,
        {1, 2, 3, 4},
    )
    out += ["", "### Cadences", ""]
    if diff.cadences:
        out += _table(
            ["cadence", "what", "change", "detail"],
            [[f"`{c.cadence}`", c.what, c.how, c.detail] for c in diff.cadences],
        )
    else:
        out.append("No cadence changes.")
    if diff.touches is not None:
        out += ["", "### Touches per role and week", ""]
        if diff.touches:
            out += _table(
                ["role", "week", "before", "after", "change"],
                [
                    [
                        t.role,
                        "total" if t.week is None else str(t.week),
                        str(t.before),
                        str(t.after),
                        _signed(t.before, t.after),
                    ]
                    for t in diff.touches
                ],
                {2, 3, 4},
            )
        else:
            out.append("No role's touches change in any week.")
    if diff.notes:
        out += ["", *(f"> {n}" for n in diff.notes)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- JSON
def _plain(value: Any) -> Any:
    """JSON's types: decimals as numbers, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _before_after(pair: tuple[Any, Any]) -> dict[str, Any]:
    before, after = pair
    delta = None if pair == (None, None) else (after or 0) - (before or 0)
    return {"before": before, "after": after, "change": delta}


def as_dict(diff: Diff) -> dict[str, Any]:
    a = diff.accounts
    tiers = [
        {
            "tier": t.tier,
            "accounts": _before_after(t.accounts),
            "research_hours": _before_after(t.research_hours),
            "contact_hours": _before_after(t.contact_hours) if diff.contacts_known else None,
            "budget": _before_after(t.budget),
        }
        for t in [*diff.tiers, diff.total]
    ]
    return {
        "old": diff.old,
        "new": diff.new,
        "summary": headline(diff),
        "definitions": [vars(c) for c in diff.changed],
        "accounts": {
            "total": a.accounts,
            "moved": a.moved,
            "key": a.key,
            "transitions": [{"from": f, "to": t, "accounts": n} for f, t, n in a.transitions],
            "moves": [
                {
                    "account": m.account,
                    "from": m.before,
                    "to": m.after,
                    "scores": {s: {"before": b, "after": n} for s, (b, n) in m.scores.items()},
                    "why": m.why,
                }
                for m in a.moves
            ],
            "cluster_changes": a.cluster_changes,
            "holdout_changes": a.holdout_changes,
        },
        "scores": {
            "accounts_changed": a.rescored,
            "per_score": [vars(s) for s in a.scores],
            "largest": [vars(d) for d in a.largest],
        },
        "currency": diff.currency,
        "tiers": tiers[:-1],
        "total": tiers[-1],
        "cadences": [vars(c) for c in diff.cadences],
        "touches": None
        if diff.touches is None
        else [
            {"role": t.role, "week": t.week, "before": t.before, "after": t.after}
            for t in diff.touches
        ],
        "notes": diff.notes,
    }


def render_json(diff: Diff) -> str:
    return json.dumps(_plain(as_dict(diff)), ensure_ascii=False, indent=2) + "\n"
