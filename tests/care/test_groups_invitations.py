"""Invitations to external participants: an e-mail with an .ics (METHOD:REQUEST, attendees,
stable UID), sent once even when the task runs twice; a cancellation bumps SEQUENCE; the
answer link works without an account and the organiser sees the answer."""

from datetime import date, time, timedelta

import icalendar
import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone
from kombu.exceptions import OperationalError

from care.models import InvitationMail, MeetingInvitee
from care.services import groups as services
from care.tasks.groups import send_invitation_mail
from tests import factories as f
from tests.care.groups_support import make_group, set_hours


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


def test_the_external_with_an_email_gets_one_invitation_with_a_calendar_request(
    world, group, tuesday: date, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.group_meeting_book(
            actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
        )

    # The GP has only a phone number: no mail, but still invited to the meeting.
    assert meeting.invitees.count() == 2
    (message,) = mail.outbox
    assert message.to == ["nina@nav.example"]
    assert message.extra_headers["Message-ID"] == InvitationMail.objects.get().message_id
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


def test_the_invitation_is_sent_once_when_the_task_runs_twice(
    world, group, tuesday: date, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        services.group_meeting_book(
            actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
        )
    row = InvitationMail.objects.get()

    assert send_invitation_mail.apply(args=[row.pk]).get() is True
    assert send_invitation_mail.apply(args=[row.pk]).get() is False

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.sent_at is not None
    assert row.attempts == 1


def test_a_failed_send_releases_the_claim_for_a_retry(world, group, tuesday: date, monkeypatch) -> None:
    services.group_meeting_book(actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60)
    row = InvitationMail.objects.get()

    def refuse(self, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(ConnectionRefusedError):
        services.invitation_mail_send(mail_id=row.pk)
    monkeypatch.undo()

    assert services.invitation_mail_send(mail_id=row.pk) is True
    assert len(mail.outbox) == 1


def test_cancelling_sends_a_cancel_with_the_same_uid_and_a_higher_sequence(
    world, group, tuesday: date, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.group_meeting_book(
            actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.group_meeting_cancel(actor=world.worker, meeting_id=meeting.pk)

    request, cancel = (ics_of(m) for m in mail.outbox)
    (first,), (second,) = request.walk("VEVENT"), cancel.walk("VEVENT")
    assert cancel["method"] == "CANCEL"
    assert first["uid"] == second["uid"]
    assert second["sequence"] == first["sequence"] + 1
    assert second["status"] == "CANCELLED"


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
    world, group, tuesday: date, django_capture_on_commit_callbacks, api
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.group_meeting_book(
            actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
        )
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.as_(world.worker).patch(
            f"/api/group-meetings/{meeting.pk}/", {"place": "NAV, room 3"}, format="json"
        )

    assert answer.status_code == 200
    (first,) = ics_of(mail.outbox[0]).walk("VEVENT")
    (update,) = ics_of(mail.outbox[1]).walk("VEVENT")
    assert ics_of(mail.outbox[1])["method"] == "REQUEST"
    assert update["uid"] == first["uid"]
    assert update["sequence"] == 1
    assert str(update["location"]) == "NAV, room 3"
    assert mail.outbox[0].extra_headers["Message-ID"] != mail.outbox[1].extra_headers["Message-ID"]


def test_someone_added_later_is_invited_to_upcoming_meetings(
    world, group, tuesday: date, django_capture_on_commit_callbacks
) -> None:
    meeting = services.group_meeting_book(
        actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.external_add(actor=world.worker, group_id=group.pk, name="Siv Hus", email="siv@bolig.example")

    assert meeting.invitees.filter(external__name="Siv Hus").exists()
    (message,) = mail.outbox
    assert message.to == ["siv@bolig.example"]


def test_an_invitation_link_with_odd_characters_is_a_404_not_a_server_error(db, client) -> None:
    for token in ("ab%00c", "a" * 65, "%C3%A6%C3%B8"):
        assert client.get(f"/invitation/{token}/").status_code == 404
        assert client.post(f"/invitation/{token}/", {"response": "accepted"}).status_code == 404


# --- The sweep: invitation e-mails still owed -----------------------------------------------------


def _booked_without_publishing(world, group, tuesday: date):
    """A meeting whose invitation task was never published (the broker was down)."""
    with TestCase.captureOnCommitCallbacks(execute=False):
        return services.group_meeting_book(
            actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
        )


def test_the_sweep_sends_an_invitation_whose_task_was_never_published_and_only_once(
    world, group, tuesday: date
) -> None:
    _booked_without_publishing(world, group, tuesday)
    later = timezone.now() + timedelta(minutes=2)
    assert services.invitation_mails_sweep(now=later) == 1
    assert services.invitation_mails_sweep(now=later) == 0
    (message,) = mail.outbox
    assert message.to == ["nina@nav.example"]
    assert InvitationMail.objects.get().sent_at is not None


def test_the_sweep_leaves_a_fresh_row_to_its_task(world, group, tuesday: date) -> None:
    _booked_without_publishing(world, group, tuesday)
    assert services.invitation_mails_sweep(now=timezone.now()) == 0
    assert not mail.outbox


def test_the_sweep_gives_up_after_the_last_attempt_and_keeps_trying_until_then(
    world, group, tuesday: date, monkeypatch
) -> None:
    _booked_without_publishing(world, group, tuesday)

    def refuse(self, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    later = timezone.now() + timedelta(minutes=2)
    for _ in range(services.MAIL_MAX_ATTEMPTS + 2):
        assert services.invitation_mails_sweep(now=later) == 0
    row = InvitationMail.objects.get()
    assert row.attempts == services.MAIL_MAX_ATTEMPTS
    assert row.last_error == "ConnectionRefusedError"
    monkeypatch.undo()
    assert services.invitation_mails_sweep(now=later) == 0
    assert not mail.outbox


def test_nothing_is_mailed_about_a_meeting_that_is_over(world, group, tuesday: date) -> None:
    _booked_without_publishing(world, group, tuesday)
    after_the_meeting = f.local(tuesday, 12)
    assert services.invitation_mails_sweep(now=after_the_meeting) == 0
    row = InvitationMail.objects.get()
    assert services.invitation_mail_send(mail_id=row.pk, now=after_the_meeting) is False
    assert not mail.outbox


def test_a_broker_that_is_down_does_not_undo_or_fail_the_booking(world, group, tuesday: date, monkeypatch) -> None:
    def broker_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_invitation_mail, "delay", broker_down)
    with TestCase.captureOnCommitCallbacks(execute=True):
        meeting = services.group_meeting_book(
            actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
        )
    assert meeting.pk is not None
    assert not mail.outbox
    monkeypatch.undo()
    assert services.invitation_mails_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    assert len(mail.outbox) == 1
