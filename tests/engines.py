"""The engines the conformance suite runs on, each started once per test session.

Spark runs in local mode; PostgreSQL is a private server the tests start and stop
(``tests/engine_postgres.py``). Where one cannot start, its tests are skipped — except in CI
(``ABM_REQUIRE_ENGINES=1``, set by ``.ci/run``), where they fail: a suite that quietly skips
an engine proves nothing about it.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

ENGINE_NAMES = ("duckdb", "spark", "postgres")


def unavailable(why: str) -> NoReturn:
    if os.environ.get("ABM_REQUIRE_ENGINES") == "1":
        pytest.fail(f"{why} (ABM_REQUIRE_ENGINES=1: every engine must run)")
    pytest.skip(why)
