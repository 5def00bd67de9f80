"""`abm simulate`: determinism, a closed form, certain outcomes, and the KPIs per run equal to
the unpartitioned query on each run's activities alone."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest

from abmdsl.api import compile_file, compile_text
from abmdsl.cli import main
from abmdsl.engine.run import connect, run_playbook
from abmdsl.schedule import build_schedule
from abmdsl.simulate import SimulateError, model, simulate_playbook
from abmdsl.simulate.measure import measure, measure_one, views
from abmdsl.simulate.report import to_json
from abmdsl.simulate.results import wilson

ROOT = Path(__file__).resolve().parents[2]
PHARMA = ROOT / "playbooks" / "pharma_pilot.abm"
ACCOUNTS = ROOT / "playbooks" / "data" / "accounts.csv"
CONTACTS = ROOT / "playbooks" / "data" / "contacts.csv"

# One touch per contact, one contact per account: the replies are Binomial(N, p).
BINOMIAL = """abm 1
playbook "Binomial" {{
  start 2027-01-11
  horizon 60 days
  currency USD
}}

accounts {{
  key account_id: text
}}

contacts {{
  key contact_id: text
  account_id: text references accounts
  level: enum(c_level, c_minus_1)
}}

activities {{
  key activity_id: text
  account_id: text references accounts
  contact_id: text optional
  type: enum(touch, reply, meeting)
  level: enum(c_level, c_minus_1) optional
  channel: text optional
  cost: money optional
  on: date
}}

cadence one over 5 business days {{
  touch 1 on day 1: email to c_level
  stop on reply
}}

tier all otherwise {{
  cadence one
}}

kpi replies = count(activities where type = "reply")
  target >= {k}

kpi touched = count(activities where type = "touch")
  target >= 1

kpi spend = sum(activities.cost)
  target <= 1000 USD

verdict pass when replies

simulate {{
  runs {runs}
  seed 11
  reply email {p}
  convert reply to meeting 50% after 3 days
  cost email 2 USD per touch
}}
"""


def _binomial(
    tmp: Path, n: int, p: str, k: int, runs: int = 400
) -> tuple[object, dict[str, str], Path, Path]:
    compiled = compile_text(BINOMIAL.format(k=k, p=p, runs=runs), "binomial.abm")
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    accounts, contacts = tmp / "accounts.csv", tmp / "contacts.csv"
    accounts.write_text("account_id\n" + "".join(f"A{i:03}\n" for i in range(n)))
    contacts.write_text(
        "contact_id,account_id,level\n" + "".join(f"C{i:03},A{i:03},c_level\n" for i in range(n))
    )
    return compiled.playbook, compiled.sources, accounts, contacts


def _tail(n: int, p: float, k: int) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed exactly."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def test_the_same_seed_gives_the_same_bytes() -> None:
    compiled = compile_file(PHARMA)
    first, second = (
        to_json(simulate_playbook(compiled.playbook, compiled.sources, ACCOUNTS, CONTACTS, 300))
        for _ in range(2)
    )
    assert first == second
    other = simulate_playbook(compiled.playbook, compiled.sources, ACCOUNTS, CONTACTS, 300, 8)
    assert to_json(other) != first


def test_a_binomial_count_of_replies_lies_in_the_99_9_percent_interval(tmp_path: Path) -> None:
    n, p, k = 40, 0.1, 5
    playbook, sources, accounts, contacts = _binomial(tmp_path, n, "10%", k, runs=4000)
    sim = simulate_playbook(playbook, sources, accounts, contacts)  # type: ignore[arg-type]
    replies = next(r for r in sim.kpis if r.name == "replies")
    interval = wilson(replies.passed, sim.runs, z=3.2905267314919255)  # two-sided 99.9%
    assert interval.low <= _tail(n, p, k) <= interval.high
    assert sim.verdict_passed == replies.passed  # the verdict is that one KPI
    # Every contact gets its one touch whatever the replies: 40 touches at 2 USD.
    touched = next(r for r in sim.kpis if r.name == "touched")
    assert touched.percentiles == {5: Decimal(40), 50: Decimal(40), 95: Decimal(40)}
    assert sim.cost == {5: Decimal(80), 50: Decimal(80), 95: Decimal(80)}


@pytest.mark.parametrize(("p", "expected"), [("0%", 0), ("100%", 1)])
def test_certain_assumptions_give_certain_outcomes(tmp_path: Path, p: str, expected: int) -> None:
    playbook, sources, accounts, contacts = _binomial(tmp_path, 10, p, 1, runs=200)
    sim = simulate_playbook(playbook, sources, accounts, contacts)  # type: ignore[arg-type]
    replies = next(r for r in sim.kpis if r.name == "replies")
    assert replies.passed == expected * sim.runs
    assert sim.verdict_passed == expected * sim.runs
    assert replies.percentiles[50] == Decimal(10 * expected)


def test_stop_on_reply_holds_back_the_later_touches(tmp_path: Path) -> None:
    text = BINOMIAL.replace(
        "  touch 1 on day 1: email to c_level\n",
        "  touch 1 on day 1: email to c_level\n  touch 2 on day 3: email to c_level\n",
    )
    compiled = compile_text(text.format(k=1, p="100%", runs=5), "stop.abm")
    assert compiled.ok
    _, _, accounts, contacts = _binomial(tmp_path, 10, "100%", 1)
    sim = simulate_playbook(compiled.playbook, compiled.sources, accounts, contacts)  # type: ignore[arg-type]
    touched = next(r for r in sim.kpis if r.name == "touched")
    assert touched.percentiles[50] == Decimal(10)  # the second touch is never made
    assert sim.cost[50] == Decimal(20)


ENGAGEMENT = """
engagement attention "Account engagement" {
  reply 5 points
  meeting 10 points
  discussion 20 points
  reply by email 3 points
  level c_level x2
  role CFO x3
  tier tailored x1.5
  within 60 days
  decay 10% per week
  roll up max
}

