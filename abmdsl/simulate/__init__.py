"""`abm simulate`: Monte Carlo over the playbook's own KPIs (see docs/simulate.md)."""

from .model import SimulateError
from .results import Simulation
from .run import simulate_playbook

__all__ = ["SimulateError", "Simulation", "simulate_playbook"]
