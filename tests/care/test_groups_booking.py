"""Booking a group meeting: one appointment in every internal participant's calendar, all
or nothing, one set of reminders for the service user, and cancelling takes all of them."""

from datetime import date, time, timedelta

import pytest
from django.test import Client

from booking.models import Appointment
from booking.selectors import meeting_types_bookable_by
from care.models import GroupMeeting
from care.services import groups as services
from config.errors import ApplicationError, Conflict, NotFound
from messaging.models import Delivery
from reminders.models import MessageKind, ReminderPreferences
from reminders.services import summaries_materialize
from tests import factories as f
from tests.care.groups_support import make_group, set_hours
from tests.reminders.support import dispatch, sent_sms


@pytest.fixture
def tuesday() -> date:
    return f.next_weekday(1, min_days_ahead=3)


@pytest.fixture
def group(world):
    set_hours(world.peer_calendar, [(d, time(8), time(15, 30)) for d in range(5)])
    return make_group(world)


def book(world, group, start, **kwargs) -> GroupMeeting:
    return services.group_meeting_book(
        actor=world.worker, group_id=group.pk, start=start, duration_minutes=60, **kwargs
    )


def test_it_books_one_appointment_in_every_participants_calendar_for_the_service_user(
    world, group, tuesday: date
) -> None:
    meeting = book(world, group, f.local(tuesday, 10), agenda="How the week went")

    appointments = Appointment.objects.filter(group_link__meeting=meeting).order_by("calendar_id")
    assert {a.calendar_id for a in appointments} == {world.calendar.pk, world.other_calendar.pk, world.peer_calendar.pk}
    assert all(a.client == world.client and a.start == f.local(tuesday, 10) for a in appointments)
    assert all(a.end - a.start == timedelta(hours=1) for a in appointments)
    assert meeting.agenda == "How the week went"


def test_the_service_user_gets_one_set_of_reminders_on_the_appointment_with_their_worker(
    world, group, tuesday: date
) -> None:
    meeting = book(world, group, f.local(tuesday, 10))

    deliveries = Delivery.objects.filter(recipient=world.client)
    booked = deliveries.filter(kind=MessageKind.APPOINTMENT_BOOKED)
    assert booked.count() == 1
    holder = Appointment.objects.get(group_link__meeting=meeting, client_copy=True)
    assert holder.calendar == world.calendar
    assert set(deliveries.values_list("about", "about_id")) == {("appointment", holder.pk)}
    reminders = deliveries.filter(kind=MessageKind.APPOINTMENT)
    assert reminders.count() == reminders.values("due_at", "channel").distinct().count()


def test_it_books_nothing_when_one_calendar_is_taken_and_answers_with_fresh_proposals(
    world, group, tuesday: date
) -> None:
    f.make_appointment(world.peer_meeting_type, world.other_client, f.local(tuesday, 10))

    with pytest.raises(Conflict) as raised:
        book(world, group, f.local(tuesday, 10))

    assert raised.value.code == "group_slot_taken"
    assert raised.value.extra["proposals"]
    assert f.local(tuesday, 10).isoformat() not in [p["start"] for p in raised.value.extra["proposals"]]
    assert not GroupMeeting.objects.exists()
    assert not Appointment.objects.filter(client=world.client).exists()


def test_the_group_meeting_type_is_hidden_from_normal_booking(world, group, tuesday: date) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    hidden = {a.meeting_type_id for a in Appointment.objects.filter(group_link__meeting=meeting)}

    assert not meeting_types_bookable_by(user=world.client).filter(pk__in=hidden).exists()
    assert not meeting_types_bookable_by(user=world.worker).filter(pk__in=hidden).exists()


def test_a_second_meeting_reuses_each_calendars_group_meeting_type(world, group, tuesday: date) -> None:
    first = book(world, group, f.local(tuesday, 10))
    second = book(world, group, f.local(tuesday + timedelta(days=1), 10))

    types = lambda m: {a.calendar_id: a.meeting_type_id for a in Appointment.objects.filter(group_link__meeting=m)}  # noqa: E731
    assert types(first) == types(second)


