"""Feedback after meetings, and the ideas box."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import Appointment, Calendar
from people.models import Unit

__all__ = ["Feedback", "Idea"]


class Feedback(models.Model):
    """One rating of one completed meeting, on a five-face scale, with an optional comment.

    Anonymous feedback keeps no link to its author: no user, no appointment, a random id,
    and only the month of the meeting. ``marker`` (a keyed hash of the appointment, see
    ``care.services.feedback``) lets the database refuse a second rating of the same
    meeting without saying whose meeting it was.
    """

    class Face(models.IntegerChoices):
        VERY_BAD = 1, _("Very bad")
        BAD = 2, _("Bad")
        OKAY = 3, _("Okay")
        GOOD = 4, _("Good")
        VERY_GOOD = 5, _("Very good")

    # Random, so the order of ids says nothing about when or by whom.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="feedback")
    # First day of the meeting's local month: what the summaries group by.
    month = models.DateField(_("month"))
    face = models.PositiveSmallIntegerField(_("how was it"), choices=Face.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    marker = models.CharField(max_length=64, unique=True)
    # Only when not anonymous.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )

    class Meta:
        ordering = ["-month"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(condition=Q(face__gte=1, face__lte=5), name="feedback_face_range"),
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(author__isnull=True, appointment__isnull=True),
                name="feedback_anonymous_has_no_link",
            ),
        ]
        indexes = [models.Index(fields=["calendar", "month"], name="feedback_calendar_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.face}"


class Idea(models.Model):
    """A suggestion for the unit, and what became of it (answered in public by a coordinator)."""

    class Status(models.TextChoices):
        NEW = "new", _("new")
        CONSIDERING = "considering", _("being considered")
        DONE = "done", _("done")
        NOT_DOING = "not_doing", _("not doing")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="ideas")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    # The author's role when suggesting: shown instead of a name.
    author_role = models.CharField(max_length=20, blank=True)
    title = models.CharField(_("idea"), max_length=120)
    text = models.TextField(_("more about it"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    response = models.TextField(_("answer from the unit"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "considering", "done", "not_doing"]), name="idea_status_valid"
            )
        ]
        indexes = [models.Index(fields=["unit", "status"], name="idea_unit_status_idx")]

    def __str__(self) -> str:
        return self.title
