"""Moving a group meeting: every calendar's part moves together or none does, and everyone
who takes part hears of the new time once."""

from datetime import date, datetime, time, timedelta

import icalendar
import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from booking.models import Appointment, AppointmentEvent
from care.models import FreedTime, GroupMeeting, MeetingInvitee
from care.services import groups as services
from care.services.groups.invitations import INVITATION_KIND
from config.errors import ApplicationError, Conflict, NotFound
from messaging.models import Delivery
from people.models import User
from reminders.models import MessageKind
from tests import factories as f
from tests.care.groups_support import make_group, set_hours
from tests.reminders.support import dispatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def tuesday() -> date:
    return f.next_weekday(1, min_days_ahead=3)


@pytest.fixture
def group(world):
    set_hours(world.peer_calendar, [(d, time(8), time(15, 30)) for d in range(5)])
    return make_group(world)


@pytest.fixture
def meeting(world, group, tuesday: date, django_capture_on_commit_callbacks) -> GroupMeeting:
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.group_meeting_book(
            actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
        )
    dispatch()  # the invitations of the booking go out
    return meeting


def parts(meeting: GroupMeeting) -> list[Appointment]:
    return list(Appointment.objects.filter(group_link__meeting=meeting).order_by("calendar_id"))


def move(world, meeting: GroupMeeting, start, actor: User | None = None) -> GroupMeeting:
    return services.group_meeting_move(actor=actor or world.worker, meeting_id=meeting.pk, start=start)


def test_every_calendars_part_moves_with_its_length_history_and_a_new_sequence(world, meeting, tuesday) -> None:
    before = {a.pk: a.sequence for a in parts(meeting)}

    moved = move(world, meeting, f.local(tuesday, 13))

    assert (moved.start, moved.end) == (f.local(tuesday, 13), f.local(tuesday, 14))
    assert moved.sequence == 1
    for appointment in parts(meeting):
        assert (appointment.start, appointment.end) == (f.local(tuesday, 13), f.local(tuesday, 14))
        assert appointment.status == "booked"
        assert appointment.sequence == before[appointment.pk] + 1
        event = appointment.events.latest("at")
        assert event.action == AppointmentEvent.Action.RESCHEDULED
        assert event.previous_start == f.local(tuesday, 10)
    assert len(before) == 3


def test_it_may_move_by_half_an_hour_over_its_own_old_time(world, meeting, tuesday) -> None:
    proposals = services.move_proposals(meeting=meeting, first_day=tuesday, last_day=tuesday)
    assert f.local(tuesday, 10, 30) in [p.start for p in proposals]
    assert f.local(tuesday, 10) not in [p.start for p in proposals]
    assert move(world, meeting, f.local(tuesday, 10, 30)).start == f.local(tuesday, 10, 30)


def test_the_service_users_reminders_follow_and_they_and_the_others_are_told(world, meeting, tuesday) -> None:
    move(world, meeting, f.local(tuesday, 13))

    reminders = Delivery.objects.filter(recipient=world.client, kind=MessageKind.APPOINTMENT)
    assert set(reminders.exclude(status="cancelled").values_list("occurrence_at", flat=True)) == {f.local(tuesday, 13)}
    assert Delivery.objects.filter(recipient=world.client, kind=MessageKind.APPOINTMENT_MOVED).count() == 1
    moved_notices = Delivery.objects.filter(kind=MessageKind.GROUP_MEETING, context__event="moved")
    assert sorted(moved_notices.values_list("recipient__username", flat=True)) == ["otherworker", "peer"]


