from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone

from config.admin_scoping import UnitScopedAdmin
from reminders.models import FollowUpTask, MedicationLog, ReminderPlan, ReminderPreferences, Supporter
from reminders.services import quiet_hours_retime


@admin.register(ReminderPlan)
class ReminderPlanAdmin(UnitScopedAdmin):
    unit_lookup = "owner__unit_id"
    audit_what = "reminder_plan"
    list_display = ["title", "kind", "owner", "rrule", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["title", "owner__username"]
    readonly_fields = ["version", "materialized_until", "created_by"]


@admin.register(ReminderPreferences)
class ReminderPreferencesAdmin(UnitScopedAdmin):
    unit_lookup = "user__unit_id"
    list_display = ["user", "sms_enabled", "discreet", "morning_summary"]

    def save_model(self, request: HttpRequest, obj: ReminderPreferences, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # In the admin's transaction, as on every other way of changing them.
        if {"quiet_start", "quiet_end"} & set(form.changed_data):
            quiet_hours_retime(person=obj.user, prefs=obj, now=timezone.now())


@admin.register(MedicationLog)
class MedicationLogAdmin(UnitScopedAdmin):
    unit_lookup = "plan__owner__unit_id"
    audit_what = "medication"
    list_select_related = ["plan"]  # whose log a row is, for the access log, without a query each
    list_display = ["plan", "occurrence_at", "status", "via"]


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(UnitScopedAdmin):
    unit_lookup = "client__unit_id"
    list_display = ["kind", "client", "worker", "created_at", "done_at"]
    list_filter = ["kind"]


@admin.register(Supporter)
class SupporterAdmin(UnitScopedAdmin):
    unit_lookup = "owner__unit_id"
    audit_what = "reminder_settings"
    list_display = ["owner", "status", "created_at", "answered_at"]
    list_filter = ["status"]
    # Only the person names a supporter and only the supporter answers: nothing to change here.
    readonly_fields = ["owner", "name", "number", "status", "created_at", "answered_at"]
