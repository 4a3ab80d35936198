"""Waiting-list pages for service users: join when nothing is free, see and answer an offer."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.selectors import waiting as selectors
from care.services import waiting as services
from config.errors import ApplicationError, NotFound
from web.decorators import service_user_required


@service_user_required
def waiting(request: HttpRequest) -> HttpResponse:
    entries = selectors.entries_visible_to(user=request.user).order_by("joined_at")
    offers = selectors.offers_open_for(user=request.user, now=timezone.now())
    return render(request, "web/waiting/list.html", {"entries": entries, "offers": offers})


@service_user_required
@require_POST
def waiting_join(request: HttpRequest, type_id: int) -> HttpResponse:
    try:
        services.waiting_entry_join(user=request.user, meeting_type_id=type_id)
    except NotFound as exc:  # someone else's, or none at all
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        if exc.code == "free_times_exist":
            return redirect("web:book_times", type_id=type_id)
        return redirect("web:waiting")
    messages.success(request, _("You are on the waiting list. We will send you an SMS when a time frees up."))
    return redirect("web:waiting")


@service_user_required
@require_POST
def waiting_leave(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        services.waiting_entry_leave(user=request.user, entry_id=entry_id)
    except NotFound as exc:  # someone else's, or none at all
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You are no longer on the waiting list."))
    return redirect("web:waiting")


@service_user_required
@require_POST
def waiting_offer_answer(request: HttpRequest, offer_id: int, answer: str) -> HttpResponse:
    if answer not in ("accept", "decline"):
        raise Http404
    try:
        if answer == "accept":
            offer = services.waiting_offer_accept(user=request.user, offer_id=offer_id)
            return redirect("web:meeting_booked", appointment_id=offer.appointment_id)
        services.waiting_offer_decline(user=request.user, offer_id=offer_id)
    except NotFound as exc:  # someone else's, or none at all
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("web:waiting")
    messages.success(request, _("Fine. You keep your place on the waiting list."))
    return redirect("web:waiting")
