from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest


class UnitScopedAdmin(admin.ModelAdmin):
    """A coordinator in the admin sees only their own unit's rows; a superuser sees all."""

    unit_lookup: str = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        unit_id = getattr(request.user, "unit_id", None)
        if unit_id is None:
            return qs.none()
        return qs.filter(**{self.unit_lookup: unit_id})
