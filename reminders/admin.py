from django.contrib import admin

from config.admin_scoping import UnitScopedAdmin
from reminders.models import Delivery, FollowUpTask, MedicationLog, ReminderPlan, ReminderPreferences


@admin.register(ReminderPlan)
class ReminderPlanAdmin(UnitScopedAdmin):
    unit_lookup = "owner__unit_id"
    list_display = ["title", "kind", "owner", "rrule", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["title", "owner__username"]
    readonly_fields = ["version", "materialized_until", "created_by"]


@admin.register(Delivery)
class DeliveryAdmin(UnitScopedAdmin):
    """Read-only: the dispatcher owns these rows."""

    unit_lookup = "recipient__unit_id"
    list_display = ["due_at", "kind", "channel", "recipient", "status", "attempts", "delivery_status"]
    list_filter = ["status", "kind", "channel"]
    date_hierarchy = "due_at"
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ReminderPreferences)
class ReminderPreferencesAdmin(UnitScopedAdmin):
    unit_lookup = "user__unit_id"
    list_display = ["user", "sms_enabled", "discreet", "morning_summary"]


@admin.register(MedicationLog)
class MedicationLogAdmin(UnitScopedAdmin):
    unit_lookup = "plan__owner__unit_id"
    list_display = ["plan", "occurrence_at", "status", "via"]


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(UnitScopedAdmin):
    unit_lookup = "client__unit_id"
    list_display = ["kind", "client", "worker", "created_at", "done_at"]
    list_filter = ["kind"]
