"""Django's Redis cache, made cheap per call and optional.

* Django builds a new ``redis.Redis`` client for every cache call; with redis-py 8 that
  costs more CPU than the call itself. The client is kept instead (it is thread-safe and
  draws on the same connection pool).
* A read (``get``: a cached slots answer, an open page's "anything new?") goes over a
  connection each thread keeps, one GET without the client's pool and retry machinery:
  about half the CPU of ``redis.Redis.get``. A failure drops that connection (the next read
  connects again) and is raised as the client's would be.
* A cache is an optimisation: when Redis cannot be reached, a read is a miss and a write
  is skipped, and the caller computes the answer itself instead of failing.
"""

import logging
import threading
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class _KeptClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._reads = threading.local()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def get(self, key: Any, default: Any) -> Any:
        pool = self._get_connection_pool(False)
        held = getattr(self._reads, "connection", None)
        if held is None or held[0] is not pool:
            held = self._reads.connection = (pool, pool.make_connection())
        try:
            held[1].send_command("GET", key)
            value = held[1].read_response()
        except RedisError:
            held[1].disconnect()
            raise
        except OSError as exc:
            held[1].disconnect()
            raise RedisConnectionError(str(exc)) from exc
        return default if value is None else self._serializer.loads(value)


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _KeptClient

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            logger.warning("cache read failed: %s", type(exc).__name__)
            return default

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            logger.warning("cache write failed: %s", type(exc).__name__)


class LimitsUnavailable(Exception):
    """The shared store of sign-in limits cannot be reached: refuse to guess (see StrictRedisCache)."""


class StrictRedisCache(RedisCache):
    """The cache of sign-in limits. Unlike the slots cache, it must not pretend: a limit that
    cannot be read is no limit, so every failure becomes ``LimitsUnavailable`` (a 503 page)
    instead of a miss."""

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        try:
            return DjangoRedisCache.get(self, key, default, version)
        except RedisError as exc:
            raise LimitsUnavailable from exc

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            raise LimitsUnavailable from exc

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> None:
        try:
            DjangoRedisCache.set(self, key, value, timeout, version)
        except RedisError as exc:
            raise LimitsUnavailable from exc

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            raise LimitsUnavailable from exc

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            raise LimitsUnavailable from exc

    def delete_many(self, keys: Any, version: Any = None) -> None:
        try:
            super().delete_many(keys, version)
        except RedisError as exc:
            raise LimitsUnavailable from exc
