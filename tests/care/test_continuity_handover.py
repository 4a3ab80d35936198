"""Handover: a coordinator moves a caseload (or one person) to another worker in one step."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from booking.models import Appointment, AppointmentEvent
from care.models import Handover, HandoverAppointment, PeerInvitation
from care.selectors.continuity import reoffers_open_for
from care.services.groups import group_meeting_book
from care.services.peers import invitation_create, sharing_set
from messaging.models import Delivery
from messaging.texts import render
from people.models import Caseload, User
from people.selectors import current_worker_of
from reminders import services as reminders
from reminders.models import FollowUpTask, MessageKind, ReminderPreferences
from tests import factories as f
from tests.care.groups_support import make_group, set_hours
from tests.factories import local, next_weekday

pytestmark = pytest.mark.django_db

URL = "/api/handovers/"


def book(api, world, start, client=None, worker=None, meeting_type=None) -> Appointment:
    worker = worker or world.worker
    client = client or world.client
    meeting_type = meeting_type or world.meeting_type
    response = api.as_(worker).post(
        "/api/appointments/",
        {"worker": worker.pk, "meeting_type": meeting_type.pk, "start": start.isoformat(), "user": client.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return Appointment.objects.get(pk=response.json()["id"])


def hand_over(api, world, actor=None, **extra):
    body = {"from_worker": world.worker.pk, "to_worker": world.other_worker.pk, **extra}
    return api.as_(actor or world.coordinator).post(URL, body, format="json")


def test_handover_moves_future_meetings_and_their_reminders_to_the_new_worker(world, api):
    start = local(next_weekday(1), 10)
    future = book(api, world, start)
    old_reminders = set(
        Delivery.objects.filter(about="appointment", about_id=future.pk, kind=MessageKind.APPOINTMENT).values_list(
            "pk", flat=True
        )
    )
    assert old_reminders
    past = f.make_appointment(
        world.meeting_type, world.client, timezone.now() - timedelta(days=3), status=Appointment.Status.COMPLETED
    )

    response = hand_over(api, world)

    assert response.status_code == 201, response.json()
    future.refresh_from_db()
    assert future.calendar == world.other_calendar
    assert future.meeting_type == world.other_meeting_type
    assert (future.start, future.status) == (start, Appointment.Status.BOOKED)
    # The old worker's reminders are cancelled; new ones name the new worker.
    assert set(Delivery.objects.filter(pk__in=old_reminders).values_list("status", flat=True)) == {
        Delivery.Status.CANCELLED
    }
    fresh = Delivery.objects.filter(
        about="appointment", about_id=future.pk, kind=MessageKind.APPOINTMENT, status=Delivery.Status.SCHEDULED
    )
    assert fresh.count() == len(old_reminders)
    assert {d.context["worker"] for d in fresh} == {world.other_worker.first_name}
    # History: the caseload row is ended, not changed; the meeting keeps a trace of the move.
    rows = list(Caseload.objects.filter(client=world.client).order_by("started_at"))
    assert [(r.worker, r.ended_at is None) for r in rows] == [(world.worker, False), (world.other_worker, True)]
    assert current_worker_of(client=world.client) == world.other_worker
    assert AppointmentEvent.objects.filter(
        appointment=future, action=AppointmentEvent.Action.RESCHEDULED, actor=world.coordinator
    ).exists()
    # The past stays where it was.
    past.refresh_from_db()
    assert (past.calendar, past.status) == (world.calendar, Appointment.Status.COMPLETED)
    assert not past.events.exists()
    # The handover itself is on record.
    handover = Handover.objects.get()
    assert (handover.by, handover.from_worker, handover.to_worker) == (
        world.coordinator,
        world.worker,
        world.other_worker,
    )
    assert list(handover.appointments.values_list("appointment", "outcome")) == [
        (future.pk, HandoverAppointment.Outcome.MOVED)
    ]
    assert response.json()["appointments"][0]["outcome"] == "moved"


def test_a_taken_time_on_the_new_workers_calendar_is_reoffered_not_double_booked(world, api):
    start = local(next_weekday(2), 13)
    mine = book(api, world, start)
    theirs = book(
        api, world, start, client=world.other_client, worker=world.other_worker, meeting_type=world.other_meeting_type
    )

    response = hand_over(api, world)

    assert response.status_code == 201, response.json()
    mine.refresh_from_db()
    assert mine.status == Appointment.Status.CANCELLED
    assert mine.calendar == world.calendar  # never placed on the new worker's calendar
    assert (
        Appointment.objects.filter(calendar=world.other_calendar, status=Appointment.Status.BOOKED, start=start).get()
        == theirs
    )
    assert HandoverAppointment.objects.get(appointment=mine).outcome == HandoverAppointment.Outcome.REOFFERED
    # The person is told and asked to pick a new time; no reminder for the old time is left.
    assert Delivery.objects.filter(
        about="appointment", about_id=mine.pk, kind=MessageKind.APPOINTMENT_CANCELLED, recipient=world.client
    ).exists()
    assert not Delivery.objects.filter(
        about="appointment", about_id=mine.pk, kind=MessageKind.APPOINTMENT, status=Delivery.Status.SCHEDULED
    ).exists()
    assert [r.appointment_id for r in reoffers_open_for(client=world.client)] == [mine.pk]


def test_a_time_outside_the_new_workers_hours_is_reoffered(world, api):
    world.other_calendar.working_hours.filter(weekday=3).delete()
    mine = book(api, world, local(next_weekday(3), 9))

    assert hand_over(api, world).status_code == 201
    assert HandoverAppointment.objects.get(appointment=mine).outcome == HandoverAppointment.Outcome.REOFFERED


def test_booking_a_new_time_with_the_new_worker_answers_the_reoffer(world, api):
    start = local(next_weekday(2), 13)
    book(api, world, start)
    book(api, world, start, client=world.other_client, worker=world.other_worker, meeting_type=world.other_meeting_type)
    hand_over(api, world)
    assert reoffers_open_for(client=world.client).count() == 1

    book(api, world, local(next_weekday(2), 9), worker=world.other_worker, meeting_type=world.other_meeting_type)

    assert reoffers_open_for(client=world.client).count() == 0


def test_without_an_equivalent_meeting_type_the_meeting_is_reoffered_unless_one_is_chosen(world, api):
    world.other_meeting_type.mode = "phone"
    world.other_meeting_type.save()
    first = book(api, world, local(next_weekday(1), 10))

    preview = api.as_(world.coordinator).post(
        URL + "preview/", {"from_worker": world.worker.pk, "to_worker": world.other_worker.pk}, format="json"
    )
    assert preview.status_code == 200
    assert [a["outcome"] for a in preview.json()["appointments"]] == ["reoffered"]
    assert not Handover.objects.exists()  # a preview writes nothing
    first.refresh_from_db()
    assert first.status == Appointment.Status.BOOKED

    response = hand_over(api, world, meeting_type=world.other_meeting_type.pk)

    assert response.json()["appointments"][0]["outcome"] == "moved"
    first.refresh_from_db()
    assert first.meeting_type == world.other_meeting_type


def test_the_user_gets_exactly_one_introduction_naming_the_new_worker_by_first_name(world, api):
    book(api, world, local(next_weekday(1), 10))
    book(api, world, local(next_weekday(2), 10))
    world.other_worker.first_name, world.other_worker.last_name = "Ola", "Hansen"
    world.other_worker.save()

    hand_over(api, world)

    intro = Delivery.objects.filter(recipient=world.client, kind=MessageKind.HANDOVER)
    assert intro.count() == 1
    row = intro.get()
    _subject, text = render(kind=row.kind, language="en", tz=f.OSLO, at=row.occurrence_at, context=row.context)
    assert "Ola" in text
    assert "Hansen" not in text
    assert "keep their times" in text
    assert len(text) <= 160
    assert not Delivery.objects.filter(recipient=world.client, kind=MessageKind.APPOINTMENT_MOVED).exists()


def test_open_tasks_pending_alerts_and_medication_followup_go_to_the_new_worker(world, api):
    now = timezone.now()
    task = FollowUpTask.objects.create(worker=world.worker, client=world.client, kind=FollowUpTask.Kind.CALL_BACK)
    done = FollowUpTask.objects.create(
        worker=world.worker, client=world.client, kind=FollowUpTask.Kind.CALL_BACK, done_at=now
    )
    # An alert held back by the worker's quiet hours (local time) is still pending.
    here = now.astimezone(f.OSLO)
    ReminderPreferences.objects.create(
        user=world.worker, quiet_start=(here - timedelta(hours=1)).time(), quiet_end=(here + timedelta(hours=3)).time()
    )
    reminders.staff_alert(staff=world.worker, task="call_back", client=world.client, ref="t1", at=now, now=now)
    pending = Delivery.objects.get(recipient=world.worker, kind=MessageKind.STAFF_ALERT)
    assert pending.status == Delivery.Status.SCHEDULED
    ReminderPreferences.objects.create(user=world.client, followup_supporter=world.worker)

    response = hand_over(api, world)

    assert response.status_code == 201
    task.refresh_from_db()
    done.refresh_from_db()
    assert (task.worker, done.worker) == (world.other_worker, world.worker)
    pending.refresh_from_db()
    assert pending.status == Delivery.Status.CANCELLED
    assert Delivery.objects.filter(
        recipient=world.other_worker, kind=MessageKind.STAFF_ALERT, context__client_id=world.client.pk
    ).exists()
    assert ReminderPreferences.objects.get(user=world.client).followup_supporter == world.other_worker
    summary = response.json()["users"][0]
    assert (summary["tasks_moved"], summary["alerts_moved"], summary["medication_followup_moved"]) == (1, 1, True)


def test_one_person_can_be_handed_over_alone(world, api):
    second = f.make_person(User.Role.SERVICE_USER, world.unit, "second")
    f.follow(world.worker, second)

    response = hand_over(api, world, user=second.pk)

    assert response.status_code == 201
    assert current_worker_of(client=second) == world.other_worker
    assert current_worker_of(client=world.client) == world.worker
    assert Handover.objects.get().whole_caseload is False


def test_a_social_worker_cannot_hand_over(world, api):
    book(api, world, local(next_weekday(1), 10))

    response = hand_over(api, world, actor=world.worker)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert current_worker_of(client=world.client) == world.worker
    assert not Handover.objects.exists()


def test_another_units_coordinator_gets_404(world, api):
    elsewhere = f.make_unit("Elsewhere")
    outsider = f.make_person(User.Role.COORDINATOR, elsewhere, "outsider")

    response = hand_over(api, world, actor=outsider)

    assert response.status_code == 404
    assert current_worker_of(client=world.client) == world.worker
    assert api.as_(outsider).get(URL).json() == []


def test_handing_over_to_a_peer_or_across_units_is_refused_with_a_reason(world, api):
    elsewhere = f.make_unit("Elsewhere")
    stranger = f.make_person(User.Role.SOCIAL_WORKER, elsewhere, "stranger")
    for target in (world.peer, stranger, world.worker):
        response = api.as_(world.coordinator).post(
            URL, {"from_worker": world.worker.pk, "to_worker": target.pk}, format="json"
        )
        assert response.status_code == 422, target
        assert "to_worker" in response.json()["error"]["fields"]
    assert current_worker_of(client=world.client) == world.worker


def test_the_coordinator_sees_the_handover_record(world, api):
    book(api, world, local(next_weekday(1), 10))
    handover_id = hand_over(api, world).json()["id"]

    listed = api.as_(world.coordinator).get(URL).json()
    detail = api.as_(world.coordinator).get(f"{URL}{handover_id}/")

    assert [h["id"] for h in listed] == [handover_id]
    assert detail.status_code == 200
    assert detail.json()["users"][0]["id"] == world.client.pk
    assert api.as_(world.worker).get(f"{URL}{handover_id}/").status_code == 404


@pytest.mark.parametrize("discreet", [True, False])
def test_the_introduction_is_sent_once_as_an_sms_in_the_users_language(world, settings, tmp_path, discreet):
    from care.services import continuity
    from reminders.services import preferences_for
    from tests.reminders.support import dispatch, sent_sms

    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    world.other_worker.first_name, world.other_worker.last_name = "Ola", "Hansen"
    world.other_worker.save()
    prefs = preferences_for(world.client)
    prefs.discreet = discreet
    prefs.save()
    midday = local(timezone.now().astimezone(f.OSLO).date(), 12)

    continuity.handover_run(
        actor=world.coordinator, from_worker_id=world.worker.pk, to_worker_id=world.other_worker.pk, now=midday
    )
    dispatch(now=midday)
    dispatch(now=midday + timedelta(minutes=5))

    [sms] = sent_sms(tmp_path / "sms.jsonl")
    assert sms["to"] == "+4740000001"
    # The first name only with discreet texts off; no name at all with them on (the default).
    assert ("Ola" in sms["text"]) is not discreet
    assert "Hansen" not in sms["text"]
    assert "kontaktperson" in sms["text"]  # Norwegian, the user's language
    assert Delivery.objects.get(kind=MessageKind.HANDOVER).status == Delivery.Status.SENT


def test_a_meeting_reoffered_at_a_handover_tells_the_peer_invited_to_it(world, api):
    world.other_calendar.working_hours.filter(weekday=3).delete()
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    mine = book(api, world, local(next_weekday(3), 9))
    invitation = invitation_create(user=world.client, appointment_id=mine.pk, peer_id=world.peer.pk)

    assert hand_over(api, world).status_code == 201

    invitation.refresh_from_db()
    assert invitation.status == PeerInvitation.Status.WITHDRAWN
    told = Delivery.objects.filter(recipient=world.peer, kind=MessageKind.PEER_POOL, context__what="cancelled")
    assert told.exists()


def test_a_handover_leaves_a_group_meeting_to_its_own_page(world, api):
    group = make_group(world, externals=False)
    set_hours(world.peer_calendar, [(d, time(8), time(15, 30)) for d in range(5)])
    meeting = group_meeting_book(
        actor=world.worker, group_id=group.pk, start=local(next_weekday(2, min_days_ahead=3), 10), duration_minutes=60
    )
    parts = {a.pk: (a.calendar_id, a.status) for a in Appointment.objects.filter(group_link__meeting=meeting)}

    response = hand_over(api, world)

    assert response.status_code == 201, response.json()
    # Not one calendar's part cancelled or moved on its own: the group meeting stays whole.
    assert {a.pk: (a.calendar_id, a.status) for a in Appointment.objects.filter(group_link__meeting=meeting)} == parts
    assert not HandoverAppointment.objects.filter(appointment_id__in=parts).exists()
