"""The two-axis scoring matrix: which scores are the axes, where the accounts sit, tier regions.

Input: a checked playbook and its tiered accounts (an Arrow table from ``run_playbook``).
Output: a :class:`~abmdsl.report.model.Matrix`, or the reason there is none.

The axes are the playbook's **first two scores, in the order they are declared**: the seed's
``attractiveness`` (X, how attractive the client is to us) then ``potential`` (Y, how
interesting we are to them). A playbook with more scores gets a note saying which two were
taken; one with fewer gets no matrix.

Tier regions are **derived from the tier conditions** when every condition reads only the two
axis scores (and numbers): each cell of a grid is given to the first tier whose condition
holds at its centre, exactly as tiering would place an account with those scores, by the
reference evaluator. Otherwise they are **shaded by the accounts' observed tiers**: each cell
takes the tier of the nearest account. Caps (``at most``) and the holdout are not regions:
the dots show where they moved accounts.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

from .. import ast
from ..format_expr import expr as expr_text
from ..ir import Playbook, ScoreIR, TierIR
from ..reference import Env, evaluate
from .model import Axis, Dot, Matrix, Regions

if TYPE_CHECKING:
    import pyarrow as pa

GRID = 200  # cells per axis: on a 1–5 scale a cell is 0.02 wide, finer than scores are given
NEAREST_GRID = 100  # coarser for the nearest-account shading, which compares every point
MAX_POINTS = 5_000  # distinct points drawn; a larger picture is unreadable and heavy


def choose_axes(playbook: Playbook) -> tuple[ScoreIR, ScoreIR, str] | str:
    """The X and Y scores and a sentence saying why; or why there is no matrix.

    >>> from abmdsl.api import compile_file
    >>> x, y, why = choose_axes(compile_file("playbooks/pharma_pilot.abm").playbook)
    >>> x.name, y.name
    ('attractiveness', 'potential')
    """
    scores = list(playbook.scores.values())
    if len(scores) < 2:
        found = "no score" if not scores else f"one score (`{scores[0].name}`)"
        return f"The matrix needs two scores; this playbook declares {found}."
    x, y = scores[0], scores[1]
    rule = f"X = `{x.name}`, Y = `{y.name}`: the playbook's two scores, in the order declared."
    if len(scores) > 2:
        others = ", ".join(f"`{s.name}`" for s in scores[2:])
        rule = (
            f"X = `{x.name}`, Y = `{y.name}`: the first two of the playbook's "
            f"{len(scores)} scores, in the order declared ({others} not shown)."
        )
    return x, y, rule


def build_matrix(playbook: Playbook, table: pa.Table) -> Matrix | str:
    """The matrix of a run's accounts, or the sentence that says why there is none."""
    chosen = choose_axes(playbook)
    if isinstance(chosen, str):
        return chosen
    x, y, rule = chosen
    dots, left_points, left_accounts = _dots(table, x.name, y.name)
    return Matrix(
        _axis(x),
        _axis(y),
        dots,
        left_points,
        left_accounts,
        regions(playbook, x, y, dots),
        rule,
    )


def _axis(score: ScoreIR) -> Axis:
    return Axis(score.name, score.title, float(score.low), float(score.high))


def _dots(table: pa.Table, x: str, y: str) -> tuple[tuple[Dot, ...], int, int]:
    """Accounts counted per (x, y, tier, holdout); the most crowded points first when cut."""
    counts: Counter[tuple[float, float, str, bool]] = Counter()
    for xs, ys, tiers, holdouts in _batches(table, x, y):
        for a, b, tier, held in zip(xs, ys, tiers, holdouts, strict=True):
            if a is not None and b is not None:
                counts[(float(a), float(b), tier or "", bool(held))] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = sorted(ordered[:MAX_POINTS], key=lambda item: item[0])
    dots = tuple(Dot(a, b, tier, n, held) for (a, b, tier, held), n in kept)
    cut = ordered[MAX_POINTS:]
    return dots, len(cut), sum(n for _, n in cut)


