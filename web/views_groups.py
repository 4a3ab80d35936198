"""Web pages for responsibility groups: the worker's or coordinator's group page, the
service user's read-only view, and the external participant's answer page (no account)."""

from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.models import GroupMeeting, MeetingInvitee, ResponsibilityGroup
from care.selectors import groups as selectors
from care.services import groups as services
from config.errors import ApplicationError
from people.selectors import clients_manageable_by
from web import forms_groups as forms
from web.views import role_required

PROPOSAL_DAYS = 14
FAR_AHEAD = timedelta(days=services.FAR_DAYS)


# Social workers, peers and coordinators; what each may see is decided by the selectors.
group_staff_required = role_required(lambda user: user.has_calendar_role or user.is_coordinator)


def _group(request: HttpRequest, group_id: int, *, manage: bool = False) -> ResponsibilityGroup:
    group = selectors.group_get(user=request.user, group_id=group_id, manage=manage)
    if group is None:
        raise Http404
    return group


def _meeting(request: HttpRequest, meeting_id: int) -> GroupMeeting:
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    if meeting is None:
        raise Http404
    return meeting


def _first_day(asked: date | None, today: date) -> date:
    """The first day to propose times from: the day asked for, not before today and not so
    far ahead that the date arithmetic could overflow (nothing is proposed there anyway)."""
    return min(max(asked or today, today), today + FAR_AHEAD)


def _by_day(starts: list[datetime]) -> list[tuple[date, list[datetime]]]:
    return [(day, list(items)) for day, items in groupby(starts, key=lambda s: s.date())]


@group_staff_required
def groups_list(request: HttpRequest) -> HttpResponse:
    groups = list(selectors.groups_visible_to(user=request.user).order_by("client__first_name", "client__last_name"))
    without = (
        clients_manageable_by(actor=request.user)
        .exclude(responsibility_groups__isnull=False)
        .order_by("first_name", "last_name")
    )
    return render(request, "web/groups/list.html", {"groups": groups, "without": without})


@group_staff_required
@require_POST
def group_create(request: HttpRequest) -> HttpResponse:
    try:
        client_id = int(request.POST.get("user", ""))
    except ValueError:
        raise Http404 from None
    try:
        group = services.group_create(actor=request.user, client_id=client_id)
    except ApplicationError as exc:
        raise Http404 from exc
    return redirect("web:group_detail", group.pk)


def _group_page(request: HttpRequest, group: ResponsibilityGroup, *, status: int = 200, **extra: Any) -> HttpResponse:
    manage = selectors.may_manage(user=request.user, group=group)
    tz = ZoneInfo(group.client.timezone)
    context: dict[str, Any] = {
        "group": group,
        "manage": manage,
        "members": list(selectors.members_active(group=group)),
        "externals": list(selectors.externals_active(group=group)),
        "meetings": list(selectors.meetings_visible_to(user=request.user).filter(group=group).order_by("-start")),
        "now": timezone.now(),
    }
    if manage:
        find = forms.FindTimeForm(request.GET if "duration" in request.GET else None)
        duration, first_day = 60, timezone.now().astimezone(tz).date()
        if find.is_valid():
            duration = find.cleaned_data["duration"]
            first_day = _first_day(find.cleaned_data["start"], first_day)
        elif not find.is_bound:
            find = forms.FindTimeForm(initial={"duration": duration, "start": first_day})
        # A bound form with errors is shown with them, and the proposals use the defaults.
        proposals = extra.pop("proposals", None)
        if proposals is None:
            proposals = [
                p.start
                for p in services.group_proposals(
                    group=group,
                    duration_minutes=duration,
                    first_day=first_day,
                    last_day=first_day + timedelta(days=PROPOSAL_DAYS - 1),
                )
            ]
        context.update(
            find_form=find,
            duration=duration,
            days=_by_day([p.astimezone(tz) for p in proposals]),
            member_form=forms.MemberForm(candidates=list(selectors.candidates_for(group=group))),
            external_form=extra.pop("external_form", None) or forms.ExternalForm(),
        )
    context.update(extra)
    return render(request, "web/groups/detail.html", context, status=status)


@group_staff_required
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    return _group_page(request, _group(request, group_id))


