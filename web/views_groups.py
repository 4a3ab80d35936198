"""Web pages for responsibility groups: the list, the worker's or coordinator's group page
(members, externals, finding a time and booking it), and the service user's read-only view.
A group meeting's own pages are in views_group_meetings."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.models import ResponsibilityGroup
from care.selectors import groups as selectors
from care.services import groups as services
from config.errors import ApplicationError
from people.selectors import clients_manageable_by
from web import forms_groups as forms
from web.decorators import group_staff_required
from web.group_times import PROPOSAL_DAYS, first_proposal_day, posted_start, starts_by_day


def _group(request: HttpRequest, group_id: int, *, manage: bool = False) -> ResponsibilityGroup:
    group = selectors.group_get(user=request.user, group_id=group_id, manage=manage)
    if group is None:
        raise Http404
    return group


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
            first_day = first_proposal_day(find.cleaned_data["start"], first_day)
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
            days=starts_by_day([p.astimezone(tz) for p in proposals]),
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
    start = posted_start(request)
    try:
        duration = int(request.POST.get("duration", ""))
    except ValueError:
        duration = 0
    if start is None:
        messages.error(request, _("Choose one of the proposed times."))
        return redirect("web:group_detail", group.pk)
    if request.POST.get("confirmed") != "1":
        # A proposed time's button only asks: booking writes to several calendars and e-mails
        # people outside the service, so it waits for the confirm page's own button.
        return _book_confirm_page(request, group, start, duration)
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


def _book_confirm_page(
    request: HttpRequest, group: ResponsibilityGroup, start: datetime, duration: int
) -> HttpResponse:
    """Who a booking at ``start`` reaches: the calendars it writes to, the service user, and
    who outside the service gets an invitation by e-mail (and who cannot, having no address)."""
    tz = ZoneInfo(group.client.timezone)
    externals = list(selectors.externals_active(group=group))
    local = start.astimezone(tz)
    context = {
        "group": group,
        "start": local,
        # A duration nobody offers (a tampered form) shows no end; booking then refuses it.
        "end": local + timedelta(minutes=duration) if 0 < duration <= 24 * 60 else None,
        "duration": duration,
        "calendars": [m.user for m in selectors.members_active(group=group)],
        "emailed": [e for e in externals if e.email],
        "not_emailed": [e for e in externals if not e.email],
    }
    return render(request, "web/groups/book_confirm.html", context)


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
