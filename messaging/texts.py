"""Message texts, rendered from templates in the recipient's language and time zone.

A kind's templates live in the app that owns it: ``<app>/templates/messages/<language>/<kind>.txt``
(plain text, no HTML escaping); the e-mail subject is ``messages/<language>/subject.txt``,
messaging's own unless an app above it brings one. Norwegian Bokmål is the fallback language.
"""

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.template import Context, Engine, Template
from django.utils import formats, translation

LANGUAGES = ("nb", "en")


@lru_cache(maxsize=1)
def _engine() -> Engine:
    # Every installed app's templates/ folder; plain text, so no HTML escaping.
    return Engine(app_dirs=True, autoescape=False, debug=False)


@lru_cache(maxsize=256)
def _template(language: str, name: str) -> Template:
    lang = language if language in LANGUAGES else "nb"
    return _engine().get_template(f"messages/{lang}/{name}.txt")


def local_parts(at: datetime, tz: ZoneInfo) -> dict[str, str]:
    """'tirsdag 1. desember' and '10:00' in the active language."""
    local = at.astimezone(tz)
    return {"day": formats.date_format(local, "l j. F"), "time": local.strftime("%H:%M")}


@lru_cache(maxsize=4096)
def _local_parts(at: datetime, tz: ZoneInfo, language: str) -> dict[str, str]:
    # Many messages of a batch are about the same minute; formatting the day is the costly
    # part. Called with ``language`` active; the result must not be changed.
    return local_parts(at, tz)


def render(*, kind: str, language: str, tz: ZoneInfo, at: datetime, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, text) for one message. ``at`` is the time the message is about."""
    with translation.override(language):
        values = {**context, **_local_parts(at, tz, language)}
        text = " ".join(_template(language, kind).render(Context(values)).split())
        subject = _template(language, "subject").render(Context(values)).strip()
    return subject, text
