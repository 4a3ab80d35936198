"""Invitations to external participants: an e-mail with an .ics (METHOD:REQUEST, attendees,
stable UID), written to the shared outbox with the meeting and sent once even when its send
runs twice; a cancellation bumps SEQUENCE; the answer link works without an account and the
organiser sees the answer."""

import time as time_
from datetime import date, time, timedelta

import icalendar
import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from care.models import MeetingInvitee
from care.services import groups as services
from care.services.groups.invitations import INVITATION_KIND
from messaging import dispatch as dispatcher
from messaging import kick, sending
from messaging.models import Delivery
from tests import factories as f
from tests.care.groups_support import make_group, set_hours
from tests.reminders.support import dispatch


@pytest.fixture
def tuesday() -> date:
    return f.next_weekday(1, min_days_ahead=3)


@pytest.fixture
def group(world):
    set_hours(world.peer_calendar, [(d, time(8), time(15, 30)) for d in range(5)])
    for person in (world.worker, world.other_worker, world.peer):
        person.email = f"{person.username}@unit.example"
        person.save(update_fields=["email"])
    return make_group(world)


def ics_of(message) -> icalendar.Calendar:
    ((name, content, mimetype),) = message.attachments
    assert name.endswith(".ics")
    assert mimetype.startswith("text/calendar")
    return icalendar.Calendar.from_ical(content)


def mails() -> list:
    """The invitation e-mails sent (staff notices that fell back to e-mail are not among them)."""
    return [m for m in mail.outbox if m.attachments]


def invitations() -> list[Delivery]:
    return list(Delivery.objects.filter(kind=INVITATION_KIND).order_by("pk"))


def book(world, group, start):
    return services.group_meeting_book(actor=world.worker, group_id=group.pk, start=start, duration_minutes=60)


def test_the_external_with_an_email_gets_one_invitation_with_a_calendar_request(world, group, tuesday: date) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    dispatch()

    # The GP has only a phone number: no mail, but still invited to the meeting.
    assert meeting.invitees.count() == 2
    (message,) = mails()
    assert message.to == ["nina@nav.example"]
    (row,) = invitations()
    assert row.recipient is None
    assert row.status == Delivery.Status.SENT
    assert message.extra_headers["Message-ID"] == row.provider_message_id
    cal = ics_of(message)
    assert cal["method"] == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert str(event["uid"]) == f"{meeting.uid}@triangel"
    assert event["sequence"] == 0
    assert event.decoded("dtstart") == f.local(tuesday, 10)
    assert str(event["organizer"]) == "mailto:worker@unit.example"
    attendees = {str(a): a.params for a in event["attendee"]}
    assert set(attendees) == {
        "mailto:worker@unit.example",
        "mailto:otherworker@unit.example",
        "mailto:peer@unit.example",
        "mailto:nina@nav.example",
    }
    assert attendees["mailto:nina@nav.example"]["PARTSTAT"] == "NEEDS-ACTION"
    assert attendees["mailto:worker@unit.example"]["PARTSTAT"] == "ACCEPTED"
    # The link to answer is in the mail; the service user's name is not.
    invitee = meeting.invitees.get(external__email="nina@nav.example")
    assert f"/invitation/{invitee.token}/" in message.body
    assert world.client.last_name not in message.body + message.subject + str(event["summary"])


def test_the_invitation_is_sent_once_when_its_send_runs_twice(world, group, tuesday: date) -> None:
    book(world, group, f.local(tuesday, 10))
    token, ids = dispatcher.deliveries_claim(limit=50)

    first = sending.deliveries_send(ids=ids, claim_token=token)
    second = sending.deliveries_send(ids=ids, claim_token=token)  # the task redelivered

    assert len(mails()) == 1
    assert second["sent"] == 0
    (row,) = invitations()
    assert (row.status, row.attempts) == (Delivery.Status.SENT, 1)
    assert first["sent"] >= 1


def test_a_mail_server_that_is_down_has_the_invitation_tried_again_later(
    world, group, tuesday: date, monkeypatch
) -> None:
    book(world, group, f.local(tuesday, 10))

    def refuse(self, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    dispatch()
    (row,) = invitations()
    assert (row.status, row.attempts, row.last_error) == (
        Delivery.Status.SCHEDULED,
        1,
        "mail server: ConnectionRefusedError",
    )
    assert row.due_at > timezone.now()  # after a pause
    monkeypatch.undo()

    dispatch(now=row.due_at)
    assert len(mails()) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Delivery.Status.SENT, 2)


def test_cancelling_sends_a_cancel_with_the_same_uid_and_a_higher_sequence(world, group, tuesday: date) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    dispatch()
    services.group_meeting_cancel(actor=world.worker, meeting_id=meeting.pk)
    dispatch()

    request, cancel = (ics_of(m) for m in mails())
    (first,), (second,) = request.walk("VEVENT"), cancel.walk("VEVENT")
    assert cancel["method"] == "CANCEL"
    assert first["uid"] == second["uid"]
    assert second["sequence"] == first["sequence"] + 1
    assert second["status"] == "CANCELLED"


def test_a_meeting_cancelled_before_its_invitation_went_out_sends_only_the_cancellation(
    world, group, tuesday: date
) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    services.group_meeting_cancel(actor=world.worker, meeting_id=meeting.pk)
    dispatch()

    (message,) = mails()
    assert ics_of(message)["method"] == "CANCEL"
    assert [r.status for r in invitations()] == [Delivery.Status.CANCELLED, Delivery.Status.SENT]


