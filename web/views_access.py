"""A person's information on the web: "Who has looked at my information" and "Everything
Triangel holds about me" for a service user, and the unit's access log for its coordinator,
searchable by person or by member of staff."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit import selectors
from config.errors import ApplicationError
from people import services
from people.models import User
from people.selectors import person_for_records, records_of
from web.decorators import coordinator_required, service_user_required
from web.forms import EraseForm

PAGE_SIZE = 50


@service_user_required
def my_access_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.access_about(person=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/access_log.html", {"page": page})


def _chosen(request: HttpRequest, name: str, among: list[User]) -> int | None:
    value = request.GET.get(name, "")
    ids = {person.pk for person in among}
    return int(value) if value.isdigit() and int(value) in ids else None


@coordinator_required
def unit_access_log(request: HttpRequest) -> HttpResponse:
    coordinator = request.user
    people = list(
        User.objects.filter(unit_id=coordinator.unit_id, role=User.Role.SERVICE_USER).order_by("first_name", "id")
    )
    staff = list(
        User.objects.filter(unit_id=coordinator.unit_id)
        .exclude(role=User.Role.SERVICE_USER)
        .order_by("first_name", "id")
    )
    person_id, actor_id = _chosen(request, "person", people), _chosen(request, "actor", staff)
    entries = selectors.access_in_unit(coordinator=coordinator, person_id=person_id, actor_id=actor_id)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/unit_access_log.html",
        {"page": page, "people": people, "staff": staff, "person_id": person_id, "actor_id": actor_id},
    )


@service_user_required
def my_export(request: HttpRequest) -> HttpResponse:
    return render(request, "web/export.html", {"records": records_of(person=request.user)})


@coordinator_required
def person_erase(request: HttpRequest, user_id: int) -> HttpResponse:
    """A coordinator erases a person of the unit, with a reason, after saying they are sure."""
    person = person_for_records(viewer=request.user, person_id=user_id)
    if person is None or hasattr(person, "erasure"):
        raise Http404
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_erase(actor=request.user, person_id=person.pk, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The person is erased."))
            return redirect("web:unit_access_log")
    return render(request, "web/erase.html", {"person": person, "form": form})
