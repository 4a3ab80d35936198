"""Admin for the waiting list: read-mostly; joining, leaving and offers go through the services."""

from django.contrib import admin

from care.models import FreedTime, WaitingEntry, WaitingOffer
from config.admin_scoping import UnitScopedAdmin


@admin.register(WaitingEntry)
class WaitingEntryAdmin(UnitScopedAdmin):
    unit_lookup = "meeting_type__calendar__owner__unit_id"
    list_display = ["user", "meeting_type", "status", "joined_at", "ended_at"]
    list_filter = ["status"]
    list_select_related = ["user", "meeting_type"]
    readonly_fields = ["user", "meeting_type", "status", "joined_at", "ended_at"]


@admin.register(WaitingOffer)
class WaitingOfferAdmin(UnitScopedAdmin):
    unit_lookup = "user__unit_id"
    list_display = ["user", "start", "status", "offered_at", "expires_at", "answered_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in WaitingOffer._meta.fields]


@admin.register(FreedTime)
class FreedTimeAdmin(UnitScopedAdmin):
    unit_lookup = "calendar__owner__unit_id"
    list_display = ["calendar", "start", "end", "created_at", "closed_at"]
    readonly_fields = [f.name for f in FreedTime._meta.fields]
