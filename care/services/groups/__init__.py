"""Writes for responsibility groups and their meetings. The modules by job: ``members`` (the
group and who is in it), ``times`` (when everyone is free), ``meetings`` (booking, moving and
cancelling a meeting in every calendar at once; agenda and agreed actions), ``invitations``
(e-mails to people outside the service, and their answers)."""

from care.services.groups.invitations import invitation_answer_url, invitation_ics, invitation_respond
from care.services.groups.meetings import (
    action_add,
    action_delete,
    agenda_update,
    group_meeting_book,
    group_meeting_cancel,
    group_meeting_move,
    group_meeting_update,
)
from care.services.groups.members import (
    external_add,
    external_remove,
    external_update,
    group_create,
    member_add,
    member_remove,
)
from care.services.groups.times import (
    FAR_DAYS,
    GROUP_MAX_DURATION,
    GROUP_MIN_DURATION,
    group_proposals,
    move_proposals,
    proposals_as_json,
)

__all__ = [
    "FAR_DAYS",
    "GROUP_MAX_DURATION",
    "GROUP_MIN_DURATION",
    "action_add",
    "action_delete",
    "agenda_update",
    "external_add",
    "external_remove",
    "external_update",
    "group_create",
    "group_meeting_book",
    "group_meeting_cancel",
    "group_meeting_move",
    "group_meeting_update",
    "group_proposals",
    "invitation_answer_url",
    "invitation_ics",
    "invitation_respond",
    "member_add",
    "member_remove",
    "move_proposals",
    "proposals_as_json",
]
