"""Small-number suppression: no figure computed from fewer than five people is shown, so
nobody in a small unit can be recognised in it."""

from datetime import timedelta

# What stands in a cell instead of its value: the API and the CSV give it as is, the page in
# the reader's language ("færre enn 5").
SUPPRESSED = "<5"
MIN_PEOPLE = 5

Cell = int | float | str | None


def count(value: int, people: int) -> Cell:
    """A count: shown when it is nought or comes from at least five people."""
    if 0 < people < MIN_PEOPLE:
        return SUPPRESSED
    return value


def rate(part: int, part_people: int, whole: int, whole_people: int) -> Cell:
    """``part`` of ``whole`` in per cent, one decimal. None when there is no whole. Hidden when
    the whole comes from fewer than five people, or the part from one to four (the rate and
    the whole would give the hidden part away)."""
    if whole == 0:
        return None
    if whole_people < MIN_PEOPLE or 0 < part_people < MIN_PEOPLE:
        return SUPPRESSED
    return round(100 * part / whole, 1)


def duration(value: timedelta | None, people: int, *, unit: timedelta) -> Cell:
    """A median or percentile in whole ``unit``s (minutes, days), one decimal."""
    if value is None:
        return None
    if people < MIN_PEOPLE:
        return SUPPRESSED
    return round(value / unit, 1)
