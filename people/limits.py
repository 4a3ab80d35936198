"""Limits on signing in that hold across every server process.

Counts live in the ``limits`` cache: Redis when one is configured (every process and machine
shares it), else files under ``var/limits`` (every process on this machine shares them). A
count that lives in one process's memory is no limit: with four workers it is four limits, and
a restart forgets it.

Two kinds of limit, both over a window of ``SIGN_IN_WINDOW_MINUTES``:

* **Per account** — failed passwords, second-factor codes and SMS codes for one user name or
  phone number. After ``SIGN_IN_ACCOUNT_FAILURES`` the account is locked until the window
  ends, and the right password is refused too, so guessing on gains nothing.
* **Per client address** — failures from one address across all accounts
  (``SIGN_IN_ADDRESS_FAILURES``), and the number of sign-in requests a page takes
  (``address_limit``, the figures in the README).

The address is ``client_address``: the peer's, or, behind ``TRUSTED_PROXY_COUNT`` proxies,
the one the outermost trusted proxy saw. Keys are hashed, so the cache holds no user names,
numbers or addresses.
"""

import hashlib
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from config.cache import LimitsUnavailable

__all__ = ["Limited", "LimitsUnavailable", "account_check", "account_failed", "account_succeeded", "client_address"]


@dataclass
class Limited(Exception):
    """Too many attempts: the answer is 429, and ``retry_after`` seconds is the time to wait."""

    retry_after: int


def client_address(request: HttpRequest) -> str:
    """The address of whoever sent the request.

    ``X-Forwarded-For`` is read from the right, and only as far as ``TRUSTED_PROXY_COUNT``
    proxies of our own appended to it: anything further left was written by the client and
    proves nothing. Without trusted proxies the header is ignored. An entry that is not an
    address falls back to the peer's."""
    # No peer address (a Unix socket without a proxy): all such requests share one bucket.
    peer = request.META.get("REMOTE_ADDR") or "127.0.0.1"
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        return peer
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer


def _key(kind: str, value: str) -> str:
    return "signin:" + kind + ":" + hashlib.sha256(value.strip().lower().encode()).hexdigest()[:40]


def _window() -> int:
    return settings.SIGN_IN_WINDOW_MINUTES * 60


def _count_and_wait(kind: str, value: str) -> tuple[int, int]:
    """Failures counted in the current window, and the seconds until it ends."""
    cache = caches["limits"]
    key = _key(kind, value)
    values = cache.get_many([key, key + ":since"])
    count = int(values.get(key) or 0)
    since = float(values.get(key + ":since") or time.time())
    return count, max(1, int(since + _window() - time.time()) + 1)


def _failed(kind: str, value: str) -> None:
    cache = caches["limits"]
    key = _key(kind, value)
    # The window starts with the first failure. ``add`` is Redis's SET NX, so it leaves a
    # running window and count alone, and ``incr`` is atomic: parallel failures in several
    # processes all count.
    cache.add(key + ":since", time.time(), _window())
    cache.add(key, 0, _window())
    try:
        cache.incr(key)
    except ValueError:
        # The count expired between the two calls: this failure starts a new window.
        cache.set(key, 1, _window())


def account_check(*, account: str | None, request: HttpRequest) -> None:
    """Raise ``Limited`` when the account or the client address has failed too often.

    Called before the password (or code) is checked, so a locked account refuses the right
    one too. ``account`` None (a sign-in link names no account) checks the address only."""
    checks = [("address", client_address(request), settings.SIGN_IN_ADDRESS_FAILURES)]
    if account is not None:
        checks.insert(0, ("account", account, settings.SIGN_IN_ACCOUNT_FAILURES))
    for kind, value, most in checks:
        count, wait = _count_and_wait(kind, value)
        if count >= most:
            raise Limited(retry_after=wait)


def account_failed(*, account: str | None, request: HttpRequest) -> None:
    """Count a failed attempt for the account (if one is named) and for the client address."""
    if account is not None:
        _failed("account", account)
    _failed("address", client_address(request))


def account_succeeded(*, account: str) -> None:
    """A full sign-in clears the account's failures (not the address's: others share it)."""
    key = _key("account", account)
    caches["limits"].delete_many([key, key + ":since"])


def address_limit(*, request: HttpRequest, group: str, rate: str) -> None:
    """Count one request of ``group`` from the client address; raise ``Limited`` over ``rate``.

    ``rate`` is django-ratelimit's notation ("30/15m"); its windows are fixed, so the time to
    wait is until the current one ends."""
    usage = get_usage(request, group=group, key=lambda _group, req: client_address(req), rate=rate, increment=True)
    if usage is None:
        return
    if usage["should_limit"]:
        raise Limited(retry_after=max(1, usage["time_left"]))
