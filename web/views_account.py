"""Signing in and out, the language, and one's own details: a service user's e-mail and phone
numbers, and the calendar link of anyone who has one. Signing in takes a code by SMS, a link
by e-mail or a password, or goes through an identity provider (``web.views_oidc``)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking import services as booking
from booking.apis import feed_url
from config.errors import ApplicationError
from people import limits
from people import services as people
from people.models import PhoneNumber, User
from web import forms, oidc
from web.decorators import service_user_required
from web.forms_safety import spare_context
from web.sign_in import complete_sign_in, page_limit

SESSION_PHONE = "sign_in_phone"


# --- Signing in ----------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("web:login")
    if request.user.is_service_user:
        return redirect("web:my_day")
    if request.user.is_peer:
        # A peer's own page: open requests, invitations, the people who share with them.
        return redirect("web:peer_page")
    if request.user.has_calendar_role:
        return redirect("web:today")
    if request.user.is_coordinator and request.user.unit_id:
        # Urgent requests first; the rest of the unit's work is one menu away.
        return redirect("web:help_requests")
    if request.user.is_superuser:
        return redirect("admin:index")
    return redirect("web:login")


def login_phone(request: HttpRequest) -> HttpResponse:
    page_limit(request, "login")
    form = forms.PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people.sign_in_code_send(raw_phone=form.cleaned_data["phone"])
        except ApplicationError as exc:
            form.add_error("phone", exc.message)
        else:
            request.session[SESSION_PHONE] = form.cleaned_data["phone"]
            return redirect("web:login_code")
    return render(request, "web/login.html", {"form": form, "oidc_providers": oidc.buttons()})


def login_code(request: HttpRequest) -> HttpResponse:
    page_limit(request, "login_code")
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("web:login")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = "phone:" + phone
        limits.account_check(account=account, request=request)
        try:
            user = people.sign_in_code_verify(raw_phone=phone, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            limits.account_failed(account=account, request=request)
            form.add_error("code", exc.message)
        else:
            request.session.pop(SESSION_PHONE, None)
            limits.account_succeeded(account=account)
            return complete_sign_in(request, user)
    return render(request, "web/login_code.html", {"form": form})


def login_email(request: HttpRequest) -> HttpResponse:
    page_limit(request, "login_email")
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


def login_link(request: HttpRequest, token: str) -> HttpResponse:
    page_limit(request, "login_link")
    # Opening the link only shows a button: mail scanners that follow links must not use it up.
    if request.method == "POST":
        # A wrong link is a guess at someone's link: it counts against the address.
        limits.account_check(account=None, request=request)
        try:
            user = people.sign_in_link_use(token=token)
        except ApplicationError as exc:
            limits.account_failed(account=None, request=request)
            return render(request, "web/message.html", {"title": _("Link not valid"), "text": exc.message}, status=400)
        return complete_sign_in(request, user)
    return render(request, "web/login_link.html")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    # Asked before the session ends: it says which identity provider, if any, signed the person
    # in. Ending Triangel's session comes first; then the provider ends its own.
    at_provider = oidc.end_session_url(request)
    logout(request)
    return redirect(at_provider or "web:login")


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


# --- Own details -------------------------------------------------------------------------------


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
    context = {"form": form, "phone_form": phone_form, "phones": phones, "feed_url": feed_url(token.secret)}
    context.update(spare_context(user, phones))
    return render(request, "web/details.html", context)


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
