"""The two runs side by side: who moves tier, why, and how the scores change, in DuckDB.

Input: the old and the new :class:`~abmdsl.engine.run.Run` of the same accounts file. Output:
:class:`AccountChanges`: counts over every account (computed by DuckDB over the two Arrow
tables, joined without copying them) and at most ``limit`` example rows, the only rows that
reach Python.

The runs are joined on the row number (``__row``): both read the same file, so row *n* is the
same account in both even when the two versions name their key differently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..engine.run import Run
from ..engine.scoring import points_column
from ..engine.tiering import CLUSTER, DEMOTED_FROM, DEMOTION, HOLDOUT, ROW, TIER
from ..ir import Playbook
from ..numbers import plain

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Move:
    """One account that changes tier (an example row), and what moved it."""

    account: str
    before: str | None
    after: str | None
    scores: dict[str, tuple[Decimal | None, Decimal | None]]  # every score of either version
    why: str


@dataclass(frozen=True)
class ScoreChange:
    """How one score (of both versions) changes over all accounts."""

    score: str
    changed: int
    up: int
    down: int
    largest_rise: Decimal | None
    largest_fall: Decimal | None


@dataclass(frozen=True)
class ScoreDelta:
    """One of the largest score changes."""

    account: str
    score: str
    before: Decimal | None
    after: Decimal | None
    delta: Decimal | None


@dataclass(frozen=True)
class AccountChanges:
    accounts: int
    moved: int
    transitions: list[tuple[str | None, str | None, int]]  # (from, to, accounts), tier order
    moves: list[Move]
    rescored: int  # accounts with at least one score changed
    scores: list[ScoreChange]
    largest: list[ScoreDelta]
    cluster_changes: int  # accounts that keep their tier but change cluster
    holdout_changes: int  # accounts that join or leave the holdout, tier kept
    key: str
    notes: list[str] = field(default_factory=list)


def compare_accounts(
    old: Run, new: Run, limit: int, rule_changes: list[str] | None = None
) -> AccountChanges:
    """Compare the runs; ``rule_changes`` names the tiers whose rules changed, the reason
    given when neither a score nor a demotion explains a move."""
    from ..engine.run import connect

    if old.table.num_rows != new.table.num_rows:  # the same file: cannot happen
        raise ValueError("the runs are of different accounts")
    con = connect()
    con.register("o", old.table)
    con.register("n", new.table)
    key = _key(new.playbook) or _key(old.playbook)
    key_sql = f"CAST(n.{_q(key)} AS VARCHAR)" if key else f"CAST(n.{_q(ROW)} AS VARCHAR)"
    # Every score of either version: a score only one version has reads as NULL in the other.
    scores = list(dict.fromkeys([*old.playbook.scores, *new.playbook.scores]))
    both = [s for s in scores if s in old.playbook.scores and s in new.playbook.scores]
    cols = [f"o.{_q(ROW)} AS {_q(ROW)}", f"{key_sql} AS __key"]
    for side, run in (("o", old), ("n", new)):
        for column in (TIER, CLUSTER, DEMOTED_FROM, DEMOTION, HOLDOUT):
            cols.append(f"{side}.{_q(column)} AS {side}_{column}")
        for score in scores:
            value = f"{side}.{_q(score)}" if score in run.playbook.scores else "NULL"
            cols.append(f"{value} AS {_q(side + ':' + score)}")
    con.execute(f"CREATE TEMP VIEW j AS SELECT {', '.join(cols)} FROM o JOIN n USING ({_q(ROW)})")
    moved_if = "o_tier IS DISTINCT FROM n_tier"
    ((accounts, moved, clusters, holdouts, rescored),) = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {moved_if}), "
        "count(*) FILTER (WHERE o_tier IS NOT DISTINCT FROM n_tier "
        "AND o_cluster IS DISTINCT FROM n_cluster), "
        "count(*) FILTER (WHERE o_tier IS NOT DISTINCT FROM n_tier "
        "AND o_holdout IS DISTINCT FROM n_holdout), "
        f"count(*) FILTER (WHERE {_any_score_changed(both)}) FROM j"
    ).fetchall()
    order = _tier_order(old.playbook, new.playbook)
    transitions = sorted(
        con.execute(
            f"SELECT o_tier, n_tier, count(*) FROM j WHERE {moved_if} GROUP BY ALL"
        ).fetchall(),
        key=lambda t: (order.get(t[0], len(order)), order.get(t[1], len(order)), t[0] or ""),
    )
    moves = _moves(con, old.playbook, new.playbook, scores, order, limit, rule_changes or [])
    return AccountChanges(
        accounts=accounts,
        moved=moved,
        transitions=[(a, b, n) for a, b, n in transitions],
        moves=moves,
        rescored=rescored,
        scores=_score_changes(con, both),
        largest=_largest(con, both, limit),
        cluster_changes=clusters,
        holdout_changes=holdouts,
        key=key or "row",
    )


def _key(playbook: Playbook) -> str | None:
    field_ = playbook.key_field("accounts")
    return field_.name if field_ else None


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _any_score_changed(scores: list[str]) -> str:
    tests = [f"{_q('o:' + s)} IS DISTINCT FROM {_q('n:' + s)}" for s in scores]
    return " OR ".join(tests) or "false"


def _tier_order(old: Playbook, new: Playbook) -> dict[str | None, int]:
    """The new version's tiers in order, then those only the old one has; no tier last."""
    names = list(dict.fromkeys([*(t.name for t in new.tiers), *(t.name for t in old.tiers)]))
    return {name: i for i, name in enumerate(names)}


