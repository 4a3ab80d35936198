"""A service user's day and reminders: "My day" with its ticks, the reminder settings, and
adding, changing and removing a reminder plan; and the settings staff and peers keep for the
notices they get (the same preferences, fewer of them)."""

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from config.fields import moment_from_text
from reminders import selectors as reminder_selectors
from reminders import services as reminders
from reminders.models import ItemDone, MedicationLog, ReminderPlan
from reminders.schedule import WEEKDAY_CODES, InvalidSchedule, rrule_from_simple
from web import forms, selectors
from web.decorators import service_user_required, staff_member_required
from web.forms_safety import SupporterForm


@service_user_required
def my_day(request: HttpRequest) -> HttpResponse:
    days = selectors.my_day(user=request.user)
    types = list(selectors.bookable_types(user=request.user)[:6])
    context = {"days": days, "types": types, "today": days[0].day, "next": selectors.next_meeting(user=request.user)}
    return render(request, "web/my_day.html", context)


def _plan_and_occurrence(request: HttpRequest) -> tuple[ReminderPlan, datetime]:
    plan_id = request.POST.get("plan", "")
    # A plan id that is not a number is a 404 like any unknown plan, not a 500.
    plan = ReminderPlan.objects.filter(pk=plan_id, owner=request.user).first() if plan_id.isdigit() else None
    at = moment_from_text(request.POST.get("occurrence", ""))
    if plan is None or at is None:
        raise Http404
    return plan, at.astimezone(UTC)


@service_user_required
@require_POST
def tick(request: HttpRequest) -> HttpResponse:
    """Medication 'taken', routine or money item 'done'."""
    plan, at = _plan_and_occurrence(request)
    if plan.kind == ReminderPlan.Kind.MEDICATION:
        try:
            reminders.medication_mark_taken(plan=plan, occurrence_at=at, via="web")
        except ApplicationError as refused:
            # Too early or too late (the page offers no button then, but a page left open may).
            if request.htmx:
                return HttpResponse(format_html('<span class="refused" role="status">{}</span>', refused.message))
            messages.error(request, refused.message)
            return redirect("web:my_day")
    else:
        ItemDone.objects.get_or_create(plan=plan, occurrence_at=at)
    if request.htmx:
        return HttpResponse(f'<span class="done" role="status">✓ {_("Done")}</span>')
    messages.success(request, _("Noted. Well done!"))
    return redirect("web:my_day")


@service_user_required
@require_POST
def untick(request: HttpRequest) -> HttpResponse:
    """Undo a dose marked taken, until the plan's next dose is due."""
    plan, at = _plan_and_occurrence(request)
    log = MedicationLog.objects.filter(plan=plan, occurrence_at=at).select_related("plan__owner").first()
    if log is None:
        raise Http404
    try:
        reminders.medication_taken_undo(log=log)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Undone. The dose is no longer marked as taken."))
    return redirect("web:my_day")


# --- Reminders ---------------------------------------------------------------------------------


def _preferences_form(request: HttpRequest, *, for_staff: bool) -> forms.PreferencesForm:
    prefs = reminders.preferences_read(request.user)
    initial = {
        "channel_sms": "sms" in prefs.appointment_channels,
        "channel_email": "email" in prefs.appointment_channels,
        "quiet_start": prefs.quiet_start,
        "quiet_end": prefs.quiet_end,
        "discreet": prefs.discreet,
        "morning_summary": prefs.morning_summary,
        "conversation_notice_minutes": prefs.conversation_notice_minutes,
        "language": request.user.language,
    }
    return forms.PreferencesForm(request.POST or None, initial=initial, for_staff=for_staff)


def _preferences_save(request: HttpRequest, form: forms.PreferencesForm) -> None:
    """What the form says, saved by the one service that also re-times the messages already
    planned when the quiet hours change."""
    data = form.cleaned_data
    prefs = reminders.preferences_read(request.user)
    channels = [c for c, on in (("sms", data["channel_sms"]), ("email", data["channel_email"])) if on] or ["sms"]
    changes = {
        "appointment_channels": channels,
        "quiet_start": data["quiet_start"],
        "quiet_end": data["quiet_end"],
        # Turning SMS back on here is the way back after replying STOPP.
        "sms_enabled": prefs.sms_enabled or data["channel_sms"],
    }
    changes.update({name: data[name] for name in ("discreet", "morning_summary", "language") if name in data})
    if data.get("conversation_notice_minutes") is not None:
        changes["conversation_notice_minutes"] = data["conversation_notice_minutes"]
    reminders.preferences_update(person=request.user, changes=changes)


@service_user_required
def reminders_page(request: HttpRequest) -> HttpResponse:
    form = _preferences_form(request, for_staff=False)
    if request.method == "POST" and form.is_valid():
        _preferences_save(request, form)
        messages.success(request, _("Saved."))
        return redirect("web:reminders")
    plans = ReminderPlan.objects.filter(owner=request.user, is_active=True).order_by("kind", "title")
    context = {"form": form, "plans": plans, "kinds": ReminderPlan.Kind.choices}
    # The family member or friend told when a medication reminder is not confirmed.
    context.update(supporter=reminder_selectors.supporter_of(owner=request.user), supporter_form=SupporterForm())
    return render(request, "web/reminders.html", context)


@staff_member_required
def message_settings(request: HttpRequest) -> HttpResponse:
    """A social worker's, coordinator's or peer's own settings for the notices they get: how,
    their quiet hours, and their language."""
    form = _preferences_form(request, for_staff=True)
    if request.method == "POST" and form.is_valid():
        _preferences_save(request, form)
        messages.success(request, _("Saved."))
        response = redirect("web:message_settings")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, request.user.language, max_age=365 * 24 * 3600, samesite="Lax"
        )
        return response
    return render(request, "web/message_settings.html", {"form": form})


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
