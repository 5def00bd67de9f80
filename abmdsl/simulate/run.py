"""`abm simulate` end to end: schedule, play the runs, measure them, summarise.

Input: a checked playbook with a ``simulate`` block, its sources, the accounts and contacts
files, and optionally the runs and seed (the block's otherwise). Output: a
:class:`~abmdsl.simulate.results.Simulation`; :class:`~abmdsl.simulate.model.SimulateError`
or :class:`~abmdsl.data.DataError` for input that cannot be simulated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from ..engine.run import connect, run_playbook
from ..ir import Playbook
from ..schedule import CalendarError, ScheduleError, build_schedule
from . import measure, model, sensitivity
from .model import SimulateError
from .results import Simulation, summarise

STEPS = ("schedule", "tiering", "model", "KPIs", "judging")  # what `progress` is told, in order


def simulate_playbook(
    playbook: Playbook,
    sources: dict[str, str],
    accounts: Path,
    contacts: Path | None,
    runs: int | None = None,
    seed: int | None = None,
    sensitivity_runs: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Simulation:
    """The simulation; with ``sensitivity_runs`` (at most ``runs``), also each uncertain
    assumption at its low and high end over that many of the first runs, played in the same
    model and KPI query as the base. ``progress`` is told each of :data:`STEPS` as it starts."""
    step = progress or (lambda _: None)
    if playbook.simulation is None:
        model.model(playbook, 1, 0)  # raises the error that says what to write
    assert playbook.simulation is not None
    runs = playbook.simulation.runs if runs is None else runs
    seed = playbook.simulation.seed if seed is None else seed
    if not 1 <= runs <= 1_000_000:
        raise SimulateError(f"a simulation runs from 1 to 1,000,000 times, not {runs:,}")
    if seed < 0:
        raise SimulateError(f"a seed is 0 or more, not {seed}")
    if not 0 <= sensitivity_runs <= runs:
        raise SimulateError(
            f"the sensitivity analysis replays from 0 to {runs:,} runs, not {sensitivity_runs:,}"
        )
    m = model.model(playbook, runs, seed)
    assumed = sensitivity.assumptions(m) if sensitivity_runs else []
    if assumed:
        variants = tuple((a.column, end) for a in assumed for end in (a.low, a.high))
        m = dataclasses.replace(m, variants=variants, variant_runs=sensitivity_runs)
    step("schedule")
    try:
        schedule = build_schedule(playbook, sources, accounts, contacts)
    except (ScheduleError, CalendarError) as exc:
        raise SimulateError(str(exc)) from exc
    con = connect()
    step("tiering")
    # The tiering again, in this connection: the views the KPIs read need its accounts.
    tiered = run_playbook(playbook, sources, accounts, contacts, con=con)
    step("model")
    in_work = model.play(con, playbook, m, schedule.touches)
    measure.views(con, playbook, tiered.table, contacts is not None)
    step("KPIs")
    outputs, rows = measure.measure(con, playbook, contacts is not None)
    ((touches,),) = con.sql(f"SELECT count(*) FROM {model.TOUCHES}").fetchall()
    step("judging")
    base = rows[:runs]
    sim = summarise(
        playbook,
        outputs,
        base,
        model.costs(con, m, in_work),
        seed=seed,
        accounts=in_work,
        touches=int(touches),
        provenance=schedule.provenance.as_dict(),
    )
    if not sensitivity_runs:
        return sim

    def judged(part: list[tuple[object, ...]]) -> Simulation:
        # Only the passes are read: the costs of a variant's runs are not asked for.
        return summarise(
            playbook, outputs, part, [], seed=seed, accounts=0, touches=0, provenance={}
        )

    s = sensitivity_runs
    variants = [judged(rows[runs + k * s : runs + (k + 1) * s]) for k in range(len(m.variants))]
    found = sensitivity.analyse(assumed, judged(base[:s]), variants)
    return dataclasses.replace(sim, sensitivity=found)
