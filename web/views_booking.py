"""A service user's booking: choosing a meeting type and a free time, then their meetings:
the booked page, the list, one meeting, moving, cancelling, and its calendar file."""

import uuid
from datetime import date, datetime, time, timedelta

import icalendar
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import selectors as booking_selectors
from booking import services as booking
from booking.ical import appointment_event
from booking.models import Appointment, MeetingType
from booking.slots import slots_for
from care.selectors.groups import group_meeting_id_of
from config.errors import ApplicationError
from config.fields import moment_from_text
from people.models import User
from web import forms, selectors
from web.decorators import service_user_required, user_tz
from web.peer_context import meeting_peer_context


def _type_for(request: HttpRequest, type_id: int) -> MeetingType:
    meeting_type = selectors.bookable_types(user=request.user).filter(pk=type_id).first()
    if meeting_type is None:
        raise Http404
    return meeting_type


def slots_by_day(meeting_type: MeetingType, actor: User, days: int = 14) -> list[tuple[date, list]]:
    """The free times of the meeting type for the next ``days`` days, grouped by local day (the
    booking, move and staff move pages)."""
    tz = user_tz(meeting_type.calendar.owner)
    today = timezone.now().astimezone(tz).date()
    slots = slots_for(meeting_type=meeting_type, actor=actor, first_day=today, last_day=today + timedelta(days=days))
    grouped: dict[date, list] = {}
    for slot in slots:
        local = slot.start.astimezone(tz)
        grouped.setdefault(local.date(), []).append(local)
    return list(grouped.items())


# A service user may narrow the times page to a part of the day (``?part=``), in the
# calendar's local time: the morning is before noon.
PARTS = ("any", "morning", "afternoon")
NOON = time(12)


def part_of(request: HttpRequest) -> str:
    part = request.GET.get("part", "")
    return part if part in PARTS else "any"


def times_of_part(days: list[tuple[date, list[datetime]]], part: str) -> list[tuple[date, list[datetime]]]:
    """The free times within ``part`` of the day, by day; a day left with none is dropped."""
    if part == "any":
        return days
    morning = part == "morning"
    kept = [(day, [t for t in times if (t.time() < NOON) == morning]) for day, times in days]
    return [(day, times) for day, times in kept if times]


def times_context(days: list[tuple[date, list[datetime]]], part: str) -> dict:
    """What the folded times page shows: the day's part chosen, the first free time within
    it on top, and the times of that part by day (the first day open)."""
    shown = times_of_part(days, part)
    return {
        "days": shown,
        "all_days": days,
        "part": part,
        "fold": True,
        "first_free": shown[0][1][0] if shown else None,
    }


@service_user_required
def book_choose_type(request: HttpRequest) -> HttpResponse:
    types = list(selectors.bookable_types(user=request.user))
    if len(types) == 1:
        return redirect("web:book_times", type_id=types[0].pk)
    return render(request, "web/book_types.html", {"types": types})


@service_user_required
def book_times(request: HttpRequest, type_id: int) -> HttpResponse:
    meeting_type = _type_for(request, type_id)
    days = slots_by_day(meeting_type, request.user)
    context = {"meeting_type": meeting_type, **times_context(days, part_of(request))}
    return render(request, "web/book_times.html", context)


