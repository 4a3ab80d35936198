"""Middleware of the whole project (not of one app)."""

from collections.abc import Callable

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.module_loading import import_string


class NeverCacheMiddleware:
    """No browser, proxy or shared computer keeps a copy of any answer: pages, API answers,
    calendar feeds and errors may all carry a person's information. Static files (served by
    WhiteNoise before this runs, or in development by Django) keep their cache lifetimes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static = settings.STATIC_URL or "/static/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(self.static):
            return response
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        return response


def token_api_request(request: HttpRequest) -> bool:
    """An API call signed with a token: it carries no session, form or page state."""
    return request.path_info.startswith("/api/") and request.META.get("HTTP_AUTHORIZATION", "").startswith("Token ")


class _Chain(BaseHandler):
    """A middleware chain of its own, ending in Django's view handling, for ``TokenApiBranch``.

    Built like ``BaseHandler.load_middleware`` (synchronous only), from a list of its own."""

    def __init__(self, paths: list[str]) -> None:
        self._view_middleware: list[Callable] = []
        self._template_response_middleware: list[Callable] = []
        self._exception_middleware: list[Callable] = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(paths):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


class TokenApiBranch:
    """Sends API calls signed with a token through ``TOKEN_API_MIDDLEWARE`` instead of the rest
    of ``MIDDLEWARE``. In ``MIDDLEWARE`` after the request id and metrics, before the rest.

    Sessions, messages, CSRF, htmx, the page language and the staff session checks are work
    for pages and sessions: a token call uses none of them, yet paid for all of them (about
    half a millisecond of CPU per call, more than a cached answer itself). The short chain
    keeps what such a call needs: the security headers, never-cache and a strict policy for
    JSON (``ApiHeadersMiddleware``), the language the client asks for, the slash redirects
    and the access log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.token_chain = _Chain(settings.TOKEN_API_MIDDLEWARE)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if token_api_request(request):
            return self.token_chain.get_response(request)
        return self.get_response(request)


class ApiHeadersMiddleware:
    """The headers of every answer to a token call, computed once: not to be cached anywhere
    (as ``NeverCacheMiddleware``), not to be framed, and a policy that lets JSON run nothing."""

    POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", self.POLICY)
        return response


class AcceptLanguageMiddleware:
    """Error messages of token calls in the language the client asks for (``Accept-Language``),
    as ``LocaleMiddleware`` would choose it, without its work for pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
