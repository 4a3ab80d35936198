"""The access log: one row each time a member of staff or a peer looked at or changed a
person's information, kept append-only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccessEntry(models.Model):
    """Who (in which role) saw or changed what kind of information about whom, when, and
    through which page or API path.

    Append-only: on PostgreSQL a trigger (migration 0001) refuses UPDATE and DELETE, except
    for the retention job (``audit.services.access_log_purge``). Names are never stored
    here, only ids, so erasing a person leaves their log as anonymous rows.
    """

    class Action(models.TextChoices):
        READ = "read", _("looked at")
        CHANGE = "change", _("changed")

    class Via(models.TextChoices):
        WEB = "web", _("web page")
        API = "api", _("API")
        ADMIN = "admin", _("administration")
        FEED = "feed", _("calendar subscription")

    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_about_me")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_by_me")
    # The actor's role at the time (social worker, peer, coordinator…): roles change.
    actor_role = models.CharField(max_length=20)
    action = models.CharField(max_length=10, choices=Action.choices)
    # The kind of information (see audit.log.WHAT) and, when one object was shown, which.
    what = models.CharField(max_length=30)
    object_id = models.BigIntegerField(null=True, blank=True)
    count = models.PositiveIntegerField(default=1)
    via = models.CharField(max_length=5, choices=Via.choices)
    # The path of the page or API call, without its query string.
    path = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        constraints = [
            models.CheckConstraint(condition=Q(action__in=["read", "change"]), name="access_action_valid"),
            models.CheckConstraint(condition=Q(via__in=["web", "api", "admin", "feed"]), name="access_via_valid"),
            models.CheckConstraint(condition=~Q(subject=models.F("actor")), name="access_not_about_oneself"),
        ]
        indexes = [
            models.Index(fields=["subject", "-at"], name="access_subject_idx"),
            models.Index(fields=["actor", "-at"], name="access_actor_idx"),
            models.Index(fields=["at"], name="access_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} {self.what} of {self.subject_id}"
