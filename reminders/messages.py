"""Message texts, rendered from templates in the recipient's language and time zone."""

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.template import Context, Engine
from django.utils import formats, translation

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "reminders" / "messages"
LANGUAGES = ("nb", "en")


@lru_cache(maxsize=1)
def _engine() -> Engine:
    # Plain text: no HTML escaping.
    return Engine(dirs=[str(TEMPLATE_DIR)], autoescape=False, debug=False)


def _template(language: str, name: str):  # noqa: ANN202
    lang = language if language in LANGUAGES else "nb"
    return _engine().get_template(f"{lang}/{name}.txt")


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
