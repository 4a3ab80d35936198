import uuid
from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from booking.models import Appointment
from people.models import PhoneNumber


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("e-mail")


def default_appointment_offsets() -> list[int]:
    return [24 * 60, 2 * 60]


def default_channels() -> list[str]:
    return ["sms"]


class ReminderPreferences(models.Model):
    """How and when a person wants to be reminded. Created on first use with safe defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preferences")
    # Minutes before each appointment a reminder goes out (default 24 h and 2 h).
    appointment_offsets = models.JSONField(default=default_appointment_offsets)
    appointment_channels = models.JSONField(default=default_channels)
    sms_enabled = models.BooleanField(_("SMS on"), default=True, help_text=_("Turned off by replying STOPP."))
    email_fallback = models.BooleanField(_("use e-mail if SMS fails"), default=True)
    quiet_start = models.TimeField(_("quiet from"), default=time(22, 0))
    quiet_end = models.TimeField(_("quiet until"), default=time(8, 0))
    # Discreet texts never name substances, treatment, medicines or amounts.
    discreet = models.BooleanField(_("discreet texts"), default=True)
    morning_summary = models.BooleanField(_("morning summary"), default=False)
    morning_summary_time = models.TimeField(_("summary at"), default=time(8, 0))
    # Medication follow-up: alert a chosen supporter when a dose is not confirmed in time.
    followup_supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    followup_delay_minutes = models.PositiveIntegerField(_("alert after (minutes)"), default=120)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reminder preferences")
        verbose_name_plural = _("reminder preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(followup_delay_minutes__gte=15, followup_delay_minutes__lte=24 * 60),
                name="preferences_followup_delay_range",
            )
        ]

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class ReminderPlan(models.Model):
    """A recurring reminder owned by a service user: medication, money or routine.

    The schedule is an RFC 5545 RRULE interpreted in the owner's local time zone, with
    the local ``starts_on`` date as DTSTART; BYHOUR/BYMINUTE give the times of day.
    """

    class Kind(models.TextChoices):
        MEDICATION = "medication", _("medication")
        MONEY = "money", _("money")
        ROUTINE = "routine", _("routine")

    class MoneyKind(models.TextChoices):
        BILL = "bill", _("bill")
        PAYDAY = "payday", _("payday")
        BUDGET = "budget", _("weekly budget check")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_plans")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=100)
    rrule = models.CharField(_("schedule (RRULE)"), max_length=500)
    starts_on = models.DateField(_("starts on"))
    channels = models.JSONField(default=default_channels)
    is_active = models.BooleanField(_("active"), default=True)
    # Medication
    dose = models.CharField(_("dose"), max_length=100, blank=True)
    # Money
    money_kind = models.CharField(_("money item"), max_length=10, choices=MoneyKind.choices, blank=True)
    amount = models.DecimalField(_("amount (NOK)"), max_digits=10, decimal_places=2, null=True, blank=True)
    # Bumped on every change; part of each delivery's key so a changed plan gets fresh rows.
    version = models.PositiveIntegerField(default=1)
    # Occurrences up to here have delivery rows; the rolling materialiser continues from it.
    materialized_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["owner", "kind", "title"]
        verbose_name = _("reminder plan")
        verbose_name_plural = _("reminder plans")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["medication", "money", "routine"]), name="plan_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind="money", money_kind__in=["bill", "payday", "budget"])
                | (~Q(kind="money") & Q(money_kind="")),
                name="plan_money_kind_matches",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "materialized_until"], name="plan_active_horizon_idx")]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One message to one person over one channel, due at one time.

    Reminders are rows, not queued tasks: a periodic dispatcher claims due rows, so a
    worker crash or a broker restart loses nothing. The state machine:

        scheduled → sending → sent | failed
        scheduled → cancelled (the cause changed) | missed (too late to be useful)
        sending → scheduled (temporary error, or lease expired after a crash)
    """

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", _("appointment reminder")
        APPOINTMENT_BOOKED = "appointment_booked", _("appointment booked")
        APPOINTMENT_MOVED = "appointment_moved", _("appointment moved")
        APPOINTMENT_CANCELLED = "appointment_cancelled", _("appointment cancelled")
        MEDICATION = "medication", _("medication")
        MONEY = "money", _("money")
        ROUTINE = "routine", _("routine")
        SUMMARY = "summary", _("morning summary")
        REPLY = "reply", _("reply to an SMS")
        STAFF_ALERT = "staff_alert", _("alert to staff")
        # The co-production triangle (care app)
        PEER_POOL = "peer_pool", _("request to the peer pool")
        PEER_ASSIGNED = "peer_assigned", _("a peer was found")
        HELP_ALERT = "help_alert", _("urgent help request to staff")
        HELP_ANSWER = "help_answer", _("answer to an urgent help request")
        WAITING_OFFER = "waiting_offer", _("offer from the waiting list")
        HANDOVER = "handover", _("introducing a new worker")
        GROUP_MEETING = "group_meeting", _("responsibility group meeting")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")
        MISSED = "missed", _("missed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    plan = models.ForeignKey(ReminderPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    # What the message is about (dose time, appointment start); due_at may differ (offsets, quiet hours).
    occurrence_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # After this the message is no longer useful and is marked missed instead of sent late.
    expires_at = models.DateTimeField()
    # Unique per cause, occurrence and channel: materialising twice creates nothing new.
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
    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    provider_message_id = models.CharField(max_length=100, blank=True, db_index=True)
    delivery_status = models.CharField(max_length=30, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "sending", "sent", "failed", "cancelled", "missed"]),
                name="delivery_status_valid",
            ),
            models.CheckConstraint(condition=Q(channel__in=["sms", "email"]), name="delivery_channel_valid"),
            models.CheckConstraint(condition=Q(expires_at__gte=F("due_at")), name="delivery_expires_after_due"),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(lease_until__isnull=False), name="delivery_sending_has_lease"
            ),
        ]
        indexes = [
            # The dispatcher's hot query: due scheduled rows, oldest first.
            models.Index(fields=["due_at"], condition=Q(status="scheduled"), name="delivery_due_idx"),
            models.Index(fields=["lease_until"], condition=Q(status="sending"), name="delivery_lease_idx"),
            models.Index(fields=["recipient", "-due_at"], name="delivery_recipient_idx"),
            models.Index(fields=["appointment", "status"], name="delivery_appointment_idx"),
            models.Index(fields=["plan", "status"], name="delivery_plan_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.due_at:%Y-%m-%d %H:%M} {self.status}"


class MedicationLog(models.Model):
    """Taken or missed, per dose."""

    class Status(models.TextChoices):
        TAKEN = "taken", _("taken")
        MISSED = "missed", _("not confirmed")

    plan = models.ForeignKey(ReminderPlan, on_delete=models.CASCADE, related_name="medication_log")
    occurrence_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    recorded_at = models.DateTimeField(auto_now=True)
    via = models.CharField(max_length=10, blank=True)  # sms, web, api
    supporter_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurrence_at"]
        verbose_name = _("medication log entry")
        verbose_name_plural = _("medication log")
        constraints = [
            models.UniqueConstraint(fields=["plan", "occurrence_at"], name="medication_log_one_per_dose"),
            models.CheckConstraint(condition=Q(status__in=["taken", "missed"]), name="medication_log_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.occurrence_at:%Y-%m-%d %H:%M} {self.status}"


class FollowUpTask(models.Model):
    """Something a social worker should do for a service user: call back, find a new number…"""

    class Kind(models.TextChoices):
        CALL_BACK = "call_back", _("call back")
        PHONE_FAILED = "phone_failed", _("phone number not working")
        APPOINTMENT_CANCELLED = "appointment_cancelled", _("meeting cancelled by SMS")
        PEER_REQUEST = "peer_request", _("would like a peer at a meeting")
        NO_SHOW = "no_show", _("did not come to a meeting")

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follow_up_tasks")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    appointment = models.ForeignKey(Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done_at", "-created_at"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        indexes = [models.Index(fields=["worker", "done_at"], name="followup_worker_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.client_id})"


class ItemDone(models.Model):
    """A routine or money item the person ticked off on *My day*."""

    plan = models.ForeignKey(ReminderPlan, on_delete=models.CASCADE, related_name="done_items")
    occurrence_at = models.DateTimeField()
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "occurrence_at"], name="item_done_once")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.occurrence_at:%Y-%m-%d %H:%M}"


class InboundSms(models.Model):
    """An SMS received through the webhook; kept so a repeated webhook call is handled once."""

    provider_message_id = models.CharField(max_length=100, unique=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    keyword = models.CharField(max_length=20, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")

    def __str__(self) -> str:
        return f"{self.keyword or 'other'} {self.received_at:%Y-%m-%d %H:%M}"


class DispatchState(models.Model):
    """A single row recording when the dispatcher last swept, for the health endpoint."""

    name = models.CharField(max_length=30, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
