"""Everything a report shows, collected once from the stages that already compute it.

Input: a checked playbook, its sources and the data files (accounts; optionally contacts,
activities), an as-of date, and the runs and seed of a simulation. Output: a
:class:`~abmdsl.report.model.Report`. Nothing is measured here: tiers come from
``run_playbook``, explanations from ``explain``, the goal tree from ``cascade``, the plan and
touches from ``build_schedule``, KPIs from ``evaluate_playbook`` and the distributions from
``simulate_playbook``.

Raises :class:`ReportError` for a combination that cannot be reported, and lets through the
errors of the stages (``DataError``, ``EvaluateError``, ``SimulateError``, ``ScheduleError``,
``CalendarError``), which the command line turns into exit code 2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.run import run_playbook
from ..graph.cascade import cascade
from .matrix import build_matrix
from .model import Report
from .tiers import LISTED, summarise_tiers
from .timeline import cadence_section, plan_section

if TYPE_CHECKING:
    from ..evaluate.scorecard import Scorecard
    from ..ir import Playbook
    from ..schedule.build import Schedule
    from ..simulate.results import Simulation


class ReportError(Exception):
    """The report cannot be made as asked; the message says what to give instead."""


@dataclass(frozen=True)
class Inputs:
    """The files and options of one report, as the strategist gave them."""

    playbook: str
    accounts: Path
    contacts: Path | None = None
    activities: Path | None = None
    as_of: dt.date | None = None
    runs: int | None = None
    seed: int | None = None
    listed: int = LISTED


def build_report(playbook: Playbook, sources: dict[str, str], given: Inputs) -> Report:
    """Collect every section of the report.

    >>> from abmdsl.api import compile_file
    >>> compiled = compile_file("playbooks/pharma_pilot.abm")
    >>> report = build_report(
    ...     compiled.playbook, compiled.sources,
    ...     Inputs("pharma_pilot.abm", Path("playbooks/data/accounts.csv")),
    ... )
    >>> [(t.name, t.accounts) for t in report.tiers]
    [('tailored', 5), ('cluster', 45), ('bulk', 250)]
    """
    if given.runs is not None and given.contacts is None:
        raise ReportError("--simulate needs the contacts the cadences go to: add --contacts FILE")
    if given.runs is not None and playbook.simulation is None:
        raise ReportError(
            "--simulate plays the playbook's `simulate` block, and it has none: add one "
            "(see docs/language/simulate.md) or leave out --simulate"
        )
    run = run_playbook(playbook, sources, given.accounts, given.contacts)
    schedule = _schedule(playbook, sources, given)
    loads = {t.tier: t for t in schedule.tiers} if schedule is not None else None
    matrix = build_matrix(playbook, run.table)
    return Report(
        title=playbook.title,
        playbook=given.playbook,
        currency=playbook.currency,
        horizon_days=playbook.horizon_days,
        provenance=run.provenance.as_dict(),
        accounts=run.table.num_rows,
        inputs=_inputs(given),
        matrix=None if isinstance(matrix, str) else matrix,
        matrix_note=matrix if isinstance(matrix, str) else None,
        tiers=summarise_tiers(run, loads, given.listed),
        listed_per_tier=given.listed,
        goals=cascade(playbook),
        plan=plan_section(playbook, schedule),
        cadence=cadence_section(playbook, schedule),
        scorecard=_scorecard(playbook, sources, given),
        simulation=_simulation(playbook, sources, given),
        options=_options(given),
    )


def _schedule(playbook: Playbook, sources: dict[str, str], given: Inputs) -> Schedule | None:
    """The schedule when touches can be dated: contacts given and a start date."""
    if given.contacts is None or playbook.start is None:
        return None
    from ..schedule import build_schedule

    return build_schedule(playbook, sources, given.accounts, given.contacts)


def _scorecard(playbook: Playbook, sources: dict[str, str], given: Inputs) -> Scorecard | None:
    if given.activities is None:
        return None
    from ..evaluate import evaluate_playbook

    return evaluate_playbook(
        playbook, sources, given.accounts, given.activities, given.contacts, as_of=given.as_of
    )


def _simulation(playbook: Playbook, sources: dict[str, str], given: Inputs) -> Simulation | None:
    if given.runs is None:
        return None
    from ..simulate import simulate_playbook
    from ..simulate.sensitivity import DEFAULT_RUNS

    return simulate_playbook(
        playbook,
        sources,
        given.accounts,
        given.contacts,
        runs=given.runs,
        seed=given.seed,
        sensitivity_runs=min(given.runs, DEFAULT_RUNS),  # as `abm simulate` replays
    )


def _inputs(given: Inputs) -> dict[str, str]:
    files = {"accounts": given.accounts, "contacts": given.contacts}
    files |= {"activities": given.activities}
    # str() of a database source is its URL without the password
    return {k: v.as_posix() if isinstance(v, Path) else str(v) for k, v in files.items() if v}


def _options(given: Inputs) -> dict[str, str]:
    out = {}
    if given.as_of is not None:
        out["as of"] = given.as_of.isoformat()
    if given.runs is not None:
        out["simulated runs"] = f"{given.runs:,}"
    if given.seed is not None:
        out["seed"] = str(given.seed)
    return out
