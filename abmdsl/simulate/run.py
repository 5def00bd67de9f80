"""`abm simulate` end to end: schedule, play the runs, measure them, summarise.

Input: a checked playbook with a ``simulate`` block, its sources, the accounts and contacts
files, and optionally the runs and seed (the block's otherwise). Output: a
:class:`~abmdsl.simulate.results.Simulation`; :class:`~abmdsl.simulate.model.SimulateError`
or :class:`~abmdsl.data.DataError` for input that cannot be simulated.
"""

from __future__ import annotations

from pathlib import Path

from ..engine.run import connect, run_playbook
from ..ir import Playbook
from ..schedule import CalendarError, ScheduleError, build_schedule
from . import measure, model
from .model import SimulateError
from .results import Simulation, summarise


def simulate_playbook(
    playbook: Playbook,
    sources: dict[str, str],
    accounts: Path,
    contacts: Path | None,
    runs: int | None = None,
    seed: int | None = None,
) -> Simulation:
    if playbook.simulation is None:
        model.model(playbook, 1, 0)  # raises the error that says what to write
    assert playbook.simulation is not None
    runs = playbook.simulation.runs if runs is None else runs
    seed = playbook.simulation.seed if seed is None else seed
    if not 1 <= runs <= 1_000_000:
        raise SimulateError(f"a simulation runs from 1 to 1,000,000 times, not {runs:,}")
    if seed < 0:
        raise SimulateError(f"a seed is 0 or more, not {seed}")
    m = model.model(playbook, runs, seed)
    try:
        schedule = build_schedule(playbook, sources, accounts, contacts)
    except (ScheduleError, CalendarError) as exc:
        raise SimulateError(str(exc)) from exc
    con = connect()
    # The tiering again, in this connection: the views the KPIs read need its accounts.
    tiered = run_playbook(playbook, sources, accounts, contacts, con=con)
    in_work = model.play(con, playbook, m, schedule.touches)
    measure.views(con, playbook, tiered.table, contacts is not None)
    outputs, rows = measure.measure(con, playbook, contacts is not None)
    ((touches,),) = con.sql(f"SELECT count(*) FROM {model.TOUCHES}").fetchall()
    return summarise(
        playbook,
        outputs,
        rows,
        model.costs(con, m, in_work),
        seed=seed,
        accounts=in_work,
        touches=int(touches),
        provenance=schedule.provenance.as_dict(),
    )
