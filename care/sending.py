"""How invitation e-mails are sent: the outbox handler of their kind (``messaging.kinds``).

The e-mail is made when it is sent, from the meeting as it is then: the time, the place and
who has answered. A request for a meeting cancelled before it went out is dropped (the
cancellation says all there is), and nothing is sent about a meeting that is over.
"""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation

from care.models import GroupMeeting, MeetingInvitee
from care.services.groups.invitations import Method, invitation_ics, invitation_message_id, mail_text
from messaging.channels import Attachment, Message, PermanentError
from messaging.kinds import Ready, Skip
from messaging.models import Delivery


class GroupInvitations:
    # Tries per e-mail before it is left unsent: a mail server may be down for a while, and
    # the invitation is still useful until the meeting (its row expires then).
    max_attempts = 10

    def prefetch(self, rows: Sequence[Delivery]) -> None:
        invitees = MeetingInvitee.objects.select_related(
            "external", "meeting__group__client", "meeting__organiser"
        ).in_bulk([row.about_id for row in rows])
        for row in rows:
            row.invitee = invitees.get(row.about_id)

    def prepare(self, row: Delivery, now: datetime) -> Ready | Skip:
        if not hasattr(row, "invitee"):
            self.prefetch([row])
        invitee: MeetingInvitee | None = row.invitee
        if invitee is None:
            return Skip(Delivery.Status.CANCELLED, "the invitation is gone")
        meeting = invitee.meeting
        method, sequence = row.context.get("method", Method.REQUEST), row.context.get("sequence", meeting.sequence)
        if method == Method.REQUEST and meeting.status != GroupMeeting.Status.BOOKED:
            return Skip(Delivery.Status.CANCELLED, "meeting cancelled before sending")
        if meeting.end <= now:
            return Skip(Delivery.Status.MISSED, "meeting over before sending")
        if not invitee.external.email:
            return Skip(Delivery.Status.FAILED, "no e-mail address")
        with translation.override(settings.LANGUAGE_CODE), timezone.override(ZoneInfo(meeting.group.client.timezone)):
            text = mail_text(invitee, method)
            ics = invitation_ics(invitee=invitee, method=method, sequence=sequence, now=now)
        return Ready(
            Message(
                to=invitee.external.email,
                text=text.body,
                subject=text.subject,
                idempotency_key=str(row.idempotency_key),
                attachments=(Attachment("invite.ics", ics, f"text/calendar; charset=utf-8; method={method}"),),
                headers={"Reply-To": meeting.organiser.email} if meeting.organiser.email else {},
                message_id=invitation_message_id(meeting, invitee, method, sequence),
            )
        )

    def failed(self, row: Delivery, reason: str, error: PermanentError | None, now: datetime) -> None:
        """Nothing more to do: the organiser sees that the person has not answered."""
