from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from booking import services
from booking.models import Appointment, AppointmentEvent, Calendar, CalendarOverride, MeetingType, WorkingHours
from config.admin_scoping import UnitScopedAdmin
from config.errors import ApplicationError


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class OverrideInline(admin.TabularInline):
    model = CalendarOverride
    extra = 0


class MeetingTypeInline(admin.StackedInline):
    model = MeetingType
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(UnitScopedAdmin):
    unit_lookup = "owner__unit_id"
    list_display = ["owner"]
    search_fields = ["owner__username", "owner__first_name", "owner__last_name"]
    autocomplete_fields = ["owner"]
    inlines = [WorkingHoursInline, OverrideInline, MeetingTypeInline]


@admin.register(MeetingType)
class MeetingTypeAdmin(UnitScopedAdmin):
    unit_lookup = "calendar__owner__unit_id"
    list_display = ["name", "calendar", "duration_minutes", "mode", "audience", "is_active"]
    list_filter = ["mode", "audience", "is_active"]


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "at", "previous_start", "previous_end", "note"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(UnitScopedAdmin):
    """Appointments are read-only here: booking, moving and cancelling go through the
    booking services so the overlap checks, history and reminders always apply."""

    unit_lookup = "calendar__owner__unit_id"
    audit_what = "appointment"
    list_display = ["start", "meeting_type", "calendar", "client", "status"]
    list_filter = ["status", "calendar"]
    date_hierarchy = "start"
    search_fields = ["client__username", "client__first_name", "client__last_name"]
    readonly_fields = [f.name for f in Appointment._meta.fields]
    inlines = [AppointmentEventInline]
    actions = ["cancel_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Cancel the selected appointments"))
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        done = 0
        for appointment in queryset.filter(status=Appointment.Status.BOOKED):
            try:
                services.appointment_cancel(
                    actor=request.user, appointment_id=appointment.pk, reason=str(_("Cancelled by the service"))
                )
                done += 1
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.WARNING)
        self.message_user(request, _("%(n)d appointments cancelled.") % {"n": done})
