"""Pages for continuity: "My plan", the worker's view of a person, and the coordinator's handover.

Thin like the other views: reads go through ``care.selectors.continuity`` (which decides who
may see what), writes through ``care.services.continuity``.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit import log as access_log
from booking.models import MeetingType
from care.models import HandoverAppointment, HandoverClient, PlanEntry
from care.selectors import continuity as selectors
from care.services import continuity as services
from config.errors import ApplicationError
from people.models import User
from people.selectors import active_phones_of
from web import oidc
from web.decorators import add_service_errors, coordinator_required, service_user_required
from web.forms import NationalIdForm
from web.forms_continuity import HandoverForm, PlanEntryAddForm, PlanEntryEditForm
from web.selectors import people_to_book_for


def _plan_context(viewer: User, client: User) -> dict[str, Any]:
    entries = list(selectors.plan_entries_of(viewer=viewer, client=client))
    return {
        "client": client,
        "goals": [e for e in entries if e.kind == PlanEntry.Kind.GOAL],
        "agreements": [e for e in entries if e.kind == PlanEntry.Kind.AGREEMENT],
        "may_write": selectors.plan_may_write(viewer=viewer, client=client),
    }


def _add_entry(request: HttpRequest, client: User, form: PlanEntryAddForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.plan_entry_add(actor=request.user, client_id=client.pk, **form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(form, exc)
        return False
    messages.success(request, _("Added to the plan."))
    return True


# --- Service user: My plan ---------------------------------------------------------------------


@service_user_required
def my_plan(request: HttpRequest) -> HttpResponse:
    client = request.user
    form = PlanEntryAddForm(request.POST or None)
    if request.method == "POST" and _add_entry(request, client, form):
        return redirect("web:my_plan")
    context = _plan_context(request.user, client)
    context.update({"form": form, "followed_by": selectors.followed_by_history(client=client).first()})
    return render(request, "web/continuity/my_plan.html", context)


def _entry_edit(request: HttpRequest, client: User, entry_id: int, back: str) -> HttpResponse:
    entry = selectors.plan_entry_get(viewer=request.user, client=client, entry_id=entry_id)
    if entry is None:
        raise Http404
    may_write = selectors.plan_may_write(viewer=request.user, client=client)
    form = PlanEntryEditForm(request.POST or None, entry=entry)
    if request.method == "POST" and may_write and form.is_valid():
        try:
            services.plan_entry_change(actor=request.user, client_id=client.pk, entry_id=entry.pk, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved. The earlier wording is kept in the history."))
            return redirect(back)
    return render(
        request,
        "web/continuity/plan_entry.html",
        {
            "client": client,
            "entry": entry,
            "form": form,
            "may_write": may_write,
            "history": selectors.plan_entry_history(entry=entry),
            "back": back,
            "own": request.user.pk == client.pk,
        },
    )


@service_user_required
def my_plan_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _entry_edit(request, request.user, entry_id, reverse("web:my_plan"))


@service_user_required
@require_POST
def reoffer_dismiss(request: HttpRequest, reoffer_id: int) -> HttpResponse:
    try:
        services.reoffer_dismiss(client=request.user, reoffer_id=reoffer_id)
    except ApplicationError as exc:
        raise Http404 from exc
    messages.success(request, _("Noted."))
    return redirect("web:meetings")


# --- Staff: one person's follow-up -------------------------------------------------------------


@login_required
def person_overview(request: HttpRequest, user_id: int) -> HttpResponse:
    """The plan, the agreements, every meeting (with earlier workers too) and who followed the
    person when: what a new worker needs so the person does not have to tell it all again."""
    client = selectors.overview_clients_for(viewer=request.user).filter(pk=user_id).first()
    if client is None:
        raise Http404
    form = PlanEntryAddForm(request.POST or None)
    if request.method == "POST" and _add_entry(request, client, form):
        return redirect("web:person_overview", user_id=client.pk)
    context = _plan_context(request.user, client)
    phone = active_phones_of(user_ids=[client.pk]).get(client.pk)
    if phone is not None:
        access_log.saw(viewer=request.user, what="contact", subjects=[(client.pk, None)])
    context.update(
        {
            "form": form,
            "meetings": list(selectors.meeting_history_of(client=client, viewer=request.user)[:200]),
            "followed": list(selectors.followed_by_history(client=client)),
            "now": timezone.now(),
            "phone": phone,
            # Only someone the viewer may book for gets the link; the booking pages check again.
            "may_book": request.user.has_calendar_role
            and people_to_book_for(actor=request.user).filter(pk=client.pk).exists(),
            "national_id_form": NationalIdForm()
            if oidc.may_record_national_id(viewer=request.user, client=client)
            else None,
        }
    )
    return render(request, "web/continuity/person.html", context)


@login_required
def person_plan_entry(request: HttpRequest, user_id: int, entry_id: int) -> HttpResponse:
    client = selectors.overview_clients_for(viewer=request.user).filter(pk=user_id).first()
    if client is None:
        raise Http404
    return _entry_edit(request, client, entry_id, reverse("web:person_overview", args=[client.pk]))


@login_required
def peer_plan(request: HttpRequest, user_id: int) -> HttpResponse:
    """A peer reads the plan of someone who shares it with them (read only)."""
    client = selectors.plan_client_get(viewer=request.user, client_id=user_id) if request.user.is_peer else None
    if client is None:
        raise Http404
    return render(request, "web/continuity/peer_plan.html", _plan_context(request.user, client))


# --- Coordinator: handover ---------------------------------------------------------------------


def _handover_form(request: HttpRequest, data: Any) -> HandoverForm:
    unit_id = request.user.unit_id
    return HandoverForm(
        data,
        workers=selectors.workers_for_handover(viewer=request.user),
        clients=User.objects.filter(
            role=User.Role.SERVICE_USER, unit_id=unit_id, followed_by__ended_at__isnull=True
        ).order_by("first_name", "last_name", "id"),
        types=MeetingType.objects.filter(
            is_active=True, calendar__owner__unit_id=unit_id, calendar__owner__role=User.Role.SOCIAL_WORKER
        ).select_related("calendar__owner"),
    )


@coordinator_required
def handover(request: HttpRequest) -> HttpResponse:
    """Choose, preview (a GET: nothing changes), then confirm (a POST)."""
    preview = None
    if request.method == "POST":
        form = _handover_form(request, request.POST)
        if form.is_valid():
            try:
                done = services.handover_run(actor=request.user, **form.service_args())
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The handover is done."))
                return redirect("web:handover_detail", handover_id=done.pk)
    elif "from_worker" in request.GET:
        form = _handover_form(request, request.GET)
        if form.is_valid():
            try:
                preview = services.handover_preview(actor=request.user, **form.service_args())
            except ApplicationError as exc:
                add_service_errors(form, exc)
    else:
        form = _handover_form(request, None)
    return render(
        request,
        "web/continuity/handover.html",
        {
            "form": form,
            "preview": preview,
            "handovers": list(selectors.handovers_visible_to(viewer=request.user)[:20]),
        },
    )


@coordinator_required
def handover_detail(request: HttpRequest, handover_id: int) -> HttpResponse:
    record = selectors.handover_get(viewer=request.user, handover_id=handover_id)
    if record is None:
        raise Http404
    clients = HandoverClient.objects.filter(handover=record).select_related("client")
    moves = (
        HandoverAppointment.objects.filter(handover=record)
        .select_related("client", "from_meeting_type", "to_meeting_type")
        .order_by("start")
    )
    return render(
        request,
        "web/continuity/handover_detail.html",
        {"handover": record, "clients": list(clients), "moves": list(moves)},
    )
