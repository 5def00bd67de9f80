"""Fixtures shared by every test folder: the engines of the conformance suite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.engines import ENGINE_NAMES


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[Any]:
    from tests.engine_spark import started

    yield from started()


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Any]:
    from tests.engine_postgres import started

    yield from started()


@pytest.fixture(params=ENGINE_NAMES)
def engine(request: pytest.FixtureRequest) -> Any:
    """Each engine in turn; ``None`` for DuckDB, the embedded default."""
    if request.param == "duckdb":
        return None
    return request.getfixturevalue(f"{request.param}_engine")
