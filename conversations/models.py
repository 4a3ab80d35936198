"""Conversations: a service user writes with their worker, a peer they share with, or their
responsibility group, instead of phoning.

A thread belongs to the person (``client``), not to whoever reads it: who may read it is
computed from the current state (caseload, consent, group membership) in
``conversations.selectors``, so a handover or a revoked consent changes the readers at once
and the history stays with the person.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.querysets import audited_by

__all__ = ["MESSAGE_MAX_LENGTH", "Message", "ReadState", "Thread", "ThreadCover"]

MESSAGE_MAX_LENGTH = 2000

# ``text__length`` in the constraint below: the database itself refuses an empty or too long text.
models.TextField.register_lookup(Length)


class Thread(models.Model):
    """One conversation about one service user: with their worker, one peer, or their group."""

    class Kind(models.TextChoices):
        WORKER = "worker", _("with the social worker")
        PEER = "peer", _("with a peer")
        GROUP = "group", _("with the responsibility group")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="threads", verbose_name=_("service user")
    )
    peer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="peer_threads",
        verbose_name=_("peer"),
    )
    group = models.ForeignKey(
        "care.ResponsibilityGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="threads",
        verbose_name=_("responsibility group"),
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    # Kept on the thread so "is anything new?" and the inbox's order are one indexed read.
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)

    objects = audited_by(lambda thread: thread.client_id)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["worker", "peer", "group"]), name="thread_kind_valid"),
            # Each kind carries exactly the field that names the other side.
            models.CheckConstraint(
                condition=Q(kind="worker", peer__isnull=True, group__isnull=True)
                | Q(kind="peer", peer__isnull=False, group__isnull=True)
                | Q(kind="group", peer__isnull=True, group__isnull=False),
                name="thread_kind_fields",
            ),
            models.CheckConstraint(condition=~Q(peer=F("client")), name="thread_peer_not_client"),
            # A person has exactly one thread with their worker, whoever that is now.
            models.UniqueConstraint(fields=["client"], condition=Q(kind="worker"), name="thread_one_worker_per_client"),
            models.UniqueConstraint(
                fields=["client", "peer"], condition=Q(kind="peer"), name="thread_one_per_client_peer"
            ),
            models.UniqueConstraint(fields=["group"], condition=Q(kind="group"), name="thread_one_per_group"),
        ]
        indexes = [models.Index(fields=["peer", "kind"], name="thread_peer_idx")]

    def __str__(self) -> str:
        return f"{self.kind} thread of {self.client_id}"


class Message(models.Model):
    """One text in a thread. Text only: no attachments, so nothing but words is stored."""

    class Via(models.TextChoices):
        WEB = "web", _("web")
        SMS = "sms", _("SMS")
        API = "api", _("app")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    via = models.CharField(_("via"), max_length=5, choices=Via.choices, default=Via.WEB)
    # Chosen by the writer's page or app, so a double press or a retried request posts once.
    idempotency_key = models.CharField(max_length=100, blank=True, default="")
    # The text has words that suggest danger: the writer was shown the crisis numbers and the
    # worker sees a mark. Nothing is routed anywhere on this alone.
    danger = models.BooleanField(_("may be in danger"), default=False)

    objects = audited_by(lambda message: message.thread.client_id)

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.CheckConstraint(
                condition=Q(text__length__gte=1, text__length__lte=MESSAGE_MAX_LENGTH), name="message_text_length"
            ),
            models.CheckConstraint(condition=Q(via__in=["web", "sms", "api"]), name="message_via_valid"),
            models.UniqueConstraint(
                fields=["author", "idempotency_key"], condition=~Q(idempotency_key=""), name="message_idempotent"
            ),
        ]
        indexes = [models.Index(fields=["thread", "id"], name="message_thread_idx")]

    def __str__(self) -> str:
        return f"message {self.pk} in {self.thread_id}"


class ReadState(models.Model):
    """How far one participant has got in one thread: ``last_delivered``, the newest message
    their page or app has fetched ("delivered to the web"); ``last_read``, the newest they
    have read (opened, or for a worker marked handled). Together with the message itself
    ("sent") this is each message's state per participant."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_delivered = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_read = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="read_state_one_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} to {self.last_read_id}"


class ThreadCover(models.Model):
    """The worker hands their thread with a person to a colleague while they are away: the
    colleague takes part from ``starts_at`` until ``ends_at`` (or until it is ended early);
    the worker keeps reading it too. Rows are kept as the record of who covered when."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="covers")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads_covered", verbose_name=_("colleague")
    )
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(_("until"))
    ended_at = models.DateTimeField(_("taken back"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("conversation handed to a colleague")
        verbose_name_plural = _("conversations handed to colleagues")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="thread_cover_ends_after_start"),
            models.CheckConstraint(condition=~Q(worker=F("handed_by")), name="thread_cover_not_to_self"),
            models.UniqueConstraint(
                fields=["thread"], condition=Q(ended_at__isnull=True), name="thread_cover_one_open"
            ),
        ]
        indexes = [models.Index(fields=["worker", "ended_at"], name="thread_cover_worker_idx")]

    def __str__(self) -> str:
        return f"{self.thread_id} → {self.worker_id} until {self.ends_at:%Y-%m-%d}"
