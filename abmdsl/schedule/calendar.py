"""Business days: the playbook's country, its public holidays and the header's exceptions.

Input: a checked playbook's ``calendar``, ``holidays`` and ``workdays``. Output: a
:class:`BusinessCalendar` that says whether a date is a working day and counts business days.

A business day is a day outside the country's weekend (Saturday and Sunday unless the country
rests on other days), minus its public holidays and those of the header's region, if it names
one (Epiphany is a holiday in Bavaria, not in Berlin) — the `holidays` package, which also
knows the weekend days a country moves to Mondays and the Saturdays it makes working, as
Russia does — minus the header's ``holidays``, plus the header's ``workdays``. The header
wins: a team's own exception is more specific than the law.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from holidays import HolidayBase

    from ..ir import Playbook

DAY = dt.timedelta(days=1)
MAX_SEARCH_DAYS = 3 * 366
"""A search for business days gives up after this many calendar days without one."""


class CalendarError(Exception):
    """No business day can be found: a calendar of holidays with no working day in years."""


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days of one country (or plain Monday–Friday) with a team's own exceptions.

    >>> ru = BusinessCalendar("RU")
    >>> [ru.is_business_day(dt.date(2027, 1, d)) for d in (8, 11)]
    [False, True]
    >>> ru.holiday_name(dt.date(2027, 1, 7))
    'Christmas Day'
    >>> epiphany = dt.date(2027, 1, 6)
    >>> [BusinessCalendar("DE", region=r).is_business_day(epiphany) for r in ("BY", "BE")]
    [False, True]
    """

    country: str | None = None
    extra_holidays: frozenset[dt.date] = frozenset()
    extra_workdays: frozenset[dt.date] = frozenset()
    region: str | None = None  # a subdivision of the country with holidays of its own
    _official: HolidayBase | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.country is not None:
            import holidays

            # `years` is left open: the object adds each year the first time it is asked about.
            official = holidays.country_holidays(self.country, subdiv=self.region)
            object.__setattr__(self, "_official", official)

    @classmethod
    def of(cls, playbook: Playbook) -> BusinessCalendar:
        """The calendar a playbook's header declares."""
        return cls(
            playbook.calendar_country,
            frozenset(playbook.holidays),
            frozenset(playbook.workdays),
            region=playbook.calendar_region,
        )

    def is_business_day(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if self._official is None:
            return day.weekday() < 5
        return bool(self._official.is_working_day(day))

    def holiday_name(self, day: dt.date) -> str | None:
        """Why a weekday is not a working day: the holiday's name, or ``None``."""
        if day in self.extra_workdays:
            return None
        if day in self.extra_holidays:
            return "day off (the playbook's holidays)"
        if self._official is None:
            return None
        return self._official.get(day)

    def business_days(self, first: dt.date, count: int) -> list[dt.date]:
        """The first ``count`` business days on or after ``first``.

        >>> [d.isoformat() for d in BusinessCalendar().business_days(dt.date(2027, 1, 8), 2)]
        ['2027-01-08', '2027-01-11']
        """
        out: list[dt.date] = []
        days = self._walk(first)
        while len(out) < count:
            out.append(next(days))
        return out

    def next_business_day(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a business day, else the next one."""
        return next(self._walk(day))

    def count(self, first: dt.date, last: dt.date) -> int:
        """Business days from ``first`` to ``last``, both included (0 when ``last < first``)."""
        days = (first + DAY * i for i in range((last - first).days + 1))
        return sum(self.is_business_day(d) for d in days)

    def exceptions(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        """Days from ``first`` to ``last`` that break the weekly rhythm: weekdays off (with
        the holiday's name) and weekend days that are working days.

        >>> for day, why in BusinessCalendar("RU").exceptions(
        ...     dt.date(2027, 2, 19), dt.date(2027, 2, 23)
        ... ):
        ...     print(day, why)
        2027-02-20 working day
        2027-02-22 Day off (substituted from 02/20/2027)
        2027-02-23 Defender of the Fatherland Day
        """
        out = []
        for day in (first + DAY * i for i in range((last - first).days + 1)):
            working, weekend = self.is_business_day(day), self._is_weekend(day)
            if working and weekend:
                out.append((day, "working day"))
            elif not working and not weekend:
                out.append((day, self.holiday_name(day) or "day off"))
        return out

    def _is_weekend(self, day: dt.date) -> bool:
        if self._official is None:
            return day.weekday() >= 5
        return day.weekday() in self._official.weekend

    def _walk(self, first: dt.date) -> Iterator[dt.date]:
        """Business days from ``first`` on; a long run without one is a broken calendar."""
        day, idle = first, 0
        while True:
            if self.is_business_day(day):
                idle = 0
                yield day
            else:
                idle += 1
                if idle > MAX_SEARCH_DAYS:
                    raise CalendarError(f"no business day for {MAX_SEARCH_DAYS} days after {day}")
            day += DAY
