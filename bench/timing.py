"""What every benchmark measures with: best-of-N timings taken in turns, and peak memory.

`bench/` is a folder of scripts; each imports this one by its bare name.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def turns(works: Mapping[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """The fastest of ``runs`` timings of each work, in seconds.

    The works take turns, one run each per round, so that a burst of load from another
    process slows them all alike rather than only the one that happens to be running. What a
    work returns is dropped before the next one runs, so they do not hold each other's memory.
    """
    best = {name: float("inf") for name in works}
    for _ in range(runs):
        for name, work in works.items():
            start = time.perf_counter()
            work()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def best(work: Callable[[], object], runs: int) -> float:
    """The fastest of ``runs`` timings of one work, in seconds."""
    return turns({"work": work}, runs)["work"]


def peak_bytes() -> int:
    """This process's peak resident memory so far (Linux's VmHWM), in bytes."""
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    return 1024 * next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmHWM:")


def report_peak(**found: object) -> None:
    """Print what a child run found and its peak memory, as the line :func:`child_peak` reads."""
    print(json.dumps({**found, "peak_bytes": peak_bytes()}))


def child_peak(script: str, args: Sequence[str]) -> int:
    """The peak resident memory (bytes) of ``python SCRIPT --child ARGS``, a new process that
    runs one engine once and ends with :func:`report_peak`."""
    done = subprocess.run(
        [sys.executable, script, "--child", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return int(json.loads(done.stdout.strip().splitlines()[-1])["peak_bytes"])
