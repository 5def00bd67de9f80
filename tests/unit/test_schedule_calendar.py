"""Business-day calendars: known public holidays, moved working days, the header's exceptions."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest

from abmdsl.schedule.calendar import BusinessCalendar, CalendarError

D = dt.date


@pytest.mark.parametrize(
    ("country", "day", "working"),
    [
        # Russia: 1–8 January are the New Year holidays; the 9th and 10th are a weekend
        *(("RU", D(2027, 1, d), False) for d in range(1, 11)),
        ("RU", D(2027, 1, 11), True),
        ("RU", D(2027, 2, 20), True),  # a Saturday made working, for Monday 22 February
        ("RU", D(2027, 2, 22), False),
        ("RU", D(2027, 2, 23), False),  # Defender of the Fatherland Day
        ("RU", D(2027, 3, 8), False),  # Women's Day
        ("RU", D(2027, 5, 10), False),  # Victory Day falls on a Sunday: moved to Monday
        ("PL", D(2027, 5, 3), False),  # Constitution Day
        ("PL", D(2027, 1, 6), False),  # Epiphany
        ("PL", D(2027, 5, 4), True),
        ("US", D(2027, 7, 5), False),  # Independence Day (observed): the 4th is a Sunday
        ("US", D(2027, 11, 25), False),  # Thanksgiving
        ("GB", D(2027, 12, 27), False),  # Christmas Day (observed)
        ("GB", D(2027, 5, 3), False),  # Early May bank holiday
        ("DE", D(2027, 5, 6), False),  # Ascension Day
        ("DE", D(2027, 3, 29), False),  # Easter Monday
        ("DE", D(2027, 3, 30), True),
        ("IL", D(2027, 1, 8), False),  # a Friday: Israel rests on Friday and Saturday
        ("IL", D(2027, 1, 10), True),  # a Sunday, a working day there
    ],
)
def test_known_dates(country: str, day: dt.date, working: bool) -> None:
    assert BusinessCalendar(country).is_business_day(day) is working


def test_without_a_country_business_days_are_monday_to_friday() -> None:
    week = [D(2027, 1, 4) + dt.timedelta(days=i) for i in range(7)]
    assert [BusinessCalendar().is_business_day(d) for d in week] == [True] * 5 + [False] * 2


def test_the_headers_holidays_and_workdays_override_the_country() -> None:
    calendar = BusinessCalendar(
        "PL", extra_holidays=frozenset({D(2027, 4, 30)}), extra_workdays=frozenset({D(2027, 5, 3)})
    )
    assert not calendar.is_business_day(D(2027, 4, 30))  # a Friday the team takes off
    assert calendar.is_business_day(D(2027, 5, 3))  # the team works on the holiday
    assert calendar.holiday_name(D(2027, 4, 30)) == "day off (the playbook's holidays)"
    assert calendar.holiday_name(D(2027, 5, 3)) is None


def test_business_days_count_from_the_first_working_day() -> None:
    ru = BusinessCalendar("RU")
    days = ru.business_days(D(2027, 2, 15), 10)
    assert days == [
        D(2027, 2, 15),
        D(2027, 2, 16),
        D(2027, 2, 17),
        D(2027, 2, 18),
        D(2027, 2, 19),
        D(2027, 2, 20),  # the working Saturday
        D(2027, 2, 24),  # 22 and 23 February are off
        D(2027, 2, 25),
        D(2027, 2, 26),
        D(2027, 3, 1),
    ]
    assert ru.next_business_day(D(2027, 1, 1)) == D(2027, 1, 11)
    assert ru.count(D(2027, 1, 1), D(2027, 1, 31)) == 15
    assert ru.count(D(2027, 1, 31), D(2027, 1, 1)) == 0


def test_exceptions_list_weekdays_off_and_working_weekends() -> None:
    found = dict(BusinessCalendar("RU").exceptions(D(2027, 2, 15), D(2027, 3, 14)))
    assert found == {
        D(2027, 2, 20): "working day",
        D(2027, 2, 22): "Day off (substituted from 02/20/2027)",
        D(2027, 2, 23): "Defender of the Fatherland Day",
        D(2027, 3, 8): "International Women's Day",
    }


def test_a_calendar_without_working_days_is_an_error_not_a_hang() -> None:
    every_day = frozenset(D(2027, 1, 1) + dt.timedelta(days=i) for i in range(4 * 366))
    with pytest.raises(CalendarError):
        BusinessCalendar(extra_holidays=every_day).next_business_day(D(2027, 1, 1))


def test_every_country_the_holidays_package_knows_has_a_calendar() -> None:
    for code in holidays.list_supported_countries():
        calendar = BusinessCalendar(code)
        assert calendar.count(D(2027, 1, 1), D(2027, 12, 31)) > 200, code
