"""Peers as partners: what a service user has chosen to share with a peer."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.querysets import audited_by

__all__ = ["PeerCheckIn", "PeerInvitation", "PeerRequest", "Sharing"]


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


class PeerRequest(models.Model):
    """ "I'd like a peer": a service user asks the unit's peers for someone to talk to.

    Open requests go to the unit's pool; the first peer to accept takes it (a conditional
    update in ``peer_request_accept``). One open request per person, kept by the database.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for a peer")
        TAKEN = "taken", _("a peer will get in touch")
        WITHDRAWN = "withdrawn", _("withdrawn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="peer_requests", verbose_name=_("service user")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    peer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="peer_requests_taken",
        verbose_name=_("peer"),
    )
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = audited_by(lambda request: request.user_id)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("request for a peer")
        verbose_name_plural = _("requests for a peer")
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="open"), name="peer_request_one_open_per_user"),
            models.CheckConstraint(condition=Q(status__in=["open", "taken", "withdrawn"]), name="peer_request_status"),
            # Taken means taken by someone, and only then.
            models.CheckConstraint(
                condition=Q(status="taken", peer__isnull=False, taken_at__isnull=False)
                | (~Q(status="taken") & Q(peer__isnull=True)),
                name="peer_request_taken_has_peer",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="peer_request_status_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.status})"


class PeerInvitation(models.Model):
    """A service user invites a peer to one meeting with their social worker.

    Inviting is consent for that meeting only: the invited peer sees its time and place even
    without general sharing. ``peer`` empty means "any peer": the unit's pool is asked and the
    first to accept becomes the peer.
    """

    class Status(models.TextChoices):
        INVITED = "invited", _("invited")
        ACCEPTED = "accepted", _("coming")
        DECLINED = "declined", _("cannot come")
        WITHDRAWN = "withdrawn", _("withdrawn")

    appointment = models.ForeignKey(
        "booking.Appointment", on_delete=models.CASCADE, related_name="peer_invitations", verbose_name=_("meeting")
    )
    peer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="peer_invitations",
        verbose_name=_("peer"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INVITED)
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = audited_by(lambda invitation: invitation.appointment.client_id)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("peer invitation")
        verbose_name_plural = _("peer invitations")
        constraints = [
            # One live invitation per meeting: a second one waits until the first is answered no.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(status__in=["invited", "accepted"]),
                name="peer_invitation_one_live_per_meeting",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["invited", "accepted", "declined", "withdrawn"]), name="peer_invitation_status"
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(peer__isnull=False), name="peer_invitation_accepted_has_peer"
            ),
        ]
        indexes = [models.Index(fields=["peer", "status"], name="peer_invitation_peer_idx")]

    def __str__(self) -> str:
        return f"{self.appointment_id} → {self.peer_id} ({self.status})"


class PeerCheckIn(models.Model):
    """A worker asked a peer to check in on someone after a missed meeting (a no-show task)."""

    task = models.OneToOneField(
        "reminders.FollowUpTask", on_delete=models.CASCADE, related_name="peer_check_in", verbose_name=_("task")
    )
    peer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="check_ins_asked", verbose_name=_("peer")
    )
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("asked"), default=timezone.now)

    class Meta:
        verbose_name = _("peer check-in")
        verbose_name_plural = _("peer check-ins")

    def __str__(self) -> str:
        return f"{self.task_id} → {self.peer_id}"
