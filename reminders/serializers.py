from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from rest_framework import serializers

from config import fields
from messaging.models import Channel, Delivery
from people.models import User
from reminders.models import PREFERENCE_FIELDS, MedicationLog, MessageKind, ReminderPlan, ReminderPreferences
from reminders.schedule import InvalidSchedule, one_off_rrule, parse_rrule, rrule_from_simple

MAX_DAYS_BACK = 366


class ChannelsField(serializers.ListField):
    child = serializers.ChoiceField(choices=Channel.choices)

    def to_internal_value(self, data: object) -> list[str]:
        value = super().to_internal_value(data)
        if not value:
            raise serializers.ValidationError(_("Pick at least one channel."))
        return sorted(set(value))


class ReminderPlanSerializer(serializers.ModelSerializer):
    """A plan. The schedule is either ``rrule`` or the simple forms a page offers:
    ``times`` with ``weekdays`` (none = every day), ``times`` with ``day_of_month``, or a
    one-off ``date`` with one time."""

    user = serializers.IntegerField(source="owner_id", required=False)
    channels = ChannelsField(required=False)
    rrule = serializers.CharField(required=False, max_length=500)
    times = serializers.ListField(child=fields.LocalTimeField(), required=False, write_only=True, max_length=12)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False, write_only=True
    )
    day_of_month = serializers.IntegerField(min_value=1, max_value=31, required=False, write_only=True)
    date = fields.DateField(required=False, write_only=True)
    starts_on = fields.DateField(required=False)
    amount = fields.AmountField(max_digits=10, decimal_places=2, required=False, allow_null=True)

    class Meta:
        model = ReminderPlan
        fields = [
            "id",
            "user",
            "kind",
            "title",
            "rrule",
            "starts_on",
            "times",
            "weekdays",
            "day_of_month",
            "date",
            "channels",
            "dose",
            "money_kind",
            "amount",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]

    def validate_starts_on(self, value: date) -> date:
        # A plan counted from long ago (COUNT=…) is walked from its start on every expansion.
        if value < timezone.localdate() - timedelta(days=MAX_DAYS_BACK):
            raise serializers.ValidationError(_("A plan can start at most a year back."))
        return value

    def validate(self, attrs: dict) -> dict:
        instance = self.instance
        kind = attrs.get("kind", instance.kind if instance else None)
        if instance is not None and "kind" in attrs and attrs["kind"] != instance.kind:
            raise serializers.ValidationError({"kind": [_("The kind of a plan cannot change; make a new plan.")]})
        money_kind = attrs.get("money_kind", instance.money_kind if instance else "")
        if kind == ReminderPlan.Kind.MONEY and money_kind not in ReminderPlan.MoneyKind.values:
            raise serializers.ValidationError({"money_kind": [_("Choose bill, payday or budget.")]})
        if kind != ReminderPlan.Kind.MONEY:
            attrs["money_kind"] = ""
        simple = {k: attrs.pop(k) for k in ("times", "weekdays", "day_of_month", "date") if k in attrs}
        try:
            if "rrule" in attrs and simple:
                raise InvalidSchedule(gettext_noop("Give either rrule or times, not both."))
            if "date" in simple:
                if len(simple.get("times", [])) != 1:
                    raise InvalidSchedule(gettext_noop("A one-off reminder needs exactly one time."))
                attrs["rrule"] = one_off_rrule(simple["times"][0])
                attrs["starts_on"] = simple["date"]
            elif simple:
                attrs["rrule"] = rrule_from_simple(
                    times=simple.get("times", []),
                    weekdays=simple.get("weekdays"),
                    day_of_month=simple.get("day_of_month"),
                )
            if instance is None and "rrule" not in attrs:
                raise InvalidSchedule(
                    gettext_noop("Say when: give times (and weekdays or a day of the month), a date, or an rrule.")
                )
            starts_on = attrs.get("starts_on") or (instance.starts_on if instance else timezone.localdate())
            attrs["starts_on"] = starts_on
            if "rrule" in attrs:
                parse_rrule(attrs["rrule"], starts_on)
        except InvalidSchedule as exc:
            raise serializers.ValidationError({"rrule": [_(str(exc))]}) from exc
        return attrs


