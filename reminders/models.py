from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from audit.querysets import audited_by
from booking.models import Appointment


def default_appointment_offsets() -> list[int]:
    return [24 * 60, 2 * 60]


def default_channels() -> list[str]:
    return ["sms"]


# The preferences a person may change themselves (the API's fields, and what
# ``reminders.services.preferences_update`` accepts), in the order the API shows them.
PREFERENCE_FIELDS = (
    "appointment_offsets",
    "appointment_channels",
    "sms_enabled",
    "email_fallback",
    "quiet_start",
    "quiet_end",
    "discreet",
    "morning_summary",
    "morning_summary_time",
    "followup_supporter",
    "followup_delay_minutes",
    "spare_for_meetings",
    "conversation_notice_minutes",
)


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
    # Meeting reminders may go to the person's spare number (people.PhoneNumber.is_spare) while
    # they have no main number in use, e.g. after a lost phone. Off unless the person chooses it.
    spare_for_meetings = models.BooleanField(_("meeting reminders to my spare number"), default=False)
    # A message in a conversation not read this long after it came is told by one SMS
    # (conversations.sms), for people who do not look at the web.
    conversation_notice_minutes = models.PositiveIntegerField(
        _("SMS about unread messages after (minutes)"), default=10
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reminder preferences")
        verbose_name_plural = _("reminder preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(followup_delay_minutes__gte=15, followup_delay_minutes__lte=24 * 60),
                name="preferences_followup_delay_range",
            ),
            models.CheckConstraint(
                condition=Q(conversation_notice_minutes__gte=1, conversation_notice_minutes__lte=24 * 60),
                name="preferences_conversation_notice_range",
            ),
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

    objects = audited_by(lambda plan: plan.owner_id)

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


class MessageKind(models.TextChoices):
    """The kinds of message reminders writes to the outbox (``messaging.models.Delivery.kind``)
    and renders from its templates: reminders, and the notices other apps ask it to send to a
    person, in that person's language, channels and quiet hours."""

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
    HELP_ACKNOWLEDGED = "help_acknowledged", _("someone has seen an urgent help request")
    WAITING_OFFER = "waiting_offer", _("offer from the waiting list")
    HANDOVER = "handover", _("introducing a new worker")
    GROUP_MEETING = "group_meeting", _("responsibility group meeting")
    SMS_BOOKING = "sms_booking", _("booking by SMS")
    # An unread message in a conversation (conversations.sms): one SMS, answered by SMS.
    CONVERSATION = "conversation", _("new message in a conversation")


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

    # Read with its plan (select_related), whose owner the log is about.
    objects = audited_by(lambda entry: entry.plan.owner_id)

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
        CALENDAR_CLASH = "calendar_clash", _("a meeting clashes with your other calendar")

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follow_up_tasks")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    appointment = models.ForeignKey(Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = audited_by(lambda task: task.client_id)

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


class SmsBookingOffer(models.Model):
    """Three free times sent by SMS to a person who asked with TIME or BESTILL
    (``reminders.sms_booking``). A reply 1, 2 or 3 before ``expires_at`` books that time; the
    offer is used up in the same transaction as the booking, so an answer sent twice books once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    meeting_type = models.ForeignKey("booking.MeetingType", on_delete=models.CASCADE, related_name="+")
    # The offered starts as UTC ISO strings, in the order they were numbered.
    starts = models.JSONField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("SMS booking offer")
        verbose_name_plural = _("SMS booking offers")
        indexes = [models.Index(fields=["user", "-created_at"], name="sms_offer_user_newest_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gte=models.F("created_at")), name="sms_offer_expires_after"),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True, appointment__isnull=True)
                | Q(used_at__isnull=False, appointment__isnull=False),
                name="sms_offer_used_with_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"offer {self.pk} ({'used' if self.used_at else 'open'})"


class Supporter(models.Model):
    """A family member or friend, known only by a first name and a phone number, whom the
    owner asked to be told when a medication reminder is not confirmed.

    Nothing is sent to them until they agree by replying JA to the one question they get;
    they can reply STOPP at any time. The alert names only the owner's first name, never what
    the reminder was for. Rows are kept (``removed`` when the owner takes them off), so the
    owner sees that a supporter stopped, and a new supporter is a new row.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("asked, no answer yet")
        AGREED = "agreed", _("agreed")
        STOPPED = "stopped", _("stopped")
        REMOVED = "removed", _("removed")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supporters")
    name = models.CharField(_("what you call them"), max_length=40)
    number = PhoneNumberField(_("their phone number"), region="NO")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = audited_by(lambda supporter: supporter.owner_id)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "agreed", "stopped", "removed"]), name="supporter_status_valid"
            ),
            # One supporter at a time: one person to call keeps the alert clear (who acts?),
            # and naming a new one ends the last.
            models.UniqueConstraint(
                fields=["owner"], condition=Q(status__in=["pending", "agreed"]), name="supporter_one_current_per_owner"
            ),
        ]
        indexes = [models.Index(fields=["number", "status"], name="supporter_number_status_idx")]

    def __str__(self) -> str:
        return f"supporter of {self.owner_id} ({self.status})"
