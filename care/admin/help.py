"""Admin for "I need help now": the rota and settings per unit, and the requests (read-mostly)."""

from django.contrib import admin

from care.models import DutyShift, HelpAlert, HelpRequest, HelpSettings


@admin.register(HelpSettings)
class HelpSettingsAdmin(admin.ModelAdmin):
    list_display = ["unit", "leader", "ack_minutes", "crisis_line_name", "crisis_line_number"]
    raw_id_fields = ["leader"]


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ["unit", "weekday", "start", "end", "staff", "position"]
    list_filter = ["unit", "weekday"]
    raw_id_fields = ["staff"]


class HelpAlertInline(admin.TabularInline):
    model = HelpAlert
    extra = 0
    readonly_fields = ["staff", "level", "alerted_at"]
    can_delete = False


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "unit", "status", "via", "created_at", "acknowledged_at", "resolved_at"]
    list_filter = ["unit", "status", "via"]
    raw_id_fields = ["user", "acknowledged_by", "resolved_by"]
    readonly_fields = ["chain", "level", "due_at", "routed_at"]
    inlines = [HelpAlertInline]
