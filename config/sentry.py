"""What an error report may carry: where the error happened and the request's route, nothing
about a person. Used as Sentry's ``before_send`` when SENTRY_DSN is set (config.settings_ops)."""

from typing import Any

# Parts of Sentry's event that can hold personal data: who, the request's body, query,
# cookies and headers (phone numbers, tokens, e-mail addresses), breadcrumbs of log messages.
_REQUEST_KEEP = ("method", "url")


def scrub(event: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Keep the exception, its stack (without local variables) and the request's method and
    path; drop everything else that could name or reach a person."""
    event.pop("user", None)
    event.pop("breadcrumbs", None)
    event.pop("extra", None)
    request = event.get("request")
    if isinstance(request, dict):
        url = str(request.get("url", "")).split("?", 1)[0]
        event["request"] = {key: request[key] for key in _REQUEST_KEEP if key in request} | {"url": url}
    for exception in (event.get("exception") or {}).get("values", []) or []:
        for frame in (exception.get("stacktrace") or {}).get("frames", []) or []:
            frame.pop("vars", None)
    return event
