"""Signing in with a password, and the second factor staff show after it.

Every failure counts against the account and the client address (``people.limits``); over the
limit the answer is 429 with the time to wait, and the right password is refused until then.
Staff then give a code from their authenticator app (``otp``), or set one up the first time."""

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from people import limits
from people import second_factor as factor
from people.models import User
from web.forms_sign_in import OtpForm, OtpSetUpForm, PasswordForm
from web.sign_in import complete_sign_in, finish_sign_in, page_limit, pending_user

SETUP_DEVICE = "sign_in_setup_device"
RECOVERY_CODES = "sign_in_recovery_codes"


def login_password(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    page_limit(request, "login_password")
    form = PasswordForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        limits.account_check(account=username, request=request)
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            limits.account_failed(account=username, request=request)
            form.add_error(None, _("The user name or password is wrong."))
        else:
            next_url = form.cleaned_data["next"]
            code = form.cleaned_data["otp"]
            # A code given at once is checked here; staff without an app yet set one up first.
            if code and factor.needs_second_factor(user) and factor.has_second_factor(user):
                shown = factor.verify(user=user, code=code)
                if shown is None:
                    limits.account_failed(account=username, request=request)
                    form.add_error("otp", _("That code is wrong or already used."))
                    return render(request, "web/login_password.html", {"form": form}, status=400)
                return finish_sign_in(request, user, shown=shown, next_url=next_url)
            return complete_sign_in(request, user, next_url=next_url)
        return render(request, "web/login_password.html", {"form": form}, status=400)
    return render(request, "web/login_password.html", {"form": form})


def login_second_factor(request: HttpRequest) -> HttpResponse:
    user = pending_user(request)
    if user is None:
        return redirect("web:login_password")
    if not factor.has_second_factor(user):
        return redirect("web:login_second_factor_setup")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        limits.account_check(account=user.username, request=request)
        shown = factor.verify(user=user, code=form.cleaned_data["otp"])
        if shown is not None:
            return finish_sign_in(request, user, shown=shown)
        limits.account_failed(account=user.username, request=request)
        form.add_error("otp", _("That code is wrong or already used."))
        return render(request, "web/login_otp.html", {"form": form}, status=400)
    return render(request, "web/login_otp.html", {"form": form})


def login_second_factor_setup(request: HttpRequest) -> HttpResponse:
    """First sign-in of staff: add Triangel to an authenticator app, confirm with a code, get
    recovery codes."""
    user = pending_user(request)
    if user is None:
        return redirect("web:login_password")
    if factor.has_second_factor(user):
        return redirect("web:login_second_factor")
    return _app_set_up(request, user, signing_in=True)


def code_app_replace(request: HttpRequest) -> HttpResponse:
    """Signed-in staff move Triangel to another authenticator app (a new phone, or after signing
    in with a recovery code): the old app's codes stop working once the new one is confirmed."""
    if not request.user.is_authenticated:
        return redirect("web:login")
    if not factor.needs_second_factor(request.user):
        return redirect("web:home")
    return _app_set_up(request, request.user, signing_in=False)


def _app_set_up(request: HttpRequest, user: User, *, signing_in: bool) -> HttpResponse:
    """The set-up page: a new secret (kept across reloads until confirmed), shown as a QR code and
    as text; the right code confirms it, replaces any earlier app and makes new recovery codes,
    which the next page shows once."""
    device = factor.totp_pending(user=user, device_id=request.session.get(SETUP_DEVICE) or 0)
    if device is None:
        device = factor.totp_start(user=user)
        request.session[SETUP_DEVICE] = device.pk
    form = OtpSetUpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        limits.account_check(account=user.username, request=request)
        codes = factor.totp_confirm(user=user, device=device, code=form.cleaned_data["otp"])
        if codes is not None:
            request.session.pop(SETUP_DEVICE, None)
            response = finish_sign_in(request, user, shown="totp") if signing_in else redirect("web:recovery_codes")
            # Shown once, on the next page, then gone from the session.
            request.session[RECOVERY_CODES] = codes
            response["Location"] = reverse("web:recovery_codes")
            return response
        limits.account_failed(account=user.username, request=request)
        form.add_error("otp", _("That code is wrong. Check the time on your phone and try the newest code."))
        status = 400
    context = {
        "form": form,
        "qr": factor.qr_svg_data_uri(device),
        "secret": factor.secret_text(device),
        "signing_in": signing_in,
    }
    return render(request, "web/login_otp_setup.html", context, status=status)


def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just made, once. Signed-in staff can make a new set here too."""
    if not request.user.is_authenticated or not factor.needs_second_factor(request.user):
        return redirect("web:login")
    user: User = request.user
    if request.method == "POST":
        request.session[RECOVERY_CODES] = factor.recovery_codes_new(user=user)
        return redirect("web:recovery_codes")
    codes = request.session.pop(RECOVERY_CODES, None)
    return render(
        request,
        "web/recovery_codes.html",
        {"codes": codes, "left": factor.recovery_codes_left(user=user)},
    )
