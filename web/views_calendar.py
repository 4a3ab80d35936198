"""A social worker's or peer's calendar: the week, working hours, time off, meeting types,
booking for a service user, and closing a meeting as held or missed."""

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking import services as booking
from booking.apis import feed_url
from booking.holidays import public_holidays
from booking.models import Appointment, CalendarOverride
from config.errors import ApplicationError, NotFound
from config.fields import day_from_text
from people.models import User
from web import forms, selectors
from web.decorators import back_to_next, staff_required, user_tz
from web.peer_context import decorate_today
from web.week_grid import build_week


def _monday(value: str | None, user: User) -> date:
    day = day_from_text(value) or selectors.local_today(user)
    return day - timedelta(days=day.weekday())


@staff_required
def calendar_week(request: HttpRequest) -> HttpResponse:
    """The worker's week on an hour grid: working hours, breaks, time off, meetings, busy time
    from connected calendars and the free gaps, in the worker's own time zone."""
    monday = _monday(request.GET.get("week"), request.user)
    now = timezone.now()
    appointments, overrides = selectors.week_of(worker=request.user, monday=monday)
    decorate_today(appointments=appointments, tasks=[])
    sunday = monday + timedelta(days=6)
    grid = build_week(
        monday=monday,
        tz=user_tz(request.user),
        now=now,
        weekly_hours=selectors.weekly_hours_of(worker=request.user),
        appointments=appointments,
        overrides=overrides,
        busy=selectors.external_busy_of(worker=request.user, first_day=monday, last_day=sunday),
        holidays=public_holidays(monday, sunday),
    )
    token = booking.feed_token_get_or_create(user=request.user)
    today = selectors.local_today(request.user, now)
    return render(
        request,
        "web/calendar.html",
        {
            "grid": grid,
            "days": grid.days,
            "monday": monday,
            "sunday": sunday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "this_week": today - timedelta(days=today.weekday()),
            "is_this_week": monday <= today <= sunday,
            "feed_url": feed_url(token.secret),
            "now": now,
            "failing_calendars": selectors.external_calendars_failing(worker=request.user),
        },
    )


@staff_required
def working_hours(request: HttpRequest) -> HttpResponse:
    calendar = booking.calendar_for(owner=request.user)
    existing: dict[int, list] = {}
    for item in calendar.working_hours.order_by("weekday", "start"):
        existing.setdefault(item.weekday, []).append(item)
    day_forms = []
    for weekday, label in forms.WEEKDAYS:
        initial = {}
        for i, item in enumerate(existing.get(weekday, [])[:3], start=1):
            initial[f"start{i}"], initial[f"end{i}"] = item.start, item.end
        day_forms.append(
            (weekday, label, forms.WorkingDayForm(request.POST or None, prefix=f"d{weekday}", initial=initial))
        )
    if request.method == "POST" and all(f.is_valid() for _w, _l, f in day_forms):
        intervals = [(w, s, e) for w, _l, f in day_forms for s, e in f.intervals()]
        try:
            booking.working_hours_replace(owner=request.user, intervals=intervals)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Working hours saved."))
            return redirect("web:calendar")
    return render(request, "web/working_hours.html", {"day_forms": day_forms})


@staff_required
def time_off(request: HttpRequest) -> HttpResponse:
    form = forms.TimeOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = booking.whole_days(
            owner=request.user, first=form.cleaned_data["first_day"], last=form.cleaned_data["last_day"]
        )
        booking.override_create(
            owner=request.user,
            kind=CalendarOverride.Kind.TIME_OFF,
            start=start,
            end=end,
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Time off saved."))
        return redirect("web:time_off")
    calendar = booking.calendar_for(owner=request.user)
    items = calendar.overrides.filter(end__gte=timezone.now()).order_by("start")
    return render(request, "web/time_off.html", {"form": form, "items": items})


@staff_required
@require_POST
def time_off_delete(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        booking.override_delete(owner=request.user, override_id=item_id)
    except ApplicationError as exc:
        raise Http404 from exc
    return redirect("web:time_off")


@staff_required
def meeting_types(request: HttpRequest, type_id: int | None = None) -> HttpResponse:
    calendar = booking.calendar_for(owner=request.user)
    instance = None
    if type_id is not None:
        instance = calendar.meeting_types.filter(pk=type_id).first()
        if instance is None:
            raise Http404
    form = forms.MeetingTypeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.calendar = calendar
        item.save()
        messages.success(request, _("Meeting type saved."))
        return redirect("web:meeting_types")
    return render(
        request,
        "web/meeting_types.html",
        {"form": form, "types": calendar.meeting_types.order_by("name"), "instance": instance},
    )


@staff_required
@require_POST
def appointment_close(request: HttpRequest, appointment_id: int, outcome: str) -> HttpResponse:
    if outcome not in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
        raise Http404
    try:
        booking.appointment_close(actor=request.user, appointment_id=appointment_id, outcome=outcome)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("web:today")
    messages.success(request, _("Saved."))
    return back_to_next(request, "web:today")


@staff_required
@require_POST
def appointment_close_undo(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Take back a held/no-show mark the same day. Someone else's meeting does not exist (404)."""
    try:
        booking.appointment_close_undo(actor=request.user, appointment_id=appointment_id)
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return back_to_next(request, "web:today")
    messages.success(request, _("The mark is undone. The meeting is booked again."))
    return back_to_next(request, "web:today")
