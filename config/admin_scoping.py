from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest


class AuditedAdmin(admin.ModelAdmin):
    """An admin page over a person's information: what it shows is written to the access log
    like any page (``audit``; the queryset's own ``audited``, so this layer imports nothing
    above it). ``audit_what`` names the kind of information; empty for none."""

    audit_what: str = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if self.audit_what and hasattr(qs, "audited"):
            qs = qs.audited(viewer=request.user, what=self.audit_what)
        return qs


class UnitScopedAdmin(AuditedAdmin):
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
