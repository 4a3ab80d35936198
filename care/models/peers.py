"""Peers as partners: what a service user has chosen to share with a peer."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Sharing"]


class Sharing(models.Model):
    """A service user's consent for one peer to see part of their follow-up.

    Consent is changed by revoking the active row and granting a new one, so the rows are the
    record of who could see what, when. Every query a peer makes is filtered through the
    active rows (``care.selectors.peers``), not only the pages.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sharings", verbose_name=_("service user")
    )
    peer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_with_me", verbose_name=_("peer")
    )
    appointments = models.BooleanField(_("my meetings"), default=True)
    plan = models.BooleanField(_("my plan and agreements"), default=False)
    granted_at = models.DateTimeField(_("shared since"), default=timezone.now)
    revoked_at = models.DateTimeField(_("stopped sharing"), null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("sharing with a peer")
        verbose_name_plural = _("sharing with peers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "peer"], condition=Q(revoked_at__isnull=True), name="sharing_one_active_per_peer"
            ),
            models.CheckConstraint(condition=~Q(user=F("peer")), name="sharing_not_with_self"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("granted_at")),
                name="sharing_revoked_after_granted",
            ),
        ]
        indexes = [models.Index(fields=["peer", "revoked_at"], name="sharing_peer_active_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.peer_id}"
