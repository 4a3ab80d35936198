from django.contrib import admin
from django.http import HttpRequest

from config.admin_scoping import UnitScopedAdmin
from messaging.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(UnitScopedAdmin):
    """Read-only: the dispatcher owns these rows."""

    unit_lookup = "recipient__unit_id"
    audit_what = "delivery"
    list_display = ["due_at", "kind", "channel", "recipient", "status", "attempts", "delivery_status"]
    list_filter = ["status", "kind", "channel"]
    date_hierarchy = "due_at"
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
