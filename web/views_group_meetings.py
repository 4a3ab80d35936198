"""Web pages for one responsibility-group meeting: the meeting page with its place, agenda and
agreed actions, cancelling and moving it, and the external participant's answer page (no account)."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.models import GroupMeeting, MeetingInvitee
from care.selectors import groups as selectors
from care.services import groups as services
from config.errors import ApplicationError
from web import forms_groups as forms
from web.decorators import group_staff_required
from web.group_times import PROPOSAL_DAYS, first_proposal_day, posted_start, starts_by_day


def _meeting(request: HttpRequest, meeting_id: int) -> GroupMeeting:
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    if meeting is None:
        raise Http404
    return meeting


def _people_choices(meeting: GroupMeeting) -> list[tuple[str, str]]:
    client = meeting.group.client
    choices = [(f"user:{client.pk}", f"{client} ({_('the service user')})")]
    seen = {client.pk}
    owners = [link.appointment.calendar.owner for link in meeting.links.all()]
    owners += [m.user for m in selectors.members_active(group=meeting.group)]
    for owner in owners:
        if owner.pk not in seen:
            seen.add(owner.pk)
            choices.append((f"user:{owner.pk}", str(owner)))
    choices += [
        (f"external:{e.pk}", f"{e.name}{f' ({e.organisation})' if e.organisation else ''}")
        for e in selectors.externals_active(group=meeting.group)
    ]
    return choices


def _meeting_page(request: HttpRequest, meeting: GroupMeeting, *, status: int = 200, **extra: Any) -> HttpResponse:
    manage = not request.user.is_service_user and selectors.may_manage(user=request.user, group=meeting.group)
    now = timezone.now()
    context: dict[str, Any] = {
        "meeting": meeting,
        "group": meeting.group,
        "manage": manage,
        "participants": sorted(
            (link.appointment.calendar.owner for link in meeting.links.all()), key=lambda u: (u.first_name, u.pk)
        ),
        "invitees": list(meeting.invitees.all()),
        "actions": list(meeting.actions.all()),
        "agenda_open": selectors.meeting_changeable(meeting=meeting, now=now),
        "base": "web/base.html",
    }
    if manage:
        context.update(
            agenda_form=extra.pop("agenda_form", None) or forms.AgendaForm(initial={"agenda": meeting.agenda}),
            action_form=extra.pop("action_form", None) or forms.ActionForm(people=_people_choices(meeting)),
            cancel_form=forms.CancelForm(),
            place_form=extra.pop("place_form", None) or forms.PlaceForm(initial={"place": meeting.place}),
        )
    context.update(extra)
    return render(request, "web/groups/meeting.html", context, status=status)


@login_required
def group_meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _meeting_page(request, _meeting(request, meeting_id))


@group_staff_required
@require_POST
def group_meeting_agenda(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    form = forms.AgendaForm(request.POST)
    if form.is_valid():
        try:
            services.agenda_update(actor=request.user, meeting_id=meeting.pk, agenda=form.cleaned_data["agenda"])
        except ApplicationError as exc:
            if exc.status_code == 404:  # a member who may read the meeting but not change it
                raise Http404 from exc
            form.add_error("agenda", exc.message)
        else:
            messages.success(request, _("Agenda saved."))
            return redirect("web:group_meeting", meeting.pk)
    return _meeting_page(request, meeting, status=400, agenda_form=form)


@group_staff_required
@require_POST
def group_meeting_place(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    form = forms.PlaceForm(request.POST)
    if form.is_valid():
        try:
            services.group_meeting_update(actor=request.user, meeting_id=meeting.pk, place=form.cleaned_data["place"])
        except ApplicationError as exc:
            if exc.status_code == 404:
                raise Http404 from exc
            form.add_error("place", exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:group_meeting", meeting.pk)
    return _meeting_page(request, meeting, status=400, place_form=form)


@group_staff_required
@require_POST
def group_meeting_action_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    form = forms.ActionForm(request.POST, people=_people_choices(meeting))
    if form.is_valid():
        kind, _sep, pk = form.cleaned_data["who"].partition(":")
        try:
            services.action_add(
                actor=request.user,
                meeting_id=meeting.pk,
                what=form.cleaned_data["what"],
                responsible_user_id=int(pk) if kind == "user" else None,
                responsible_external_id=int(pk) if kind == "external" else None,
                due_on=form.cleaned_data["due_on"],
            )
        except ApplicationError as exc:
            if exc.status_code == 404:
                raise Http404 from exc
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Agreed action saved."))
            return redirect("web:group_meeting", meeting.pk)
    return _meeting_page(request, meeting, status=400, action_form=form)


@group_staff_required
@require_POST
def group_meeting_action_delete(request: HttpRequest, meeting_id: int, action_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    try:
        services.action_delete(actor=request.user, meeting_id=meeting.pk, action_id=action_id)
    except ApplicationError as exc:
        raise Http404 from exc
    messages.success(request, _("Agreed action removed."))
    return redirect("web:group_meeting", meeting.pk)


@group_staff_required
@require_POST
def group_meeting_cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    form = forms.CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.group_meeting_cancel(actor=request.user, meeting_id=meeting.pk, reason=reason)
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The meeting is cancelled in everyone's calendar."))
    return redirect("web:group_meeting", meeting.pk)


@group_staff_required
def group_meeting_move(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """GET: the times every participant is free, for the meeting's length; POST: move there."""
    meeting = _meeting(request, meeting_id)
    if not selectors.may_manage(user=request.user, group=meeting.group):
        raise Http404
    tz = ZoneInfo(meeting.group.client.timezone)
    today = timezone.now().astimezone(tz).date()
    error, status, proposals = "", 200, None
    if request.method == "POST":
        start = posted_start(request)
        if start is None:
            error, status = _("Choose one of the proposed times."), 400
        else:
            try:
                services.group_meeting_move(actor=request.user, meeting_id=meeting.pk, start=start)
            except ApplicationError as exc:
                if exc.status_code == 404:
                    raise Http404 from exc
                error, status = exc.message, exc.status_code
                if exc.status_code == 409:
                    proposals = [datetime.fromisoformat(p["start"]) for p in exc.extra.get("proposals", [])]
            else:
                messages.success(request, _("The meeting is moved in everyone's calendar."))
                return redirect("web:group_meeting", meeting.pk)
    find = forms.MoveFromForm(request.GET if "start" in request.GET else None)
    first_day = today
    if find.is_valid():
        first_day = first_proposal_day(find.cleaned_data["start"], today)
    elif not find.is_bound:
        find = forms.MoveFromForm(initial={"start": today})
    if proposals is None and selectors.meeting_changeable(meeting=meeting, now=timezone.now()):
        last_day = first_day + timedelta(days=PROPOSAL_DAYS - 1)
        proposals = [p.start for p in services.move_proposals(meeting=meeting, first_day=first_day, last_day=last_day)]
    context = {
        "meeting": meeting,
        "group": meeting.group,
        "find_form": find,
        "move_error": error,
        "changeable": selectors.meeting_changeable(meeting=meeting, now=timezone.now()),
        "days": starts_by_day([p.astimezone(tz) for p in proposals or []]),
    }
    return render(request, "web/groups/move.html", context, status=status)


def group_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The answer page of an external participant: the link in their invitation is the key."""
    invitee = selectors.invitee_by_token(token=token)
    if invitee is None:
        raise Http404
    if request.method == "POST":
        try:
            invitee = services.invitation_respond(token=token, response=request.POST.get("response", ""))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you. Your answer is recorded."))
        return redirect(reverse("web:group_invitation", args=[token]))
    meeting = invitee.meeting
    return render(
        request,
        "web/groups/invitation.html",
        {
            "invitee": invitee,
            "meeting": meeting,
            "tz": meeting.group.client.timezone,
            "accepted": invitee.response == MeetingInvitee.Response.ACCEPTED,
            "declined": invitee.response == MeetingInvitee.Response.DECLINED,
        },
    )
