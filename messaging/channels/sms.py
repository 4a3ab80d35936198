"""SMS: the backends ``SMS_BACKEND`` chooses from (console, file, an HTTP gateway).

Each raises ``TemporaryError`` or ``PermanentError`` (``messaging.channels.base``); the HTTP
gateway's answers are mapped to them below.
"""

import functools
import http.client
import json
import logging
import os
import socket
import ssl
import sys
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import certifi
import httpx
from django.conf import settings

from messaging.channels import register
from messaging.channels.base import Backend, ChannelError, Message, PermanentError, TemporaryError

logger = logging.getLogger(__name__)


class ConsoleSmsBackend:
    """Development: prints the SMS to standard output (never to the log)."""

    def send(self, message: Message) -> str:
        sys.stdout.write(f"[SMS to {message.to}] {message.text}\n")
        sys.stdout.flush()
        return f"console-{message.idempotency_key}"


class FileSmsBackend:
    """Development and tests: appends one JSON line per message to ``SMS_FILE_PATH``."""

    _lock = threading.Lock()

    def send(self, message: Message) -> str:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"to": message.to, "text": message.text, "idempotency_key": message.idempotency_key}, ensure_ascii=False
        )
        with self._lock, path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return f"file-{message.idempotency_key}"


class HttpSmsBackend:
    """A generic HTTP gateway: JSON POST with the idempotency key as a header.

    Request: ``{"to": "+47…", "text": "…", "reference": key}``, headers
    ``Authorization: Bearer SMS_HTTP_TOKEN`` and ``Idempotency-Key: key``.
    Response 2xx with ``{"id": "…"}``. 400/404/410/422 mean the number is unusable;
    401/403 are our configuration (temporary, so nothing is lost while it is fixed);
    408/429/5xx and network errors are temporary.

    Each sending thread keeps its own connection to the gateway open (``http.client``,
    TLS verified against ``SSL_CERT_FILE``/``SSL_CERT_DIR`` or certifi's bundle, as httpx
    did): no pool lock between threads and no per-request machinery, which cost about a
    millisecond of CPU per message. When the environment names a proxy for the gateway
    (``HTTPS_PROXY`` …), messages go through httpx, which honours it.
    """

    _client: httpx.Client | None = None
    _client_lock = threading.Lock()
    _local = threading.local()

    @classmethod
    def client(cls) -> httpx.Client:
        # One pooled client per process for proxied gateways.
        with cls._client_lock:
            if cls._client is None:
                cls._client = httpx.Client(
                    timeout=httpx.Timeout(settings.SMS_HTTP_TIMEOUT),
                    limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
                )
            return cls._client

    def send(self, message: Message) -> str:
        headers = {"Idempotency-Key": message.idempotency_key}
        if settings.SMS_HTTP_TOKEN:
            headers["Authorization"] = f"Bearer {settings.SMS_HTTP_TOKEN}"
        body = {"to": message.to, "text": message.text, "reference": message.idempotency_key}
        if settings.SMS_SENDER:
            body["from"] = settings.SMS_SENDER
        route = _route(settings.SMS_HTTP_URL)
        if route.proxied:
            status, data = self._post_httpx(body, headers)
        else:
            status, data = self._post(route, json.dumps(body).encode(), headers)
        if status in (400, 404, 410, 422):
            raise PermanentError(f"gateway refused the number ({status})")
        if status >= 300:
            raise TemporaryError(f"gateway answered {status}")
        try:
            return str(json.loads(data).get("id") or message.idempotency_key)
        except (ValueError, AttributeError):
            return message.idempotency_key

    def _post_httpx(self, body: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            response = self.client().post(settings.SMS_HTTP_URL, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TemporaryError(f"gateway unreachable: {type(exc).__name__}") from exc
        return response.status_code, response.content

    def _post(self, route: "_Route", body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        headers = {**headers, "Content-Type": "application/json", "User-Agent": "triangel"}
        connections: dict[_Route, http.client.HTTPConnection] = self._local.__dict__.setdefault("connections", {})
        for attempt in (1, 2):
            conn = connections.get(route)
            reused = conn is not None
            if conn is None:
                conn = connections[route] = route.connect(settings.SMS_HTTP_TIMEOUT)
            try:
                if conn.sock is None:
                    conn.connect()
                    # http.client writes the headers and the body separately: without this
                    # the body would wait for the peer's delayed acknowledgement of the headers.
                    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.request("POST", route.path, body, headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                conn.close()
                connections.pop(route, None)
                # A kept-alive connection the gateway had closed in the meantime: post again
                # once on a new one. Should the first copy have arrived after all, it carries
                # the same idempotency key and the provider drops the second.
                if reused and attempt == 1:
                    continue
                raise TemporaryError(f"gateway unreachable: {type(exc).__name__}") from exc
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                connections.pop(route, None)
                raise TemporaryError(f"gateway unreachable: {type(exc).__name__}") from exc
            if response.will_close:
                conn.close()
                connections.pop(route, None)
            return response.status, data
        raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class _Route:
    """Where SMS_HTTP_URL points, parsed once per URL."""

    scheme: str
    host: str
    port: int | None
    path: str
    proxied: bool

    def connect(self, timeout: float) -> http.client.HTTPConnection:
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=_tls_context())
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)


@functools.lru_cache(maxsize=8)
def _route(url: str) -> _Route:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TemporaryError("SMS_HTTP_URL is not an http(s) URL")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    proxied = bool(urllib.request.getproxies().get(parts.scheme)) and not urllib.request.proxy_bypass(parts.hostname)
    return _Route(scheme=parts.scheme, host=parts.hostname, port=parts.port, path=path, proxied=proxied)


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    # The same trust store httpx uses: the environment's if it names one, else certifi's.
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


_SMS_BACKENDS: dict[str, type] = {"console": ConsoleSmsBackend, "file": FileSmsBackend, "http": HttpSmsBackend}


@register("sms")
def sms_backend() -> Backend:
    name = settings.SMS_BACKEND
    try:
        return _SMS_BACKENDS[name]()
    except KeyError as exc:
        raise ChannelError(f"unknown SMS_BACKEND {name!r}; use one of {sorted(_SMS_BACKENDS)}") from exc