kpi attentive = share(accounts where attention >= 10)
  target >= 10%

kpi mean_attention = avg(accounts.attention)
"""


@pytest.mark.parametrize("text", ["pharma", "nested", "engagement"])
def test_the_kpis_per_run_are_the_unpartitioned_query_on_each_run(
    tmp_path: Path, text: str
) -> None:
    compiled = compile_file(PHARMA)
    playbook, sources = compiled.playbook, compiled.sources
    assert playbook is not None
    if text == "nested":
        # A nested aggregate over the whole data set and a KPI of contacts: the other shapes
        # of the compiled query.
        extra = (
            "\nkpi costly = count(activities where cost > avg(activities.cost))\n"
            "  target >= 1\n"
            'kpi reached = share(contacts where count(activities where type = "reply") >= 1)\n'
            "  target >= 10%\n"
            'kpi held = count(activities where type = "reply") of control\n'
            "  target >= 0\n"
            'kpi held_share = share(activities where type = "reply") of control\n'
            "  target >= 0%\n"
        )
    if text == "engagement":
        extra = ENGAGEMENT
    if text != "pharma":
        source = PHARMA.read_text(encoding="utf-8") + extra
        compiled = compile_text(source, str(PHARMA))
        assert compiled.ok, [d.message for d in compiled.diagnostics]
        playbook, sources = compiled.playbook, compiled.sources
    assert playbook is not None
    m = model.model(playbook, 6, 3)
    schedule = build_schedule(playbook, sources, ACCOUNTS, CONTACTS)
    con = connect()
    tiered = run_playbook(playbook, sources, ACCOUNTS, CONTACTS, con=con)
    model.play(con, playbook, m, schedule.touches)
    views(con, playbook, tiered.table, True)
    outputs, rows = measure(con, playbook, True)
    assert len(rows) == 6
    for run, row in enumerate(rows):
        alone = connect()
        tiered_alone = run_playbook(playbook, sources, ACCOUNTS, CONTACTS, con=alone)
        activities = con.sql(
            f"SELECT * EXCLUDE (__run) FROM {model.ACTIVITIES} WHERE __run = {run}"
        ).to_arrow_table()
        alone.register("__arrow_activities", activities)
        alone.execute("CREATE TABLE activities AS SELECT * FROM __arrow_activities")
        views(alone, playbook, tiered_alone.table, True)
        outputs_alone, row_alone = measure_one(alone, playbook, True)
        assert outputs_alone == outputs
        assert tuple(row) == tuple(row_alone), run


def test_runs_differ_and_replies_follow_their_rates() -> None:
    compiled = compile_file(PHARMA)
    sim = simulate_playbook(compiled.playbook, compiled.sources, ACCOUNTS, CONTACTS, 200)  # type: ignore[arg-type]
    pipeline = next(r for r in sim.kpis if r.name == "pipeline")
    assert pipeline.percentiles[5] < pipeline.percentiles[95]


def test_a_playbook_without_a_simulate_block_is_refused(tmp_path: Path) -> None:
    text = BINOMIAL.split("simulate {{")[0].format(k=1)
    compiled = compile_text(text, "none.abm")
    assert compiled.ok
    _, _, accounts, contacts = _binomial(tmp_path, 3, "5%", 1)
    with pytest.raises(SimulateError, match="no `simulate` block"):
        simulate_playbook(compiled.playbook, compiled.sources, accounts, contacts)  # type: ignore[arg-type]


def test_the_cli_writes_the_same_json_for_a_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", str(PHARMA), "--accounts", str(ACCOUNTS), "--contacts", str(CONTACTS)]
    args += ["--runs", "100", "--seed", "5"]
    assert main([*args, "-o", str(tmp_path / "a.json")]) == 0
    first = capsys.readouterr().out
    assert main([*args, "-o", str(tmp_path / "b.json")]) == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert "P(pass)" in first and "verdict" in first


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--runs", "0"], "--runs is from 1"),
        (["--seed", "-1"], "--seed is 0 or more"),
        (["-o", "sim.csv"], "use .json"),
    ],
)
def test_the_cli_refuses_bad_input_with_exit_2(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", str(PHARMA), "--accounts", str(ACCOUNTS), "--contacts", str(CONTACTS)]
    assert main([*args, *extra]) == 2
    assert message in capsys.readouterr().err


def _played(tmp: Path, text: str, contacts: int) -> list[tuple[str, str]]:
    """The (type, date) pairs of the activities the model plays for ``text``, over the
    Binomial playbook's data with ``contacts`` accounts of one contact each."""
    compiled = compile_text(text, "played.abm")
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    playbook, sources = compiled.playbook, compiled.sources
    assert playbook is not None and playbook.simulation is not None
    _, _, accounts, contact_file = _binomial(tmp, contacts, "100%", 1)
    schedule = build_schedule(playbook, sources, accounts, contact_file)
    con = connect()
    m = model.model(playbook, playbook.simulation.runs, 1)
    model.play(con, playbook, m, schedule.touches)
    return con.sql(
        f'SELECT DISTINCT type, CAST("on" AS VARCHAR) FROM {model.ACTIVITIES}'
    ).fetchall()


