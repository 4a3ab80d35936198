"""Changing quiet hours re-times the messages already planned: into the new quiet hours means
moved to their end, held back only by the old ones means back to the time it was planned for.
Messages claimed for sending or sent are never touched."""

from datetime import date, time, timedelta

import pytest

from messaging.models import Delivery
from people.models import User
from reminders import services as reminders
from reminders.models import MessageKind, ReminderPreferences
from tests import factories as f
from tests.reminders.support import at, make_delivery

pytestmark = pytest.mark.django_db


def quiet(person, start: int, end: int) -> None:
    ReminderPreferences.objects.update_or_create(
        user=person, defaults={"quiet_start": time(start), "quiet_end": time(end)}
    )
    person.__dict__.pop("_reminder_prefs_cache", None)


def meeting_reminder(world, start, minutes_before: int, now) -> Delivery:
    """One SMS reminder ``minutes_before`` a meeting at ``start``, planned as booking plans it."""
    ReminderPreferences.objects.update_or_create(user=world.client, defaults={"appointment_offsets": [minutes_before]})
    world.client.__dict__.pop("_reminder_prefs_cache", None)
    appointment = f.make_appointment(world.meeting_type, world.client, start)
    reminders.appointment_reminders_schedule(appointment=appointment, now=now)
    return Delivery.objects.get(about="appointment", about_id=appointment.pk, kind=MessageKind.APPOINTMENT)


def change_quiet(person, start: int, end: int, now) -> None:
    fresh = type(person).objects.get(pk=person.pk)
    reminders.preferences_update(person=fresh, changes={"quiet_start": time(start), "quiet_end": time(end)}, now=now)


def test_a_0700_reminder_moves_to_0900_when_quiet_hours_become_22_to_09(world) -> None:
    quiet(world.client, 22, 7)
    now = at(2027, 3, 15, 12)
    row = meeting_reminder(world, at(2027, 3, 17, 10), 3 * 60, now)
    assert row.due_at == at(2027, 3, 17, 7)

    change_quiet(world.client, 22, 9, now)

    row.refresh_from_db()
    assert row.due_at == at(2027, 3, 17, 9)
    assert row.status == Delivery.Status.SCHEDULED


def test_a_0830_reminder_held_to_0900_goes_back_to_0830_when_quiet_hours_end_at_0800_again(world) -> None:
    quiet(world.client, 22, 9)
    now = at(2027, 3, 15, 12)
    row = meeting_reminder(world, at(2027, 3, 17, 10), 90, now)
    assert row.due_at == at(2027, 3, 17, 9)  # held by the quiet hours

    change_quiet(world.client, 22, 8, now)

    row.refresh_from_db()
    assert row.due_at == at(2027, 3, 17, 8, 30)


@pytest.mark.parametrize("day", [date(2027, 3, 28), date(2027, 10, 31)], ids=["spring", "autumn"])
def test_on_the_days_the_clocks_change_the_reminder_moves_to_the_local_end_of_quiet_hours(world, day) -> None:
    quiet(world.client, 22, 6)
    now = at(2027, 3, 1, 12)
    start = at(day.year, day.month, day.day, 10)
    row = meeting_reminder(world, start, 4 * 60, now)
    assert row.due_at == start - timedelta(hours=4)  # 06:00 local, outside 22–06

    change_quiet(world.client, 22, 9, now)

    row.refresh_from_db()
    assert row.due_at == at(day.year, day.month, day.day, 9)


def test_claimed_sent_and_cancelled_rows_are_never_touched(world) -> None:
    quiet(world.worker, 22, 7)
    now = at(2027, 3, 15, 12)
    due = at(2027, 3, 17, 7, 30)
    rows = {
        status: make_delivery(
            world.worker,
            kind=MessageKind.STAFF_ALERT,
            due_at=due,
            expires_at=due + timedelta(days=1),
            status=status,
            lease_until=due if status == Delivery.Status.SENDING else None,
        )
        for status in (Delivery.Status.SENDING, Delivery.Status.SENT, Delivery.Status.CANCELLED)
    }
    waiting = make_delivery(world.worker, kind=MessageKind.STAFF_ALERT, due_at=due, expires_at=due + timedelta(days=1))

    change_quiet(world.worker, 22, 9, now)

    for status, row in rows.items():
        row.refresh_from_db()
        assert (row.status, row.due_at) == (status, due)
    waiting.refresh_from_db()
    assert waiting.due_at == at(2027, 3, 17, 9)


def test_a_reminder_with_no_useful_time_outside_the_new_hours_is_cancelled_not_sent_at_night(world) -> None:
    quiet(world.client, 23, 7)
    now = at(2027, 3, 15, 22, 30)
    # A routine reminder at 22:45, useful for an hour: the new hours 22–07 leave it no time.
    row = make_delivery(world.client, due_at=at(2027, 3, 15, 22, 45), expires_at=at(2027, 3, 15, 23, 45))

    change_quiet(world.client, 22, 7, now)

    row.refresh_from_db()
    assert row.status == Delivery.Status.CANCELLED


def test_other_peoples_reminders_and_answers_to_own_sms_stay_as_they_are(world) -> None:
    now = at(2027, 3, 15, 12)
    due = at(2027, 3, 17, 7, 30)
    others = make_delivery(world.other_client, due_at=due, expires_at=due + timedelta(hours=1))
    reply = make_delivery(world.client, kind=MessageKind.REPLY, due_at=due, expires_at=due + timedelta(hours=1))

    change_quiet(world.client, 22, 9, now)

    assert Delivery.objects.get(pk=others.pk).due_at == due
    assert Delivery.objects.get(pk=reply.pk).due_at == due


def test_saving_new_quiet_hours_through_the_api_moves_planned_reminders(world, api) -> None:
    start = f.local(f.next_weekday(2, min_days_ahead=3), 10)
    row = meeting_reminder(world, start, 3 * 60, now=start - timedelta(days=2))
    assert row.due_at == f.local(start.date(), 8)  # held by the default quiet hours, 22–08

    response = api.as_(world.client).patch(
        "/api/reminder-preferences/", {"quiet_start": "22:00", "quiet_end": "09:00"}, format="json"
    )

    assert response.status_code == 200, response.json()
    row.refresh_from_db()
    assert row.due_at == f.local(start.date(), 9)


def test_new_quiet_hours_saved_in_the_administration_move_planned_reminders_too(world, client) -> None:
    quiet(world.worker, 22, 7)
    prefs = ReminderPreferences.objects.get(user=world.worker)
    due = f.local(f.next_weekday(2, min_days_ahead=3), 7, 30)
    row = make_delivery(world.worker, kind=MessageKind.STAFF_ALERT, due_at=due, expires_at=due + timedelta(days=1))
    admin = User.objects.create_superuser("root", "root@example.no", "x", role=User.Role.COORDINATOR)
    client.force_login(admin)

    response = client.post(
        f"/admin/reminders/reminderpreferences/{prefs.pk}/change/",
        {
            "user": world.worker.pk,
            "appointment_offsets": "[1440, 120]",
            "appointment_channels": '["sms"]',
            "sms_enabled": "on",
            "email_fallback": "on",
            "quiet_start": "22:00",
            "quiet_end": "09:00",
            "discreet": "on",
            "morning_summary_time": "08:00",
            "followup_delay_minutes": "120",
            "conversation_notice_minutes": "10",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert row.due_at == f.local(due.date(), 9)
