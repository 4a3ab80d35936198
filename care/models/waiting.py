"""The waiting list: people who found no free time, and the freed times offered to them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.querysets import audited_by
from booking.models import Appointment, Calendar, MeetingType

__all__ = ["FreedTime", "WaitingEntry", "WaitingOffer"]


class WaitingEntry(models.Model):
    """One person waiting for a meeting type. Queue order is ``joined_at`` (then id)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        BOOKED = "booked", _("got a time")
        LEFT = "left", _("left the list")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waiting_entries", verbose_name=_("person")
    )
    meeting_type = models.ForeignKey(
        MeetingType, on_delete=models.CASCADE, related_name="waiting_entries", verbose_name=_("meeting type")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    objects = audited_by(lambda entry: entry.user_id)

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "meeting_type"], condition=Q(status="waiting"), name="waiting_one_active_per_type"
            ),
            models.CheckConstraint(condition=Q(status__in=["waiting", "booked", "left"]), name="waiting_status_valid"),
            models.CheckConstraint(
                condition=Q(status="waiting", ended_at__isnull=True)
                | (~Q(status="waiting") & Q(ended_at__isnull=False)),
                name="waiting_ended_when_not_waiting",
            ),
        ]
        indexes = [models.Index(fields=["meeting_type", "status", "joined_at"], name="waiting_queue_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.meeting_type_id} ({self.status})"


class FreedTime(models.Model):
    """Time on a calendar that became free (a meeting cancelled or moved away), offered to
    the waiting list one person at a time until someone takes it or nobody is left."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="freed_times")
    # The calendar time released: the old meeting's blocked range, buffers included.
    start = models.DateTimeField()
    end = models.DateTimeField()
    # What freed it; (appointment, sequence) makes a repeated task run a no-op.
    appointment = models.ForeignKey(Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("freed time")
        verbose_name_plural = _("freed times")
        constraints = [
            models.UniqueConstraint(fields=["appointment", "sequence"], name="freed_time_once_per_change"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="freed_time_end_after_start"),
        ]
        indexes = [models.Index(fields=["closed_at", "start"], name="freed_time_open_idx")]

    def __str__(self) -> str:
        return f"{self.calendar_id} {self.start:%Y-%m-%d %H:%M}"


class WaitingOffer(models.Model):
    """A freed time offered to one person on the waiting list, open until ``expires_at``."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for an answer")
        ACCEPTED = "accepted", _("taken")
        DECLINED = "declined", _("said no")
        EXPIRED = "expired", _("no answer in time")
        GONE = "gone", _("no longer free")
        WITHDRAWN = "withdrawn", _("withdrawn")

    entry = models.ForeignKey(WaitingEntry, on_delete=models.CASCADE, related_name="offers")
    # Denormalised from the entry so the database can hold "one open offer per person":
    # a reply of JA must mean one thing.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waiting_offers")
    freed = models.ForeignKey(FreedTime, on_delete=models.CASCADE, related_name="offers")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    offered_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("answer by"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["offered_at", "id"]
        verbose_name = _("waiting list offer")
        verbose_name_plural = _("waiting list offers")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="open"), name="waiting_offer_one_open_per_user"
            ),
            models.UniqueConstraint(
                fields=["freed"], condition=Q(status="open"), name="waiting_offer_one_open_per_time"
            ),
            # Each person is asked once per freed time; the next answer goes to the next person.
            models.UniqueConstraint(fields=["freed", "entry"], name="waiting_offer_once_per_person"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("offered_at")), name="waiting_offer_expires_later"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted", "declined", "expired", "gone", "withdrawn"]),
                name="waiting_offer_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="waiting_offer_open_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.start:%Y-%m-%d %H:%M} ({self.status})"
