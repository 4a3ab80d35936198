"""Continuity: the plan a service user keeps with their workers, and handovers between workers.

Both are records that outlive a change of worker: a plan entry keeps every version written,
and a handover keeps what happened to each person and each meeting it moved.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.querysets import audited_by

__all__ = ["Handover", "HandoverAppointment", "HandoverClient", "PlanEntry", "PlanEntryVersion"]


class PlanEntry(models.Model):
    """One goal or agreement in a service user's plan ("My plan").

    The current wording and status are kept here for reading; every change also writes a
    ``PlanEntryVersion`` row, so nothing is overwritten without a trace of what it said before
    and who changed it.
    """

    class Kind(models.TextChoices):
        GOAL = "goal", _("goal")
        AGREEMENT = "agreement", _("agreement")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        REACHED = "reached", _("reached")
        NOT_RELEVANT = "not_relevant", _("no longer relevant")

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plan_entries", verbose_name=_("service user")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("text"), max_length=2000)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("last changed by")
    )
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = audited_by(lambda entry: entry.client_id)

    class Meta:
        ordering = ["client", "kind", "created_at", "id"]
        verbose_name = _("plan entry")
        verbose_name_plural = _("plan entries")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["goal", "agreement"]), name="plan_entry_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["active", "reached", "not_relevant"]), name="plan_entry_status_valid"
            ),
            # An agreement is kept or given up; only a goal is "reached".
            models.CheckConstraint(
                condition=Q(kind="goal") | ~Q(status="reached"), name="plan_entry_only_goals_reached"
            ),
            models.CheckConstraint(condition=Q(updated_at__gte=F("created_at")), name="plan_entry_changed_after"),
        ]
        indexes = [models.Index(fields=["client", "status"], name="plan_entry_client_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.client_id})"


class PlanEntryVersion(models.Model):
    """What a plan entry said from one change to the next. Rows are only ever added."""

    entry = models.ForeignKey(PlanEntry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField(max_length=2000)
    status = models.CharField(max_length=12, choices=PlanEntry.Status.choices)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["entry", "number"]
        verbose_name = _("plan entry version")
        verbose_name_plural = _("plan entry history")
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="plan_entry_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.number}"


class Handover(models.Model):
    """A coordinator moved one service user, or a whole caseload, from one worker to another."""

    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="handovers")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("handed over by")
    )
    from_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handovers_from", verbose_name=_("from")
    )
    to_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handovers_to", verbose_name=_("to")
    )
    whole_caseload = models.BooleanField(_("whole caseload"), default=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            models.CheckConstraint(condition=~Q(from_worker=F("to_worker")), name="handover_to_someone_else"),
        ]

    def __str__(self) -> str:
        return f"{self.from_worker_id} → {self.to_worker_id} {self.at:%Y-%m-%d}"


class HandoverClient(models.Model):
    """One service user in a handover, and what moved with them."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="clients")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handed_over")
    tasks_moved = models.PositiveIntegerField(default=0)
    alerts_moved = models.PositiveIntegerField(default=0)
    medication_followup_moved = models.BooleanField(default=False)

    class Meta:
        ordering = ["handover", "id"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "client"], name="handover_client_once"),
        ]

    def __str__(self) -> str:
        return f"{self.handover_id}: {self.client_id}"


class HandoverAppointment(models.Model):
    """What a handover did to one future meeting: moved to the new worker, or re-offered."""

    class Outcome(models.TextChoices):
        MOVED = "moved", _("moved to the new worker")
        REOFFERED = "reoffered", _("cancelled, the person picks a new time")

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="appointments")
    appointment = models.ForeignKey("booking.Appointment", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    start = models.DateTimeField()
    from_meeting_type = models.ForeignKey("booking.MeetingType", on_delete=models.PROTECT, related_name="+")
    to_meeting_type = models.ForeignKey(
        "booking.MeetingType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set when the person has booked a new time with the new worker, or dismissed the notice.
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["handover", "start"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "appointment"], name="handover_appointment_once"),
            models.CheckConstraint(condition=Q(outcome__in=["moved", "reoffered"]), name="handover_outcome_valid"),
            models.CheckConstraint(
                condition=Q(outcome="reoffered") | Q(to_meeting_type__isnull=False),
                name="handover_moved_has_type",
            ),
        ]
        indexes = [models.Index(fields=["client", "outcome", "resolved_at"], name="handover_reoffer_idx")]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.outcome}"
