"""What the people who run Triangel see: logs, metrics and error reports. Star-imported by
``config.settings``."""

from config.env import env_int, env_list, env_str
from config.sentry import scrub
from config.settings_calendars import CALENDAR_CLIENT_LOGGERS

# --- Logs -----------------------------------------------------------------------------------
# LOG_FORMAT=json: one JSON object a line (config.logs) for a log collector; plain otherwise.
# Every line carries the request id (config.request_id), in a task the id of the request
# that queued it.
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django logs every 4xx as a warning; LOG_LEVEL governs those too (and nothing in them
    # is personal: the method and path only).
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        **CALENDAR_CLIENT_LOGGERS,
    },
}

# --- Metrics (/metrics, ops.views) -----------------------------------------------------------
# Who may scrape: these addresses, asking directly (not through a proxy), or anyone with
# `Authorization: Bearer <METRICS_TOKEN>` when a token is set. Everyone else gets a 404.
METRICS_ALLOWED_IPS = frozenset(env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"]))
METRICS_TOKEN = env_str("METRICS_TOKEN")
# The outbox by status and channel is counted at most this often (a GROUP BY over the whole
# outbox); every other figure is read at each scrape.
METRICS_OUTBOX_SECONDS = env_int("METRICS_OUTBOX_SECONDS", 300, minimum=0)
# The broker queues whose length is reported (Redis lists; Celery's default queue is "celery").
METRICS_CELERY_QUEUES = env_list("METRICS_CELERY_QUEUES", ["celery"])

# --- Error reports ---------------------------------------------------------------------------
# Off unless SENTRY_DSN is set. No personal data: no users, cookies, headers, bodies or local
# variables are sent, and config.sentry.scrub removes what the SDK would still attach.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        before_send=scrub,
    )
