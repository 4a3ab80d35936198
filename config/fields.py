"""Input fields with the limits every request must keep, for the API's serializers and the
web's forms alike.

Dates and times outside 1900–2200 are refused at the edge with a message a person can act
on: nothing Triangel does needs them, and further out the arithmetic of free times and
reminders overflows. A local time of day (a reminder at 08:00) has no time-zone offset and
no fractions of a second; an amount of money is not negative.
"""

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)
OUT_OF_RANGE = _("Give a date between 1900 and 2200.")
LOCAL_TIME_ONLY = _("Give a time of day as HH:MM, without a time zone.")


LOCAL_TIME_TEXT = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")


def date_in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def moment_from_text(text: str | None) -> datetime | None:
    """An aware moment from the ISO text a web page posts back (a free time's button), or None
    when it is malformed, no real moment (30 February), without an offset, or out of range."""
    try:
        moment = parse_datetime(text or "")
        if moment is None or moment.tzinfo is None:
            return None
        in_utc = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment if date_in_range(moment.date()) and date_in_range(in_utc.date()) else None


def day_from_text(text: str | None) -> date | None:
    """A day from ``YYYY-MM-DD`` text (a page's ``?week=``), or None when malformed or out of range."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if date_in_range(day) else None


def _local_time(value: time) -> bool:
    return value.tzinfo is None and value.microsecond == 0


class DateField(serializers.DateField):
    def to_internal_value(self, value: Any) -> date:
        day = super().to_internal_value(value)
        if not date_in_range(day):
            raise serializers.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return day


class DateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value: Any) -> datetime:
        # A year of 1 or 9999 with an offset may not even become a datetime in another zone.
        try:
            moment = super().to_internal_value(value)
        except OverflowError:
            raise serializers.ValidationError(OUT_OF_RANGE, code="out_of_range") from None
        if not date_in_range(moment.date()):
            raise serializers.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return moment


# Not the schema's "time" format: that is a time with a zone offset (RFC 3339), and these have none.
@extend_schema_field({"type": "string", "pattern": r"^\d{1,2}:\d{2}(:\d{2})?$", "example": "08:00"})
class LocalTimeField(serializers.TimeField):
    def to_internal_value(self, value: Any) -> time:
        # Django's parser drops a zone it reads ("08:00+01:00" became 08:00): refuse it first.
        if isinstance(value, str) and not LOCAL_TIME_TEXT.fullmatch(value.strip()):
            raise serializers.ValidationError(LOCAL_TIME_ONLY, code="invalid")
        moment = super().to_internal_value(value)
        if not _local_time(moment):
            raise serializers.ValidationError(LOCAL_TIME_ONLY, code="invalid")
        return moment


# The largest id a database column can hold; a bigger number matches nothing (and SQLite could
# not even bind it).
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """The id of an object, as a request names it: a positive number a database can hold."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class AmountField(serializers.DecimalField):
    """Kroner: not negative."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(**kwargs)


# --- The same limits for the web's forms ----------------------------------------------------------


class FormDateField(forms.DateField):
    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        if day is not None and not date_in_range(day):
            raise ValidationError(OUT_OF_RANGE, code="out_of_range")
        return day


class FormTimeField(forms.TimeField):
    def to_python(self, value: Any) -> time | None:
        moment = super().to_python(value)
        if moment is not None and not _local_time(moment):
            raise ValidationError(LOCAL_TIME_ONLY, code="invalid")
        return moment


# Words people put around a time of day ("kl 8", "klokka 8 og 20", "at 8 and 20"): skipped.
_CLOCK_WORDS = {"kl", "kl.", "klokka", "klokken", "og", "and", "at", "&"}
_CLOCK_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?$|^(?P<h4>\d{2})(?P<m4>\d{2})$")


def clock_times_from_text(text: str) -> list[time] | None:
    """Times of day as people write them: "8", "kl 8", "kl. 8", "08.00", "8:30", "0830",
    several separated by spaces, commas or "og"/"and". Sorted, each once; None when a part is
    not a time of day (so the form can say how to write one)."""
    found: set[time] = set()
    for part in text.lower().replace(",", " ").replace(";", " ").split():
        if part in _CLOCK_WORDS:
            continue
        part = part.removeprefix("kl.").removeprefix("kl")
        match = _CLOCK_TIME.match(part)
        if match is None:
            return None
        hours = int(match["h"] or match["h4"])
        minutes = int(match["m"] or match["m4"] or 0)
        if hours > 23 or minutes > 59:
            return None
        found.add(time(hours, minutes))
    return sorted(found)
