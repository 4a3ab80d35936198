"""The open thread page's "anything new?" answered before Django, when it can be.

A page asks ``/conversations/<id>/new/?after=<id>&live=<ticket>`` every second. When the
ticket is for that thread and the live cache keeps no message newer than ``after``
(``conversations.live``), this layer answers 204 itself: no request object, middleware,
session, user or query, only a signature check and one Redis read. Everything else goes to
Django unchanged, where the view checks who asks. It wraps the WSGI application in
``config.wsgi`` (``WSGI_LAYERS``); the request metrics count its answers under the view's
route."""

import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from config.metrics import REQUEST_SECONDS
from conversations import live

PATH = re.compile(r"/conversations/([0-9]{1,18})/new/")
ROUTE = "conversations/<id:thread_id>/new/"
# What NeverCacheMiddleware and the security middleware would add to an empty answer.
HEADERS = [
    ("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private"),
    ("Expires", "Thu, 01 Jan 1970 00:00:00 GMT"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Length", "0"),
]

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def nothing_new(thread_id: int, query_string: str) -> bool:
    """Whether the question in ``query_string`` about ``thread_id`` can be answered "nothing
    new" without Django: a valid ticket for the thread, and nothing newer kept than ``after``."""
    query = parse_qs(query_string, max_num_fields=4)
    after = query.get("after", [""])[0]
    ticket = query.get("live", [""])[0]
    if not after.isdigit() or len(after) > 18 or not live.ticket_is_for(ticket, thread_id):
        return False
    kept = live.newest(thread_id)
    return kept is not None and kept <= int(after)


class LivePollApp:
    """WSGI: answers what ``nothing_new`` allows, hands everything else to ``app``."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.observe = REQUEST_SECONDS.labels(ROUTE, "GET", "2xx").observe

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        if environ.get("REQUEST_METHOD") == "GET" and (match := PATH.fullmatch(environ.get("PATH_INFO", ""))):
            try:
                quiet = nothing_new(int(match.group(1)), environ.get("QUERY_STRING", ""))
            except ValueError:  # a malformed query: Django answers it
                quiet = False
            if quiet:
                start_response("204 No Content", list(HEADERS))
                self.observe(time.perf_counter() - started)
                return []
        return self.app(environ, start_response)
