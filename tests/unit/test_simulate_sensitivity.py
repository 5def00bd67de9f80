"""`abm simulate`'s sensitivity analysis and progress bar: an assumption raised raises P(pass),
the JSON is the same bytes for a seed, and a pipe gets no progress bar."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from test_simulate import ACCOUNTS, BINOMIAL, CONTACTS, PHARMA

from abmdsl.api import compile_text
from abmdsl.cli import main
from abmdsl.cli_simulate import progress_bar
from abmdsl.simulate import simulate_playbook
from abmdsl.simulate.report import render, to_json
from abmdsl.simulate.sensitivity import beta_quantile

# Two uncertain lines: the reply rate decides whether `replies` passes; the meeting rate does
# not enter the verdict at all.
UNCERTAIN = BINOMIAL.replace("reply email {p}", "reply email 5%..25%").replace(
    "convert reply to meeting 50%", "convert reply to meeting beta(5, 15)"
)


def _pilot(tmp: Path, n: int = 20, k: int = 3) -> tuple[object, dict[str, str], Path, Path]:
    compiled = compile_text(UNCERTAIN.format(k=k, runs=600), "uncertain.abm")
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    accounts, contacts = tmp / "accounts.csv", tmp / "contacts.csv"
    accounts.write_text("account_id\n" + "".join(f"A{i:03}\n" for i in range(n)))
    contacts.write_text(
        "contact_id,account_id,level\n" + "".join(f"C{i:03},A{i:03},c_level\n" for i in range(n))
    )
    return compiled.playbook, compiled.sources, accounts, contacts


def test_raising_a_reply_rate_raises_p_pass_and_ranks_it_first(tmp_path: Path) -> None:
    playbook, sources, accounts, contacts = _pilot(tmp_path)
    sim = simulate_playbook(playbook, sources, accounts, contacts, sensitivity_runs=300)  # type: ignore[arg-type]
    found = sim.sensitivity
    assert found is not None and found.runs == 300
    top, other = found.rows
    assert top.assumption.label == "reply email 5%..25%"
    assert (top.assumption.low, top.assumption.high) == (0.05, 0.25)
    base = found.base.verdict
    assert base is not None and top.low.verdict is not None and top.high.verdict is not None
    # Common random numbers: every reply at the low end is a reply at the base's rate too.
    assert top.low.verdict < base < top.high.verdict
    assert top.low.kpis["replies"] <= found.base.kpis["replies"] <= top.high.kpis["replies"]
    assert top.swing(found.base) > 0.5
    # The meeting rate moves neither the replies nor the verdict.
    assert other.assumption.label == "convert reply to meeting beta(5, 15)"
    assert other.low.verdict == other.high.verdict == base
    assert "reply email 5%..25%" in render(sim)


def test_the_sensitivity_leaves_the_base_results_as_they_were(tmp_path: Path) -> None:
    playbook, sources, accounts, contacts = _pilot(tmp_path)
    alone = simulate_playbook(playbook, sources, accounts, contacts)  # type: ignore[arg-type]
    both = simulate_playbook(playbook, sources, accounts, contacts, sensitivity_runs=100)  # type: ignore[arg-type]
    data = json.loads(to_json(both))
    assert "sensitivity" not in json.loads(to_json(alone))
    del data["sensitivity"]
    assert json.dumps(data, indent=2, ensure_ascii=False) + "\n" == to_json(alone)


def test_the_beta_ends_are_its_5th_and_95th_percentiles() -> None:
    rng = random.Random(3)
    drawn = sorted(rng.betavariate(5, 15) for _ in range(100_000))
    assert beta_quantile(0.05, 5, 15) == pytest.approx(drawn[5_000], abs=0.003)
    assert beta_quantile(0.95, 5, 15) == pytest.approx(drawn[95_000], abs=0.003)
    assert beta_quantile(0.5, 3, 3) == pytest.approx(0.5, abs=1e-9)


def test_the_cli_writes_the_same_sensitivity_for_a_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", str(PHARMA), "--accounts", str(ACCOUNTS), "--contacts", str(CONTACTS)]
    args += ["--runs", "200", "--seed", "5", "--sensitivity-runs", "100"]
    assert main([*args, "-o", str(tmp_path / "a.json")]) == 0
    out = capsys.readouterr().out
    assert main([*args, "-o", str(tmp_path / "b.json")]) == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    found = json.loads((tmp_path / "a.json").read_text())["sensitivity"]
    assert found["runs"] == 100
    assert [a["assumption"] for a in found["assumptions"]] == ["reply email 2%..6%"]
    assert "Sensitivity" in out and "reply email 2%..6%" in out
    assert main([*args, "--no-sensitivity", "-o", str(tmp_path / "c.json")]) == 0
    assert "sensitivity" not in json.loads((tmp_path / "c.json").read_text())


def test_a_pipe_gets_no_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", str(PHARMA), "--accounts", str(ACCOUNTS), "--contacts", str(CONTACTS)]
    assert main([*args, "--runs", "1000", "--no-sensitivity"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "simulating" not in captured.out and "\r" not in captured.out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_on_long_runs_only() -> None:
    terminal = _Terminal()
    with progress_bar(terminal, 10) as step:
        assert step is None
    with progress_bar(io.StringIO(), 100_000) as step:
        assert step is None
    with progress_bar(terminal, 100_000) as step:
        assert step is not None
        step("schedule")
    assert "simulating" in terminal.getvalue()
