"""Feedback after meetings and the ideas box.

Anonymous feedback is stored without the author and without the meeting: only the
calendar, the month, the face and the comment. A second rating of the same meeting is
refused through ``marker``, a keyed hash of the appointment id (HMAC with the server's
secret key), which cannot be turned back into the appointment by anyone reading the
database or the API.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from booking.models import Appointment
from care.models import Feedback, Idea
from care.selectors.feedback import feedback_marker
from config.errors import ApplicationError, Conflict, NotFound
from people.models import User


class NotAllowed(ApplicationError):
    """The object is visible to the caller, but this change is for a coordinator."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "not_allowed"


def month_of(value: datetime, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date().replace(day=1)


def feedback_give(
    *, user: User, appointment_id: int, face: int, comment: str = "", anonymous: bool = False
) -> Feedback:
    """Rate one of the user's own completed meetings, once.

    Raises NotFound for a meeting that is not theirs, ApplicationError ``not_completed``
    before the meeting has been held, Conflict ``already_rated`` for a second rating.
    """
    appointment = Appointment.objects.select_related("calendar__owner").filter(pk=appointment_id, client=user).first()
    if appointment is None:
        raise NotFound(_("Meeting not found."))
    if appointment.status != Appointment.Status.COMPLETED:
        raise ApplicationError(_("You can say how a meeting was once it has been held."), code="not_completed")
    if face not in Feedback.Face.values:
        raise ApplicationError(_("Choose one of the five faces."), fields={"face": [_("Choose a number from 1 to 5.")]})
    feedback = Feedback(
        calendar=appointment.calendar,
        month=month_of(appointment.start, ZoneInfo(appointment.calendar.owner.timezone)),
        face=face,
        comment=comment.strip(),
        anonymous=anonymous,
        marker=feedback_marker(appointment.pk),
        author=None if anonymous else user,
        appointment=None if anonymous else appointment,
    )
    try:
        with transaction.atomic():
            feedback.save(force_insert=True)
    except IntegrityError:
        raise Conflict(_("You have already said how this meeting was. Thank you!"), code="already_rated") from None
    return feedback


def idea_create(*, author: User, title: str, text: str = "", now: datetime | None = None) -> Idea:
    if author.unit_id is None:
        raise ApplicationError(_("Only members of a unit can suggest ideas."))
    title = title.strip()
    if not title:
        raise ApplicationError(_("Write your idea in a few words."), fields={"title": [_("This field is required.")]})
    return Idea.objects.create(
        unit_id=author.unit_id,
        author=author,
        author_role=author.role,
        title=title,
        text=text.strip(),
        created_at=now or timezone.now(),
    )


def idea_set_status(*, actor: User, idea_id: int, status: str, response: str, now: datetime | None = None) -> Idea:
    """A coordinator records what became of an idea, with an answer everyone in the unit sees."""
    idea = Idea.objects.filter(pk=idea_id, unit_id=actor.unit_id).first() if actor.unit_id else None
    if idea is None:
        raise NotFound(_("Idea not found."))
    if not actor.is_coordinator:
        raise NotAllowed(_("Only a coordinator can change what happens with an idea."))
    if status not in Idea.Status.values:
        raise ApplicationError(_("Unknown status."), fields={"status": [_("Unknown status.")]})
    if idea.status != status:
        idea.status_changed_at = now or timezone.now()
    idea.status, idea.response = status, response.strip()
    idea.save(update_fields=["status", "response", "status_changed_at"])
    return idea
