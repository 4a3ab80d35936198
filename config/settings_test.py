"""Test overlay: fast hashing, eager nothing, the same database rules as production."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests drive dispatch themselves; nothing is queued to a broker behind their back.
REMINDERS_DISPATCH_ON_COMMIT = False
CELERY_TASK_ALWAYS_EAGER = True
SMS_BACKEND = "console"

# Tests pick their days relative to today; a public holiday among them would close a day a
# test expects open. The tests of the holiday rule turn it on.
PUBLIC_HOLIDAYS_COUNTRY = ""

# Tests never share a cache with a running server or another test run.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "slots": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "slots"},
    "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "limits"},
    # Open pages ask the database; tests of the shortcut bring their own Redis (live_cache).
    "live": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}

# The API reads JSON only: the test API client sends its bodies as JSON unless told otherwise.
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}  # noqa: F405
