"""What the co-production triangle holds about a person (``audit.records``): their plan,
whom they share with, requests for a peer and for help, their responsibility group, the
waiting list and what they said in feedback and ideas.

Erased: the plan, the sharing, the ideas and the people outside the service in their group
go; requests, meetings and feedback stay as rows for the unit's statistics (how fast help
came, how meetings went), without the words written in them."""

from datetime import datetime
from typing import Any

from audit.records import Record, iso
from care.models import (
    AgreedAction,
    ExternalParticipant,
    Feedback,
    GroupMeeting,
    HelpRequest,
    Idea,
    MeetingInvitee,
    PeerRequest,
    PlanEntry,
    Sharing,
    WaitingEntry,
    WaitingOffer,
)


def _plan(person: Any) -> list[dict[str, Any]]:
    entries = PlanEntry.objects.filter(client=person).prefetch_related("versions").order_by("created_at")
    return [
        {
            "kind": e.kind,
            "text": e.text,
            "status": e.status,
            "history": [{"text": v.text, "status": v.status, "written": iso(v.written_at)} for v in e.versions.all()],
        }
        for e in entries
    ]


def _group(person: Any) -> list[dict[str, Any]]:
    meetings = (
        GroupMeeting.objects.filter(group__client=person)
        .prefetch_related("actions", "invitees__external")
        .order_by("start")
    )
    return [
        {
            "start": iso(m.start),
            "end": iso(m.end),
            "place": m.place,
            "status": m.status,
            "agenda": m.agenda,
            "agreed_actions": [{"what": a.what, "by": iso(a.due_on)} for a in m.actions.all()],
            "invited_from_outside": [i.external.name for i in m.invitees.all()],
        }
        for m in meetings
    ]


def export(person: Any) -> dict[str, Any]:
    return {
        "plan": _plan(person),
        "shared_with_peers": [
            {
                "peer": s.peer.short_name,
                "meetings": s.appointments,
                "plan": s.plan,
                "from": iso(s.granted_at),
                "until": iso(s.revoked_at),
            }
            for s in Sharing.objects.filter(user=person).select_related("peer").order_by("granted_at")
        ],
        "requests_for_a_peer": [
            {"asked": iso(r.created_at), "note": r.note, "status": r.status}
            for r in PeerRequest.objects.filter(user=person).order_by("created_at")
        ],
        "requests_for_help": [
            {"asked": iso(r.created_at), "message": r.message, "status": r.status, "via": r.via}
            for r in HelpRequest.objects.filter(user=person).order_by("created_at")
        ],
        "responsibility_group_meetings": _group(person),
        "waiting_lists": [
            {"meeting_type": w.meeting_type.name, "joined": iso(w.joined_at), "status": w.status}
            for w in WaitingEntry.objects.filter(user=person).select_related("meeting_type").order_by("joined_at")
        ],
        "feedback": [
            {"month": iso(f.month), "face": f.face, "comment": f.comment}
            for f in Feedback.objects.filter(author=person)
        ],
        "ideas": [{"title": i.title, "text": i.text, "status": i.status} for i in Idea.objects.filter(author=person)],
    }


def _close_open_business(person: Any, now: datetime) -> None:
    """Nobody is to be offered times, sent a peer or alerted for an erased person."""
    WaitingOffer.objects.filter(user=person, status=WaitingOffer.Status.OPEN).update(
        status=WaitingOffer.Status.WITHDRAWN, answered_at=now
    )
    WaitingEntry.objects.filter(user=person, status=WaitingEntry.Status.WAITING).update(
        status=WaitingEntry.Status.LEFT, ended_at=now
    )
    PeerRequest.objects.filter(user=person, status=PeerRequest.Status.OPEN).update(
        status=PeerRequest.Status.WITHDRAWN, withdrawn_at=now
    )
    HelpRequest.objects.filter(user=person, status__in=HelpRequest.OPEN).update(
        status=HelpRequest.Status.RESOLVED, resolved_at=now, due_at=None
    )


def erase(person: Any, now: datetime) -> None:
    _close_open_business(person, now)
    PlanEntry.objects.filter(client=person).delete()
    Sharing.objects.filter(user=person).delete()
    PeerRequest.objects.filter(user=person).exclude(note="").update(note="")
    HelpRequest.objects.filter(user=person).update(message="", resolution_note="")
    meetings = GroupMeeting.objects.filter(group__client=person)
    meetings.update(agenda="", place="")
    AgreedAction.objects.filter(meeting__in=meetings).delete()
    externals = ExternalParticipant.objects.filter(group__client=person)
    MeetingInvitee.objects.filter(external__in=externals).delete()
    externals.delete()
    Feedback.objects.filter(author=person).update(comment="", author=None)
    Idea.objects.filter(author=person).delete()


RECORD = Record(name="co-production", export=export, erase=erase)
