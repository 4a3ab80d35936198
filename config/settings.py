"""Triangel settings. Everything that differs between machines comes from the environment."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config import oidc
from config.env import env_bool, env_country, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TRIANGEL_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY and not DEBUG:
    # A fixed development key is only acceptable for local runs; production must set one.
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
SECRET_KEY = SECRET_KEY or "triangel-development-only-key-not-for-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "django_htmx",
    "audit",
    "messaging",
    "people",
    "booking",
    "reminders",
    "care",
    "services",
    "conversations",
    "web",
]

from config.settings_requests import *  # noqa: E402, F403  (the middleware of each kind of request)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# WSGI layers around Django (config.wsgi), outermost first: an open conversation's "anything
# new?" is answered from the live cache before sessions and the database when it can be.
WSGI_LAYERS = ["web.live_poll.LivePollApp"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# SQLite is the embedded default for a first run; PostgreSQL (DATABASE_URL) in production and CI.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    # Parameters travel apart from the SQL, so psycopg prepares a statement the fifth time
    # the same text runs on a connection and PostgreSQL stops planning it anew: the hot
    # queries are compiled once (config.prepared), and planning them was most of the
    # database's CPU per request. Off for a pooler in transaction mode.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "DATABASE_SERVER_SIDE_BINDING", True
    ):
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock when a transaction starts, so booking
                # transactions are serialised and the re-check inside them is race-free.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"
# Django's password backend and database sessions, with the lookups every request makes
# compiled once (config.prepared).
AUTHENTICATION_BACKENDS = ["people.backends.ModelBackend"]
SESSION_ENGINE = "config.sessions"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål"), ("en", "English")]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"  # filled by collectstatic for production
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
LOCALE_PATHS = [BASE_DIR / "locale"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
# Cookies, HTTPS, sign-in limits and the second factor.
from config.settings_security import *  # noqa: E402, F403

LANGUAGE_COOKIE_NAME = "triangel_language"

PHONENUMBER_DEFAULT_REGION = "NO"
PHONENUMBER_DEFAULT_FORMAT = "E164"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "people.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The API reads JSON bodies only (forms are for the web pages, which are not DRF views): each
    # request body has one content type in the schema, which client generators need.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "Triangel API",
    "DESCRIPTION": "Booking and daily structure for municipal follow-up services.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Serve the interactive docs' assets ourselves: no third-party CDN sees who reads them.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # An object's id in a path (config.converters): a number a database column can hold.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}},
    "ENUM_NAME_OVERRIDES": {
        "AppointmentStatusEnum": "booking.models.Appointment.Status",
        "DeliveryStatusEnum": "messaging.models.Delivery.Status",
        "ChannelEnum": "messaging.models.Channel",
        # Fields named like others with other choices ("action", "via", "status"): a name, not a hash.
        "AccessActionEnum": "audit.models.AccessEntry.Action",
        "AccessViaEnum": "audit.models.AccessEntry.Via",
        "IdeaStatusEnum": "care.models.Idea.Status",
        "HandoverOutcomeEnum": "care.models.HandoverAppointment.Outcome",
    },
}

# Public base URL, used in links we hand out (calendar feeds, e-mails). In a local run it follows
# the port the server listens on (PORT, as `make run PORT=…` sets it).
SITE_URL = env_str("TRIANGEL_SITE_URL", f"http://127.0.0.1:{env_str('PORT', '8000')}").rstrip("/")

# Public holidays close weekly working hours and opening hours (booking.holidays): an ISO
# country code known to the holidays package, or empty for none.
PUBLIC_HOLIDAYS_COUNTRY = env_country("PUBLIC_HOLIDAYS_COUNTRY", "NO")

# Booking rules that are not per meeting type.
BOOKING_MAX_RANGE_DAYS = 56  # slots are computed over at most 8 weeks per request
BOOKING_STAFF_HORIZON_DAYS = env_int("BOOKING_STAFF_HORIZON_DAYS", 366)
BOOKING_ALTERNATIVES = 3  # free alternatives offered with a 409
BOOKING_MAX_SERIES = 52

from config.settings_calendars import *  # noqa: E402, F403  (busy time from workers' own calendars)
from config.settings_conversations import *  # noqa: E402, F403  (writing instead of phoning)
from config.settings_services import *  # noqa: E402, F403  (the service directory)

# Computed free times (booking.services.slots_offered), keyed by each calendar's version.
# Redis when there is one, so every server process shares them; else this process's memory.
# SLOTS_CACHE=off computes every answer (for measuring, or to rule the cache out).
CACHE_REDIS_URL = env_str("CACHE_REDIS_URL", env_str("REDIS_URL"))
LIVE_CACHE_OPTIONS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "slots": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if env_str("SLOTS_CACHE") == "off"
    else {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": CACHE_REDIS_URL,
        "KEY_PREFIX": "triangel",
        "TIMEOUT": 3600,
    }
    if CACHE_REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "slots",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # Each conversation's newest message id, for the open pages' "anything new?"
    # (conversations.live). Only a store every process shares will do; without Redis
    # nothing is kept and every question goes to the database.
    # A Redis that hangs must not hold a post or a page (LIVE_CACHE_OPTIONS: half a second,
    # then it is a miss).
    "live": {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": CACHE_REDIS_URL,
        "KEY_PREFIX": "triangel",
        "OPTIONS": LIVE_CACHE_OPTIONS,
    }
    if CACHE_REDIS_URL
    else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    # Sign-in limits must be shared by every process: Redis, else files on this machine.
    "limits": {
        "BACKEND": "config.cache.StrictRedisCache",
        "LOCATION": CACHE_REDIS_URL,
        "KEY_PREFIX": "triangel",
    }
    if CACHE_REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "limits"),
    },
}

# --- Celery ---------------------------------------------------------------------------------
# Redis when REDIS_URL is set (production, CI). Without it, a fresh machine still runs the
# worker and beat on kombu's filesystem transport: messages are files in var/broker/,
# shared by every process on the machine, no server needed.
REDIS_URL = env_str("REDIS_URL")
BROKER_DIR = VAR_DIR / "broker"
if env_str("CELERY_BROKER_URL"):
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
elif REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    for _sub in ("out", "processed", "control"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
if CELERY_BROKER_URL.startswith("redis"):
    # A task not acknowledged within this time is handed to another worker. Our send tasks
    # are idempotent (claim tokens), so a long timeout only delays recovery after a crash;
    # the lease sweeper recovers the rows themselves much sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
# Safety over speed: acknowledge a task only after it ran (acks_late), put it back if the
# worker process dies mid-task (reject_on_worker_lost), and take one message at a time so
# a crash strands as little as possible (prefetch 1).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "dispatch-due": {"task": "messaging.tasks.dispatch_due", "schedule": env_int("REMINDERS_DISPATCH_EVERY", 2)},
    # Half the lease (at most 15 s): a row left by a dead worker waits at most 1.5 leases.
    "sweep-stuck": {
        "task": "messaging.tasks.sweep_stuck",
        "schedule": min(15.0, max(1.0, env_int("REMINDERS_LEASE_SECONDS", 120) / 2)),
    },
    "materialize-plans": {"task": "reminders.tasks.materialize_plans", "schedule": 600.0},
    "medication-followups": {"task": "reminders.tasks.medication_followups", "schedule": 300.0},
    "purge-old": {"task": "messaging.tasks.purge_old", "schedule": 24 * 3600.0},
    "purge-access-log": {"task": "audit.tasks.purge_access_log", "schedule": 24 * 3600.0},
    "purge-api-tokens": {"task": "people.tasks.purge_api_tokens", "schedule": 24 * 3600.0},
    "help-requests-advance": {"task": "care.tasks.help.help_requests_advance", "schedule": 30.0},
    "waiting-offers": {"task": "care.tasks.waiting.offers_sweep", "schedule": 60.0},
    "external-calendars": EXTERNAL_CALENDAR_BEAT,  # noqa: F405
    "purge-conversations": CONVERSATIONS_PURGE_BEAT,  # noqa: F405
    "purge-info-requests": {"task": "services.tasks.purge_info_requests", "schedule": 3600.0},
}

# --- Waiting list ----------------------------------------------------------------------------
# A person may join when a meeting type has no free time within this many days.
WAITING_LIST_DAYS = env_int("WAITING_LIST_DAYS", 14)
# How long a person has to answer an offered time (shortened so it ends before minimum notice).
WAITING_OFFER_HOURS = env_int("WAITING_OFFER_HOURS", 2)
# Offers go out between these local hours of the calendar owner; later ones wait for morning.
WAITING_OFFER_FROM_HOUR = env_int("WAITING_OFFER_FROM_HOUR", 8)
WAITING_OFFER_UNTIL_HOUR = env_int("WAITING_OFFER_UNTIL_HOUR", 21)

# --- Reminders -----------------------------------------------------------------------------
REMINDERS_HORIZON_HOURS = env_int("REMINDERS_HORIZON_HOURS", 48)
REMINDERS_LEASE_SECONDS = env_int("REMINDERS_LEASE_SECONDS", 120)
# Rows claimed per statement, and per send task: one task per few hundred rows keeps the
# broker round trips and per-task work small beside the sending.
REMINDERS_CLAIM_BATCH = env_int("REMINDERS_CLAIM_BATCH", 2000)
REMINDERS_SEND_BATCH = env_int("REMINDERS_SEND_BATCH", 200)
# Sent rows are marked in one statement per this many (and at least once a second).
REMINDERS_MARK_SENT_EVERY = env_int("REMINDERS_MARK_SENT_EVERY", 50)
# Deliveries per second the workers are counted on to send: rows in flight are capped at
# half a lease's worth, so none waits in the queue past its lease.
REMINDERS_SEND_RATE = env_int("REMINDERS_SEND_RATE", 300)
REMINDERS_DISPATCH_BUDGET_SECONDS = env_int("REMINDERS_DISPATCH_BUDGET_SECONDS", 20)
REMINDERS_MAX_ATTEMPTS = env_int("REMINDERS_MAX_ATTEMPTS", 5)
REMINDERS_KEEP_DAYS = env_int("REMINDERS_KEEP_DAYS", 365)
# How long before a dose is due it may be marked taken (reminders.services.medication).
MEDICATION_TAKEN_EARLY_MINUTES = env_int("MEDICATION_TAKEN_EARLY_MINUTES", 120)
# How long the access log keeps who looked at a person's information (audit): two years, so a
# person can ask about anything in the time their follow-up usually lasts, and the unit's
# leader can answer a complaint; a longer log holds more about who was followed when.
ACCESS_LOG_KEEP_DAYS = env_int("ACCESS_LOG_KEEP_DAYS", 730)
REMINDERS_DISPATCH_ON_COMMIT = env_bool("REMINDERS_DISPATCH_ON_COMMIT", True)
# Milliseconds a process gathers such requests before it asks for one dispatch for them all.
REMINDERS_DISPATCH_KICK_DELAY_MS = env_int("REMINDERS_DISPATCH_KICK_DELAY_MS", 200)

# --- SMS -------------------------------------------------------------------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "console")  # console, file or http
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms.jsonl"))
SMS_HTTP_URL = env_str("SMS_HTTP_URL")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN")
SMS_HTTP_TIMEOUT = float(env_str("SMS_HTTP_TIMEOUT", "10"))
SMS_SENDER = env_str("SMS_SENDER", "Triangel")
# Shared secret for the inbound and delivery-status webhooks (HMAC-SHA256 of the body).
SMS_WEBHOOK_SECRET = env_str("SMS_WEBHOOK_SECRET")

# --- E-mail ----------------------------------------------------------------------------------
# SMTP when EMAIL_HOST is set; otherwise e-mails are written as files under var/mail/ so a
# local run shows what would have been sent.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Triangel <ikke-svar@triangel.local>")
EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN", "triangel.local")

# Logs, metrics and error reports.
from config.settings_ops import *  # noqa: E402, F403

# OpenID Connect: the identity providers people sign in with, each off until configured (config.oidc).
OIDC_PROVIDERS = oidc.providers_from_env(debug=DEBUG)
PID_HASH_KEY = oidc.pid_hash_key_from_env(debug=DEBUG, users_on="users" in OIDC_PROVIDERS)
# Signing out may redirect to a provider; Chromium applies form-action to it (policy: config.settings_security).
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += oidc.form_action_origins(OIDC_PROVIDERS)  # noqa: F405
