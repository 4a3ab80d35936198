"""Admin for "I need help now": the rota and settings per unit, and the requests (read-only).

The web page /help/rota/ is where a coordinator keeps the rota; the admin is the fallback.
Every list is scoped to the coordinator's own unit."""

from django.contrib import admin
from django.http import HttpRequest

from care.models import DutyCover, DutyShift, HelpAlert, HelpRequest, HelpSettings
from config.admin_scoping import UnitScopedAdmin


@admin.register(HelpSettings)
class HelpSettingsAdmin(UnitScopedAdmin):
    unit_lookup = "unit_id"
    list_display = ["unit", "leader", "ack_minutes", "crisis_line_name", "crisis_line_number"]
    raw_id_fields = ["leader"]


@admin.register(DutyShift)
class DutyShiftAdmin(UnitScopedAdmin):
    unit_lookup = "unit_id"
    list_display = ["unit", "weekday", "start", "end", "staff", "position"]
    list_filter = ["weekday"]
    raw_id_fields = ["staff"]


@admin.register(DutyCover)
class DutyCoverAdmin(UnitScopedAdmin):
    unit_lookup = "unit_id"
    list_display = ["unit", "absent", "first_day", "last_day", "cover"]
    raw_id_fields = ["absent", "cover", "created_by"]


class HelpAlertInline(admin.TabularInline):
    model = HelpAlert
    extra = 0
    readonly_fields = ["staff", "level", "alerted_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(HelpRequest)
class HelpRequestAdmin(UnitScopedAdmin):
    unit_lookup = "unit_id"
    audit_what = "help_request"
    list_display = ["pk", "status", "via", "created_at", "acknowledged_at", "resolved_at"]
    list_filter = ["status", "via"]
    inlines = [HelpAlertInline]

    # Requests change only through the services (routing, acknowledging, resolving).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
