"""Feedback after meetings, the ideas box, and the coordinator's monthly summary."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from booking.models import Appointment
from booking.selectors import appointments_of_client
from care.models import Idea
from care.selectors import feedback as selectors
from care.services import feedback as services
from config.errors import ApplicationError
from web import forms_feedback as forms
from web.decorators import coordinator_required, service_user_required, staff_required
from web.selectors import local_today


def _month(request: HttpRequest) -> date:
    return selectors.month_parse(request.GET.get("month")) or local_today(request.user).replace(day=1)


def _neighbours(month: date) -> tuple[date, date]:
    return selectors.month_before(month), selectors.month_after(month)


@service_user_required
def meeting_feedback(request: HttpRequest, appointment_id: int) -> HttpResponse:
    # The person's own meetings, a group meeting once (booking.selectors.appointments_of_client).
    appointment = (
        appointments_of_client(user=request.user)
        .filter(pk=appointment_id, status=Appointment.Status.COMPLETED)
        .select_related("meeting_type", "calendar__owner")
        .first()
    )
    if appointment is None:
        raise Http404
    if selectors.rated_appointment_ids(user=request.user, appointment_ids=[appointment.pk]):
        messages.success(request, _("You have already said how this meeting was. Thank you!"))
        return redirect("web:meetings")
    form = forms.FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_give(user=request.user, appointment_id=appointment.pk, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you! What you tell us helps us do better."))
        return redirect("web:meetings")
    return render(request, "web/feedback/give.html", {"a": appointment, "form": form})


@login_required
def ideas(request: HttpRequest) -> HttpResponse:
    if not request.user.unit_id:
        raise Http404
    form = forms.IdeaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.idea_create(author=request.user, **form.cleaned_data)
        messages.success(request, _("Thank you for your idea! You can follow what happens with it here."))
        return redirect("web:ideas")
    items = list(selectors.ideas_visible_to(user=request.user)[:200])
    return render(request, "web/feedback/ideas.html", {"form": form, "ideas": items, "statuses": Idea.Status})


@coordinator_required
def idea_respond(request: HttpRequest, idea_id: int) -> HttpResponse:
    idea = selectors.ideas_visible_to(user=request.user).filter(pk=idea_id).first()
    if idea is None:
        raise Http404
    form = forms.IdeaStatusForm(request.POST or None, initial={"status": idea.status, "response": idea.response})
    if request.method == "POST" and form.is_valid():
        services.idea_set_status(actor=request.user, idea_id=idea.pk, **form.cleaned_data)
        messages.success(request, _("Saved. Everyone in the unit can see the answer."))
        return redirect("web:ideas")
    return render(request, "web/feedback/idea_respond.html", {"idea": idea, "form": form})


@staff_required
def feedback_received(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    rows = list(selectors.feedback_visible_to(user=request.user).filter(month=month).order_by("-face", "id"))
    previous, following = _neighbours(month)
    return render(
        request,
        "web/feedback/received.html",
        {"month": month, "rows": rows, "previous": previous, "next": following},
    )


@coordinator_required
def feedback_summary(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    summary = selectors.month_summary(coordinator=request.user, month=month)
    previous, following = _neighbours(month)
    return render(
        request,
        "web/feedback/summary.html",
        {"s": summary, "previous": previous, "next": following},
    )
