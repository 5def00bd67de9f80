"""Spark for the conformance suite: one local session (``local[2]``) for the whole test session.

Starting the JVM takes seconds, so the session is started once, on the first test that asks
for it, and stopped when the test session ends.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator

from abmdsl.engines import EngineError
from tests.engines import unavailable


def started() -> Iterator[object]:
    """A :class:`~abmdsl.engines.spark.SparkEngine` on ``local[2]``, stopped afterwards."""
    if importlib.util.find_spec("pyspark") is None:
        unavailable("pyspark is not installed (pip install 'abmdsl[spark]')")
    if shutil.which("java") is None:
        unavailable("Spark needs Java, and there is no `java` on PATH")
    from abmdsl.engines.spark import SparkEngine

    try:
        engine = SparkEngine.start("local[2]")
    except EngineError as exc:
        unavailable(str(exc))
    try:
        yield engine
    finally:
        engine.close()
        SparkEngine.stop()
