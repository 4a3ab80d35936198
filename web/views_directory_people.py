"""The directory in a person's life: save a service to My plan, ask the worker to help make
contact (a message in the person's conversation with their worker), and a worker suggesting a
service from the person's page. Lives in web because it joins services and conversations."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import ApplicationError
from conversations.services import message_post, thread_for_worker
from people.models import User
from services import selectors
from services import services as directory
from web.decorators import service_user_required, staff_required


@service_user_required
@require_POST
def service_save(request: HttpRequest, service_id: int) -> HttpResponse:
    try:
        directory.saved_service_add(actor=request.user, client=request.user, service_id=service_id)
    except ApplicationError as exc:
        raise Http404 from exc
    messages.success(request, _("Saved to your plan."))
    return redirect("web:service_card", service_id=service_id)


@service_user_required
@require_POST
def service_unsave(request: HttpRequest, service_id: int) -> HttpResponse:
    directory.saved_service_remove(user=request.user, service_id=service_id)
    messages.success(request, _("Removed from your plan."))
    return redirect("web:my_plan")


@service_user_required
@require_POST
def service_ask(request: HttpRequest, service_id: int) -> HttpResponse:
    found = selectors.service_get(service_id=service_id)
    if found is None:
        raise Http404
    text = _("Can you help me contact them? %(name)s (%(phone)s)") % {
        "name": found.service.name,
        "phone": found.service.phone or "-",
    }
    thread = thread_for_worker(request.user)
    # The idempotency key makes a double press post once.
    message_post(
        thread=thread,
        author=request.user,
        text=text,
        idempotency_key=f"service-ask:{service_id}:{timezone.localdate()}",
    )
    messages.success(request, _("Your social worker got a message about this service."))
    return redirect("web:conversation", thread_id=thread.pk)


@staff_required
@require_POST
def service_suggest(request: HttpRequest, user_id: int) -> HttpResponse:
    client = User.objects.filter(pk=user_id, role=User.Role.SERVICE_USER).first()
    raw = (request.POST.get("service") or "").strip()
    if client is None or not raw.isdigit():
        raise Http404
    try:
        directory.saved_service_add(actor=request.user, client=client, service_id=int(raw))
    except ApplicationError as exc:
        raise Http404 from exc
    messages.success(request, _("The service is in the person's plan as your suggestion."))
    return redirect("web:person_overview", user_id=client.pk)
