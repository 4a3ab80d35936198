"""Coordinators curate the directory: the list (entries not verified for six months flagged),
a service's form (saving is verifying), "still right" for one entry, and the rights pages."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from services import selectors
from services import services as directory
from services.models import RightsPage, Service
from web.decorators import add_service_errors, coordinator_required
from web.forms_directory import RightsPageForm, ServiceForm


@coordinator_required
def directory_manage(request: HttpRequest) -> HttpResponse:
    stale = list(selectors.services_to_verify())
    return render(
        request,
        "web/directory/manage.html",
        {
            "services": selectors.directory_for_curation(),
            "stale_ids": {s.pk for s in stale},
            "stale": stale,
            "rights": selectors.rights_pages(),
        },
    )


@coordinator_required
def service_edit(request: HttpRequest, service_id: int | None = None) -> HttpResponse:
    service = None
    if service_id is not None:
        service = Service.objects.filter(pk=service_id).first()
        if service is None:
            raise Http404
    initial = ServiceForm.initial_of(service) if service else {"cost": "free", "languages": "nb"}
    form = ServiceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = directory.service_save(actor=request.user, service=service, **form.values())
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved and marked as checked today."))
            return redirect("web:service_card", service_id=saved.pk)
    return render(request, "web/directory/service_edit.html", {"form": form, "service": service})


@coordinator_required
@require_POST
def service_verify(request: HttpRequest, service_id: int) -> HttpResponse:
    try:
        directory.service_verify(actor=request.user, service_id=service_id)
    except ApplicationError as exc:
        raise Http404 from exc
    messages.success(request, _("Marked as checked today."))
    return redirect("web:directory_manage")


@coordinator_required
def rights_edit(request: HttpRequest, slug: str) -> HttpResponse:
    page = RightsPage.objects.filter(slug=slug).first()
    if page is None:
        raise Http404
    form = RightsPageForm(request.POST or None, instance=page)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        services = data.pop("services")
        directory.rights_page_save(actor=request.user, page=page, service_ids=[s.pk for s in services], **data)
        messages.success(request, _("Saved."))
        return redirect("web:rights_page", slug=page.slug)
    return render(request, "web/directory/rights_edit.html", {"form": form, "page": page})
