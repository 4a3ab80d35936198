"""Responsibility groups: the service user and the people around them, and their meetings.

Internal participants are staff and peers with calendars; a group meeting books one
appointment in each of their calendars. External participants (a NAV adviser, a GP) have no
account: they are invited by e-mail and answer through an unguessable link.
"""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from audit.querysets import audited_by

__all__ = [
    "AgreedAction",
    "ExternalParticipant",
    "GroupMeeting",
    "GroupMeetingAppointment",
    "GroupMeetingType",
    "GroupMember",
    "MeetingInvitee",
    "ResponsibilityGroup",
]


class ResponsibilityGroup(models.Model):
    """One service user's responsibility group (ansvarsgruppe)."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="responsibility_groups",
        verbose_name=_("service user"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = audited_by(lambda group: group.client_id)

    class Meta:
        verbose_name = _("responsibility group")
        verbose_name_plural = _("responsibility groups")
        constraints = [models.UniqueConstraint(fields=["client"], name="group_one_per_client")]

    def __str__(self) -> str:
        return f"group of {self.client_id}"


class GroupMember(models.Model):
    """A member of staff or a peer in the group. Removing someone ends the row; past
    meetings keep their appointments and the row stays as history."""

    group = models.ForeignKey(ResponsibilityGroup, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="group_memberships")
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"], condition=Q(removed_at__isnull=True), name="group_member_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


class ExternalParticipant(models.Model):
    """Someone outside the service, without an account: reached by e-mail and/or phone."""

    group = models.ForeignKey(ResponsibilityGroup, on_delete=models.CASCADE, related_name="externals")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("external participant")
        verbose_name_plural = _("external participants")
        constraints = [
            models.CheckConstraint(condition=~Q(email="") | ~Q(phone=""), name="external_reachable"),
        ]

    def __str__(self) -> str:
        return self.name


class GroupMeetingType(models.Model):
    """The hidden meeting type a calendar's group-meeting appointments hang on.

    Created on first use and kept inactive, so it never shows up in normal booking; its
    buffers, notice and horizon are the calendar's rules for group meetings.
    """

    calendar = models.OneToOneField("booking.Calendar", on_delete=models.CASCADE, related_name="group_meeting_type")
    meeting_type = models.OneToOneField("booking.MeetingType", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"group meetings in {self.calendar_id}"


class GroupMeeting(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CANCELLED = "cancelled", _("cancelled")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(ResponsibilityGroup, on_delete=models.PROTECT, related_name="meetings")
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOOKED)
    agenda = models.TextField(_("agenda"), blank=True)
    # iCalendar SEQUENCE of the invitations: bumped on every change sent to the externals.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = audited_by(lambda meeting: meeting.group.client_id)

    class Meta:
        ordering = ["start"]
        verbose_name = _("group meeting")
        verbose_name_plural = _("group meetings")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="group_meeting_end_after_start"),
            models.CheckConstraint(condition=Q(status__in=["booked", "cancelled"]), name="group_meeting_status"),
        ]

    def __str__(self) -> str:
        return f"group meeting {self.start:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


class GroupMeetingAppointment(models.Model):
    """The appointment a group meeting holds in one internal participant's calendar."""

    meeting = models.ForeignKey(GroupMeeting, on_delete=models.CASCADE, related_name="links")
    # One part of the joint meeting booking holds for the group meeting (Appointment.joint);
    # the part that is the service user's copy carries their reminders.
    appointment = models.OneToOneField("booking.Appointment", on_delete=models.PROTECT, related_name="group_link")

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.appointment_id}"


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class MeetingInvitee(models.Model):
    """An external participant invited to one meeting, and their answer."""

    class Response(models.TextChoices):
        NEEDS_ACTION = "needs_action", _("no answer yet")
        ACCEPTED = "accepted", _("coming")
        DECLINED = "declined", _("not coming")

    meeting = models.ForeignKey(GroupMeeting, on_delete=models.CASCADE, related_name="invitees")
    external = models.ForeignKey(ExternalParticipant, on_delete=models.PROTECT, related_name="invitations")
    # The secret in the answer link: whoever holds it may answer for this invitee, nothing more.
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    response = models.CharField(max_length=15, choices=Response.choices, default=Response.NEEDS_ACTION)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "external"], name="invitee_once_per_meeting"),
            models.CheckConstraint(
                condition=Q(response__in=["needs_action", "accepted", "declined"]), name="invitee_response_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} to {self.meeting_id}"


class AgreedAction(models.Model):
    """What was agreed at a meeting: what, who (a participant or the user) and by when."""

    meeting = models.ForeignKey(GroupMeeting, on_delete=models.CASCADE, related_name="actions")
    what = models.CharField(_("what"), max_length=500)
    # Exactly one of these: a person with an account (the user or an internal participant),
    # or an external participant.
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responsible_external = models.ForeignKey(
        ExternalParticipant, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    due_on = models.DateField(_("by when"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("agreed action")
        verbose_name_plural = _("agreed actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible_user__isnull=True, responsible_external__isnull=False)
                | Q(responsible_user__isnull=False, responsible_external__isnull=True),
                name="agreed_action_one_responsible",
            )
        ]

    def __str__(self) -> str:
        return self.what

    @property
    def responsible_name(self) -> str:
        if self.responsible_external_id:
            return self.responsible_external.name
        return str(self.responsible_user)
