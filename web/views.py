"""The web pages. Views are thin: they read through selectors, write through services,
and turn ApplicationError into a message on the page. Every flow works without JavaScript;
htmx only saves a page load here and there."""

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from booking import selectors as booking_selectors
from booking import services as booking
from booking.apis import feed_url
from booking.ical import appointment_event
from booking.models import Appointment, CalendarOverride, MeetingType
from booking.slots import slots_for
from care.selectors.groups import group_meeting_id_of
from config.errors import ApplicationError
from people import services as people
from people.models import PhoneNumber, User
from people.selectors import clients_manageable_by
from reminders import selectors as reminder_selectors
from reminders import services as reminders
from reminders.models import FollowUpTask, ItemDone, ReminderPlan
from reminders.schedule import WEEKDAY_CODES, InvalidSchedule, rrule_from_simple
from web import forms, selectors

SESSION_PHONE = "sign_in_phone"


def _tz(user: User) -> ZoneInfo:
    return ZoneInfo(user.timezone)


def role_required(allowed: Callable[[User], bool]) -> Callable[[Callable], Callable]:
    """A page for signed-in people ``allowed`` lets in; anyone else goes to their own home page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                return redirect("web:home")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


service_user_required = role_required(lambda user: user.is_service_user)
staff_required = role_required(lambda user: user.has_calendar_role)
# Coordinators of a unit: handover, feedback summary and the other unit-wide pages.
coordinator_required = role_required(lambda user: user.is_coordinator and bool(user.unit_id))


def add_service_errors(form: BaseForm, exc: ApplicationError) -> None:
    """Show a service's refusal on the form: its message at the top (it says what to do),
    and its short notes beside the fields it names."""
    form.add_error(None, exc.message)
    for name, errors in (exc.fields or {}).items():
        if name in form.fields:
            for error in errors:
                form.add_error(name, error)


def back_to_next(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page named in the form's ``next``, if it is one of ours; else ``fallback``."""
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(fallback)
    return redirect(target)


def _sign_in(request: HttpRequest, user: User) -> HttpResponse:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    # A language picked on the sign-in page is a fresh choice: keep it and remember it.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES) and chosen != user.language:
        user.language = chosen
        User.objects.filter(pk=user.pk).update(language=chosen)
    translation.activate(user.language)
    response = redirect("web:home")
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(
        request,
        "web/message.html",
        {"title": _("Please wait a little"), "text": _("Too many tries. Wait a few minutes and try again.")},
        status=429,
    )


# --- Signing in ----------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("web:login")
    if request.user.is_service_user:
        return redirect("web:my_day")
    if request.user.has_calendar_role:
        return redirect("web:today")
    if request.user.is_coordinator and request.user.unit_id:
        # Urgent requests first; the rest of the unit's work is one menu away.
        return redirect("web:help_requests")
    if request.user.is_superuser:
        return redirect("admin:index")
    return redirect("web:login")


@ratelimit(key="ip", rate="20/15m", method="POST", block=True)
def login_phone(request: HttpRequest) -> HttpResponse:
    form = forms.PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people.sign_in_code_send(raw_phone=form.cleaned_data["phone"])
        except ApplicationError as exc:
            form.add_error("phone", exc.message)
        else:
            request.session[SESSION_PHONE] = form.cleaned_data["phone"]
            return redirect("web:login_code")
    return render(request, "web/login.html", {"form": form})


