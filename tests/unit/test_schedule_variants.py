"""A/B variants in the schedule: contacts split by an md5 of the seed and their key, as the
holdout splits accounts, into the ``variant`` column; the variant's text is the action."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from abmdsl.api import Compiled, compile_file, compile_text
from abmdsl.engine.tiering import holdout_threshold
from abmdsl.schedule import build_schedule
from abmdsl.schedule.build import Schedule
from tests.unit.test_schedule_expand import PLAYBOOK, WARMUP

STEP3 = "touch 3 on day 3: email to c_level refers to touch 1 by bdr"


def with_variants(tmp_path: Path, variants: str, contacts: int = 40) -> Schedule:
    (tmp_path / ".git").mkdir(parents=True, exist_ok=True)
    cadence = WARMUP.replace(STEP3, f"{STEP3} variants {{ {variants} }}")
    path = tmp_path / "test.abm"
    path.write_text(PLAYBOOK.format(cadence=cadence, holdout=""), encoding="utf-8")
    compiled = compile_file(path)
    assert compiled.ok and compiled.playbook is not None, compiled.diagnostics
    (tmp_path / "accounts.csv").write_text("account_id;size\nA1;9\n", encoding="utf-8")
    rows = "".join(f"K{k:03d};A1;c_level;\n" for k in range(contacts))
    (tmp_path / "contacts.csv").write_text(
        "contact_id;account_id;level;role\n" + rows, encoding="utf-8"
    )
    return build_schedule(
        compiled.playbook, compiled.sources, tmp_path / "accounts.csv", tmp_path / "contacts.csv"
    )


def expected_arm(contact: str, shares: list[Decimal], names: list[str]) -> str:
    digest = hashlib.md5(f"abm:{contact}".encode()).hexdigest()[:8]
    total = Decimal(0)
    for name, share in zip(names[:-1], shares[:-1], strict=True):
        total += share
        if digest < holdout_threshold(total):
            return name
    return names[-1]


def test_contacts_are_split_by_the_hash_of_their_key(tmp_path: Path) -> None:
    sched = with_variants(tmp_path, 'a 30% "Problem first"  b 70% "Case first"')
    rows = [r for r in sched.touches.to_pylist() if r["touch"] == 3]
    assert len(rows) == 40
    for r in rows:
        arm = expected_arm(r["contact"], [Decimal("0.3"), Decimal("0.7")], ["a", "b"])
        assert r["variant"] == arm
        assert r["action"] == {"a": "Problem first", "b": "Case first"}[arm]
    assert {r["variant"] for r in rows} == {"a", "b"}
    others = [r for r in sched.touches.to_pylist() if r["touch"] != 3]
    assert all(r["variant"] is None for r in others)


def test_without_shares_the_split_is_equal(tmp_path: Path) -> None:
    sched = with_variants(tmp_path, 'a "P"  b "Q"  c "R"', contacts=300)
    rows = [r for r in sched.touches.to_pylist() if r["touch"] == 3]
    counts = {v: sum(r["variant"] == v for r in rows) for v in "abc"}
    assert all(70 <= n <= 130 for n in counts.values()), counts
    third = Decimal(1) / 3
    for r in rows:
        assert r["variant"] == expected_arm(r["contact"], [third] * 3, ["a", "b", "c"])


def test_the_same_data_gives_the_same_split(tmp_path: Path) -> None:
    one = with_variants(tmp_path / "1", 'a 50% "P"  b 50% "Q"').touches["variant"].to_pylist()
    two = with_variants(tmp_path / "2", 'a 50% "P"  b 50% "Q"').touches["variant"].to_pylist()
    assert one == two


# ---------------------------------------------------------------- the checks
PRELUDE = """\
playbook "P" { horizon 90 days }
contacts { key contact_id: text  level: enum(c_level, c_minus_1) }
tier all otherwise { cadence c }
cadence c over 5 business days {
"""


def check(variants: str) -> Compiled:
    return compile_text(f"{PRELUDE}  day 1: email to c_level variants {{ {variants} }}\n}}\n", "p")


def test_variants_reach_the_ir_with_missing_shares_split_equally() -> None:
    result = check('a 50% "P"  b "Q"  c "R"')
    assert result.ok, result.diagnostics
    assert result.playbook is not None
    step = result.playbook.cadences["c"].steps[0]
    assert [(v.name, v.share, v.note) for v in step.variants] == [
        ("a", Decimal("0.5"), "P"),
        ("b", Decimal("0.25"), "Q"),
        ("c", Decimal("0.25"), "R"),
    ]


def test_shares_must_come_to_100_percent() -> None:
    diagnostics = check('a 50% "P"  b 40% "Q"').diagnostics
    assert [(d.code, d.message) for d in diagnostics] == [
        ("ABM211", "the variants' shares add up to 90%, not 100%")
    ]
    diagnostics = check('a 100% "P"  b "Q"').diagnostics
    assert [d.code for d in diagnostics] == ["ABM211"]


def test_a_share_lies_between_0_and_100_percent() -> None:
    assert "ABM205" in [d.code for d in check('a 150% "P"  b "Q"').diagnostics]


def test_a_variant_name_is_used_once() -> None:
    diagnostics = check('a "P"  a "Q"').diagnostics
    assert [(d.code, d.message) for d in diagnostics] == [
        ("ABM202", "the step already has a variant `a`")
    ]
