"""The speed of `abm simulate`: a 50-account × 8-contact × 10-step pilot, run many times.

``python tests/unit/test_simulate_speed.py [RUNS] [ACCOUNTS]`` prints the time of each stage;
the test runs a small case so that the suite stays quick, and checks only that it works.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from abmdsl.api import compile_text
from abmdsl.simulate import simulate_playbook

LEVELS = ("c_level", "c_minus_1")
STEPS = [
    ("gift", 1),
    ("email", 1),
    ("email", 3),
    ("linkedin", 4),
    ("call", 5),
    ("email", 7),
    ("gift", 8),
    ("call", 10),
    ("email", 12),
    ("call", 14),
]

PILOT = """abm 1
playbook "Speed" {
  start 2027-01-11
  horizon 90 days
  currency USD
}

accounts {
  key account_id: text
}

contacts {
  key contact_id: text
  account_id: text references accounts
  level: enum(c_level, c_minus_1)
}

activities {
  key activity_id: text
  account_id: text references accounts
  contact_id: text optional
  type: enum(touch, reply, meeting, discussion, opportunity, tender_invitation, contract)
  level: enum(c_level, c_minus_1) optional
  channel: text optional
  cost: money optional
  on: date
}

cadence warm over 15 business days {
STEPS_HERE
  stop on reply
  pause account on meeting
}

tier all otherwise {
  cadence warm
}

kpi tenders = count(activities where type = "tender_invitation")
  target >= 4
ENGAGEMENT
  target >= 30%
kpi cost_per_opportunity = sum(activities.cost) / count(activities where type = "opportunity")
  target <= 1500 USD
CONVERSION
  target >= 5%

verdict pass when tenders and engagement and (cost_per_opportunity or conversion)

simulate {
  runs 10000
  seed 7
  reply email 2%..6%
  reply linkedin 5%
  reply call 6%
  reply gift to c_level beta(5, 15)
  reply gift to c_minus_1 15%
  convert reply to meeting 50% after 3 days
  convert meeting to discussion 60% after 5 business days
  convert discussion to opportunity 40% after 2 weeks
  convert opportunity to tender_invitation 50% after 15 days
  convert tender_invitation to contract 50%
  cost gift 120 USD per touch
  cost email 2 USD per touch
  cost call 15 USD per touch
  cost linkedin 5 USD per touch
  cost research 40 USD per account
  cost tools 500 USD
}
"""


KPIS = {
    "ENGAGEMENT": "kpi engagement = share(accounts where count(activities where "
    'type = "discussion" and level = "c_level") >= 1)',
    "CONVERSION": 'kpi conversion = distinct(activities.account_id where type = "discussion") '
    '/ distinct(activities.account_id where type = "touch")',
}


def pilot(
    folder: Path, accounts: int, contacts: int = 8
) -> tuple[object, dict[str, str], Path, Path]:
    """The playbook and its data: every contact gets every one of the 10 steps."""
    steps = "\n".join(
        f"  touch {n} on day {day}: {channel} to c_level, c_minus_1"
        for n, (channel, day) in enumerate(STEPS, start=1)
    )
    text = PILOT.replace("STEPS_HERE", steps)
    for name, line in KPIS.items():
        text = text.replace(name, line)
    compiled = compile_text(text, "speed.abm")
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    a, c = folder / "accounts.csv", folder / "contacts.csv"
    a.write_text("account_id\n" + "".join(f"A{i:04}\n" for i in range(accounts)))
    rows = (
        f"C{i:04}-{j},A{i:04},{LEVELS[j % 2]}\n" for i in range(accounts) for j in range(contacts)
    )
    c.write_text("contact_id,account_id,level\n" + "".join(rows))
    return compiled.playbook, compiled.sources, a, c


def timed(runs: int, accounts: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        playbook, sources, a, c = pilot(Path(tmp), accounts)
        start = time.perf_counter()
        sim = simulate_playbook(playbook, sources, a, c, runs=runs)  # type: ignore[arg-type]
        seconds = time.perf_counter() - start
        assert sim.touches == accounts * 8 * len(STEPS)
        return seconds


def test_the_speed_pilot_simulates(tmp_path: Path) -> None:
    playbook, sources, a, c = pilot(tmp_path, 5)
    sim = simulate_playbook(playbook, sources, a, c, runs=50)  # type: ignore[arg-type]
    assert sim.touches == 5 * 8 * 10
    assert sim.runs == 50


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    accounts = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    best = min(timed(runs, accounts) for _ in range(3))
    print(f"{runs} runs × {accounts} accounts × 8 contacts × 10 steps: {best:.2f} s (best of 3)")