def test_externals_get_the_new_time_with_the_same_uid_and_are_asked_again(
    world, meeting, tuesday, django_capture_on_commit_callbacks
) -> None:
    MeetingInvitee.objects.filter(meeting=meeting).update(response=MeetingInvitee.Response.ACCEPTED)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        move(world, meeting, f.local(tuesday, 13))
    dispatch()

    (message,) = [m for m in mail.outbox if m.attachments]
    assert message.to == ["nina@nav.example"]
    ((_name, content, _mimetype),) = message.attachments
    calendar = icalendar.Calendar.from_ical(content)
    assert calendar["method"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"{meeting.uid}@triangel"
    assert event["sequence"] == 1
    assert event.decoded("dtstart") == f.local(tuesday, 13)
    assert set(MeetingInvitee.objects.filter(meeting=meeting).values_list("response", flat=True)) == {"needs_action"}
    requests = Delivery.objects.filter(kind=INVITATION_KIND, context__method="REQUEST", status="sent")
    assert requests.count() == 2


def test_when_one_calendar_is_taken_nothing_moves_and_free_times_are_offered(world, meeting, tuesday) -> None:
    f.make_appointment(world.peer_meeting_type, world.other_client, f.local(tuesday, 13))

    with pytest.raises(Conflict) as raised:
        move(world, meeting, f.local(tuesday, 13))

    assert raised.value.code == "group_slot_taken"
    starts = [p["start"] for p in raised.value.extra["proposals"]]
    assert starts
    assert f.local(tuesday, 13).isoformat() not in starts
    meeting.refresh_from_db()
    assert (meeting.start, meeting.sequence) == (f.local(tuesday, 10), 0)
    assert {a.start for a in parts(meeting)} == {f.local(tuesday, 10)}


def test_a_time_never_offered_is_refused_as_such(world, meeting, tuesday) -> None:
    saturday = tuesday + timedelta(days=4)
    with pytest.raises(ApplicationError) as raised:
        move(world, meeting, f.local(saturday, 23))
    assert raised.value.code == "time_not_offered"
    assert {a.start for a in parts(meeting)} == {f.local(tuesday, 10)}


def test_a_cancelled_meeting_cannot_be_moved_and_others_cannot_move_it(world, meeting, tuesday) -> None:
    with pytest.raises(NotFound):
        move(world, meeting, f.local(tuesday, 13), actor=world.other_worker)
    with pytest.raises(NotFound):
        move(world, meeting, f.local(tuesday, 13), actor=world.client)
    services.group_meeting_cancel(actor=world.worker, meeting_id=meeting.pk)
    with pytest.raises(ApplicationError) as raised:
        move(world, meeting, f.local(tuesday, 13))
    assert raised.value.code == "not_changeable"


def test_the_old_time_goes_to_the_waiting_list(world, meeting, tuesday, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        move(world, meeting, f.local(tuesday, 13))
    freed = FreedTime.objects.filter(calendar=world.calendar).get()
    assert freed.start <= f.local(tuesday, 10) < freed.end


# --- API and web ------------------------------------------------------------------------------------


def test_the_api_moves_and_proposes_times_for_the_meetings_own_length(world, api, meeting, tuesday) -> None:
    proposals = api.as_(world.worker).get(
        f"/api/group-meetings/{meeting.pk}/move/proposals/", {"start": str(tuesday), "end": str(tuesday)}
    )
    assert proposals.status_code == 200
    starts = [p["start"] for p in proposals.json()]
    assert f.local(tuesday, 13).isoformat() in starts
    lengths = {datetime.fromisoformat(p["end"]) - datetime.fromisoformat(p["start"]) for p in proposals.json()}
    assert lengths == {timedelta(hours=1)}

    response = api.as_(world.worker).post(
        f"/api/group-meetings/{meeting.pk}/move/", {"start": f.local(tuesday, 13).isoformat()}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["start"] == f.local(tuesday, 13).isoformat()

    other = api.as_(world.other_worker)
    assert other.post(f"/api/group-meetings/{meeting.pk}/move/", {"start": "x"}, format="json").status_code == 400
    assert (
        other.post(
            f"/api/group-meetings/{meeting.pk}/move/", {"start": f.local(tuesday, 14).isoformat()}, format="json"
        ).status_code
        == 404
    )
    assert (
        other.get(
            f"/api/group-meetings/{meeting.pk}/move/proposals/", {"start": str(tuesday), "end": str(tuesday)}
        ).status_code
        == 404
    )


def _web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_worker_moves_the_meeting_from_its_page(world, meeting, tuesday) -> None:
    web = _web(world.worker)
    page = web.get(f"/groups/meetings/{meeting.pk}/move/?start={tuesday}").content.decode()
    assert "Move to 13:00" in page
    assert "Find another time" in web.get(f"/groups/meetings/{meeting.pk}/").content.decode()

    response = web.post(f"/groups/meetings/{meeting.pk}/move/", {"start": f.local(tuesday, 13).isoformat()})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.start == f.local(tuesday, 13)

    assert _web(world.other_worker).get(f"/groups/meetings/{meeting.pk}/move/").status_code == 404


def test_a_time_taken_meanwhile_is_shown_on_the_page_with_other_times(world, meeting, tuesday) -> None:
    f.make_appointment(world.peer_meeting_type, world.other_client, f.local(tuesday, 13))
    response = _web(world.worker).post(
        f"/groups/meetings/{meeting.pk}/move/", {"start": f.local(tuesday, 13).isoformat()}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "no longer free" in body
    assert "Move to" in body


def test_a_meeting_nobody_with_a_calendar_still_attends_is_not_moved(world, meeting, tuesday) -> None:
    Appointment.objects.filter(group_link__meeting=meeting).update(status="cancelled")
    with pytest.raises(ApplicationError) as raised:
        move(world, meeting, f.local(tuesday, 13))
    assert raised.value.code == "no_participants"
    meeting.refresh_from_db()
    assert meeting.start == f.local(tuesday, 10)


def test_proposals_after_a_conflict_never_include_where_the_meeting_already_is(world, meeting, tuesday) -> None:
    f.make_appointment(world.peer_meeting_type, world.other_client, f.local(tuesday, 13))
    with pytest.raises(Conflict) as raised:
        move(world, meeting, f.local(tuesday, 13))
    assert f.local(tuesday, 10).isoformat() not in [p["start"] for p in raised.value.extra["proposals"]]


@pytest.mark.parametrize("far", ["0001-01-02T10:00:00+00:00", "9999-12-30T10:00:00+00:00"])
def test_a_time_beyond_any_calendar_is_a_clear_400_not_a_server_error(world, api, meeting, far) -> None:
    response = api.as_(world.worker).post(f"/api/group-meetings/{meeting.pk}/move/", {"start": far}, format="json")
    assert response.status_code == 400
    # Outside 1900–2200, as every date the API takes.
    assert response.json()["error"]["fields"]["start"]
    meeting.refresh_from_db()
    assert meeting.sequence == 0
    day = far[:10]
    proposals = api.as_(world.worker).get(
        f"/api/group-meetings/{meeting.pk}/move/proposals/", {"start": day, "end": day}
    )
    assert proposals.status_code == 400
    assert _web(world.worker).get(f"/groups/meetings/{meeting.pk}/move/", {"start": day}).status_code == 200
