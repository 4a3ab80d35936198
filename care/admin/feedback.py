"""Admin for feedback and ideas. Feedback is read-only: the admin shows no more than the API."""

from django.contrib import admin
from django.http import HttpRequest

from care.models import Feedback, Idea
from config.admin_scoping import UnitScopedAdmin


@admin.register(Feedback)
class FeedbackAdmin(UnitScopedAdmin):
    unit_lookup = "calendar__owner__unit_id"
    list_display = ["month", "calendar", "face", "anonymous", "comment"]
    list_filter = ["face", "anonymous", "month"]
    # The marker is left out: it is only for refusing a second rating.
    fields = ["calendar", "month", "face", "comment", "anonymous", "author", "appointment"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Idea)
class IdeaAdmin(UnitScopedAdmin):
    unit_lookup = "unit_id"
    list_display = ["title", "status", "created_at", "status_changed_at"]
    list_filter = ["status"]
    search_fields = ["title", "text"]
    fields = ["unit", "title", "text", "status", "response", "author_role", "created_at", "status_changed_at"]
    readonly_fields = ["unit", "author_role", "created_at", "status_changed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
