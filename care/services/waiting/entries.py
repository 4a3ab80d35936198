"""Joining and leaving the waiting list."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.selectors import meeting_types_bookable_by
from care.models import WaitingEntry, WaitingOffer
from care.selectors.waiting import free_times_in_window, window_days
from care.services.waiting.offers import offer_close, offer_next
from config.errors import Conflict, NotFound
from people.models import User


def waiting_entry_join(*, user: User, meeting_type_id: int, now: datetime | None = None) -> WaitingEntry:
    """Put ``user`` on the waiting list for a meeting type they may book.

    Raises NotFound for a type they may not book, Conflict ``free_times_exist`` when there
    is a free time within the window (book it instead), Conflict ``already_waiting``.
    """
    now = now or timezone.now()
    if not user.is_service_user:
        raise NotFound(_("That meeting type is not available to you."))
    meeting_type = (
        meeting_types_bookable_by(user=user).select_related("calendar__owner").filter(pk=meeting_type_id).first()
    )
    if meeting_type is None:
        raise NotFound(_("That meeting type is not available to you."))
    free = free_times_in_window(meeting_type=meeting_type, user=user, now=now)
    if free:
        tz = ZoneInfo(meeting_type.calendar.owner.timezone)
        raise Conflict(
            _("There are free times in the next %(days)d days. Book one of them instead.")
            % {"days": window_days(meeting_type)},
            code="free_times_exist",
            first_free=free[0].start.astimezone(tz).isoformat(),
        )
    try:
        with transaction.atomic():
            return WaitingEntry.objects.create(user=user, meeting_type=meeting_type, joined_at=now)
    except IntegrityError:
        raise Conflict(_("You are already on the waiting list for this meeting."), code="already_waiting") from None


def waiting_entry_leave(*, user: User, entry_id: int, now: datetime | None = None) -> WaitingEntry:
    """Take ``user`` off the list. An offer they have open is withdrawn and goes to the next person."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = (
            WaitingEntry.objects.select_for_update()
            .filter(pk=entry_id, user=user, status=WaitingEntry.Status.WAITING)
            .first()
        )
        if entry is None:
            raise NotFound(_("You are not on that waiting list."))
        entry.status, entry.ended_at = WaitingEntry.Status.LEFT, now
        entry.save(update_fields=["status", "ended_at"])
        for offer in WaitingOffer.objects.select_for_update().filter(entry=entry, status=WaitingOffer.Status.OPEN):
            offer_close(offer, WaitingOffer.Status.WITHDRAWN, now)
            offer_next(freed=offer.freed, now=now)
    return entry