@ratelimit(key="ip", rate="30/15m", method="POST", block=True)
def login_code(request: HttpRequest) -> HttpResponse:
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("web:login")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = people.sign_in_code_verify(raw_phone=phone, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(SESSION_PHONE, None)
            return _sign_in(request, user)
    return render(request, "web/login_code.html", {"form": form})


@ratelimit(key="ip", rate="10/15m", method="POST", block=True)
def login_email(request: HttpRequest) -> HttpResponse:
    form = forms.EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people.sign_in_link_send(
                email=form.cleaned_data["email"],
                link_for=lambda token: settings.SITE_URL + reverse("web:login_link", args=[token]),
            )
        except ApplicationError as exc:
            form.add_error("email", exc.message)
        else:
            return render(
                request,
                "web/message.html",
                {
                    "title": _("Check your e-mail"),
                    "text": _(
                        "If the address is registered with us, a sign-in link is on its way. It works for 20 minutes."
                    ),
                },
            )
    return render(request, "web/login_email.html", {"form": form})


@ratelimit(key="ip", rate="30/15m", method="POST", block=True)
def login_link(request: HttpRequest, token: str) -> HttpResponse:
    # Opening the link only shows a button: mail scanners that follow links must not use it up.
    if request.method == "POST":
        try:
            user = people.sign_in_link_use(token=token)
        except ApplicationError as exc:
            return render(request, "web/message.html", {"title": _("Link not valid"), "text": exc.message}, status=400)
        return _sign_in(request, user)
    return render(request, "web/login_link.html")


class PasswordLoginView(LoginView):
    template_name = "web/login_password.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        super().form_valid(form)
        return _sign_in(self.request, form.get_user())


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "nb")
    if language not in dict(settings.LANGUAGES):
        language = "nb"
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    if request.user.is_authenticated and request.user.language != language:
        User.objects.filter(pk=request.user.pk).update(language=language)
    response = redirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


# --- Service user: my day ----------------------------------------------------------------------


@service_user_required
def my_day(request: HttpRequest) -> HttpResponse:
    days = selectors.my_day(user=request.user)
    types = list(selectors.bookable_types(user=request.user)[:6])
    return render(request, "web/my_day.html", {"days": days, "types": types, "today": days[0].day})


def _plan_and_occurrence(request: HttpRequest) -> tuple[ReminderPlan, datetime]:
    plan_id = request.POST.get("plan", "")
    # A plan id that is not a number is a 404 like any unknown plan, not a 500.
    plan = ReminderPlan.objects.filter(pk=plan_id, owner=request.user).first() if plan_id.isdigit() else None
    at = parse_datetime(request.POST.get("occurrence", ""))
    if plan is None or at is None:
        raise Http404
    return plan, at.astimezone(UTC)


@service_user_required
@require_POST
def tick(request: HttpRequest) -> HttpResponse:
    """Medication 'taken', routine or money item 'done'."""
    plan, at = _plan_and_occurrence(request)
    if plan.kind == ReminderPlan.Kind.MEDICATION:
        reminders.medication_mark_taken(plan=plan, occurrence_at=at, via="web")
    else:
        ItemDone.objects.get_or_create(plan=plan, occurrence_at=at)
    if request.htmx:
        return HttpResponse(f'<span class="done" role="status">✓ {_("Done")}</span>')
    messages.success(request, _("Noted. Well done!"))
    return redirect("web:my_day")


# --- Service user: booking ---------------------------------------------------------------------


def _type_for(request: HttpRequest, type_id: int) -> MeetingType:
    meeting_type = selectors.bookable_types(user=request.user).filter(pk=type_id).first()
    if meeting_type is None:
        raise Http404
    return meeting_type


def _slots_by_day(meeting_type: MeetingType, actor: User, days: int = 14) -> list[tuple[date, list]]:
    tz = _tz(meeting_type.calendar.owner)
    today = timezone.now().astimezone(tz).date()
    slots = slots_for(meeting_type=meeting_type, actor=actor, first_day=today, last_day=today + timedelta(days=days))
    grouped: dict[date, list] = {}
    for slot in slots:
        local = slot.start.astimezone(tz)
        grouped.setdefault(local.date(), []).append(local)
    return list(grouped.items())


@service_user_required
def book_choose_type(request: HttpRequest) -> HttpResponse:
    types = list(selectors.bookable_types(user=request.user))
    if len(types) == 1:
        return redirect("web:book_times", type_id=types[0].pk)
    return render(request, "web/book_types.html", {"types": types})


@service_user_required
def book_times(request: HttpRequest, type_id: int) -> HttpResponse:
    meeting_type = _type_for(request, type_id)
    days = _slots_by_day(meeting_type, request.user)
    return render(request, "web/book_times.html", {"meeting_type": meeting_type, "days": days})


