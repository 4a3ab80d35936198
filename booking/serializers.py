"""Request shapes and response representations. Shape only: rules live in services."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from booking.external import SyncError
from booking.models import (
    Appointment,
    AppointmentEvent,
    CalendarOverride,
    ExternalCalendar,
    MeetingType,
    WorkingHours,
)
from config import fields
from people.models import User


def local_iso(value: datetime, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).isoformat()


class WorkerSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "name", "role"]

    def get_name(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class MeetingTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeetingType
        fields = ["id", *MeetingType.EDITABLE_FIELDS]
        read_only_fields = ["id"]

    def validate_duration_minutes(self, value: int) -> int:
        if not 5 <= value <= 480:
            raise serializers.ValidationError(_("A meeting lasts between 5 and 480 minutes."))
        return value

    def validate_buffer_before_minutes(self, value: int) -> int:
        if value > 240:
            raise serializers.ValidationError(_("At most 240 minutes."))
        return value

    def validate_buffer_after_minutes(self, value: int) -> int:
        return self.validate_buffer_before_minutes(value)

    def validate_slot_step_minutes(self, value: int) -> int:
        if value < 5:
            raise serializers.ValidationError(_("Start times must be at least 5 minutes apart."))
        return value

    def validate_horizon_days(self, value: int) -> int:
        if not 1 <= value <= 366:
            raise serializers.ValidationError(_("Between 1 and 366 days."))
        return value


class DateRangeQuerySerializer(serializers.Serializer):
    """Local days ``start`` … ``end`` (both included), at most ``BOOKING_MAX_RANGE_DAYS``."""

    start = fields.DateField()
    end = fields.DateField()

    def validate(self, attrs: dict) -> dict:
        from django.conf import settings

        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end date must not be before the start date.")]})
        if (attrs["end"] - attrs["start"]).days >= settings.BOOKING_MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"end": [_("Ask for at most %(days)s days at a time.") % {"days": settings.BOOKING_MAX_RANGE_DAYS}]}
            )
        return attrs


class SlotQuerySerializer(DateRangeQuerySerializer):
    meeting_type = fields.IdField()


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class RepeatSerializer(serializers.Serializer):
    frequency = serializers.ChoiceField(choices=["weekly"], default="weekly")
    interval = serializers.IntegerField(min_value=1, max_value=4, default=1)
    count = serializers.IntegerField(min_value=2, max_value=52)


class AppointmentCreateSerializer(serializers.Serializer):
    worker = fields.IdField()
    meeting_type = fields.IdField()
    start = fields.DateTimeField()
    user = fields.IdField(required=False, allow_null=True)
    repeat = RepeatSerializer(required=False, allow_null=True)
    skip_conflicts = serializers.BooleanField(default=False)


class CancelSerializer(serializers.Serializer):
    # Optional for everyone: a person need not explain; staff pages show it when given.
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="", trim_whitespace=True)


class RescheduleSerializer(serializers.Serializer):
    start = fields.DateTimeField()


class AppointmentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppointmentEvent
        fields = ["action", "at", "actor", "previous_start", "previous_end", "note"]


class AppointmentSerializer(serializers.ModelSerializer):
    worker = WorkerSerializer(source="calendar.owner", read_only=True)
    meeting_type = serializers.SerializerMethodField()
    user = serializers.SerializerMethodField()
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "uid",
            "status",
            "start",
            "end",
            "worker",
            "meeting_type",
            "user",
            "series",
            "cancel_reason",
            "sequence",
            "created_at",
            "updated_at",
        ]

    def _tz(self, obj: Appointment) -> str:
        return obj.calendar.owner.timezone

    # A date-time with the worker's offset: documented as one, so a client reads it as one.
    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, obj: Appointment) -> str:
        return local_iso(obj.start, self._tz(obj))

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, obj: Appointment) -> str:
        return local_iso(obj.end, self._tz(obj))

    def get_meeting_type(self, obj: Appointment) -> dict:
        mt = obj.meeting_type
        return {"id": mt.pk, "name": mt.name, "mode": mt.mode, "place": mt.place}

    def get_user(self, obj: Appointment) -> dict:
        return {"id": obj.client_id, "name": obj.client.get_full_name() or obj.client.username}

    def to_representation(self, instance: Appointment) -> dict:
        data = super().to_representation(instance)
        viewer = self.context.get("viewer")
        if viewer is not None and viewer.is_peer and instance.calendar.owner_id != viewer.pk:
            # A peer reads someone's meeting by their consent to time and place: what they
            # wrote to their worker (a reason, the history) stays between them.
            data["cancel_reason"] = ""
            if "history" in data:
                data["history"] = []
        return data


def _drf_datetime(value: datetime | None) -> str | None:
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the current time zone, UTC as Z."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def appointment_payload(obj: Appointment) -> dict:
    """What ``AppointmentSerializer(obj).data`` gives, built directly: a booking's answer
    is written on every booking, and the serializer's field introspection costs more than
    the rest of the answer. Kept equal to the serializer by a test."""
    owner = obj.calendar.owner
    tz = owner.timezone
    mt = obj.meeting_type
    return {
        "id": obj.pk,
        "uid": str(obj.uid),
        "status": obj.status,
        "start": local_iso(obj.start, tz),
        "end": local_iso(obj.end, tz),
        "worker": {"id": owner.pk, "name": owner.get_full_name() or owner.username, "role": owner.role},
        "meeting_type": {"id": mt.pk, "name": mt.name, "mode": mt.mode, "place": mt.place},
        "user": {"id": obj.client_id, "name": obj.client.get_full_name() or obj.client.username},
        "series": obj.series_id,
        "cancel_reason": obj.cancel_reason,
        "sequence": obj.sequence,
        "created_at": _drf_datetime(obj.created_at),
        "updated_at": _drf_datetime(obj.updated_at),
    }


class AppointmentDetailSerializer(AppointmentSerializer):
    history = AppointmentEventSerializer(source="events", many=True, read_only=True)

    class Meta(AppointmentSerializer.Meta):
        fields = [*AppointmentSerializer.Meta.fields, "history"]


class WorkingHoursSerializer(serializers.ModelSerializer):
    start = fields.LocalTimeField()
    end = fields.LocalTimeField()

    class Meta:
        model = WorkingHours
        fields = ["id", "weekday", "start", "end"]
        read_only_fields = ["id"]

    def validate_weekday(self, value: int) -> int:
        if not 0 <= value <= 6:
            raise serializers.ValidationError(_("0 = Monday … 6 = Sunday."))
        return value

    def validate(self, attrs: dict) -> dict:
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end must be after the start.")]})
        return attrs


class WorkingWeekSerializer(serializers.Serializer):
    intervals = WorkingHoursSerializer(many=True)


class OverrideSerializer(serializers.ModelSerializer):
    """Either ``start``/``end`` instants, or whole days with ``date`` (and ``end_date``)."""

    start = fields.DateTimeField(required=False)
    end = fields.DateTimeField(required=False)
    date = fields.DateField(required=False, write_only=True)
    end_date = fields.DateField(required=False, write_only=True)

    class Meta:
        model = CalendarOverride
        fields = ["id", "kind", "start", "end", "date", "end_date", "note"]
        read_only_fields = ["id"]

    def validate(self, attrs: dict) -> dict:
        has_days = "date" in attrs
        has_times = "start" in attrs and "end" in attrs
        if has_days == has_times:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Give either start and end times, or a date (and end_date) for whole days.")]}
            )
        if has_days and attrs.get("end_date") and attrs["end_date"] < attrs["date"]:
            raise serializers.ValidationError({"end_date": [_("The end date must not be before the date.")]})
        if has_times and attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end must be after the start.")]})
        return attrs


class ExternalCalendarSerializer(serializers.ModelSerializer):
    """A calendar the worker connected. The password is write-only: never returned."""

    kind = serializers.ChoiceField(choices=ExternalCalendar.Kind.choices)
    url = serializers.CharField(max_length=2000)
    username = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    password = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", write_only=True, trim_whitespace=False
    )
    write_back = serializers.BooleanField(required=False, default=False)
    has_password = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    error_message = serializers.SerializerMethodField()

    class Meta:
        model = ExternalCalendar
        fields = [
            "id",
            "kind",
            "url",
            "username",
            "password",
            "has_password",
            "write_back",
            "status",
            "last_success_at",
            "last_attempt_at",
            "last_error",
            "error_message",
            "failing_since",
        ]
        read_only_fields = ["id", "last_success_at", "last_attempt_at", "last_error", "failing_since"]

    def get_has_password(self, item: ExternalCalendar) -> bool:
        return bool(item.password_sealed)

    def get_status(self, item: ExternalCalendar) -> str:
        """``ok``, ``failing`` (the last attempt failed) or ``waiting`` (not read yet)."""
        if item.last_error:
            return "failing"
        return "ok" if item.last_success_at else "waiting"

    def get_error_message(self, item: ExternalCalendar) -> str:
        return SyncError.message_for(item.last_error) if item.last_error else ""


class SyncResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    unchanged = serializers.BooleanField()
    written = serializers.IntegerField()
    taken_out = serializers.IntegerField()
    clashing_appointments = serializers.ListField(child=serializers.IntegerField())
    error = serializers.CharField()
    error_message = serializers.CharField()
