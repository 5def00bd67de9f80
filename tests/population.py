"""A large generated population for the conformance suite: 100,000 accounts of the
differential playbook (``tests/unit/test_differential.py``), made to hit the hard cases at
scale.

* ``fit`` is missing for one account in seven, ``sector`` for one in eleven (accounts with
  no group value leave a clustered tier);
* ``reach`` and ``fit`` take five values each, so thousands of accounts tie on every score
  and capacity is decided by the key alone;
* sectors ``a``–``d`` are common, ``e`` has exactly one account (a group below a cluster's
  minimum), so some groups are full, some too small, some past the number of clusters;
* the tiers hold out 30 % and 50 % of their accounts by the hash of the key.

Keys are a seeded permutation, so the file's order is not the keys' order. Vectorised with
``pyarrow.compute``: no Python loop over the accounts.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

SECTORS = ["a", "b", "c", "d"]


def _codes(u: pa.Array, count: int) -> pa.Array:
    return pc.cast(pc.floor(pc.multiply(u, count)), pa.int64())


def _every(rows: pa.Array, step: int, at: int) -> pa.Array:
    """Whether each row number is ``at`` modulo ``step`` (integer ``divide`` truncates)."""
    return pc.equal(pc.subtract(rows, pc.multiply(pc.divide(rows, step), step)), at)


def accounts(n: int = 100_000, seed: int = 7) -> pa.Table:
    """``n`` accounts with ``id``, ``fit``, ``reach``, ``sector`` and ``__row`` (from 1)."""
    draws = [pc.random(n, initializer=seed * 100 + i) for i in range(4)]
    rows = pa.array(range(1, n + 1), pa.int64())
    order = pc.sort_indices(pa.table({"u": draws[0]}), [("u", "ascending")])
    keys = pc.binary_join_element_wise("K", pc.cast(pc.add(order, 1), pa.string()), "")
    fit = pc.if_else(_every(rows, 7, 0), pa.scalar(None, pa.int64()), _codes(draws[1], 6))
    reach = pc.add(_codes(draws[2], 5), 1)
    sector = pc.take(pa.array(SECTORS), _codes(draws[3], len(SECTORS)))
    sector = pc.if_else(_every(rows, 11, 3), pa.scalar(None, pa.string()), sector)
    lonely = pc.equal(rows, n // 2)
    sector = pc.if_else(lonely, pa.scalar("e"), sector)
    return pa.table(
        {"id": keys, "fit": fit, "reach": reach, "sector": sector, "__row": rows},
    )
