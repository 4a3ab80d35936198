""" "I need help now": a unit's duty rota and the urgent requests routed through it."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.querysets import audited_by
from people.models import Unit

__all__ = ["DutyCover", "DutyShift", "HelpAlert", "HelpRequest", "HelpSettings"]


class HelpSettings(models.Model):
    """How a unit answers urgent requests: the leader escalated to last, the time staff have
    to acknowledge, and the unit's own crisis line shown when the unit is closed."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="help_settings", verbose_name=_("unit"))
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit leader"),
        help_text=_("Alerted last, when nobody on duty has answered."),
    )
    ack_minutes = models.PositiveSmallIntegerField(
        _("minutes to answer"), default=10, help_text=_("If nobody answers in this time, the next person is alerted.")
    )
    crisis_line_name = models.CharField(_("crisis line name"), max_length=100, blank=True)
    crisis_line_number = models.CharField(_("crisis line number"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("urgent help settings")
        verbose_name_plural = _("urgent help settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ack_minutes__gte=1, ack_minutes__lte=120), name="help_ack_minutes_range"
            ),
        ]

    def __str__(self) -> str:
        return str(self.unit)

    @property
    def has_crisis_line(self) -> bool:
        return bool(self.crisis_line_name and self.crisis_line_number)


class DutyShift(models.Model):
    """One person on duty on one weekday between two times (in the unit's time zone).

    A weekly pattern, because that is what a coordinator can keep up to date. Where shifts
    overlap, ``position`` gives the order of escalation: 1 is alerted first.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="duty_shifts", verbose_name=_("unit"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), help_text=_("0 = Monday … 6 = Sunday"))
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_shifts", verbose_name=_("on duty")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=1, help_text=_("1 is alerted first."))

    class Meta:
        ordering = ["unit", "weekday", "position", "start"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty rota")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="duty_shift_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="duty_shift_weekday_range"),
            models.CheckConstraint(condition=Q(position__gte=1), name="duty_shift_position_positive"),
            models.UniqueConstraint(fields=["unit", "weekday", "start", "staff"], name="duty_shift_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}–{self.end:%H:%M} {self.staff_id}"


class DutyCover(models.Model):
    """Someone on the rota is away from one day to another; their shifts go to ``cover``.

    The weekly rota stays as it is: a holiday, a course or a sick week is entered here
    and ends by itself. With nobody covering, the away person's shifts are left out and
    the next on the rota is alerted first.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="duty_covers", verbose_name=_("unit"))
    absent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("away")
    )
    cover = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("covered by"),
        help_text=_("Empty: nobody takes the shifts; the next on the rota is alerted first."),
    )
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to (inclusive)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_day", "pk"]
        verbose_name = _("duty cover")
        verbose_name_plural = _("duty cover")
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="duty_cover_days_in_order"),
            models.CheckConstraint(
                condition=Q(cover__isnull=True) | ~Q(cover=F("absent")), name="duty_cover_not_oneself"
            ),
        ]
        indexes = [models.Index(fields=["unit", "last_day"], name="duty_cover_unit_last_day")]

    def __str__(self) -> str:
        return f"{self.absent_id} {self.first_day}–{self.last_day}"


class HelpRequest(models.Model):
    """A service user's "I need help now".

    waiting (the unit is closed; routed at the next opening) → alerting (staff on duty are
    alerted one after another until someone answers) → acknowledged → resolved.
    ``due_at`` is when the periodic escalation must look at it next (route or escalate).
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for the unit to open")
        ALERTING = "alerting", _("waiting for an answer")
        ACKNOWLEDGED = "acknowledged", _("someone has answered")
        RESOLVED = "resolved", _("resolved")

    class Via(models.TextChoices):
        WEB = "web", _("web")
        SMS = "sms", _("SMS")
        API = "api", _("app")

    OPEN = (Status.WAITING, Status.ALERTING, Status.ACKNOWLEDGED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_requests", verbose_name=_("service user")
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="help_requests", verbose_name=_("unit"))
    message = models.CharField(_("what it is about"), max_length=300, blank=True)
    via = models.CharField(_("sent by"), max_length=5, choices=Via.choices, default=Via.WEB)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    # Staff ids in the order they are alerted, fixed when the request is routed (leader last).
    chain = models.JSONField(default=list, blank=True)
    # Index in ``chain`` of the last person alerted.
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.CharField(_("note"), max_length=500, blank=True)

    objects = audited_by(lambda request: request.user_id)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("urgent help request")
        verbose_name_plural = _("urgent help requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "alerting", "acknowledged", "resolved"]), name="help_status_valid"
            ),
            # Pressing again shows the open request instead of making a second one.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["waiting", "alerting", "acknowledged"]),
                name="help_one_open_per_user",
            ),
            models.CheckConstraint(
                condition=~Q(status="acknowledged") | Q(acknowledged_at__isnull=False),
                name="help_acknowledged_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False), name="help_resolved_has_time"
            ),
        ]
        indexes = [
            # The escalation sweep: open requests whose next step is due.
            models.Index(fields=["due_at"], condition=Q(status__in=["waiting", "alerting"]), name="help_due_idx"),
            models.Index(fields=["unit", "status"], name="help_unit_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class HelpAlert(models.Model):
    """Who was alerted about a request, and when. Everyone alerted can still answer it."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="alerts")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_alerts")
    level = models.PositiveSmallIntegerField(default=0)
    alerted_at = models.DateTimeField()

    class Meta:
        ordering = ["request", "level"]
        verbose_name = _("urgent help alert")
        verbose_name_plural = _("urgent help alerts")
        constraints = [models.UniqueConstraint(fields=["request", "staff"], name="help_alert_once_per_staff")]
        indexes = [models.Index(fields=["staff", "request"], name="help_alert_staff_idx")]

    def __str__(self) -> str:
        return f"{self.request_id} → {self.staff_id} ({self.level})"
