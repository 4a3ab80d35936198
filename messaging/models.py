"""The outbox: one row per message to send, whoever asked for it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from audit.querysets import audited_by


class Channel(models.TextChoices):
    """The channels the outbox accepts; each has a module in ``messaging.channels``."""

    SMS = "sms", _("SMS")
    EMAIL = "email", _("e-mail")


class Delivery(models.Model):
    """One message to one person (or one address) over one channel, due at one time.

    Messages are rows, not queued tasks: a periodic dispatcher claims due rows, so a worker
    crash or a broker restart loses nothing. Every outgoing SMS and e-mail is one: reminders
    and notices to people, invitations to people outside the service, sign-in codes. The
    app that writes a row owns its ``kind`` and prepares it for sending (``messaging.kinds``).
    The state machine:

        scheduled → sending → sent | failed
        scheduled → cancelled (the cause changed) | missed (too late to be useful)
        sending → scheduled (temporary error, or lease expired after a crash)
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")
        MISSED = "missed", _("missed")

    # None for someone without an account (an external participant): the kind's handler
    # knows the address.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    # What the message is; the app that owns the kind renders it (messaging.kinds).
    kind = models.CharField(max_length=24)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    # What the message is about, named by the app that wrote it ("appointment", "plan",
    # "invitee"…), so that app can find and cancel its pending messages when the cause changes.
    about = models.CharField(max_length=20, blank=True)
    about_id = models.BigIntegerField(null=True, blank=True)
    # What the message is about happens then (dose time, appointment start); due_at may
    # differ (offsets, quiet hours).
    occurrence_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # When the writer wanted it sent, before the person's quiet hours moved it (due_at). Kept
    # so a change of quiet hours can move a held message back; empty for rows written before
    # it was kept and for rows written outside reminders (invitations, sign-in codes).
    wanted_at = models.DateTimeField(null=True, blank=True)
    # After this the message is no longer useful and is marked missed instead of sent late.
    expires_at = models.DateTimeField()
    # Unique per cause, occurrence and channel: writing the same message twice creates nothing new.
    dedupe_key = models.CharField(max_length=200, unique=True)
    # Sent to the provider with every attempt, so a retry after a crash is recognised.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Free-form values the message template needs (never sent as task arguments).
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Changes with every claim; a send task acts only on rows still carrying its token, so a
    # task redelivered after a crash cannot send a row that was claimed again since.
    claim_token = models.UUIDField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # The number or address the message went to (a later delivery report names no address).
    sent_to = models.CharField(max_length=254, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    delivery_status = models.CharField(max_length=30, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = audited_by(lambda row: row.recipient_id)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "sending", "sent", "failed", "cancelled", "missed"]),
                name="outbox_status_valid",
            ),
            models.CheckConstraint(condition=Q(channel__in=["sms", "email"]), name="outbox_channel_valid"),
            models.CheckConstraint(condition=Q(expires_at__gte=F("due_at")), name="outbox_expires_after_due"),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(lease_until__isnull=False), name="outbox_sending_has_lease"
            ),
            models.CheckConstraint(
                condition=Q(about="", about_id__isnull=True) | (~Q(about="") & Q(about_id__isnull=False)),
                name="outbox_about_named_with_id",
            ),
        ]
        indexes = [
            # The dispatcher's hot query: due scheduled rows, oldest first.
            models.Index(fields=["due_at"], condition=Q(status="scheduled"), name="outbox_due_idx"),
            models.Index(fields=["lease_until"], condition=Q(status="sending"), name="outbox_lease_idx"),
            models.Index(fields=["recipient", "-due_at"], name="outbox_recipient_idx"),
            models.Index(fields=["about", "about_id", "status"], name="outbox_about_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.due_at:%Y-%m-%d %H:%M} {self.status}"


class DispatchState(models.Model):
    """A single row recording when the dispatcher last swept, for the health endpoint."""

    name = models.CharField(max_length=30, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
