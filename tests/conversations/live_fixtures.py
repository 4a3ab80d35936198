"""The live cache (conversations.live) on or off, for the conversation and browser tests."""

import os

import pytest
import redis

LIVE_REDIS_URL = os.environ.get("TRIANGEL_LIVE_REDIS_URL", "redis://127.0.0.1:6379/8")


@pytest.fixture
def live_cache(settings: object) -> None:
    """The live cache in a Redis database of its own, empty."""
    try:
        redis.Redis.from_url(LIVE_REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {LIVE_REDIS_URL}: {exc}")
    settings.CACHES = {
        **settings.CACHES,
        "live": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": LIVE_REDIS_URL,
            "KEY_PREFIX": "triangel",
            "OPTIONS": settings.LIVE_CACHE_OPTIONS,
        },
    }


@pytest.fixture
def no_live_cache(settings: object) -> None:
    """No live cache: every question of an open page goes to the view and the database."""
    settings.CACHES = {**settings.CACHES, "live": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
