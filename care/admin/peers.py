"""Admin for peers: read-mostly views of consent, requests, invitations and check-ins."""

from django.contrib import admin

from care.models import PeerCheckIn, PeerInvitation, PeerRequest, Sharing
from config.admin_scoping import AuditedAdmin


@admin.register(Sharing)
class SharingAdmin(admin.ModelAdmin):
    list_display = ["user", "peer", "appointments", "plan", "granted_at", "revoked_at"]
    list_filter = ["appointments", "plan"]
    raw_id_fields = ["user", "peer"]
    # Consent is the person's own choice: recorded through their pages, never edited here.
    readonly_fields = ["user", "peer", "appointments", "plan", "granted_at", "revoked_at"]


@admin.register(PeerRequest)
class PeerRequestAdmin(AuditedAdmin):
    audit_what = "peer_request"
    list_display = ["user", "status", "peer", "created_at", "taken_at"]
    list_filter = ["status"]
    raw_id_fields = ["user", "peer"]


@admin.register(PeerInvitation)
class PeerInvitationAdmin(AuditedAdmin):
    audit_what = "appointment"
    list_select_related = ["appointment"]  # whose meeting a row is, for the access log, without a query each
    list_display = ["appointment", "peer", "status", "created_at", "answered_at"]
    list_filter = ["status"]
    raw_id_fields = ["appointment", "peer"]


@admin.register(PeerCheckIn)
class PeerCheckInAdmin(admin.ModelAdmin):
    list_display = ["task", "peer", "asked_by", "asked_at"]
    raw_id_fields = ["task", "peer", "asked_by"]