@service_user_required
def book_confirm(request: HttpRequest, type_id: int) -> HttpResponse:
    meeting_type = _type_for(request, type_id)
    start = parse_datetime(request.GET.get("start") or request.POST.get("start") or "")
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
    local = start.astimezone(_tz(meeting_type.calendar.owner))
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
    from web import views_peers  # imports this module's decorators

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
            **views_peers.meeting_peer_context(user=request.user, appointment=appointment),
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
        messages.success(request, _("The meeting is cancelled. The time is free for someone else."))
        return redirect("web:meetings")
    return render(request, "web/meeting_cancel.html", {"a": appointment, "form": form})


@service_user_required
def meeting_move(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _my_appointment(request, appointment_id)
    if request.method == "POST":
        start = parse_datetime(request.POST.get("start", ""))
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
    meeting_type = appointment.meeting_type
    meeting_type.calendar = appointment.calendar
    days = _slots_by_day(meeting_type, request.user)
    return render(request, "web/meeting_move.html", {"a": appointment, "days": days})


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


# --- Service user: reminders and details ------------------------------------------------------


@service_user_required
def reminders_page(request: HttpRequest) -> HttpResponse:
    prefs = reminders.preferences_read(request.user)
    form = forms.PreferencesForm(
        request.POST or None,
        initial={
            "channel_sms": "sms" in prefs.appointment_channels,
            "channel_email": "email" in prefs.appointment_channels,
            "quiet_start": prefs.quiet_start,
            "quiet_end": prefs.quiet_end,
            "discreet": prefs.discreet,
            "morning_summary": prefs.morning_summary,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        channels = [c for c, on in (("sms", data["channel_sms"]), ("email", data["channel_email"])) if on] or ["sms"]
        prefs.appointment_channels = channels
        prefs.quiet_start, prefs.quiet_end = data["quiet_start"], data["quiet_end"]
        prefs.discreet, prefs.morning_summary = data["discreet"], data["morning_summary"]
        # Turning SMS back on here is the way back after replying STOPP.
        prefs.sms_enabled = prefs.sms_enabled or data["channel_sms"]
        prefs.save()
        messages.success(request, _("Saved."))
        return redirect("web:reminders")
    plans = ReminderPlan.objects.filter(owner=request.user, is_active=True).order_by("kind", "title")
    return render(request, "web/reminders.html", {"form": form, "plans": plans, "kinds": ReminderPlan.Kind.choices})


def _schedule_initial(rule: str) -> dict[str, Any]:
    """The simple form's times and days for a saved plan. Without them, changing a reminder
    starts from an empty time field and unticked days, and re-typing the times silently
    turns a Monday-Wednesday-Friday reminder into a daily one."""
    parts = dict(p.split("=", 1) for p in rule.upper().removeprefix("RRULE:").split(";") if "=" in p)
    try:
        hours = [int(h) for h in parts["BYHOUR"].split(",")]
        minutes = [int(m) for m in parts.get("BYMINUTE", "0").split(",")]
    except (KeyError, ValueError):
        return {}
    initial: dict[str, Any] = {"times": " ".join(f"{h:02d}:{m:02d}" for h in hours for m in minutes)}
    if parts.get("BYDAY"):
        days = [d[-2:] for d in parts["BYDAY"].split(",")]
        initial["weekdays"] = [WEEKDAY_CODES.index(d) for d in days if d in WEEKDAY_CODES]
    if parts.get("BYMONTHDAY", "").isdigit():
        initial["day_of_month"] = int(parts["BYMONTHDAY"])
    return initial


@service_user_required
def reminder_edit(request: HttpRequest, kind: str | None = None, plan_id: int | None = None) -> HttpResponse:
    plan = None
    if plan_id is not None:
        plan = ReminderPlan.objects.filter(pk=plan_id, owner=request.user, is_active=True).first()
        if plan is None:
            raise Http404
        kind = plan.kind
    if kind not in ReminderPlan.Kind.values:
        raise Http404
    initial = {"channel_sms": True}
    if plan is not None:
        initial = {
            "title": plan.title,
            "dose": plan.dose,
            "money_kind": plan.money_kind,
            "amount": plan.amount,
            "channel_sms": "sms" in plan.channels,
            "channel_email": "email" in plan.channels,
            **_schedule_initial(plan.rrule),
        }
    form = forms.PlanForm(request.POST or None, kind=kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rule = rrule_from_simple(
                times=data["times"], weekdays=data.get("weekdays") or None, day_of_month=data.get("day_of_month")
            )
        except InvalidSchedule as exc:
            form.add_error("times", _(str(exc)))
        else:
            plan = plan or ReminderPlan(owner=request.user, created_by=request.user, kind=kind)
            plan.title, plan.rrule, plan.channels = data["title"], rule, form.channels
            plan.starts_on = plan.starts_on or selectors.local_today(request.user)
            plan.dose = data.get("dose", "") or ""
            plan.money_kind = data.get("money_kind", "") or ""
            plan.amount = data.get("amount")
            reminders.plan_save(plan=plan)
            messages.success(request, _("Reminder saved."))
            return redirect("web:reminders")
    return render(request, "web/reminder_edit.html", {"form": form, "kind": kind, "plan": plan})


@service_user_required
@require_POST
def reminder_delete(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = ReminderPlan.objects.filter(pk=plan_id, owner=request.user, is_active=True).first()
    if plan is None:
        raise Http404
    reminders.plan_delete(plan=plan)
    messages.success(request, _("Reminder removed."))
    return redirect("web:reminders")


@service_user_required
def details(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = forms.DetailsForm(request.POST or None, initial={"email": user.email, "language": user.language})
    phone_form = forms.NewPhoneForm()
    if request.method == "POST" and form.is_valid():
        user.email = form.cleaned_data["email"]
        user.language = form.cleaned_data["language"]
        user.save(update_fields=["email", "language"])
        messages.success(request, _("Saved."))
        response = redirect("web:details")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, max_age=365 * 24 * 3600, samesite="Lax")
        return response
    token = booking.feed_token_get_or_create(user=user)
    phones = PhoneNumber.objects.filter(user=user).order_by("-is_active", "-created_at")
    return render(
        request,
        "web/details.html",
        {"form": form, "phone_form": phone_form, "phones": phones, "feed_url": feed_url(token.secret)},
    )


@service_user_required
@require_POST
def details_phone(request: HttpRequest) -> HttpResponse:
    form = forms.NewPhoneForm(request.POST)
    if form.is_valid():
        try:
            people.phone_number_add(user=request.user, raw=form.cleaned_data["number"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your new number is saved and will be used from now on."))
    return redirect("web:details")


@login_required
@require_POST
def feed_rotate(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        booking.feed_token_rotate(user=request.user)
    messages.success(request, _("You have a new calendar link. The old one no longer works."))
    return redirect("web:details" if request.user.is_service_user else "web:calendar")


# --- Social workers and peers ------------------------------------------------------------------


@staff_required
def today(request: HttpRequest) -> HttpResponse:
    from web import views_peers  # imports this module's decorators

    day = selectors.local_today(request.user)
    appointments = selectors.worker_day(worker=request.user, day=day)
    tasks = list(reminder_selectors.open_tasks_for(worker=request.user)[:50])
    views_peers.decorate_today(appointments=appointments, tasks=tasks)
    return render(
        request,
        "web/today.html",
        {
            "day": day,
            "appointments": appointments,
            "tasks": tasks,
            "failing": list(selectors.failing_reminders(worker=request.user)),
            "now": timezone.now(),
        },
    )


@staff_required
@require_POST
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    updated = FollowUpTask.objects.filter(pk=task_id, worker=request.user, done_at__isnull=True).update(
        done_at=timezone.now()
    )
    if not updated:
        raise Http404
    if request.htmx:
        return HttpResponse(f'<span role="status">✓ {_("Done")}</span>')
    return redirect("web:today")


def _monday(value: str | None, user: User) -> date:
    try:
        day = date.fromisoformat(value) if value else selectors.local_today(user)
    except ValueError:
        day = selectors.local_today(user)
    return day - timedelta(days=day.weekday())


@staff_required
def calendar_week(request: HttpRequest) -> HttpResponse:
    monday = _monday(request.GET.get("week"), request.user)
    appointments, overrides = selectors.week_of(worker=request.user, monday=monday)
    from web import views_peers  # imports this module's decorators

    views_peers.decorate_today(appointments=appointments, tasks=[])
    tz = _tz(request.user)
    days = []
    for i in range(7):
        day = monday + timedelta(days=i)
        days.append(
            {
                "day": day,
                "appointments": [a for a in appointments if a.start.astimezone(tz).date() == day],
                "off": [
                    o
                    for o in overrides
                    if o.kind == CalendarOverride.Kind.TIME_OFF
                    and o.start.astimezone(tz).date()
                    <= day
                    < (o.end - timedelta(seconds=1)).astimezone(tz).date() + timedelta(days=1)
                ],
            }
        )
    token = booking.feed_token_get_or_create(user=request.user)
    return render(
        request,
        "web/calendar.html",
        {
            "days": days,
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "feed_url": feed_url(token.secret),
            "now": timezone.now(),
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
def book_for_user(request: HttpRequest) -> HttpResponse:
    users = (
        list(clients_manageable_by(actor=request.user).order_by("first_name")) if request.user.is_social_worker else []
    )
    if request.user.is_peer:
        users = list(User.objects.filter(role=User.Role.SERVICE_USER, unit_id=request.user.unit_id, is_active=True))
    types = list(booking.calendar_for(owner=request.user).meeting_types.filter(is_active=True))
    form = forms.BookForUserForm(request.POST or None, users=users, types=types, initial=request.GET.dict() or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tz = _tz(request.user)
        start = datetime.combine(data["day"], data["start"], tzinfo=tz)
        repeat = booking.RepeatRule(count=data["weeks"]) if data["weeks"] > 1 else None
        try:
            result = booking.appointment_book(
                actor=request.user,
                worker_id=request.user.pk,
                meeting_type_id=data["meeting_type"],
                start=start,
                client_id=data["user"],
                repeat=repeat,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            alternatives = exc.extra.get("alternatives") or [
                a for c in exc.extra.get("conflicts", []) for a in c.get("alternatives", [])
            ]
            return render(
                request,
                "web/book_for_user.html",
                {
                    "form": form,
                    "alternatives": [datetime.fromisoformat(a["start"]) for a in alternatives[:6]],
                    "conflicts": exc.extra.get("conflicts", []),
                },
                status=409 if exc.status_code == 409 else 400,
            )
        count = len(result.appointments)
        messages.success(
            request,
            ngettext("Booked %(count)d meeting(s).", "Booked %(count)d meeting(s).", count) % {"count": count},
        )
        return redirect(
            f"{reverse('web:calendar')}?week={result.appointments[0].start.astimezone(tz).date().isoformat()}"
        )
    return render(request, "web/book_for_user.html", {"form": form})


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
def caseload(request: HttpRequest) -> HttpResponse:
    people_ = list(selectors.caseload_overview(worker=request.user))
    return render(request, "web/caseload.html", {"people": people_, "now": timezone.now()})


@staff_required
def caseload_phone(request: HttpRequest, user_id: int) -> HttpResponse:
    """'Lost my phone': open the person, type the new number, save."""
    client = clients_manageable_by(actor=request.user).filter(pk=user_id).first()
    if client is None:
        raise Http404
    form = forms.NewPhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people.phone_number_replace(actor=request.user, client=client, raw=form.cleaned_data["number"])
        except ApplicationError as exc:
            form.add_error("number", exc.message)
        else:
            messages.success(request, _("New number saved for %(name)s.") % {"name": client.get_full_name()})
            return redirect("web:caseload")
    phones = PhoneNumber.objects.filter(user=client).order_by("-is_active", "-created_at")
    return render(request, "web/caseload_phone.html", {"client": client, "form": form, "phones": phones})
