"""Pages for "I need help now": the service user's button and answer, the staff's
acknowledge and resolve, and the duty rota a coordinator keeps."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit import log as access_log
from care.models import HelpRequest, HelpSettings
from care.selectors import help as selectors
from care.services import help as services
from config.errors import ApplicationError, NotFound
from people.models import Unit, User
from web.decorators import add_service_errors, back_to_next, role_required, service_user_required
from web.forms import WEEKDAYS
from web.forms_help import DutyCoverForm, DutyShiftForm, HelpAskForm, HelpResolveForm, HelpSettingsForm

# Social workers, peers and coordinators of a unit: everyone who may be on the rota.
help_staff_required = role_required(
    lambda user: (user.has_calendar_role or user.is_coordinator) and user.unit_id is not None
)


# --- Service user ------------------------------------------------------------------------------


@service_user_required
def help_now(request: HttpRequest) -> HttpResponse:
    """GET: the open request and what happens next, or the button. POST: ask (once)."""
    if request.method == "POST":
        form = HelpAskForm(request.POST)
        if form.is_valid():
            try:
                services.help_request_create(user=request.user, message=form.cleaned_data["message"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            return redirect("web:help_now")
    else:
        form = HelpAskForm()
    state = selectors.help_now_for(user=request.user, now=timezone.now())
    answer = state.answer if state else None
    return render(
        request,
        "web/help/help_now.html",
        {
            "form": form,
            "help_request": answer.request if answer else None,
            "answer": answer,
            "state": state,
            # Closed: the numbers to call come first, before the button.
            "closed": state is not None and not state.unit_open,
            "settings": state.settings if state else None,
            "emergency": selectors.EMERGENCY_NUMBER,
            "legevakt": selectors.LEGEVAKT_NUMBER,
        },
    )


@service_user_required
@require_POST
def help_withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        services.help_request_withdraw(user=request.user, request_id=request_id)
    except NotFound as exc:  # someone else's, or none at all
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Good to hear. Your request is closed. Press the button again if you need us."))
    return redirect("web:help_now")


# --- Staff -------------------------------------------------------------------------------------


def log_numbers_shown(viewer: User, rows: list[selectors.HelpRow]) -> None:
    """The cards show each person's phone number: written to the access log as contact details."""
    shown = sorted({row.request.user_id for row in rows if row.phone is not None})
    if shown:
        access_log.saw(viewer=viewer, what="contact", subjects=[(pk, None) for pk in shown])


@help_staff_required
def help_requests(request: HttpRequest) -> HttpResponse:
    """Open requests the person may see (for a coordinator, the unit's, waiting ones too)."""
    rows = list(
        selectors.help_requests_visible_to(actor=request.user)
        .filter(status__in=HelpRequest.OPEN)
        .prefetch_related("alerts")
        .order_by("created_at")[:100]
    )
    help_rows = selectors.help_rows(requests=rows, now=timezone.now(), viewer=request.user)
    log_numbers_shown(request.user, help_rows)
    return render(request, "web/help/requests.html", {"help_rows": help_rows})


