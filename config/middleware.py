"""Middleware of the whole project (not of one app)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


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
