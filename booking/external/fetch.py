"""Fetching a worker's calendar from the web without letting the address reach where it must not.

A calendar address is typed by a worker, and the server fetches it: without care it could be
pointed at the server's own network (cloud metadata, the database, an admin page). Every
address, and every address a redirect leads to, must resolve to public addresses only, unless
``EXTERNAL_CALENDAR_ALLOW_PRIVATE`` is set for a municipality's internal server. The body is
read with a time-out and stops at ``EXTERNAL_CALENDAR_MAX_BYTES``.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings

from booking.external import SyncError

MAX_REDIRECTS = 3


def normalised_url(url: str) -> str:
    """``webcal://`` (what Outlook and Google hand out) is https; only http(s) is read."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError("bad_address")
    return url


def check_address(url: str) -> None:
    """Refuse an address whose host resolves to a loopback, private, link-local or otherwise
    non-public address (any of them), unless private addresses are allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError("bad_address")
    if settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError) as error:
        raise SyncError("unreachable", type(error).__name__) from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise SyncError("refused_address")


@dataclass(frozen=True)
class Fetched:
    """What a subscription answered: ``body`` is None when it has not changed (304)."""

    body: bytes | None
    etag: str
    last_modified: str


def fetch_ics(url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
    """GET a subscription, conditionally on what it answered last time."""
    url = normalised_url(url)
    headers = {"Accept": "text/calendar, */*;q=0.5", "User-Agent": "Triangel calendar sync"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(settings.EXTERNAL_CALENDAR_TIMEOUT)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                check_address(url)
                with client.stream("GET", url, headers=headers) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = normalised_url(urljoin(url, response.headers["location"]))
                        continue
                    if response.status_code == 304:
                        return Fetched(None, etag, last_modified)
                    _raise_for_status(response.status_code)
                    body = _read_limited(response)
                    return Fetched(body, response.headers.get("etag", ""), response.headers.get("last-modified", ""))
    except httpx.TimeoutException as error:
        raise SyncError("timeout") from error
    except httpx.HTTPError as error:
        raise SyncError("unreachable", type(error).__name__) from error
    raise SyncError("unreachable", "too many redirects")


def _raise_for_status(status: int) -> None:
    if status in (401, 403):
        raise SyncError("auth", str(status))
    if status in (404, 410):
        raise SyncError("not_found", str(status))
    if status >= 400:
        raise SyncError("server", str(status))


def _read_limited(response: httpx.Response) -> bytes:
    limit = settings.EXTERNAL_CALENDAR_MAX_BYTES
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise SyncError("too_large")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise SyncError("too_large")
        chunks.append(chunk)
    return b"".join(chunks)
