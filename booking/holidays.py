"""Public holidays: the days on which weekly working hours and opening hours do not apply.

A municipal service is closed on public holidays (1. juledag, 17. mai, the Easter days…),
so a social worker's weekly hours and a unit's opening hours do not apply on them, without
anyone having to enter each one as time off. Extra hours entered for such a day still
apply: a worker who does work on a holiday says so with extra hours.

Which days count comes from ``PUBLIC_HOLIDAYS_COUNTRY`` (default ``NO``; empty turns the
rule off), through the ``holidays`` package: only named public holidays, not every Sunday.
"""

from datetime import date
from functools import lru_cache

import holidays
from django.conf import settings


@lru_cache(maxsize=64)
def _of_year(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


def public_holidays(first_day: date, last_day: date) -> frozenset[date]:
    """The public holidays from ``first_day`` to ``last_day``, both included."""
    country = settings.PUBLIC_HOLIDAYS_COUNTRY
    if not country or last_day < first_day:
        return frozenset()
    found: set[date] = set()
    for year in range(first_day.year, last_day.year + 1):
        found.update(day for day in _of_year(country, year) if first_day <= day <= last_day)
    return frozenset(found)


def is_public_holiday(day: date) -> bool:
    country = settings.PUBLIC_HOLIDAYS_COUNTRY
    return bool(country) and day in _of_year(country, day.year)
