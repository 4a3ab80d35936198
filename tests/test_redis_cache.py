"""The project's Redis cache (config.cache) on a real Redis: reads over a connection each
thread keeps give back what was written, survive Redis dropping that connection, and a
Redis that is away is a miss, not an error."""

import pytest
import redis

from config.cache import RedisCache
from tests.conversations.live_fixtures import LIVE_REDIS_URL


@pytest.fixture
def cache() -> RedisCache:
    try:
        redis.Redis.from_url(LIVE_REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {LIVE_REDIS_URL}: {exc}")
    return RedisCache(LIVE_REDIS_URL, {"KEY_PREFIX": "test", "OPTIONS": {"socket_timeout": 2}})


def test_a_read_gives_back_what_was_written(cache) -> None:
    cache.set("number", 41)
    cache.set("thing", {"slots": ["08:00", "09:00"]})

    assert cache.get("number") == 41
    assert cache.get("thing") == {"slots": ["08:00", "09:00"]}
    assert cache.get("nothing", "default") == "default"


def test_a_read_connects_again_after_redis_dropped_the_connection(cache) -> None:
    cache.set("number", 41)
    assert cache.get("number") == 41
    admin = redis.Redis.from_url(LIVE_REDIS_URL)
    for client in admin.client_list():
        if client["id"] != str(admin.client_id()):
            admin.client_kill_filter(_id=client["id"])

    first = cache.get("number")  # the dropped connection: a miss, or already the value
    assert first in (None, 41)
    assert cache.get("number") == 41


def test_a_redis_that_is_away_is_a_miss() -> None:
    away = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    assert away.get("number", "default") == "default"
