"""Invitations to the people of a responsibility group who have no account (a NAV adviser, a
GP): an e-mail with the meeting as an iCalendar request (RFC 5546), or its cancellation, and
the answer they give through the link in it.

The e-mails are rows of the shared outbox (``messaging``), written in the meeting's own
transaction and sent, retried and recorded like every other message; ``care.sending`` prepares
them at sending time, so an invitation shows the meeting as it is then.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from care.models import GroupMeeting, MeetingInvitee
from care.selectors.groups import invitee_by_token
from config.errors import ApplicationError, NotFound
from messaging.models import Channel, Delivery
from messaging.outbox import deliveries_cancel, deliveries_create

# The outbox kind of an invitation e-mail (care.sending prepares it).
INVITATION_KIND = "group_invitation"


class Method(models.TextChoices):
    """The iTIP method of an invitation: a request (new or changed meeting) or a cancellation."""

    REQUEST = "REQUEST", "REQUEST"
    CANCEL = "CANCEL", "CANCEL"


def invitations_queue(
    meeting: GroupMeeting, invitees: list[MeetingInvitee], method: str, now: datetime | None = None
) -> int:
    """Write an invitation e-mail (``method``) to the outbox for every invitee with an e-mail
    address. Call in the transaction that changed the meeting. An earlier invitation to the
    same person not sent yet is replaced (it showed the meeting as it was); nothing is
    written for a meeting that is over."""
    now = now or timezone.now()
    invitees = [invitee for invitee in invitees if invitee.external.email]
    if not invitees or meeting.end <= now:
        return 0
    rows = [
        Delivery(
            kind=INVITATION_KIND,
            channel=Channel.EMAIL,
            about="invitee",
            about_id=invitee.pk,
            occurrence_at=meeting.start,
            due_at=now,
            expires_at=meeting.end,
            dedupe_key=f"invitation:{invitee.pk}:{method}:{meeting.sequence}",
            context={"method": str(method), "sequence": meeting.sequence},
        )
        for invitee in invitees
    ]
    superseded = Delivery.objects.filter(
        kind=INVITATION_KIND, about="invitee", about_id__in=[invitee.pk for invitee in invitees]
    ).exclude(dedupe_key__in=[row.dedupe_key for row in rows])
    deliveries_cancel(superseded, "replaced by a newer invitation")
    return deliveries_create(rows, now=now)


def invitation_message_id(meeting: GroupMeeting, invitee: MeetingInvitee, method: str, sequence: int) -> str:
    """The e-mail's Message-ID, fixed by what it says: a copy re-sent after a crash has the same one."""
    return f"<group-{meeting.uid}-{invitee.pk}-{method.lower()}-{sequence}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def invitation_respond(*, token: str, response: str, now: datetime | None = None) -> MeetingInvitee:
    """Record an external participant's answer, given the secret from their link."""
    if response not in (MeetingInvitee.Response.ACCEPTED, MeetingInvitee.Response.DECLINED):
        raise ApplicationError(_("Answer yes or no."), fields={"response": [_("Answer yes or no.")]})
    invitee = invitee_by_token(token=token)
    if invitee is None:
        raise NotFound(_("This invitation link is not valid."))
    if invitee.meeting.status != GroupMeeting.Status.BOOKED:
        raise ApplicationError(_("This meeting has been cancelled."), code="meeting_cancelled")
    invitee.response = response
    invitee.responded_at = now or timezone.now()
    invitee.save(update_fields=["response", "responded_at"])
    return invitee


_PARTSTAT = {
    MeetingInvitee.Response.NEEDS_ACTION: "NEEDS-ACTION",
    MeetingInvitee.Response.ACCEPTED: "ACCEPTED",
    MeetingInvitee.Response.DECLINED: "DECLINED",
}


def _address(email: str, name: str, **params: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["cn"] = icalendar.vText(name)
    for key, value in params.items():
        address.params[key] = icalendar.vText(value)
    return address


def invitation_answer_url(invitee: MeetingInvitee) -> str:
    return settings.SITE_URL + reverse("web:group_invitation", args=[invitee.token])


def _summary(meeting: GroupMeeting) -> str:
    # Initials only: an invitation is read in other organisations' mail systems.
    return _("Responsibility group meeting – %(initials)s") % {"initials": meeting.group.client.initials}


def invitation_ics(*, invitee: MeetingInvitee, method: str, sequence: int, now: datetime) -> bytes:
    """The iCalendar object (RFC 5546) sent to one external participant."""
    meeting = invitee.meeting
    tz = ZoneInfo(meeting.group.client.timezone)
    organiser = meeting.organiser
    organiser_email = organiser.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Triangel//Group meetings//NB")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", f"{meeting.uid}@triangel")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("dtstart", meeting.start.astimezone(tz))
    event.add("dtend", meeting.end.astimezone(tz))
    event.add("summary", _summary(meeting))
    event.add("status", "CANCELLED" if method == Method.CANCEL else "CONFIRMED")
    if meeting.place:
        event.add("location", meeting.place)
    event.add("organizer", _address(organiser_email, str(organiser)))
    for link in meeting.links.select_related("appointment__calendar__owner"):
        owner = link.appointment.calendar.owner
        if owner.email:
            event.add(
                "attendee",
                _address(owner.email, str(owner), role="REQ-PARTICIPANT", partstat="ACCEPTED", cutype="INDIVIDUAL"),
            )
    for other in meeting.invitees.select_related("external"):
        if not other.external.email:
            continue
        params = {"role": "REQ-PARTICIPANT", "partstat": _PARTSTAT[other.response], "cutype": "INDIVIDUAL"}
        if other.pk == invitee.pk and method == Method.REQUEST:
            params["rsvp"] = "TRUE"
        event.add("attendee", _address(other.external.email, other.external.name, **params))
    event.add("description", _("Answer here: %(url)s") % {"url": invitation_answer_url(invitee)})
    event.add("url", invitation_answer_url(invitee))
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


@dataclass(frozen=True)
class _Mail:
    subject: str
    body: str


def mail_text(invitee: MeetingInvitee, method: str) -> _Mail:
    meeting = invitee.meeting
    when = formats.date_format(timezone.localtime(meeting.start), "l j. F Y H:i")
    values = {"when": when, "place": meeting.place or "–", "url": invitation_answer_url(invitee)}
    if method == Method.CANCEL:
        return _Mail(
            subject=_("Cancelled: responsibility group meeting %(when)s") % values,
            body=_("The responsibility group meeting on %(when)s is cancelled.") % values,
        )
    return _Mail(
        subject=_("Invitation: responsibility group meeting %(when)s") % values,
        body=_(
            "You are invited to a responsibility group meeting.\n\nWhen: %(when)s\nWhere: %(place)s\n\n"
            "Please tell us whether you can come: %(url)s\n\nThe invitation is attached for your calendar."
        )
        % values,
    )