def test_an_external_answers_by_token_and_the_organiser_sees_it(world, group, tuesday: date, client, api) -> None:
    meeting = services.group_meeting_book(
        actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
    )
    invitee = meeting.invitees.get(external__name="Nina NAV")
    url = f"/invitation/{invitee.token}/"

    page = client.get(url)
    assert page.status_code == 200
    assert world.client.last_name not in page.content.decode()
    assert client.post(url, {"response": "declined"}).status_code == 302
    invitee.refresh_from_db()
    assert invitee.response == MeetingInvitee.Response.DECLINED
    client.post(url, {"response": "accepted"})
    invitee.refresh_from_db()
    assert invitee.response == MeetingInvitee.Response.ACCEPTED
    assert invitee.responded_at is not None

    body = api.as_(world.worker).get(f"/api/group-meetings/{meeting.pk}/").json()
    assert {"id": invitee.external_id, "name": "Nina NAV", "response": "accepted"} in body["externals"]
    assert client.get("/invitation/not-a-real-token/").status_code == 404
    assert client.post("/invitation/not-a-real-token/", {"response": "accepted"}).status_code == 404


def test_changing_the_place_sends_an_update_with_the_same_uid_and_a_higher_sequence(
    world, group, tuesday: date, api
) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    dispatch()
    answer = api.as_(world.worker).patch(f"/api/group-meetings/{meeting.pk}/", {"place": "NAV, room 3"}, format="json")
    dispatch()

    assert answer.status_code == 200
    (first,) = ics_of(mails()[0]).walk("VEVENT")
    (update,) = ics_of(mails()[1]).walk("VEVENT")
    assert ics_of(mails()[1])["method"] == "REQUEST"
    assert update["uid"] == first["uid"]
    assert update["sequence"] == 1
    assert str(update["location"]) == "NAV, room 3"
    assert mails()[0].extra_headers["Message-ID"] != mails()[1].extra_headers["Message-ID"]


def test_an_unsent_invitation_is_replaced_by_the_newer_one(world, group, tuesday: date, api) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    api.as_(world.worker).patch(f"/api/group-meetings/{meeting.pk}/", {"place": "NAV, room 3"}, format="json")
    dispatch()

    (message,) = mails()  # only the invitation as the meeting is now
    (event,) = ics_of(message).walk("VEVENT")
    assert (event["sequence"], str(event["location"])) == (1, "NAV, room 3")


def test_someone_added_later_is_invited_to_upcoming_meetings(world, group, tuesday: date) -> None:
    meeting = book(world, group, f.local(tuesday, 10))
    dispatch()
    mail.outbox.clear()

    services.external_add(actor=world.worker, group_id=group.pk, name="Siv Hus", email="siv@bolig.example")
    dispatch()

    assert meeting.invitees.filter(external__name="Siv Hus").exists()
    (message,) = mails()
    assert message.to == ["siv@bolig.example"]


def test_an_invitation_link_with_odd_characters_is_a_404_not_a_server_error(db, client) -> None:
    for token in ("ab%00c", "a" * 65, "%C3%A6%C3%B8"):
        assert client.get(f"/invitation/{token}/").status_code == 404
        assert client.post(f"/invitation/{token}/", {"response": "accepted"}).status_code == 404


# --- Sent by the outbox's dispatcher, whatever happened after the commit -------------------------


def test_the_dispatcher_sends_an_invitation_nobody_asked_it_to_and_only_once(world, group, tuesday: date) -> None:
    # No dispatch was asked for after the commit (as when the broker is down): the periodic
    # dispatcher finds the row.
    book(world, group, f.local(tuesday, 10))
    dispatch()
    dispatch()
    (message,) = mails()
    assert message.to == ["nina@nav.example"]


def test_an_invitation_is_given_up_after_its_last_attempt(world, group, monkeypatch) -> None:
    far = f.next_weekday(1, min_days_ahead=70)
    book(world, group, f.local(far, 10))

    def refuse(self, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    (row,) = invitations()
    while row.status == Delivery.Status.SCHEDULED:
        dispatch(now=max(row.due_at, timezone.now()))
        row.refresh_from_db()
    assert (row.status, row.attempts) == (Delivery.Status.FAILED, 10)
    assert row.last_error == "mail server: ConnectionRefusedError"
    monkeypatch.undo()
    dispatch(now=row.due_at + timedelta(days=1))
    assert not mails()


def test_nothing_is_mailed_about_a_meeting_that_is_over(world, group, tuesday: date) -> None:
    book(world, group, f.local(tuesday, 10))
    dispatch(now=f.local(tuesday, 12))
    assert not mails()
    assert [r.status for r in invitations()] == [Delivery.Status.MISSED]


def test_a_broker_that_is_down_does_not_undo_or_fail_the_booking(world, group, tuesday: date, settings, monkeypatch):
    settings.REMINDERS_DISPATCH_ON_COMMIT = True
    asked = []

    def broker_down() -> None:
        asked.append(True)
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(kick, "_publish_dispatch", broker_down)
    monkeypatch.setattr(kick, "_dispatch_soon", None)
    with TestCase.captureOnCommitCallbacks(execute=True):
        meeting = book(world, group, f.local(tuesday, 10))
    deadline = time_.monotonic() + 5
    while not asked and time_.monotonic() < deadline:  # the request is made from a timer thread
        time_.sleep(0.01)
    assert asked
    assert meeting.pk is not None
    assert not mails()
    dispatch()
    assert len(mails()) == 1
