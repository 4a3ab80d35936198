"""Each main page reads the database a fixed number of times, however many meetings,
reminders, people or tasks there are. A count that grows with the data is an N+1.

The limits are the counts measured with little data plus a small margin; the same
limit must hold with twelve times as much.
"""

from datetime import UTC, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from booking.models import Appointment, CalendarOverride
from messaging.models import Delivery
from people.models import PhoneNumber, User
from reminders import services as reminders
from reminders.models import FollowUpTask, ItemDone, MedicationLog, MessageKind, ReminderPlan
from reminders.schedule import rrule_from_simple
from tests import factories as f
from tests.factories import OSLO, local, make_appointment

pytestmark = pytest.mark.django_db

FEW, MANY = 5, 60

# Page → most queries it may make: the count measured with few rows plus a margin of two.
# Measured: session 1, user 1, then the page's own reads; /details/ and /calendar/ include
# creating the calendar-feed link on a first visit (select, savepoint, insert, release).
LIMITS = {
    # Every page: + one for the unread messages beside "Messages" in the menu (counted once a request).
    # + one query each for the help request, a meeting to re-book after a handover, and the peer request;
    # staff pages that show people's information + the access log's one INSERT however many people
    # they show.
    # + the help button, however many meetings: the unit's help settings and opening hours, and
    # when open who a request would go to (shifts, covers, and the coordinators if nobody else).
    # + one for the next meeting on top.
    "/my-day/": 10 + 1 + 2 + 5 + 1,
    "/book/{type_id}/": 6 + 2 + 1,
    "/meetings/": 4 + 2 + 1,
    "/reminders/": 4 + 2 + 1,
    "/details/": 7 + 2 + 1,
    # Today: + one for the active phone numbers of everyone on it, however many.
    "/today/": 5 + 2 + 1 + 1 + 1,
    # Calendar: + busy time from connected calendars, and which of them failed.
    "/calendar/": 8 + 2 + 1 + 2 + 1,
    "/caseload/": 3 + 2 + 1 + 1,
    "/calendar/book/": 5 + 2 + 1 + 1,
    "/calendar/time-off/": 4 + 2 + 1,
}
SERVICE_USER_PAGES = {"/my-day/", "/book/{type_id}/", "/meetings/", "/reminders/", "/details/"}
# How many rows each page shows, to be sure the data reached the page being counted.
ROWS_SHOWN = {
    "/my-day/": lambda c: sum(len(d.items) for d in c["days"]),
    "/book/{type_id}/": lambda c: sum(len(times) for _day, times in c["days"]),
    "/meetings/": lambda c: len(c["upcoming"]) + len(c["past"]),
    "/reminders/": lambda c: len(c["plans"]),
    "/details/": lambda c: len(c["phones"]),
    "/today/": lambda c: len(c["appointments"]) + len(c["tasks"]) + len(c["failing"]),
    "/calendar/": lambda c: sum(len(d["appointments"]) + len(d["off"]) for d in c["days"]),
    "/caseload/": lambda c: len(c["people"]),
    "/calendar/book/": lambda c: len(c["people"]),
    "/calendar/time-off/": lambda c: len(c["items"]),
}


def populate(world, n: int) -> None:
    """``n`` meetings for the signed-in person, and n/5 of everything else the pages list:
    other people in the caseload (with meetings, no-shows, tasks and failing reminders),
    reminder plans with ticked-off doses, time off, old phone numbers."""
    now = timezone.now()
    today = now.astimezone(OSLO).date()
    # One meeting an hour from local midnight today: none overlap, and they fill today,
    # tomorrow, the rest of the week and beyond, some already past.
    first = local(today, 0).astimezone(UTC)
    for i in range(n):
        status = Appointment.Status.BOOKED
        start = first + timedelta(hours=i)
        if start < now:
            status = [Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW][i % 2]
        elif i % 7 == 3:
            status = Appointment.Status.CANCELLED
        make_appointment(
            world.meeting_type, world.client, start, status=status, confirmed_at=now if i % 3 == 0 else None
        )

    for k in range(n // 5):
        person = f.make_person(
            User.Role.SERVICE_USER, world.unit, phone=f"+474100{k:04d}" if k % 2 else None, first_name=f"P{k}"
        )
        f.follow(world.worker, person)
        make_appointment(world.meeting_type, person, first + timedelta(hours=n + k))
        make_appointment(world.meeting_type, person, first - timedelta(hours=k + 1), status=Appointment.Status.NO_SHOW)
        FollowUpTask.objects.create(worker=world.worker, client=person, kind=FollowUpTask.Kind.CALL_BACK)
        at = now - timedelta(days=1)
        Delivery.objects.create(
            recipient=person,
            kind=MessageKind.MEDICATION,
            channel="sms",
            occurrence_at=at,
            due_at=at,
            expires_at=at + timedelta(hours=2),
            dedupe_key=f"count:{person.pk}",
            status=Delivery.Status.FAILED,
        )
        CalendarOverride.objects.create(
            calendar=world.calendar,
            kind=CalendarOverride.Kind.TIME_OFF,
            start=local(today + timedelta(days=k), 0),
            end=local(today + timedelta(days=k), 1),
            note=f"Off {k}",
        )
        PhoneNumber.objects.create(user=world.client, number=f"+479900{k:04d}")

        kind = [ReminderPlan.Kind.MEDICATION, ReminderPlan.Kind.ROUTINE, ReminderPlan.Kind.MONEY][k % 3]
        plan = reminders.plan_save(
            plan=ReminderPlan(
                owner=world.client,
                created_by=world.client,
                kind=kind,
                title=f"Plan {k}",
                rrule=rrule_from_simple(times=[time(8), time(20)]),
                starts_on=today - timedelta(days=1),
                dose="1" if kind == ReminderPlan.Kind.MEDICATION else "",
                money_kind=ReminderPlan.MoneyKind.BILL if kind == ReminderPlan.Kind.MONEY else "",
                amount=Decimal(100) if kind == ReminderPlan.Kind.MONEY else None,
            )
        )
        at = local(today, 8).astimezone(UTC)
        if kind == ReminderPlan.Kind.MEDICATION:
            MedicationLog.objects.create(plan=plan, occurrence_at=at, status=MedicationLog.Status.TAKEN, via="web")
        else:
            ItemDone.objects.create(plan=plan, occurrence_at=at)


@pytest.mark.parametrize("size", [FEW, MANY])
@pytest.mark.parametrize("path", list(LIMITS))
def test_each_page_makes_a_fixed_number_of_queries(world, web_client, django_assert_max_num_queries, path, size):
    populate(world, size)
    user = world.client if path in SERVICE_USER_PAGES else world.worker
    client = web_client(user)
    url = path.format(type_id=world.meeting_type.pk)

    with django_assert_max_num_queries(LIMITS[path]):
        response = client.get(url)

    assert response.status_code == 200
    assert ROWS_SHOWN[path](response.context) >= size // 10
