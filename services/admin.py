"""The directory in the administration (coordinators curate on the web: ``/directory/``)."""

from django.contrib import admin

from services.models import Category, HoursException, Location, Organization, RightsPage, Service, WeeklyHours


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0


class HoursExceptionInline(admin.TabularInline):
    model = HoursException
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "last_verified", "is_active"]
    list_filter = ["categories", "is_active"]
    search_fields = ["name", "organization__name"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "open_on_holidays"]
    inlines = [WeeklyHoursInline, HoursExceptionInline]


admin.site.register(Organization)
admin.site.register(Category)
admin.site.register(RightsPage)
