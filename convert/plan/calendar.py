"""The working calendar of a plan: Danish public holidays (the maintained `holidays` library, so a change such as
Store bededag's abolition from 2024 comes with it), the team's and each caseworker's days off, and weekdays."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING

from ..settings.planning import Caseworker, PlanSettings

if TYPE_CHECKING:
    from holidays import HolidayBase

_SEARCH_DAYS = 3 * 366  # a caseworker with no working day in three years has none


@cache
def danish_holidays(optional: bool = True) -> HolidayBase:
    """Danish public holidays (and, if `optional`, Christmas Eve, New Year's Eve, Constitution Day and 1 May)
    from the `holidays` library; years are filled in as they are looked up."""
    import holidays  # imported where used: keeps CLI start-up light

    categories = ("public", "optional") if optional else ("public",)
    return holidays.country_holidays("DK", categories=categories, language="da")


def is_working_day(day: dt.date, worker: Caseworker, settings: PlanSettings) -> bool:
    return (day.weekday() in worker.weekdays and day not in danish_holidays(settings.optional_holidays)
            and day not in settings.days_off and day not in worker.days_off)


def working_days(worker: Caseworker, settings: PlanSettings, start: dt.date, count: int) -> list[dt.date]:
    """The first `count` working days of `worker` from `start` (included); fewer if none come for years."""
    days: list[dt.date] = []
    day, gap = start, 0
    while len(days) < count and gap < _SEARCH_DAYS:
        if is_working_day(day, worker, settings):
            days.append(day)
            gap = 0
        else:
            gap += 1
        day += dt.timedelta(days=1)
    return days


def days_off_between(first: dt.date, last: dt.date, settings: PlanSettings) -> list[tuple[dt.date, str]]:
    """Weekdays from `first` to `last` that are nobody's working day: holidays and the team's days off."""
    calendar = danish_holidays(settings.optional_holidays)
    out = []
    day = first
    while day <= last:
        if day.weekday() < 5 and (day in calendar or day in settings.days_off):
            out.append((day, calendar.get(day) or "Fridag (planning.days_off)"))
        day += dt.timedelta(days=1)
    return out