@help_staff_required
@require_POST
def help_acknowledge(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        services.help_request_acknowledge(actor=request.user, request_id=request_id)
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return back_to_next(request, "web:help_requests")
    messages.success(request, _("You have taken it. The person can see that you will get in touch."))
    return back_to_next(request, "web:help_requests")


@help_staff_required
def help_resolve(request: HttpRequest, request_id: int) -> HttpResponse:
    item = selectors.help_requests_visible_to(actor=request.user).filter(pk=request_id).first()
    if item is None:
        raise Http404
    form = HelpResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.help_request_resolve(actor=request.user, request_id=item.pk, note=form.cleaned_data["note"])
        except NotFound as exc:
            raise Http404 from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("web:help_requests")
        messages.success(request, _("The help request is resolved."))
        return redirect("web:today" if request.user.has_calendar_role else "web:help_requests")
    return render(request, "web/help/resolve.html", {"item": item, "form": form})


# --- The rota ----------------------------------------------------------------------------------


def _saved(request: HttpRequest, form: BaseForm, save: Callable[[dict], object], done: str) -> bool:
    """Validate ``form`` and ``save`` its data through a service. True when saved (``done``
    is shown on the next page); otherwise the errors are on the form, and nothing is saved."""
    if not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except ApplicationError as exc:
        add_service_errors(form, exc)
        return False
    messages.success(request, done)
    return True


def _rota_forms(*, staff: list[User], settings: HelpSettings) -> dict[str, BaseForm]:
    """The rota page's three forms as they stand before anything is posted: the unit's help
    settings, a new weekly shift and a new cover for someone away."""
    return {
        "settings_form": HelpSettingsForm(
            initial={
                "leader": settings.leader_id,
                "ack_minutes": settings.ack_minutes,
                "crisis_line_name": settings.crisis_line_name,
                "crisis_line_number": settings.crisis_line_number,
            },
            staff=staff,
            prefix="settings",
        ),
        "shift_form": DutyShiftForm(staff=staff, prefix="shift"),
        "cover_form": DutyCoverForm(staff=staff, prefix="cover"),
    }


def _save_cover(request: HttpRequest, staff: list[User]) -> tuple[BaseForm, bool]:
    form = DutyCoverForm(request.POST, staff=staff, prefix="cover")
    actor = request.user
    saved = _saved(
        request,
        form,
        lambda d: services.duty_cover_add(
            actor=actor,
            absent_id=d["absent"],
            cover_id=d["cover"],
            first_day=d["first_day"],
            last_day=d["last_day"],
        ),
        _("The cover is added."),
    )
    return form, saved


def _save_settings(request: HttpRequest, staff: list[User]) -> tuple[BaseForm, bool]:
    form = HelpSettingsForm(request.POST, staff=staff, prefix="settings")
    actor = request.user
    saved = _saved(
        request,
        form,
        lambda d: services.help_settings_save(
            actor=actor,
            leader_id=d["leader"],
            ack_minutes=d["ack_minutes"],
            crisis_line_name=d["crisis_line_name"],
            crisis_line_number=d["crisis_line_number"],
        ),
        _("Saved."),
    )
    return form, saved


def _save_shift(request: HttpRequest, staff: list[User]) -> tuple[BaseForm, bool]:
    form = DutyShiftForm(request.POST, staff=staff, prefix="shift")
    actor = request.user
    saved = _saved(
        request,
        form,
        lambda d: services.duty_shift_add(
            actor=actor,
            weekday=d["weekday"],
            start=d["start"],
            end=d["end"],
            staff_id=d["staff"],
            position=d["position"],
        ),
        _("The shift is added."),
    )
    return form, saved


def _rota_post(request: HttpRequest, staff: list[User]) -> tuple[str, BaseForm, bool]:
    """Save the one form that was posted, told apart by a field only it has. Returns the
    form's name on the page, so that a form with errors is shown again in its place."""
    if "cover-absent" in request.POST:
        return ("cover_form", *_save_cover(request, staff))
    if "settings-ack_minutes" in request.POST:
        return ("settings_form", *_save_settings(request, staff))
    return ("shift_form", *_save_shift(request, staff))


def _rota_page(
    request: HttpRequest, *, unit: Unit, settings: HelpSettings, is_coordinator: bool, forms: dict[str, BaseForm]
) -> HttpResponse:
    now = timezone.now()
    today = now.astimezone(ZoneInfo(unit.timezone)).date()
    shifts = list(selectors.rota_for(unit=unit))
    days = [(label, [s for s in shifts if s.weekday == number]) for number, label in WEEKDAYS]
    return render(
        request,
        "web/help/rota.html",
        {
            "unit": unit,
            "settings": settings,
            "today_shifts": selectors.duty_today(unit=unit, now=now),
            "on_duty_now": selectors.on_duty(unit=unit, at=now),
            "is_open": selectors.unit_is_open(unit=unit, at=now),
            "days": days,
            "has_shifts": bool(shifts),
            "is_coordinator": is_coordinator,
            "settings_form": forms["settings_form"],
            "shift_form": forms["shift_form"],
            "covers": list(selectors.covers_ahead(unit=unit, today=today)),
            "cover_form": forms["cover_form"],
            "undo": rota_undo_offer(request) if is_coordinator else None,
        },
    )


@help_staff_required
def help_rota(request: HttpRequest) -> HttpResponse:
    """Who is on duty today and the weekly rota; a coordinator also edits them here."""
    unit = request.user.unit
    staff = list(selectors.staff_of_unit(unit_id=unit.pk))
    settings = selectors.help_settings_for(unit)
    is_coordinator = request.user.is_coordinator
    forms = _rota_forms(staff=staff, settings=settings)
    if request.method == "POST":
        if not is_coordinator:
            raise Http404
        name, form, saved = _rota_post(request, staff)
        if saved:
            return redirect("web:help_rota")
        forms[name] = form
    return _rota_page(request, unit=unit, settings=settings, is_coordinator=is_coordinator, forms=forms)


# A removal from the rota can be undone for a while: what was removed is kept in the session.
UNDO_KEY = "rota_undo"
UNDO_MINUTES = 10


def _remember_removed(request: HttpRequest, kind: str, what: str, values: dict) -> None:
    request.session[UNDO_KEY] = {"kind": kind, "what": what, "values": values, "at": timezone.now().isoformat()}


def rota_undo_offer(request: HttpRequest) -> dict | None:
    """The last removal, if it can still be undone (for the rota page)."""
    removed = request.session.get(UNDO_KEY)
    if not removed or timezone.now() - datetime.fromisoformat(removed["at"]) > timedelta(minutes=UNDO_MINUTES):
        return None
    return removed


@help_staff_required
@require_POST
def help_shift_delete(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = selectors.rota_for(unit=request.user.unit).filter(pk=shift_id).first() if request.user.unit else None
    try:
        services.duty_shift_delete(actor=request.user, shift_id=shift_id)
    except NotFound as exc:
        raise Http404 from exc
    if shift is not None:
        what = f"{dict(WEEKDAYS)[shift.weekday]} {shift.start:%H:%M}–{shift.end:%H:%M} {shift.staff.get_full_name()}"
        values = {"weekday": shift.weekday, "start": f"{shift.start:%H:%M}", "end": f"{shift.end:%H:%M}"}
        _remember_removed(request, "shift", what, {**values, "staff_id": shift.staff_id, "position": shift.position})
    messages.success(request, _("The shift is removed."))
    return redirect("web:help_rota")


@help_staff_required
@require_POST
def help_cover_delete(request: HttpRequest, cover_id: int) -> HttpResponse:
    unit = request.user.unit
    # Any of the unit's covers, ended or not (date.min): the one about to go, to offer it back.
    cover = selectors.covers_ahead(unit=unit, today=date.min).filter(pk=cover_id).first() if unit else None
    try:
        services.duty_cover_delete(actor=request.user, cover_id=cover_id)
    except NotFound as exc:
        raise Http404 from exc
    if cover is not None:
        what = f"{cover.absent.get_full_name()} {cover.first_day:%d.%m}–{cover.last_day:%d.%m}"
        values = {"absent_id": cover.absent_id, "cover_id": cover.cover_id}
        days = {"first_day": cover.first_day.isoformat(), "last_day": cover.last_day.isoformat()}
        _remember_removed(request, "cover", what, {**values, **days})
    messages.success(request, _("The cover is removed."))
    return redirect("web:help_rota")


@help_staff_required
@require_POST
def help_rota_undo(request: HttpRequest) -> HttpResponse:
    """Put back the last shift or cover removed (within UNDO_MINUTES), as it was."""
    removed = rota_undo_offer(request)
    request.session.pop(UNDO_KEY, None)
    if removed is None:
        messages.error(request, _("There is nothing to undo any more."))
        return redirect("web:help_rota")
    values = removed["values"]
    try:
        if removed["kind"] == "shift":
            services.duty_shift_add(
                actor=request.user,
                weekday=values["weekday"],
                start=time.fromisoformat(values["start"]),
                end=time.fromisoformat(values["end"]),
                staff_id=values["staff_id"],
                position=values["position"],
            )
        else:
            services.duty_cover_add(
                actor=request.user,
                absent_id=values["absent_id"],
                cover_id=values["cover_id"],
                first_day=date.fromisoformat(values["first_day"]),
                last_day=date.fromisoformat(values["last_day"]),
            )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("web:help_rota")
    messages.success(request, _("Put back as it was."))
    return redirect("web:help_rota")
