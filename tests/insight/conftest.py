"""Fixtures for the server-rendered pages, driven by Django's test client."""

from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from people.models import User


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # The rate limits count in the cache; one test's sign-in attempts must not block the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def web_client() -> Callable[..., Client]:
    """``web_client(user)`` is a client signed in as that person; ``web_client()`` is anonymous.
    ``english=True`` sets the language cookie, as the language switch does."""

    def make(user: User | None = None, *, english: bool = False) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        if english:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make
