"""Settings of busy time read from the calendars workers already use (``booking.external``).
Star-imported by ``config.settings``."""

from config.env import env_bool, env_int, env_str

# Read every this many seconds, over this many days ahead, with a time-out and a size limit
# per calendar. Addresses that resolve to loopback or private networks are refused unless
# allowed (a municipality's own CalDAV server may be internal). Passwords are encrypted with
# CALENDAR_CREDENTIALS_KEY, or a key derived from DJANGO_SECRET_KEY when it is not set.
EXTERNAL_CALENDAR_SYNC_SECONDS = env_int("EXTERNAL_CALENDAR_SYNC_SECONDS", 300, minimum=30)
EXTERNAL_CALENDAR_DAYS = env_int("EXTERNAL_CALENDAR_DAYS", 180, minimum=7)
EXTERNAL_CALENDAR_TIMEOUT = env_int("EXTERNAL_CALENDAR_TIMEOUT", 15, minimum=1)
EXTERNAL_CALENDAR_MAX_BYTES = env_int("EXTERNAL_CALENDAR_MAX_BYTES", 10_000_000, minimum=10_000)
EXTERNAL_CALENDAR_ALLOW_PRIVATE = env_bool("EXTERNAL_CALENDAR_ALLOW_PRIVATE", False)
CALENDAR_CREDENTIALS_KEY = env_str("CALENDAR_CREDENTIALS_KEY")
# A calendar that has failed this long is reported to its worker once.
EXTERNAL_CALENDAR_TELL_AFTER_HOURS = env_int("EXTERNAL_CALENDAR_TELL_AFTER_HOURS", 24, minimum=1)

EXTERNAL_CALENDAR_BEAT = {
    "task": "booking.tasks.external_calendars_sync_due",
    "schedule": float(EXTERNAL_CALENDAR_SYNC_SECONDS),
}

# The HTTP clients log each request's full address at INFO; a calendar's published address
# carries its secret, so only their warnings are kept (merged into config.settings.LOGGING).
CALENDAR_CLIENT_LOGGERS = {
    name: {"level": "WARNING"} for name in ("httpx", "httpcore", "caldav", "niquests", "urllib3")
}