def _decimal(value: Decimal) -> str:
    return f"CAST('{value}' AS DECIMAL(18, 6))"


def _moves(
    con: duckdb.DuckDBPyConnection,
    old: Playbook,
    new: Playbook,
    scores: list[str],
    order: dict[str | None, int],
    limit: int,
    rule_changes: list[str],
) -> list[Move]:
    """The first ``limit`` moves (in tier order, then file order), each with the criterion
    whose contribution to its score changed most (weight × points, before and after)."""
    if limit <= 0:
        return []
    ranks = " ".join(f"WHEN {_text(t)} THEN {i}" for t, i in order.items() if t is not None)
    rank = f"CASE {{}} {ranks} ELSE {len(order)} END" if ranks else f"{len(order)}"
    sample = (
        f"SELECT * FROM j WHERE o_tier IS DISTINCT FROM n_tier ORDER BY "
        f"{rank.format('o_tier')}, {rank.format('n_tier')}, {_q(ROW)} LIMIT {int(limit)}"
    )
    parts = []
    for score in scores:
        weights: dict[str, list[Decimal | None]] = {}
        for side, playbook in ((0, old), (1, new)):
            if score in playbook.scores:
                for c in playbook.scores[score].criteria:
                    weights.setdefault(c.name, [None, None])[side] = c.weight
        for criterion, (w_old, w_new) in weights.items():
            column = _q(points_column(score, criterion))
            before = f"o.{column} * {_decimal(w_old)}" if w_old is not None else "NULL"
            after = f"n.{column} * {_decimal(w_new)}" if w_new is not None else "NULL"
            parts.append(
                f"SELECT s.{_q(ROW)} AS r, {_text(points_column(score, criterion))} AS criterion, "
                f"CAST({before} AS DECIMAL(38, 12)) AS b, CAST({after} AS DECIMAL(38, 12)) AS a "
                f"FROM s JOIN o ON o.{_q(ROW)} = s.{_q(ROW)} JOIN n ON n.{_q(ROW)} = s.{_q(ROW)}"
            )
    contributions = " UNION ALL ".join(parts) or (
        "SELECT NULL::BIGINT AS r, NULL::VARCHAR AS criterion, NULL::DECIMAL(38, 12) AS b, "
        "NULL::DECIMAL(38, 12) AS a WHERE false"
    )
    sql = (
        f"WITH s AS ({sample}), c AS ({contributions}), top AS (SELECT * FROM c "
        "WHERE b IS DISTINCT FROM a QUALIFY row_number() OVER (PARTITION BY r ORDER BY "
        "abs(coalesce(a, 0) - coalesce(b, 0)) DESC, criterion) = 1) "
        "SELECT s.*, top.criterion AS __criterion, top.b AS __b, top.a AS __a "
        f"FROM s LEFT JOIN top ON top.r = s.{_q(ROW)} ORDER BY "
        f"{rank.format('s.o_tier')}, {rank.format('s.n_tier')}, s.{_q(ROW)}"
    )
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return [_move(row, scores, rule_changes) for row in rows]


