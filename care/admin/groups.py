"""Admin for responsibility groups: read mostly; meetings are booked through the service."""

from django.contrib import admin

from care.models import (
    AgreedAction,
    ExternalParticipant,
    GroupMeeting,
    GroupMember,
    ResponsibilityGroup,
)
from config.admin_scoping import AuditedAdmin


class MemberInline(admin.TabularInline):
    model = GroupMember
    extra = 0
    raw_id_fields = ["user"]


class ExternalInline(admin.TabularInline):
    model = ExternalParticipant
    extra = 0


@admin.register(ResponsibilityGroup)
class ResponsibilityGroupAdmin(AuditedAdmin):
    audit_what = "group_meeting"
    list_display = ["id", "client", "created_at"]
    raw_id_fields = ["client", "created_by"]
    inlines = [MemberInline, ExternalInline]


class ActionInline(admin.TabularInline):
    model = AgreedAction
    extra = 0
    raw_id_fields = ["responsible_user", "responsible_external", "created_by"]


@admin.register(GroupMeeting)
class GroupMeetingAdmin(AuditedAdmin):
    audit_what = "group_meeting"
    list_select_related = ["group"]  # whose meeting a row is, for the access log, without a query each
    list_display = ["id", "group", "start", "status", "sequence"]
    list_filter = ["status"]
    readonly_fields = ["uid", "group", "organiser", "start", "end", "status", "sequence"]
    inlines = [ActionInline]
