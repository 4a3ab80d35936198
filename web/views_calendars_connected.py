"""The calendars a worker connected: their busy time blocks Triangel's free times."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking import selectors as booking_selectors
from booking import services as booking
from booking.external import SyncError
from booking.models import ExternalCalendar
from config.errors import ApplicationError
from web.decorators import add_service_errors, staff_required
from web.forms_calendars import ConnectCalendarForm


def _own(request: HttpRequest, item_id: int) -> ExternalCalendar:
    item = booking_selectors.external_calendar_of(worker=request.user, item_id=item_id)
    if item is None:
        raise Http404
    return item


@staff_required
def connected_calendars(request: HttpRequest) -> HttpResponse:
    form = ConnectCalendarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _item, result = booking.external_calendar_connect(
                worker=request.user,
                kind=data["kind"],
                url=data["url"],
                username=data["username"],
                password=data["password"],
                write_back=data["write_back"],
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Calendar connected. %(count)s busy times read; they now block those times in Triangel.")
                % {"count": result.added},
            )
            return redirect("web:connected_calendars")
    items = [
        {"item": item, "error": SyncError.message_for(item.last_error) if item.last_error else ""}
        for item in booking_selectors.external_calendars_of(worker=request.user)
    ]
    return render(request, "web/connected_calendars.html", {"form": form, "items": items})


@staff_required
@require_POST
def connected_calendar_sync(request: HttpRequest, item_id: int) -> HttpResponse:
    result = booking.external_calendar_sync(source_id=_own(request, item_id).pk)
    if result.error:
        messages.error(
            request, _("The calendar could not be read: %(reason)s") % {"reason": SyncError.message_for(result.error)}
        )
    elif result.unchanged:
        messages.success(request, _("Read just now: nothing had changed."))
    else:
        messages.success(
            request,
            _("Read just now: %(added)s new and %(removed)s removed busy times.")
            % {"added": result.added, "removed": result.removed},
        )
    return redirect("web:connected_calendars")


@staff_required
@require_POST
def connected_calendar_delete(request: HttpRequest, item_id: int) -> HttpResponse:
    booking.external_calendar_delete(source=_own(request, item_id))
    messages.success(request, _("Calendar disconnected. Its busy time no longer blocks anything."))
    return redirect("web:connected_calendars")
