"""Regional holidays: `calendar DE region BY` — parsed, checked, formatted and scheduled."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import holidays
import pytest

from abmdsl.api import compile_text
from abmdsl.cli_schedule import main
from abmdsl.formatter import format_source
from abmdsl.schedule.calendar import BusinessCalendar

EPIPHANY = dt.date(2027, 1, 6)  # a Wednesday


def test_the_holidays_package_agrees_epiphany_is_bavarian_not_berliner() -> None:
    assert EPIPHANY in holidays.country_holidays("DE", subdiv="BY", years=2027)
    assert EPIPHANY not in holidays.country_holidays("DE", subdiv="BE", years=2027)
    assert EPIPHANY not in holidays.country_holidays("DE", years=2027)


@pytest.mark.parametrize(
    ("country", "region", "day", "working"),
    [
        ("DE", "BY", EPIPHANY, False),
        ("DE", "BE", EPIPHANY, True),
        ("DE", None, EPIPHANY, True),
        ("DE", "BE", dt.date(2027, 3, 8), False),  # Women's Day, a holiday in Berlin only
        ("DE", "BY", dt.date(2027, 3, 8), True),
        ("US", "CA", dt.date(2027, 3, 31), False),  # César Chávez Day
        ("US", "NY", dt.date(2027, 3, 31), True),
        ("ES", "AN", dt.date(2027, 3, 1), False),  # Andalusia Day, moved from a Sunday
        ("ES", "MD", dt.date(2027, 3, 1), True),
    ],
)
def test_a_regions_own_holidays_are_days_off(
    country: str, region: str | None, day: dt.date, working: bool
) -> None:
    assert BusinessCalendar(country, region=region).is_business_day(day) is working


HEADER = """playbook "Munich pilot" {{
  start 2027-01-04
  horizon 30 days
  calendar DE{region}
  currency EUR
}}
"""
REST = """
accounts {
  key account_id: text
}

contacts {
  key contact_id: text
  account_id: text references accounts
  level: enum(c_level)
}

tier all otherwise {
  cadence short
}

cadence short over 3 business days {
  day 1: email to c_level
  day 2: call to c_level refers to touch 1
  day 3: email to c_level refers to touch 1
}
"""


def test_the_header_region_reaches_the_ir() -> None:
    compiled = compile_text(HEADER.format(region=" region BY") + REST)
    assert compiled.ok and compiled.playbook is not None, compiled.diagnostics
    pb = compiled.playbook
    assert (pb.calendar_country, pb.calendar_region, pb.calendar) == ("DE", "BY", "DE-BY")
    quoted = compile_text(HEADER.format(region=' region "by"') + REST)
    assert quoted.playbook is not None and quoted.playbook.calendar_region == "BY"
    whole = compile_text(HEADER.format(region="") + REST).playbook
    assert whole is not None and (whole.calendar_country, whole.calendar_region) == ("DE", None)


@pytest.mark.parametrize(
    ("region", "message", "hint"),
    [
        (" region Bavaria", "`Bavaria` is not a region of Germany", "BB, BE, BW, BY"),
        (" region BYY", "`BYY` is not a region", "did you mean `BY`?"),
    ],
)
def test_an_unknown_region_is_abm246_with_the_valid_codes(
    region: str, message: str, hint: str
) -> None:
    compiled = compile_text(HEADER.format(region=region) + REST)
    [diagnostic] = compiled.diagnostics
    assert diagnostic.code == "ABM246" and message in diagnostic.message
    assert hint in (diagnostic.hint or "")
    assert (diagnostic.span.line, diagnostic.span.column) == (4, 22)  # under the region


def test_a_country_without_regions_says_so() -> None:
    text = HEADER.format(region=" region MOW").replace("calendar DE", "calendar RU") + REST
    [diagnostic] = compile_text(text).diagnostics
    assert diagnostic.code == "ABM246"
    assert diagnostic.hint == "no regional holidays of Russia are known: write `calendar RU`"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("  calendar   DE   region   BY", "  calendar DE region BY"),
        ('  calendar AT region   "9"', '  calendar AT region "9"'),
        ("  calendar DE", "  calendar DE"),
    ],
)
def test_the_formatter_keeps_the_region(written: str, canonical: str) -> None:
    text = HEADER.format(region="").replace("  calendar DE", written) + REST
    formatted = format_source(text, "p.abm")
    assert canonical + "\n" in formatted
    assert format_source(formatted, "p.abm") == formatted


@pytest.mark.parametrize(("region", "third_day"), [("BY", "2027-01-07"), ("BE", "2027-01-06")])
def test_a_bavarian_cadence_skips_epiphany(tmp_path: Path, region: str, third_day: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "p.abm").write_text(HEADER.format(region=f" region {region}") + REST, "utf-8")
    (tmp_path / "a.csv").write_text("account_id\nA1\n", "utf-8")
    (tmp_path / "c.csv").write_text("contact_id;account_id;level\nC1;A1;c_level\n", "utf-8")
    out = tmp_path / "t.csv"
    argv = ["schedule", str(tmp_path / "p.abm"), "--accounts", str(tmp_path / "a.csv")]
    assert main([*argv, "--contacts", str(tmp_path / "c.csv"), "-o", str(out)]) == 0
    with out.open(encoding="utf-8") as stream:
        dates = [row["date"] for row in csv.DictReader(stream)]
    assert dates == ["2027-01-04", "2027-01-05", third_day]