@group_staff_required
@require_POST
def group_book(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group(request, group_id, manage=True)
    start = _parse_start(request)
    try:
        duration = int(request.POST.get("duration", ""))
    except ValueError:
        duration = 0
    if start is None:
        messages.error(request, _("Choose one of the proposed times."))
        return redirect("web:group_detail", group.pk)
    try:
        meeting = services.group_meeting_book(
            actor=request.user, group_id=group.pk, start=start, duration_minutes=duration
        )
    except ApplicationError as exc:
        proposals = [datetime.fromisoformat(p["start"]) for p in exc.extra.get("proposals", [])]
        return _group_page(
            request,
            group,
            status=exc.status_code,
            book_error=exc.message,
            **({"proposals": proposals} if exc.status_code == 409 else {}),
        )
    messages.success(request, _("The meeting is booked in everyone's calendar."))
    return redirect("web:group_meeting", meeting.pk)


@group_staff_required
@require_POST
def group_member_add(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group(request, group_id, manage=True)
    form = forms.MemberForm(request.POST, candidates=list(selectors.candidates_for(group=group)))
    if form.is_valid():
        try:
            services.member_add(actor=request.user, group_id=group.pk, user_id=form.cleaned_data["user"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Added to the group."))
    else:
        messages.error(request, _("Choose someone to add."))
    return redirect("web:group_detail", group.pk)


@group_staff_required
@require_POST
def group_member_remove(request: HttpRequest, group_id: int, user_id: int) -> HttpResponse:
    group = _group(request, group_id, manage=True)
    try:
        services.member_remove(actor=request.user, group_id=group.pk, user_id=user_id)
    except ApplicationError as exc:
        raise Http404 from exc
    messages.success(request, _("Taken out of the group. Meetings already held are kept."))
    return redirect("web:group_detail", group.pk)


@group_staff_required
@require_POST
def group_external_add(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group(request, group_id, manage=True)
    form = forms.ExternalForm(request.POST)
    if form.is_valid():
        try:
            services.external_add(actor=request.user, group_id=group.pk, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Added to the group."))
            return redirect("web:group_detail", group.pk)
    return _group_page(request, group, status=400, external_form=form)


@group_staff_required
def group_external_edit(request: HttpRequest, group_id: int, external_id: int) -> HttpResponse:
    group = _group(request, group_id, manage=True)
    external = selectors.externals_active(group=group).filter(pk=external_id).first()
    if external is None:
        raise Http404
    form = forms.ExternalForm(
        request.POST or None,
        initial={k: getattr(external, k) for k in ("name", "role", "organisation", "email", "phone")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.external_update(
                actor=request.user, group_id=group.pk, external_id=external.pk, **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:group_detail", group.pk)
    return render(request, "web/groups/external_edit.html", {"group": group, "external": external, "form": form})


@group_staff_required
@require_POST
def group_external_remove(request: HttpRequest, group_id: int, external_id: int) -> HttpResponse:
    group = _group(request, group_id, manage=True)
    try:
        services.external_remove(actor=request.user, group_id=group.pk, external_id=external_id)
    except ApplicationError as exc:
        raise Http404 from exc
    messages.success(request, _("Taken out of the group. Meetings already held are kept."))
    return redirect("web:group_detail", group.pk)


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


def _parse_start(request: HttpRequest) -> datetime | None:
    """The aware start a proposal's button posted, or None."""
    try:
        start = parse_datetime(request.POST.get("start", ""))
    except ValueError:  # well formed but no such day or hour, e.g. 30 February
        return None
    return start if start is not None and start.tzinfo is not None else None


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
        start = _parse_start(request)
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
        first_day = _first_day(find.cleaned_data["start"], today)
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
        "days": _by_day([p.astimezone(tz) for p in proposals or []]),
    }
    return render(request, "web/groups/move.html", context, status=status)


@login_required
def my_group(request: HttpRequest) -> HttpResponse:
    if not request.user.is_service_user:
        return redirect("web:groups")
    group = selectors.group_for_client(user=request.user, client_id=request.user.pk)
    context: dict[str, Any] = {"group": group, "now": timezone.now()}
    if group is not None:
        context.update(
            members=list(selectors.members_active(group=group)),
            externals=list(selectors.externals_active(group=group)),
            meetings=list(selectors.meetings_visible_to(user=request.user).filter(group=group).order_by("-start")),
        )
    return render(request, "web/groups/mine.html", context)


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
