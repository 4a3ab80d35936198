import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from audit.querysets import audited_by

# The longest an appointment can hold a calendar: 8 h meeting plus 4 h buffer on each side.
MAX_BLOCKED = timedelta(hours=16)


class TsTzRange(Func):
    """PostgreSQL ``tstzrange(lower, upper, '[)')`` for the exclusion constraint."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Calendar(models.Model):
    """The bookable calendar of one social worker or peer.

    Booking takes a row lock on this row, so it is also the unit of serialisation.
    """

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")

    def __str__(self) -> str:
        return str(self.owner)


class CalendarVersion(models.Model):
    """A token that changes whenever anything deciding a calendar's free times changes.

    Written only by database triggers (migration 0005) on appointments, working hours and
    overrides, in the same transaction as the change, whoever makes it: the booking
    services, the admin, another app inserting appointments, or plain SQL. Cached free
    times are keyed by it, so a cached answer can only be used while the calendar is as
    it was when the answer was computed. A random token rather than a counter, so a
    database restored from a backup never brings back a value an old cache entry used.

    A row of its own rather than a column on the calendar: writers that lock an
    appointment before its calendar (cancel, close) would otherwise wait for the calendar
    row that booking and rescheduling lock first, and deadlock with them.
    """

    calendar = models.OneToOneField(
        Calendar,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="version",
    )
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("calendar version")
        verbose_name_plural = _("calendar versions")

    def __str__(self) -> str:
        return self.token


class WorkingHours(models.Model):
    """A weekly recurring interval of work in the calendar owner's local time.

    A day may have several intervals (e.g. 08:00–11:30 and 12:00–15:30 around lunch).
    """

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), help_text=_("0 = Monday … 6 = Sunday"))
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="working_hours_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="working_hours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}–{self.end:%H:%M}"


class CalendarOverride(models.Model):
    """A dated exception to the weekly hours: time off or extra hours.

    Stored as an absolute interval; whole days off are local midnight to local midnight.
    """

    class Kind(models.TextChoices):
        TIME_OFF = "time_off", _("time off")
        EXTRA = "extra", _("extra hours")

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="overrides")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("to"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "start"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="override_end_after_start"),
            models.CheckConstraint(condition=Q(kind__in=["time_off", "extra"]), name="override_kind_valid"),
        ]
        indexes = [models.Index(fields=["calendar", "end"], name="override_calendar_end_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%Y-%m-%d %H:%M}–{self.end:%Y-%m-%d %H:%M}"


class MeetingType(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        PHONE = "phone", _("phone")
        VIDEO = "video", _("video")

    class Audience(models.TextChoices):
        CASELOAD = "caseload", _("own caseload only")
        UNIT = "unit", _("any service user in the unit")

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="meeting_types")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=45)
    buffer_before_minutes = models.PositiveIntegerField(_("buffer before (minutes)"), default=0)
    buffer_after_minutes = models.PositiveIntegerField(_("buffer after (minutes)"), default=15)
    slot_step_minutes = models.PositiveIntegerField(
        _("start every (minutes)"), default=30, help_text=_("Offered start times are this far apart.")
    )
    min_notice_minutes = models.PositiveIntegerField(_("minimum notice (minutes)"), default=120)
    horizon_days = models.PositiveIntegerField(_("bookable this many days ahead"), default=28)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    place = models.CharField(_("place"), max_length=300, blank=True)
    audience = models.CharField(_("who may book"), max_length=10, choices=Audience.choices, default=Audience.CASELOAD)
    is_active = models.BooleanField(_("active"), default=True)
    waiting_list_days = models.PositiveSmallIntegerField(
        _("waiting list: nothing free within (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(56)],
        help_text=_(
            "People may join the waiting list when nothing is free this many days ahead, and are "
            "offered freed times within them. Empty: the service's default."
        ),
    )
    max_ahead_per_person = models.PositiveSmallIntegerField(
        _("meetings one person may have booked ahead"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_(
            "How many meetings of this kind one person may book for themselves at a time. Staff may "
            "still book more on their behalf. Empty: no limit."
        ),
    )

    class Meta:
        ordering = ["calendar", "name"]
        verbose_name = _("meeting type")
        verbose_name_plural = _("meeting types")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480), name="meeting_type_duration_range"
            ),
            models.CheckConstraint(condition=Q(slot_step_minutes__gte=5), name="meeting_type_step_min"),
            models.CheckConstraint(
                condition=Q(buffer_before_minutes__lte=240, buffer_after_minutes__lte=240),
                name="meeting_type_buffers_range",
            ),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1, horizon_days__lte=366), name="meeting_type_horizon_range"
            ),
            models.CheckConstraint(condition=Q(mode__in=["in_person", "phone", "video"]), name="meeting_type_mode"),
            models.CheckConstraint(condition=Q(audience__in=["caseload", "unit"]), name="meeting_type_audience"),
            models.CheckConstraint(
                condition=Q(waiting_list_days__isnull=True) | Q(waiting_list_days__gte=1, waiting_list_days__lte=56),
                name="meeting_type_waiting_list_days_range",
            ),
            models.CheckConstraint(
                condition=Q(max_ahead_per_person__isnull=True)
                | Q(max_ahead_per_person__gte=1, max_ahead_per_person__lte=20),
                name="meeting_type_max_ahead_range",
            ),
        ]

    # What a calendar's owner sets for a meeting type, in the order forms show it.
    EDITABLE_FIELDS = (
        "name",
        "description",
        "duration_minutes",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "slot_step_minutes",
        "min_notice_minutes",
        "horizon_days",
        "mode",
        "place",
        "audience",
        "is_active",
        "waiting_list_days",
        "max_ahead_per_person",
    )

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)


class AppointmentSeries(models.Model):
    """A recurring appointment, booked as one row per occurrence."""

    rule = models.CharField(_("recurrence rule"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("appointment series")
        verbose_name_plural = _("appointment series")

    def __str__(self) -> str:
        return self.rule


# Appointments in these states occupy the calendar.
OCCUPYING_STATUSES = ("booked", "completed", "no_show")


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CANCELLED = "cancelled", _("cancelled")
        COMPLETED = "completed", _("completed")
        NO_SHOW = "no_show", _("did not come")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="appointments")
    meeting_type = models.ForeignKey(MeetingType, on_delete=models.PROTECT, related_name="appointments")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    series = models.ForeignKey(
        AppointmentSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # The time the calendar is held, buffers included; the exclusion constraint works on these.
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOOKED)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    # Set when the service user confirms (e.g. replies JA to a reminder).
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # iCalendar SEQUENCE: bumped on every change so subscribed calendars pick it up.
    sequence = models.PositiveIntegerField(default=0)
    # One meeting held in several calendars at once (a responsibility-group meeting) is one
    # appointment per calendar, all with the same key; they are booked, moved and cancelled
    # together only (booking.services.joint). None for a meeting in one calendar.
    joint = models.UUIDField(null=True, blank=True, editable=False)
    # The part of a joint meeting the service user sees and is reminded of; the other parts
    # are False. A meeting in one calendar is always the person's copy.
    client_copy = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # A meeting is the service user's information: staff and peers who see it are noted.
    objects = audited_by(lambda appointment: appointment.client_id)

    class Meta:
        ordering = ["start"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="appointment_end_after_start"),
            models.CheckConstraint(
                condition=Q(blocked_start__lte=F("start")) & Q(blocked_end__gte=F("end")),
                name="appointment_blocked_covers_meeting",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["booked", "cancelled", "completed", "no_show"]),
                name="appointment_status_valid",
            ),
            # Bounded length lets range queries use the (calendar, blocked_start) index from
            # both ends instead of scanning a calendar's whole past.
            models.CheckConstraint(
                condition=Q(blocked_end__lte=F("blocked_start") + MAX_BLOCKED), name="appointment_blocked_at_most_16h"
            ),
            models.CheckConstraint(
                condition=Q(joint__isnull=False) | Q(client_copy=True), name="appointment_single_is_client_copy"
            ),
            models.UniqueConstraint(
                fields=["joint"], condition=Q(client_copy=True), name="appointment_one_client_copy_per_joint"
            ),
            # One calendar can never hold two overlapping appointments (buffers included):
            # an exclusion constraint added by migration 0002 on PostgreSQL only. It is kept
            # out of this Meta because SQLite rebuilds tables from the model's constraints.
        ]
        indexes = [
            models.Index(fields=["calendar", "blocked_start"], name="appointment_calendar_start_idx"),
            models.Index(fields=["client", "start"], name="appointment_client_start_idx"),
            # appointment_insight_idx (migration 0012, PostgreSQL only) serves booking.insight.
        ]

    def __str__(self) -> str:
        return f"{self.meeting_type} {self.start:%Y-%m-%d %H:%M}"


class AppointmentEvent(models.Model):
    """Audit trail of an appointment: who booked, moved, cancelled or closed it, and when."""

    class Action(models.TextChoices):
        BOOKED = "booked", _("booked")
        RESCHEDULED = "rescheduled", _("moved")
        CANCELLED = "cancelled", _("cancelled")
        COMPLETED = "completed", _("completed")
        NO_SHOW = "no_show", _("did not come")
        CLOSE_UNDONE = "close_undone", _("mark undone")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=15, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    previous_start = models.DateTimeField(null=True, blank=True)
    previous_end = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["appointment", "at", "id"]
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment history")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class IdempotencyKey(models.Model):
    """Remembers the answer to a booking request so a retried request never books twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # A hash of the request body: the same key with a different request is refused.
    request_fingerprint = models.CharField(max_length=64)
    # What the first request produced: {"appointments": [ids], "skipped": [...]}.
    result = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return self.key


def new_feed_secret() -> str:
    return secrets.token_urlsafe(32)


class FeedToken(models.Model):
    """The secret in a person's calendar subscription URL. Revoking makes a new one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens")
    secret = models.CharField(max_length=64, unique=True, default=new_feed_secret)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(revoked_at__isnull=True), name="feed_token_one_active")
        ]

    def __str__(self) -> str:
        return f"feed token for {self.user_id}"
