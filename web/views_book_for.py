"""Booking on a service user's behalf from the free-time picker: choose the person (search by
name or phone number), the meeting type, then a free time a week at a time (the same free
times the person would see, under staff rules), or a time outside the usual hours; confirm,
and the booked page. Every step works without JavaScript."""

import uuid
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from booking import services as booking
from booking.models import MeetingType
from booking.slots import any_hour_refusal, slot_rules_for, slots_for
from config.errors import ApplicationError
from config.fields import day_from_text, moment_from_text
from people.models import User
from web import forms, selectors
from web.decorators import staff_required, user_tz

# Enough to find someone by a few letters of their name; more is a longer search, not a list.
MAX_PEOPLE_LISTED = 50


def _person(request: HttpRequest, person_id: int) -> User:
    """A person the worker may book for; anyone else is a 404, whether they exist or not."""
    person = selectors.people_to_book_for(actor=request.user).filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person


def _types(request: HttpRequest) -> list[MeetingType]:
    """The worker's own meeting types in use: what they book on someone's behalf."""
    calendar = booking.calendar_for(owner=request.user)
    meeting_types = list(calendar.meeting_types.filter(is_active=True).order_by("name", "pk"))
    for meeting_type in meeting_types:
        meeting_type.calendar = calendar
    return meeting_types


def _type(request: HttpRequest, type_id: int) -> MeetingType:
    meeting_type = next((t for t in _types(request) if t.pk == type_id), None)
    if meeting_type is None:
        raise Http404
    return meeting_type


def _confirm_url(person: User, meeting_type: MeetingType, start: datetime, *, any_hour: bool = False) -> str:
    query = {"start": start.isoformat(), **({"outside": "1"} if any_hour else {})}
    return f"{reverse('web:book_for_confirm', args=[person.pk, meeting_type.pk])}?{urlencode(query)}"


@staff_required
def book_for_user(request: HttpRequest) -> HttpResponse:
    """The picker's entry: find the person. ``?person=<id>`` (``?user=`` from older links)
    goes straight to that person's next step."""
    chosen = request.GET.get("person") or request.GET.get("user")
    if chosen is not None:
        if not chosen.isdigit():
            raise Http404
        return redirect("web:book_for_types", person_id=_person(request, int(chosen)).pk)
    query = request.GET.get("q", "").strip()[:100]
    found = list(selectors.people_to_book_for(actor=request.user, search=query)[: MAX_PEOPLE_LISTED + 1])
    return render(
        request,
        "web/book_for_person.html",
        {"people": found[:MAX_PEOPLE_LISTED], "more": len(found) > MAX_PEOPLE_LISTED, "q": query},
    )


@staff_required
def book_for_types(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id)
    meeting_types = _types(request)
    if len(meeting_types) == 1:
        return redirect("web:book_for_times", person_id=person.pk, type_id=meeting_types[0].pk)
    return render(request, "web/book_for_types.html", {"person": person, "types": meeting_types})


