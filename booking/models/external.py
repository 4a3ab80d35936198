"""Busy time from the calendars workers already use (ICS subscriptions, CalDAV), and the
meetings Triangel writes back into them. Imported by ``booking.models``."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from booking.models.core import Appointment, Calendar


class ExternalCalendar(models.Model):
    """A calendar a worker keeps elsewhere (Outlook, Google, a CalDAV server) whose busy time
    Triangel reads, so nobody books a time the worker is already taken.

    Only the busy times are kept (``ExternalBusy``), never titles or attendees. The password
    of a CalDAV calendar is stored encrypted (``booking.external.credentials``) and is never
    shown again. With ``write_back`` (CalDAV only) Triangel also writes its own meetings into
    that calendar, with initials only, and keeps them up to date."""

    class Kind(models.TextChoices):
        ICS = "ics", _("subscription link (ICS)")
        CALDAV = "caldav", _("CalDAV calendar")

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="external_calendars")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("address"), max_length=2000)
    username = models.CharField(_("user name"), max_length=200, blank=True)
    password_sealed = models.TextField(blank=True)
    write_back = models.BooleanField(_("write Triangel's meetings into this calendar"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # What the server said last time (ETag and Last-Modified of a subscription, the ctag of a
    # CalDAV calendar), and a hash of the busy times read, so an unchanged calendar costs
    # one request and no writes.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    # The window the busy times were read for: a new day brings new days into it.
    window_start = models.DateField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Why the last attempt failed (a code from booking.external.SyncError), since when it has
    # failed, and when the worker was told (once per run of failures).
    last_error = models.CharField(max_length=40, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    failure_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["calendar", "created_at"]
        verbose_name = _("external calendar")
        verbose_name_plural = _("external calendars")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["ics", "caldav"]), name="external_calendar_kind_valid"),
            models.CheckConstraint(
                condition=Q(write_back=False) | Q(kind="caldav"), name="external_calendar_write_back_caldav_only"
            ),
            models.UniqueConstraint(fields=["calendar", "url"], name="external_calendar_once_per_calendar"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.calendar_id})"


class ExternalBusy(models.Model):
    """One busy interval read from an external calendar: its start, end and a hash of the
    event occurrence it came from, nothing more. Blocks free times like time off (migration
    0008 gives the calendar a new version whenever these rows change)."""

    source = models.ForeignKey(ExternalCalendar, on_delete=models.CASCADE, related_name="busy")
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    event_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("external busy time")
        verbose_name_plural = _("external busy times")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="external_busy_end_after_start"),
            models.UniqueConstraint(fields=["source", "event_hash"], name="external_busy_once_per_event"),
        ]
        # Stored busy time starts no earlier than the day of the last sync (older rows leave
        # with the window), so "starts before the range ends" reads a short stretch of this
        # index, and the end comes from the index too.
        indexes = [models.Index(fields=["calendar", "start", "end"], name="external_busy_calendar_idx")]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%Y-%m-%d %H:%M}"


class ExternalWrite(models.Model):
    """A Triangel meeting written into a worker's CalDAV calendar (``write_back``): which event
    it became there and what was written, so a change is written once and a cancelled or
    moved-away meeting is taken out again."""

    source = models.ForeignKey(ExternalCalendar, on_delete=models.CASCADE, related_name="writes")
    # Kept when the appointment is gone (a person's data erased), so its event is still taken out.
    appointment = models.ForeignKey(Appointment, on_delete=models.SET_NULL, null=True, related_name="+")
    event_uid = models.CharField(max_length=100)
    written_hash = models.CharField(max_length=64)
    written_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "event_uid"], name="external_write_once")]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.appointment_id}"
