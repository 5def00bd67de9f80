"""What `abm schedule` writes, as names only: `abm`'s parser reads them when it starts, before
(and without) loading the schedule's modules, which import DuckDB and Arrow."""

from __future__ import annotations

from typing import Literal

FORMATS = (".csv", ".parquet", ".json", ".ics")  # the touches
TABLES = (".csv", ".parquet", ".json")  # the plan and the gaps

Per = Literal["touch", "owner-day"]
PER: tuple[Per, ...] = ("touch", "owner-day")  # one calendar event per touch, or per owner and day
