"""Queries compiled once give the rows the ORM gives, and refuse what they cannot keep right."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from booking.models import Appointment
from config import prepared
from tests.factories import local, make_appointment, next_weekday

pytestmark = pytest.mark.django_db


def _between(calendar_id: int, start: datetime, end: datetime) -> QuerySet:
    return Appointment.objects.filter(calendar_id=calendar_id, start__gte=start, start__lt=end).values_list(
        "pk", "start"
    )


def test_it_gives_the_orm_rows_for_new_values_each_time(world):
    monday = next_weekday(0)
    first = make_appointment(world.meeting_type, world.client, local(monday, 9))
    second = make_appointment(world.meeting_type, world.client, local(monday, 11))
    for start, end in [(local(monday, 8), local(monday, 10)), (local(monday, 10), local(monday, 12))]:
        got = prepared.rows("test-between", _between, [world.calendar.pk, start, end])
        assert got == list(_between(world.calendar.pk, start, end))
    assert {
        pk
        for pk, _start in prepared.rows(
            "test-between", _between, [world.calendar.pk, local(monday, 0), local(monday, 23)]
        )
    } == {first.pk, second.pk}


def test_it_refuses_a_query_that_computes_with_a_datetime_parameter(world):
    def shifted(calendar_id: int, start: datetime) -> QuerySet:
        return _between(calendar_id, start - timedelta(hours=1), start)

    with pytest.raises(ImproperlyConfigured):
        prepared.rows("test-shifted", shifted, [world.calendar.pk, timezone.now()])


def test_a_query_that_can_have_no_rows_gives_none(world):
    assert prepared.rows("test-none", lambda pk: Appointment.objects.none().filter(pk=pk).values_list("pk"), [1]) == []


@pytest.mark.postgres
def test_a_query_run_again_and_again_is_prepared_on_postgresql(world):
    # Planning every statement anew was most of the database's CPU on the hot paths;
    # with parameters sent apart from the SQL, psycopg prepares a statement that repeats.
    monday = next_weekday(0)
    for _ in range(6):
        prepared.rows("test-between", _between, [world.calendar.pk, local(monday, 8), local(monday, 10)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ['%"booking_appointment"%']
        )
        (count,) = cursor.fetchone()
    assert count >= 1
