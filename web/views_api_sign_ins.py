"""My sign-ins: the apps and programs signed in to a person's account through the API (each an
``ApiToken``), which the person can end one by one or all at once. Any signed-in person has
the page. Signing out of the web ends the web session only (``views_account.logout_view``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.errors import NotFound
from people import selectors
from people import services as people


@login_required
def sign_ins(request: HttpRequest) -> HttpResponse:
    return render(request, "web/sign_ins.html", {"tokens": selectors.api_tokens_of(user=request.user)})


@login_required
@require_POST
def sign_in_end(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        people.api_token_revoke(user=request.user, token_id=token_id)
    except NotFound as exc:  # another person's, or one already ended
        raise Http404 from exc
    messages.success(request, _("That sign-in has ended. The app must sign in again to be used."))
    return redirect("web:sign_ins")


@login_required
@require_POST
def sign_ins_end_all(request: HttpRequest) -> HttpResponse:
    ended = people.api_token_revoke_all(user=request.user)
    messages.success(
        request,
        ngettext("%(count)d sign-in has ended.", "%(count)d sign-ins have ended.", ended) % {"count": ended},
    )
    return redirect("web:sign_ins")
