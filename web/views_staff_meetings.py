"""One meeting of a worker's calendar or of a person they follow, for staff: the page with the
person's number and the meeting's history, and moving or cancelling it on the person's behalf
("the person phones to move their meeting")."""

from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit import log as access_log
from booking import services as booking
from booking.models import Appointment, AppointmentEvent
from care.selectors.continuity import appointment_events_of, overview_clients_for
from care.selectors.groups import group_meeting_id_of
from config.errors import ApplicationError
from config.fields import moment_from_text
from people.selectors import active_phones_of
from reminders import selectors as reminder_selectors
from reminders import services as reminder_services
from web import forms, selectors
from web.decorators import staff_required, user_tz
from web.views_booking import slots_by_day


def _meeting(request: HttpRequest, appointment_id: int) -> Appointment:
    appointment = selectors.staff_meeting_get(worker=request.user, appointment_id=appointment_id)
    if appointment is None:
        raise Http404
    return appointment


def _changeable(request: HttpRequest, appointment_id: int) -> Appointment | HttpResponse:
    """A meeting of the worker's own calendar, to move or cancel; a joint meeting's part goes
    to the group meeting's page, where it changes for everyone."""
    appointment = _meeting(request, appointment_id)
    if appointment.calendar.owner_id != request.user.pk:
        raise Http404
    group_meeting_id = group_meeting_id_of(appointment=appointment)
    if group_meeting_id is not None:
        return redirect("web:group_meeting", meeting_id=group_meeting_id)
    return appointment


def _undo_until(appointment: Appointment, history: list[AppointmentEvent]) -> datetime | None:
    """Until when the held/no-show mark can be taken back (the service decides; this only says
    whether to offer it), or None when there is no mark to take back any more."""
    if appointment.status not in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
        return None
    mark = next((e for e in history if e.action == appointment.status), None)
    if mark is None:
        return None
    until = booking.close_undo_deadline(appointment=appointment, marked_at=mark.at)
    return until if timezone.now() < until else None


@staff_required
def staff_meeting(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _meeting(request, appointment_id)
    client_id = appointment.client_id
    phone = None
    next_meeting = last_meeting = None
    may_open_person = False
    if client_id:
        phone = active_phones_of(user_ids=[client_id]).get(client_id)
        if phone:
            access_log.saw(viewer=request.user, what="contact", subjects=[(client_id, None)])
        next_meeting, last_meeting = selectors.next_and_last_meeting(worker=request.user, client_id=client_id)
        may_open_person = overview_clients_for(viewer=request.user).filter(pk=client_id).exists()
    history = list(appointment_events_of(appointment_ids=[appointment.pk]).order_by("-at", "-id"))
    own = appointment.calendar.owner_id == request.user.pk
    tasks = list(reminder_selectors.open_tasks_about(worker=request.user, client_id=client_id)) if client_id else []
    return render(
        request,
        "web/staff_meeting.html",
        {
            "a": appointment,
            "phone": phone,
            "next_meeting": next_meeting,
            "last_meeting": last_meeting,
            "may_open_person": may_open_person,
            "own": own,
            "group_meeting_id": group_meeting_id_of(appointment=appointment),
            "history": history,
            "tasks": tasks,
            "undo_until": _undo_until(appointment, history) if own else None,
            "now": timezone.now(),
        },
    )


@staff_required
def staff_meeting_move(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _changeable(request, appointment_id)
    if isinstance(appointment, HttpResponse):
        return appointment
    if request.method == "POST":
        start = moment_from_text(request.POST.get("start", ""))
        if start is None:
            messages.error(request, _("Choose one of the free times below."))
            return redirect("web:staff_meeting_move", appointment_id=appointment.pk)
        try:
            booking.appointment_reschedule(actor=request.user, appointment_id=appointment.pk, start=start)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("web:staff_meeting_move", appointment_id=appointment.pk)
        messages.success(request, _("The meeting is moved. The person is told the new time."))
        return redirect("web:staff_meeting", appointment_id=appointment.pk)
    meeting_type = appointment.meeting_type
    meeting_type.calendar = appointment.calendar
    days = slots_by_day(meeting_type, request.user)
    return render(request, "web/staff_meeting_move.html", {"a": appointment, "days": days})


@staff_required
def staff_meeting_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _changeable(request, appointment_id)
    if isinstance(appointment, HttpResponse):
        return appointment
    form = forms.StaffCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking.appointment_cancel(
                actor=request.user, appointment_id=appointment.pk, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("web:staff_meeting", appointment_id=appointment.pk)
        messages.success(request, _("The meeting is cancelled. The time is free for someone else."))
        week = appointment.start.astimezone(user_tz(request.user)).date().isoformat()
        return redirect(f"{reverse('web:calendar')}?week={week}")
    return render(request, "web/staff_meeting_cancel.html", {"a": appointment, "form": form})


@staff_required
@require_POST
def staff_meeting_call_back(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """ "Call them back": the person phoned or was not reached; a task on the worker's Today."""
    appointment = _meeting(request, appointment_id)
    if not appointment.client_id:
        raise Http404
    note = (request.POST.get("note") or "").strip()[:500]
    reminder_services.call_back_task_open(worker=request.user, appointment=appointment, note=note)
    messages.success(request, _("A call-back task is on your Today page."))
    return redirect("web:staff_meeting", appointment_id=appointment.pk)