@pytest.mark.parametrize(
    ("delay", "meeting"),
    [("after 3 days", "2027-01-18"), ("after 3 business days", "2027-01-20")],
)
def test_a_delay_in_business_days_skips_the_weekend(
    tmp_path: Path, delay: str, meeting: str
) -> None:
    # Touched and replied on Friday 15 January: three business days later is Wednesday.
    text = BINOMIAL.replace("start 2027-01-11", "start 2027-01-15").replace(
        "convert reply to meeting 50% after 3 days", f"convert reply to meeting 100% {delay}"
    )
    days = _played(tmp_path, text.format(k=1, p="100%", runs=3), contacts=2)
    assert sorted(days) == [("meeting", meeting), ("reply", "2027-01-15"), ("touch", "2027-01-15")]


def test_a_reply_comes_its_delay_after_the_touch_and_the_touches_before_it_go_out(
    tmp_path: Path,
) -> None:
    # Touches on Friday 15, Monday 18 and Wednesday 20 January; a reply comes 2 business days
    # after its touch, so the first is on Tuesday 19: the touch of Monday went out before it
    # (and gets its reply on Wednesday), the touch of Wednesday is held back.
    text = (
        BINOMIAL.replace("start 2027-01-11", "start 2027-01-15")
        .replace(
            "  touch 1 on day 1: email to c_level\n",
            "  touch 1 on day 1: email to c_level\n  touch 2 on day 2: email to c_level\n"
            "  touch 3 on day 4: email to c_level\n",
        )
        .replace("reply email {p}", "reply email {p} after 2 business days")
        .replace("convert reply to meeting 50%", "convert reply to meeting 100%")
    )
    rows = _played(tmp_path, text.format(k=1, p="100%", runs=2), contacts=1)
    assert sorted(rows, key=lambda r: (r[1], r[0])) == [
        ("touch", "2027-01-15"),
        ("touch", "2027-01-18"),
        ("reply", "2027-01-19"),
        ("reply", "2027-01-20"),
        ("meeting", "2027-01-22"),  # three calendar days after each reply
        ("meeting", "2027-01-23"),
    ]


def test_a_reply_delay_is_checked_and_written_back_as_it_was(tmp_path: Path) -> None:
    text = BINOMIAL.format(k=1, p="10%", runs=2).replace(
        "reply email 10%", "reply email 10% after 2 business days"
    )
    compiled = compile_text(text, "reply.abm")
    assert compiled.ok and compiled.playbook is not None
    assert compiled.playbook.simulation is not None
    [reply] = compiled.playbook.simulation.replies
    assert (reply.delay_days, reply.business_days) == (Decimal(2), True)
    path = tmp_path / "reply.abm"
    path.write_text(text, encoding="utf-8")
    assert main(["fmt", str(path)]) == 0
    assert "  reply email 10% after 2 business days\n" in path.read_text(encoding="utf-8")
    assert main(["fmt", "--check", str(path)]) == 0