def _batches(table: pa.Table, x: str, y: str) -> list[tuple[list[object], ...]]:
    columns = [x, y, "tier", "holdout"]
    return [
        tuple(b.column(c).to_pylist() for c in columns)
        for b in table.select(columns).to_batches(max_chunksize=100_000)
    ]


def regions(playbook: Playbook, x: ScoreIR, y: ScoreIR, dots: tuple[Dot, ...]) -> Regions | None:
    """The tier of every cell: from the conditions when they allow, else from the accounts."""
    if all(_reads_only(t, {x.name, y.name}) for t in playbook.tiers):
        return _derived(playbook.tiers, x, y)
    return _nearest(playbook.tiers, x, y, dots)


def _reads_only(tier: TierIR, names: set[str]) -> bool:
    if tier.when is None:
        return True
    found = list(_nodes(tier.when))
    if any(isinstance(n, ast.Attr | ast.Aggregate | ast.Of) for n in found):
        return False
    return {n.id for n in found if isinstance(n, ast.Name)} <= names


def _nodes(node: object) -> list[ast.Node]:
    out: list[ast.Node] = []
    if isinstance(node, ast.Node):
        out.append(node)
        for name in type(node).model_fields:
            out += _nodes(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            out += _nodes(item)
    return out


def _centres(axis: ScoreIR, size: int) -> list[Decimal]:
    width = (axis.high - axis.low) / size
    return [axis.low + width * (i + Decimal("0.5")) for i in range(size)]


def _derived(tiers: tuple[TierIR, ...], x: ScoreIR, y: ScoreIR) -> Regions:
    rows = []
    for b in _centres(y, GRID):
        row = []
        for a in _centres(x, GRID):
            values = {x.name: a, y.name: b}
            env = Env({}, values.get)
            row.append(next((i for i, t in enumerate(tiers) if _holds(t, env)), -1))
        rows.append(tuple(row))
    why = (
        "Regions follow the tier conditions: each point is shaded with the first tier whose "
        "condition holds there. " + _caps(tiers)
    )
    return Regions(True, tuple(rows), why.strip())


def _holds(tier: TierIR, env: Env) -> bool:
    return tier.when is None or evaluate(tier.when, env) is True


def _caps(tiers: tuple[TierIR, ...]) -> str:
    """What the regions cannot show: caps push accounts on, holdouts stay but get no work."""
    capped = ", ".join(f"`{t.name}`" for t in tiers if t.capacity is not None)
    held = ", ".join(f"`{t.name}`" for t in tiers if t.holdout is not None)
    out = ""
    if capped:
        out += (
            f"The cap (`at most`) of {capped} can push an account of its region into a later "
            "tier: a dot's colour is the tier the account got. "
        )
    if held:
        out += f"Hollow dots are the holdout (the control group) of {held}."
    return out.strip()


def _nearest(tiers: tuple[TierIR, ...], x: ScoreIR, y: ScoreIR, dots: tuple[Dot, ...]) -> Regions:
    import numpy as np

    index = {t.name: i for i, t in enumerate(tiers)}
    why = (
        "Regions are shaded by the accounts' observed tiers (each point takes the tier of the "
        "nearest account): the tier conditions read more than the two axis scores ("
        + "; ".join(f"`{t.name}`: {expr_text(t.when)}" for t in tiers if t.when is not None)
        + ")."
    )
    if not dots:
        return Regions(False, (), why)
    px = np.array([d.x for d in dots])
    py = np.array([d.y for d in dots])
    tier = np.array([index.get(d.tier, -1) for d in dots])
    xs = np.array([float(c) for c in _centres(x, NEAREST_GRID)])
    rows = []
    for b in _centres(y, NEAREST_GRID):
        # distances in scale units; one row of the grid at a time keeps the memory small
        distance = (xs[:, None] - px[None, :]) ** 2 + (float(b) - py[None, :]) ** 2
        rows.append(tuple(int(v) for v in tier[distance.argmin(axis=1)]))
    return Regions(False, tuple(rows), why)


def condition_text(tier: TierIR) -> str:
    return "otherwise" if tier.when is None else f"when {expr_text(tier.when)}"