def _monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _picker(
    request: HttpRequest,
    person: User,
    meeting_type: MeetingType,
    *,
    week: date | None = None,
    outside_form: forms.OutsideHoursForm | None = None,
    refusal: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    """The week's free times grouped by the worker's local day, with the form for a time
    outside the usual hours and, after a refusal, the nearest free times as buttons."""
    tz = user_tz(request.user)
    now = timezone.now()
    today = now.astimezone(tz).date()
    this_week = _monday_of(today)
    last_day = today + timedelta(days=slot_rules_for(meeting_type=meeting_type, actor=request.user).horizon_days)
    monday = min(max(_monday_of(week or today), this_week), _monday_of(last_day))
    grouped: dict[date, list[datetime]] = {}
    for slot in slots_for(
        meeting_type=meeting_type, actor=request.user, first_day=monday, last_day=monday + timedelta(days=6), now=now
    ):
        local = slot.start.astimezone(tz)
        grouped.setdefault(local.date(), []).append(local)
    alternatives = []
    if refusal is not None:
        for entry in refusal.extra.get("alternatives") or [
            a for c in refusal.extra.get("conflicts", []) for a in c.get("alternatives", [])
        ]:
            start = datetime.fromisoformat(entry["start"]).astimezone(tz)
            alternatives.append({"start": start, "url": _confirm_url(person, meeting_type, start)})
    base = reverse("web:book_for_times", args=[person.pk, meeting_type.pk])
    return render(
        request,
        "web/book_for_times.html",
        {
            "person": person,
            "meeting_type": meeting_type,
            "days": list(grouped.items()),
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "previous": f"{base}?week={(monday - timedelta(days=7)).isoformat()}" if monday > this_week else None,
            "next": f"{base}?week={(monday + timedelta(days=7)).isoformat()}"
            if monday < _monday_of(last_day)
            else None,
            "confirm_url": f"{reverse('web:book_for_confirm', args=[person.pk, meeting_type.pk])}?start=",
            "outside_form": outside_form or forms.OutsideHoursForm(tz=tz),
            "refusal": refusal,
            "alternatives": alternatives[:6],
            "several_types": len(_types(request)) > 1,
        },
        status=status,
    )


def _status_of(exc: ApplicationError) -> int:
    return 409 if exc.status_code == 409 else 400


@staff_required
def book_for_times(request: HttpRequest, person_id: int, type_id: int) -> HttpResponse:
    person = _person(request, person_id)
    meeting_type = _type(request, type_id)
    return _picker(request, person, meeting_type, week=day_from_text(request.GET.get("week")))


@staff_required
def book_for_outside(request: HttpRequest, person_id: int, type_id: int) -> HttpResponse:
    """A time outside the usual hours, checked the way the booking will check it (time off,
    other meetings with their buffers), so a taken time is answered with free times at once;
    the booking itself checks again under the calendar's lock."""
    person = _person(request, person_id)
    meeting_type = _type(request, type_id)
    if request.method != "POST":
        return redirect("web:book_for_times", person_id=person.pk, type_id=meeting_type.pk)
    form = forms.OutsideHoursForm(request.POST, tz=user_tz(request.user))
    if not form.is_valid():
        return _picker(request, person, meeting_type, outside_form=form, status=400)
    start = form.cleaned_data["moment"]
    refusal = any_hour_refusal(meeting_type=meeting_type, actor=request.user, start=start)
    if refusal is not None:
        return _picker(
            request,
            person,
            meeting_type,
            week=start.date(),
            outside_form=form,
            refusal=refusal,
            status=_status_of(refusal),
        )
    return redirect(_confirm_url(person, meeting_type, start, any_hour=True))


def _refused(
    request: HttpRequest,
    person: User,
    meeting_type: MeetingType,
    *,
    start: datetime,
    any_hour: bool,
    refusal: ApplicationError,
) -> HttpResponse:
    """The week of a time the booking refused, with the reason and the nearest free times; a
    time outside the usual hours comes back in its form."""
    tz = user_tz(request.user)
    local = start.astimezone(tz)
    outside_form = None
    if any_hour:
        outside_form = forms.OutsideHoursForm(
            {"day": local.date().isoformat(), "start": local.strftime("%H:%M")}, tz=tz
        )
        outside_form.is_valid()  # shows the time asked for again; the reason is above the free times
    return _picker(
        request,
        person,
        meeting_type,
        week=local.date(),
        outside_form=outside_form,
        refusal=refusal,
        status=_status_of(refusal),
    )


@staff_required
def book_for_confirm(request: HttpRequest, person_id: int, type_id: int) -> HttpResponse:
    person = _person(request, person_id)
    meeting_type = _type(request, type_id)
    source = request.POST if request.method == "POST" else request.GET
    start = moment_from_text(source.get("start"))
    if start is None:
        messages.error(request, _("Choose one of the free times below."))
        return redirect("web:book_for_times", person_id=person.pk, type_id=meeting_type.pk)
    any_hour = source.get("outside") == "1"
    form = forms.BookRepeatForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        weeks = form.cleaned_data["weeks"]
        try:
            result = booking.appointment_book(
                actor=request.user,
                worker_id=request.user.pk,
                meeting_type_id=meeting_type.pk,
                start=start,
                client_id=person.pk,
                repeat=booking.RepeatRule(count=weeks) if weeks > 1 else None,
                any_hour=any_hour,
                idempotency_key=request.POST.get("token") or None,
            )
        except ApplicationError as exc:
            return _refused(request, person, meeting_type, start=start, any_hour=any_hour, refusal=exc)
        count = len(result.appointments)
        if count > 1:
            messages.success(
                request,
                ngettext("Booked %(count)d meeting.", "Booked %(count)d meetings.", count) % {"count": count},
            )
        return redirect("web:book_for_booked", appointment_id=result.appointments[0].pk)
    return render(
        request,
        "web/book_for_confirm.html",
        {
            "person": person,
            "meeting_type": meeting_type,
            "start": start.astimezone(user_tz(request.user)),
            "any_hour": any_hour,
            "form": form,
            "token": uuid.uuid4(),
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def book_for_booked(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.staff_meeting_get(worker=request.user, appointment_id=appointment_id)
    if appointment is None or appointment.calendar.owner_id != request.user.pk:
        raise Http404
    return render(request, "web/book_for_booked.html", {"a": appointment})