# A reminder or notice in the outbox. ``plan``, ``appointment`` and ``plan_title`` come from
# ``reminders.selectors.deliveries_listed``, which names what each row is about.
class DeliverySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=MessageKind.choices)
    plan = serializers.IntegerField(allow_null=True, required=False)
    plan_title = serializers.CharField(read_only=True, allow_null=True)
    appointment = serializers.IntegerField(allow_null=True, required=False)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "kind",
            "channel",
            "status",
            "occurrence_at",
            "due_at",
            "expires_at",
            "sent_at",
            "attempts",
            "last_error",
            "delivery_status",
            "plan",
            "plan_title",
            "appointment",
        ]


class MedicationLogSerializer(serializers.ModelSerializer):
    plan_title = serializers.CharField(source="plan.title", read_only=True)

    class Meta:
        model = MedicationLog
        fields = ["id", "plan", "plan_title", "occurrence_at", "status", "via", "recorded_at"]
        read_only_fields = ["id", "status", "via", "recorded_at", "plan_title"]


class MedicationTakenSerializer(serializers.Serializer):
    plan = fields.IdField()
    occurrence_at = fields.DateTimeField()


class PreferencesSerializer(serializers.ModelSerializer):
    appointment_channels = ChannelsField(required=False)
    appointment_offsets = serializers.ListField(
        child=serializers.IntegerField(min_value=15, max_value=7 * 24 * 60), max_length=4, required=False
    )
    quiet_start = fields.LocalTimeField(required=False)
    quiet_end = fields.LocalTimeField(required=False)
    morning_summary_time = fields.LocalTimeField(required=False)
    # The person's language (people.User.language): the texts they are sent and their pages.
    language = serializers.ChoiceField(
        source="user.language",
        choices=User.Language.choices,
        required=False,
        error_messages={"invalid_choice": _("Choose one of these languages: nb (Norwegian Bokmål), en (English).")},
    )

    class Meta:
        model = ReminderPreferences
        fields = ["language", *PREFERENCE_FIELDS]

    def validate_conversation_notice_minutes(self, value: int) -> int:
        if not 1 <= value <= 24 * 60:
            raise serializers.ValidationError(_("Between 1 minute and 24 hours."))
        return value

    def validate_followup_delay_minutes(self, value: int) -> int:
        if not 15 <= value <= 24 * 60:
            raise serializers.ValidationError(_("Between 15 minutes and 24 hours."))
        return value


class InboundSmsSerializer(serializers.Serializer):
    """``{"from": "+47…", "text": "…", "message_id": "…"}`` (``sender`` is accepted for ``from``)."""

    sender = serializers.CharField(max_length=32)
    text = serializers.CharField(max_length=1600, allow_blank=True)
    message_id = serializers.CharField(max_length=100)

    def to_internal_value(self, data: object) -> dict:
        if hasattr(data, "get") and data.get("from") is not None and data.get("sender") is None:
            data = {"sender": data.get("from"), "text": data.get("text"), "message_id": data.get("message_id")}
        return super().to_internal_value(data)


class SupporterSerializer(serializers.Serializer):
    """A family member or friend told when a medication reminder is not confirmed, once they
    agree by SMS. ``status``: ``pending`` (asked, no answer yet), ``agreed``, ``stopped`` (they
    replied STOPP; name someone again to ask anew)."""

    name = serializers.CharField(max_length=40, help_text="What the person calls them, e.g. Mamma")
    number = serializers.CharField(max_length=32, help_text="Their mobile number (Norwegian unless +country code)")
    status = serializers.ChoiceField(choices=["pending", "agreed", "stopped"], read_only=True)
    named_at = serializers.DateTimeField(source="created_at", read_only=True)
    answered_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def to_representation(self, instance: Any) -> dict:
        data = super().to_representation(instance)
        data["number"] = str(instance.number)
        return data