def test_cancelling_cancels_every_appointment_and_tells_the_service_user_once(world, group, tuesday: date) -> None:
    meeting = book(world, group, f.local(tuesday, 10))

    services.group_meeting_cancel(actor=world.worker, meeting_id=meeting.pk, reason="Moved to next month")

    meeting.refresh_from_db()
    assert meeting.status == GroupMeeting.Status.CANCELLED
    assert meeting.sequence == 1
    appointments = Appointment.objects.filter(group_link__meeting=meeting)
    assert {a.status for a in appointments} == {Appointment.Status.CANCELLED}
    assert Delivery.objects.filter(recipient=world.client, kind=MessageKind.APPOINTMENT_CANCELLED).count() == 1
    assert not Delivery.objects.filter(
        recipient=world.client, kind=MessageKind.APPOINTMENT, status=Delivery.Status.SCHEDULED
    ).exists()
    # The time is free again in every calendar.
    again = book(world, group, f.local(tuesday, 10))
    assert again.pk != meeting.pk


def test_removing_a_member_keeps_their_appointment_in_past_meetings(world, group, tuesday: date) -> None:
    meeting = book(world, group, f.local(tuesday, 10))

    services.member_remove(actor=world.worker, group_id=group.pk, user_id=world.peer.pk)

    assert Appointment.objects.filter(group_link__meeting=meeting, calendar=world.peer_calendar).exists()
    later = book(world, group, f.local(tuesday + timedelta(days=7), 10))
    assert not Appointment.objects.filter(group_link__meeting=later, calendar=world.peer_calendar).exists()


def test_the_agenda_is_editable_until_the_meeting_and_actions_name_who_and_when(world, group, tuesday: date) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    services.agenda_update(actor=world.worker, meeting_id=meeting.pk, agenda="1. Housing\n2. Work")

    with pytest.raises(ApplicationError) as closed:
        services.agenda_update(actor=world.worker, meeting_id=meeting.pk, agenda="late", now=f.local(tuesday, 10, 5))
    assert closed.value.code == "agenda_closed"

    nav = group.externals.get(name="Nina NAV")
    action = services.action_add(
        actor=world.worker,
        meeting_id=meeting.pk,
        what="Apply for housing support",
        responsible_user_id=world.client.pk,
        due_on=tuesday + timedelta(days=14),
    )
    services.action_add(
        actor=world.worker, meeting_id=meeting.pk, what="Check benefits", responsible_external_id=nav.pk
    )
    assert action.responsible_name == str(world.client)
    assert meeting.actions.count() == 2
    with pytest.raises(ApplicationError):
        services.action_add(
            actor=world.worker, meeting_id=meeting.pk, what="x", responsible_user_id=world.other_client.pk
        )


def test_only_the_coordinator_or_current_worker_can_set_up_and_book(world, group, tuesday: date) -> None:
    with pytest.raises(NotFound):
        services.group_create(actor=world.other_worker, client_id=world.client.pk)
    with pytest.raises(NotFound):
        services.group_meeting_book(
            actor=world.other_worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
        )
    with pytest.raises(NotFound):
        services.group_meeting_book(
            actor=world.client, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
        )
    meeting = services.group_meeting_book(
        actor=world.coordinator, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
    )
    assert meeting.organiser == world.coordinator


def test_the_other_participants_are_told_once_when_the_meeting_is_booked_and_cancelled(
    world, group, tuesday: date
) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    services.group_meeting_cancel(actor=world.worker, meeting_id=meeting.pk)

    notices = Delivery.objects.filter(kind=MessageKind.GROUP_MEETING)
    assert sorted(notices.values_list("recipient__username", "context__event")) == [
        ("otherworker", "booked"),
        ("otherworker", "cancelled"),
        ("peer", "booked"),
        ("peer", "cancelled"),
    ]
    assert all(n.context["client"] == world.client.initials for n in notices)


