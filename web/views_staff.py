"""A social worker's or peer's daily pages: Today with its follow-up tasks, and the caseload
with the "lost my phone" page."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit import log as access_log
from config.errors import ApplicationError
from people import services as people
from people.models import PhoneNumber
from people.selectors import active_phones_of, clients_manageable_by
from reminders import selectors as reminder_selectors
from reminders.models import FollowUpTask
from web import forms, selectors
from web.decorators import back_to_next, staff_required
from web.peer_context import decorate_today


@staff_required
def today(request: HttpRequest) -> HttpResponse:
    day = selectors.local_today(request.user)
    appointments = selectors.worker_day(worker=request.user, day=day)
    tasks = list(reminder_selectors.open_tasks_for(worker=request.user)[:50])
    decorate_today(appointments=appointments, tasks=tasks)
    # The numbers to call, beside each name: the desk's most common task is a phone call.
    people_ids = {a.client_id for a in appointments if a.client_id} | {t.client_id for t in tasks}
    phones = active_phones_of(user_ids=people_ids)
    if phones:
        access_log.saw(viewer=request.user, what="contact", subjects=[(pk, None) for pk in sorted(phones)])
    for item in [*appointments, *tasks]:
        item.client_phone = phones.get(item.client_id)
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
    return back_to_next(request, "web:today")


@staff_required
def caseload(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    people_ = list(selectors.caseload_overview(worker=request.user, search=query))
    access_log.saw(viewer=request.user, what="contact", subjects=[(person.pk, None) for person in people_])
    return render(request, "web/caseload.html", {"people": people_, "now": timezone.now(), "q": query})


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
    access_log.saw(viewer=request.user, what="contact", subjects=[(client.pk, None)], change=request.method == "POST")
    return render(request, "web/caseload_phone.html", {"client": client, "form": form, "phones": phones})
