"""The re-contact window and the daily limits together: on generated small schedules, every
contact's touches stay N business days apart, no role goes over its limit, nothing is dropped
and each contact gets its touches in the cadence's order."""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abmdsl.api import compile_file
from abmdsl.schedule import build_schedule, count_workload, settle
from abmdsl.schedule.build import Schedule
from abmdsl.schedule.report import render

ROLES = ("bdr", "marketing_assistant")
LEVELS = ("c_level", "c_minus_1")


def playbook(steps: list[tuple[int, str, str]], window: int | None, limits: dict[str, int]) -> str:
    lines = [
        f"  touch {n} on day {day}: email to {level} by {owner}"
        for n, (day, owner, level) in enumerate(steps, 1)
    ]
    if window is not None:
        lines.append(f"  recontact after {window} business days")
    capacity = "".join(f"  capacity {role} {n} touches per day\n" for role, n in limits.items())
    return (
        'playbook "Generated" {\n  start 2027-01-11\n  horizon 90 days\n}\n'
        "accounts {\n  key account_id: text\n}\n"
        "contacts {\n  key contact_id: text\n  account_id: text references accounts\n"
        "  level: enum(c_level, c_minus_1)\n}\n"
        "tier all otherwise {\n  cadence generated\n}\n"
        "cadence generated over 10 business days {\n" + "\n".join(lines) + "\n}\n"
        f"plan {{\n  roles {', '.join(ROLES)}\n{capacity}}}\n"
    )


def build(
    folder: Path,
    steps: list[tuple[int, str, str]],
    window: int | None,
    limits: dict[str, int],
    people: list[tuple[int, str]],
) -> Schedule:
    (folder / ".git").mkdir(exist_ok=True)
    path = folder / "generated.abm"
    path.write_text(playbook(steps, window, limits), encoding="utf-8")
    compiled = compile_file(path)
    assert compiled.ok and compiled.playbook is not None, compiled.diagnostics
    accounts = sorted({a for a, _ in people})
    (folder / "accounts.csv").write_text(
        "account_id\n" + "".join(f"A{a}\n" for a in accounts), encoding="utf-8"
    )
    (folder / "contacts.csv").write_text(
        "contact_id;account_id;level\n"
        + "".join(f"C{i};A{a};{level}\n" for i, (a, level) in enumerate(people)),
        encoding="utf-8",
    )
    return build_schedule(
        compiled.playbook, compiled.sources, folder / "accounts.csv", folder / "contacts.csv"
    )


steps_strategy = st.lists(
    st.tuples(st.integers(1, 10), st.sampled_from(ROLES), st.sampled_from(LEVELS)),
    min_size=1,
    max_size=7,
).map(sorted)  # steps happen in the order of their days (ABM213)


@settings(max_examples=30, deadline=None)
@given(
    steps=steps_strategy,
    window=st.integers(1, 4),
    limits=st.dictionaries(st.sampled_from(ROLES), st.integers(1, 3), min_size=1),
    people=st.lists(st.tuples(st.integers(1, 4), st.sampled_from(LEVELS)), min_size=1, max_size=10),
)
def test_windows_and_limits_hold_together(
    steps: list[tuple[int, str, str]],
    window: int,
    limits: dict[str, int],
    people: list[tuple[int, str]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        free = build(Path(folder), steps, None, {}, people)
        sched = build(Path(folder), steps, window, limits, people)
    assert sched.settle is not None and sched.settle.settled
    rows = sched.touches.to_pylist()
    key = lambda r: (r["account"], r["contact"], r["touch"])  # noqa: E731
    assert Counter(map(key, rows)) == Counter(map(key, free.touches.to_pylist()))  # none lost
    per_day = Counter((r["owner"], r["date"]) for r in rows)
    assert all(n <= limits.get(owner, n) for (owner, _), n in per_day.items())
    by_contact: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        by_contact[row["contact"]].append(row)
    calendar = sched.calendar
    for touches in by_contact.values():
        in_time = sorted(touches, key=lambda r: (r["date"], r["touch"]))
        assert in_time == sorted(touches, key=lambda r: (r["cadence_day"], r["touch"]))
        for before, after in itertools.pairwise(in_time):
            apart = calendar.count(before["date"], after["date"]) - 1
            assert apart >= window, (before, after)


def test_a_touch_the_limit_moves_does_not_crowd_the_next_one(tmp_path: Path) -> None:
    # One bdr touch a day, two business days between a contact's touches. On day 1 the
    # C-level contact C0 comes first in the queue, so the deputy C1's first touch moves to
    # day 2; its second touch, due on day 3, must then wait until day 4 (the window alone,
    # applied before the limit, would have left it on day 3, one day after the first).
    steps = [(1, "bdr", "c_level"), (1, "bdr", "c_minus_1"), (3, "bdr", "c_minus_1")]
    sched = build(tmp_path, steps, 2, {"bdr": 1}, [(1, "c_level"), (1, "c_minus_1")])
    rows = [
        (str(r["date"]), r["contact"], r["touch"], r["moved"]) for r in sched.touches.to_pylist()
    ]
    assert rows == [
        ("2027-01-11", "C0", 1, 0),
        ("2027-01-12", "C1", 2, 1),
        ("2027-01-14", "C1", 3, 1),
    ]
    assert sched.settle is not None and sched.settle.settled and sched.settle.passes == 2


def test_a_schedule_that_does_not_settle_keeps_the_limits_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settle, "MAX_PASSES", 1)  # the case above needs two
    steps = [(1, "bdr", "c_level"), (1, "bdr", "c_minus_1"), (3, "bdr", "c_minus_1")]
    sched = build(tmp_path, steps, 2, {"bdr": 1}, [(1, "c_level"), (1, "c_minus_1")])
    assert sched.settle == settle.Settling(1, False)
    assert max(Counter(r["date"] for r in sched.touches.to_pylist()).values()) == 1
    text = render(sched, count_workload(sched.touches, sched.end))
    assert (
        "warning: the re-contact windows and the daily limits still moved touches after 1 pass;"
        in text
    )
