"""The safety net on a service user's pages: a family member or friend told when a medication
reminder is not confirmed (on the reminders page), and a spare number and "I lost my phone"
(on My details, and for staff on the person's phone page)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit import log as access_log
from config.errors import ApplicationError
from people import services as people
from people.selectors import clients_manageable_by
from reminders import services as reminders
from reminders.services.supporters import supporter_name, supporter_remove
from web.decorators import service_user_required, staff_required
from web.forms_safety import SpareNumberForm, SupporterForm


@service_user_required
@require_POST
def supporter_save(request: HttpRequest) -> HttpResponse:
    form = SupporterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write what you call them and their mobile number."))
        return redirect("web:reminders")
    name = form.cleaned_data["name"]
    try:
        supporter_name(owner=request.user, name=name, raw_number=form.cleaned_data["number"])
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("We have sent %(name)s one SMS asking if they agree. Nothing more is sent until they answer JA.")
            % {"name": name},
        )
    return redirect("web:reminders")


@service_user_required
@require_POST
def supporter_delete(request: HttpRequest) -> HttpResponse:
    supporter_remove(owner=request.user)
    messages.success(request, _("Removed. They get no more messages from us."))
    return redirect("web:reminders")


@service_user_required
@require_POST
def spare_save(request: HttpRequest) -> HttpResponse:
    form = SpareNumberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid phone number."))
        return redirect("web:details")
    try:
        people.phone_number_spare_set(user=request.user, raw=form.cleaned_data["number"])
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return redirect("web:details")
    prefs = reminders.preferences_for(request.user)
    prefs.spare_for_meetings = form.cleaned_data["spare_for_meetings"]
    prefs.save(update_fields=["spare_for_meetings", "updated_at"])
    messages.success(request, _("Your spare number is saved."))
    return redirect("web:details")


@service_user_required
@require_POST
def spare_delete(request: HttpRequest) -> HttpResponse:
    people.phone_number_spare_remove(user=request.user)
    messages.success(request, _("You no longer have a spare number."))
    return redirect("web:details")


@service_user_required
@require_POST
def phone_lost(request: HttpRequest) -> HttpResponse:
    if people.phone_number_mark_lost(actor=request.user, client=request.user):
        messages.success(
            request,
            _("Your number is no longer used. Texts from it change nothing. Add your new number when you have one."),
        )
    return redirect("web:details")


@staff_required
@require_POST
def caseload_phone_lost(request: HttpRequest, user_id: int) -> HttpResponse:
    """Staff who follow the person mark their phone lost before there is a new number."""
    client = clients_manageable_by(actor=request.user).filter(pk=user_id).first()
    if client is None:
        raise Http404
    people.phone_number_mark_lost(actor=request.user, client=client)
    access_log.saw(viewer=request.user, what="contact", subjects=[(client.pk, None)], change=True)
    messages.success(request, _("The number of %(name)s is no longer used.") % {"name": client.get_full_name()})
    return redirect("web:caseload_phone", user_id=client.pk)
