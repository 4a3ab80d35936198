"""Admin for continuity: read-only, because a plan is changed through its service (which keeps
the history) and a handover is a record of what happened."""

from django.contrib import admin
from django.http import HttpRequest

from care.models import Handover, HandoverAppointment, HandoverClient, PlanEntry, PlanEntryVersion


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PlanEntryVersionInline(ReadOnlyMixin, admin.TabularInline):
    model = PlanEntryVersion
    extra = 0
    fields = ("number", "text", "status", "written_by", "written_at")


@admin.register(PlanEntry)
class PlanEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("client", "kind", "status", "created_by", "created_at", "version")
    list_filter = ("kind", "status")
    inlines = [PlanEntryVersionInline]


class HandoverClientInline(ReadOnlyMixin, admin.TabularInline):
    model = HandoverClient
    extra = 0


class HandoverAppointmentInline(ReadOnlyMixin, admin.TabularInline):
    model = HandoverAppointment
    extra = 0
    fields = ("appointment", "client", "start", "outcome", "from_meeting_type", "to_meeting_type", "resolved_at")


@admin.register(Handover)
class HandoverAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "unit", "from_worker", "to_worker", "whole_caseload", "by")
    list_filter = ("unit",)
    inlines = [HandoverClientInline, HandoverAppointmentInline]