def test_one_calendars_part_of_a_group_meeting_cannot_be_cancelled_or_moved_alone(
    world, api, group, tuesday: date
) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    part = Appointment.objects.get(group_link__meeting=meeting, calendar=world.other_calendar)

    cancel = api.as_(world.other_worker).post(f"/api/appointments/{part.pk}/cancel/", {"reason": "busy"}, format="json")
    move = api.as_(world.other_worker).post(
        f"/api/appointments/{part.pk}/reschedule/", {"start": f.local(tuesday, 13).isoformat()}, format="json"
    )

    assert cancel.status_code == 400
    assert cancel.json()["error"]["code"] == "group_meeting"
    assert move.status_code == 400
    assert move.json()["error"]["code"] == "group_meeting"
    assert set(Appointment.objects.filter(group_link__meeting=meeting).values_list("status", flat=True)) == {"booked"}


def test_the_service_user_sees_a_group_meeting_once_and_is_sent_to_its_page(world, api, group, tuesday: date) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    parts = list(Appointment.objects.filter(group_link__meeting=meeting))
    shown = Appointment.objects.get(group_link__meeting=meeting, client_copy=True)

    listed = api.as_(world.client).get("/api/appointments/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["id"] for r in rows if r["id"] in {a.pk for a in parts}] == [shown.pk]

    web = Client()
    web.force_login(world.client)
    page = web.get("/meetings/").content.decode()
    assert [a.pk for a in parts if f"/meetings/{a.pk}/" in page] == [shown.pk]
    detail = web.get(f"/meetings/{shown.pk}/").content.decode()
    assert f"/groups/meetings/{meeting.pk}/" in detail
    assert f"/meetings/{shown.pk}/cancel/" not in detail


def test_a_peer_the_person_stopped_sharing_with_gets_no_new_group_meetings(world, group, tuesday: date) -> None:
    from care.services.peers import sharing_set

    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)

    meeting = book(world, group, f.local(tuesday, 10))

    calendars = set(Appointment.objects.filter(group_link__meeting=meeting).values_list("calendar_id", flat=True))
    assert world.peer_calendar.pk not in calendars
    assert calendars == {world.calendar.pk, world.other_calendar.pk}


def test_a_peer_in_the_meeting_who_is_also_shared_with_reads_it_once(world, api, group, tuesday: date) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    parts = {a.pk for a in Appointment.objects.filter(group_link__meeting=meeting)}
    own = Appointment.objects.get(group_link__meeting=meeting, calendar=world.peer_calendar)

    listed = api.as_(world.peer).get("/api/appointments/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed

    assert [r["id"] for r in rows if r["id"] in parts] == [own.pk]


def test_a_member_who_may_read_a_meeting_but_not_change_it_gets_a_404_on_the_forms(world, group, tuesday) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    peer = Client()
    peer.force_login(world.peer)
    assert peer.get(f"/groups/meetings/{meeting.pk}/").status_code == 200
    assert peer.post(f"/groups/meetings/{meeting.pk}/agenda/", {"agenda": "x"}).status_code == 404
    assert peer.post(f"/groups/meetings/{meeting.pk}/actions/", {"what": "x", "who": "x"}).status_code in (400, 404)
    meeting.refresh_from_db()
    assert meeting.agenda != "x"


def test_the_morning_summary_names_a_group_meeting_once(world, group, tuesday: date, settings, tmp_path) -> None:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    book(world, group, f.local(tuesday, 10))
    ReminderPreferences.objects.update_or_create(user=world.client, defaults={"morning_summary": True})
    morning = f.local(tuesday, 7)
    summaries_materialize(now=morning)

    dispatch(now=f.local(tuesday, 8))

    (summary,) = [m["text"] for m in sent_sms(tmp_path / "sms.jsonl") if m["text"].startswith("God morgen")]
    assert summary.count("10:00") == 1