@service_user_required
def book_confirm(request: HttpRequest, type_id: int) -> HttpResponse:
    meeting_type = _type_for(request, type_id)
    start = moment_from_text(request.GET.get("start") or request.POST.get("start") or "")
    if start is None:
        return redirect("web:book_times", type_id=type_id)
    if request.method == "POST":
        try:
            result = booking.appointment_book(
                actor=request.user,
                worker_id=meeting_type.calendar.owner_id,
                meeting_type_id=meeting_type.pk,
                start=start,
                idempotency_key=request.POST.get("token") or None,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("web:book_times", type_id=type_id)
        return redirect("web:meeting_booked", appointment_id=result.appointments[0].pk)
    local = start.astimezone(user_tz(meeting_type.calendar.owner))
    return render(
        request,
        "web/book_confirm.html",
        {"meeting_type": meeting_type, "start": local, "token": uuid.uuid4()},
    )


def _my_appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    appointment = booking_selectors.appointment_get(user=request.user, appointment_id=appointment_id)
    if appointment is None:
        raise Http404
    return appointment


@service_user_required
def meeting_booked(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _my_appointment(request, appointment_id)
    return render(request, "web/meeting_booked.html", {"a": appointment, "unit": request.user.unit})


@service_user_required
def meetings(request: HttpRequest) -> HttpResponse:
    upcoming, past = selectors.upcoming_and_past(user=request.user)
    return render(request, "web/meetings.html", {"upcoming": upcoming, "past": past})


@service_user_required
def meeting_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _my_appointment(request, appointment_id)
    return render(
        request,
        "web/meeting_detail.html",
        {
            "a": appointment,
            "unit": request.user.unit,
            "cancel_form": forms.CancelForm(),
            # A responsibility-group meeting changes as a whole, from its own page.
            "group_meeting_id": group_meeting_id_of(appointment=appointment),
            **meeting_peer_context(user=request.user, appointment=appointment),
        },
    )


@service_user_required
def meeting_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _my_appointment(request, appointment_id)
    form = forms.CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking.appointment_cancel(
                actor=request.user, appointment_id=appointment.pk, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("web:meeting_detail", appointment_id=appointment.pk)
        return redirect("web:meeting_cancelled", appointment_id=appointment.pk)
    return render(request, "web/meeting_cancel.html", {"a": appointment, "form": form})


@service_user_required
def meeting_cancelled(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """After cancelling: the nearest free times of the same kind of meeting, one tap each from
    the confirmation, so a cancelled meeting is easy to replace."""
    appointment = _my_appointment(request, appointment_id)
    if appointment.status != Appointment.Status.CANCELLED:
        return redirect("web:meeting_detail", appointment_id=appointment.pk)
    meeting_type = selectors.bookable_types(user=request.user).filter(pk=appointment.meeting_type_id).first()
    nearest = []
    if meeting_type is not None:
        nearest = [time for _day, times in slots_by_day(meeting_type, request.user) for time in times][:3]
    return render(
        request, "web/meeting_cancelled.html", {"a": appointment, "meeting_type": meeting_type, "nearest": nearest}
    )


@service_user_required
def meeting_move(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _my_appointment(request, appointment_id)
    if request.method == "POST":
        start = moment_from_text(request.POST.get("start", ""))
        if start is None:
            messages.error(request, _("Choose one of the free times below."))
            return redirect("web:meeting_move", appointment_id=appointment.pk)
        try:
            booking.appointment_reschedule(actor=request.user, appointment_id=appointment.pk, start=start)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("web:meeting_move", appointment_id=appointment.pk)
        messages.success(request, _("The meeting is moved."))
        return redirect("web:meeting_detail", appointment_id=appointment.pk)
    chosen = moment_from_text(request.GET.get("start") or "")
    if chosen is not None:
        # A time picked from the list: one more look before the meeting moves, as when booking.
        local = chosen.astimezone(user_tz(appointment.calendar.owner))
        return render(request, "web/meeting_move_confirm.html", {"a": appointment, "start": local})
    meeting_type = appointment.meeting_type
    meeting_type.calendar = appointment.calendar
    days = slots_by_day(meeting_type, request.user)
    confirm_url = f"{reverse('web:meeting_move', args=[appointment.pk])}?start="
    context = {"a": appointment, "confirm_url": confirm_url, **times_context(days, part_of(request))}
    return render(request, "web/meeting_move.html", context)


@login_required
def meeting_ics(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _my_appointment(request, appointment_id)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Triangel//Booking//NB")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add_component(appointment_event(appointment, request.user))
    cal.add_missing_timezones()
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="meeting.ics"'
    return response
