from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from config.admin_scoping import UnitScopedAdmin
from people.models import Caseload, OpeningHours, PhoneNumber, Unit, User


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Unit)
class UnitAdmin(UnitScopedAdmin):
    unit_lookup = "pk"
    list_display = ["name", "address", "timezone"]
    search_fields = ["name"]
    inlines = [OpeningHoursInline]


class PhoneNumberInline(admin.TabularInline):
    model = PhoneNumber
    extra = 0
    fields = ["number", "label", "is_active", "is_spare", "unusable_since"]
    readonly_fields = ["is_spare", "unusable_since"]


class CaseloadAsClientInline(admin.TabularInline):
    model = Caseload
    fk_name = "client"
    extra = 0
    verbose_name = _("followed by")
    verbose_name_plural = _("followed by (history)")
    fields = ["worker", "started_at", "ended_at"]
    autocomplete_fields = ["worker"]


@admin.register(User)
class UserAdmin(UnitScopedAdmin, BaseUserAdmin):
    unit_lookup = "unit_id"
    list_display = ["username", "first_name", "last_name", "role", "unit", "is_active"]
    list_filter = ["role", "unit", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Triangel"), {"fields": ["role", "unit", "preferred_channel", "language", "timezone"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Triangel"), {"fields": ["role", "unit", "first_name", "last_name", "email"]}),
    ]
    inlines = [PhoneNumberInline, CaseloadAsClientInline]


@admin.register(Caseload)
class CaseloadAdmin(UnitScopedAdmin):
    unit_lookup = "client__unit_id"
    list_display = ["client", "worker", "started_at", "ended_at"]
    list_filter = ["worker"]
    autocomplete_fields = ["worker", "client"]
    search_fields = ["client__username", "client__first_name", "worker__username"]