def _move(row: dict[str, Any], scores: list[str], rule_changes: list[str]) -> Move:
    pairs = {s: (row[f"o:{s}"], row[f"n:{s}"]) for s in scores}
    return Move(row["__key"], row["o_tier"], row["n_tier"], pairs, _why(row, pairs, rule_changes))


def _why(
    row: dict[str, Any],
    scores: dict[str, tuple[Decimal | None, Decimal | None]],
    rule_changes: list[str],
) -> str:
    """A score that changed, by its largest contribution; else a demotion that came or went;
    else the tiers whose rules changed."""
    criterion = row["__criterion"]
    if criterion is not None:
        score = criterion.split(".", 1)[0]
        before, after = scores.get(score, (None, None))
        return (
            f"{score} {_show(before)} → {_show(after)}: {criterion} adds "
            f"{_show(row['__b'])} → {_show(row['__a'])}"
        )
    demoted = (row["o_demoted_from"], row["o_demotion"]), (row["n_demoted_from"], row["n_demotion"])
    if demoted[0] != demoted[1]:
        if row["n_demoted_from"] is not None:
            return f"demoted from {row['n_demoted_from']}: {row['n_demotion']}"
        return f"no longer demoted from {row['o_demoted_from']}"
    if rule_changes:
        return "tier rules changed: " + ", ".join(rule_changes)
    return "the tiers before it changed"


def _show(value: Decimal | None) -> str:
    return "none" if value is None else plain(value)


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _score_changes(con: duckdb.DuckDBPyConnection, scores: list[str]) -> list[ScoreChange]:
    if not scores:
        return []
    aggregates = []
    for s in scores:
        before, after = _q("o:" + s), _q("n:" + s)
        aggregates += [
            f"count(*) FILTER (WHERE {before} IS DISTINCT FROM {after})",
            f"count(*) FILTER (WHERE {after} > {before})",
            f"count(*) FILTER (WHERE {after} < {before})",
            f"max({after} - {before}) FILTER (WHERE {after} > {before})",
            f"min({after} - {before}) FILTER (WHERE {after} < {before})",
        ]
    (values,) = con.execute(f"SELECT {', '.join(aggregates)} FROM j").fetchall()
    return [ScoreChange(s, *values[5 * i : 5 * i + 5]) for i, s in enumerate(scores)]


def _largest(con: duckdb.DuckDBPyConnection, scores: list[str], limit: int) -> list[ScoreDelta]:
    if not scores or limit <= 0:
        return []
    parts = [
        f"SELECT {_q(ROW)} AS r, __key, {_text(s)} AS score, {_q('o:' + s)} AS b, "
        f"{_q('n:' + s)} AS a FROM j WHERE {_q('o:' + s)} IS DISTINCT FROM {_q('n:' + s)}"
        for s in scores
    ]
    rows = con.execute(
        f"SELECT __key, score, b, a, a - b AS d FROM ({' UNION ALL '.join(parts)}) "
        f"ORDER BY abs(a - b) DESC NULLS LAST, score, r LIMIT {int(limit)}"
    ).fetchall()
    return [ScoreDelta(*row) for row in rows]
