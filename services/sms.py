"""INFO by SMS: the directory for people without a smartphone, strangers included.

``INFO`` alone answers with the categories; ``INFO <word>`` with up to three services that
match the word (a category's code or name, else a search), open now or opening soonest,
nearest to the sender's unit (a stranger, or a unit with no coordinates: the municipality's
centre). The answer fits two SMS segments and says nothing about the sender, so anyone may
ask; a number is limited to ``SERVICES_INFO_SMS_PER_HOUR`` questions an hour (more get no
answer). The answer goes through the outbox as its own kind, to the number that asked.
"""

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import override

from messaging.channels import Message, PermanentError
from messaging.kinds import Ready, Skip
from messaging.models import Channel, Delivery
from messaging.outbox import deliveries_create
from people.models import User
from reminders.sms_words import words_of
from services import geo, hours, selectors
from services.models import Category, InfoRequest

INFO_KIND = "services_info"
# Two concatenated SMS segments of the GSM alphabet (æ, ø and å are in it).
MAX_CHARS = 306
MAX_RESULTS = 3


def _limited(number: str) -> bool:
    """Count one question from ``number``; True when it is over the hour's limit."""
    cache = caches["limits"]
    key = "info:" + hashlib.sha256(number.strip().encode()).hexdigest()[:40]
    cache.add(key, 0, 3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 3600)
        count = 1
    return count > settings.SERVICES_INFO_SMS_PER_HOUR


def _origin(user: User | None) -> geo.Point:
    unit = user.unit if user is not None and user.unit_id else None
    point = geo.point_of(unit.latitude, unit.longitude) if unit is not None else None
    return point or geo.municipality_centre()


def _category_for(word: str) -> Category | None:
    word = word.lower()
    return (
        Category.objects.filter(
            Q(code__iexact=word) | Q(name_nb__istartswith=word) | Q(name_en__istartswith=word)
        ).first()
        if len(word) >= 3
        else None
    )


def _when(found: selectors.Found) -> str:
    if found.all_day:
        return _("open 24/7")
    if found.open_until is not None:
        return _("open until %(time)s") % {"time": found.open_until.astimezone(hours.OSLO).strftime("%H:%M")}
    if found.opens_next is not None:
        local = found.opens_next.astimezone(hours.OSLO)
        day = formats.date_format(local, "D")
        return _("opens %(day)s %(time)s") % {"day": day, "time": local.strftime("%H:%M")}
    return _("closed this week")


def _line(found: selectors.Found, room: int) -> str:
    tail = f": {_when(found)}" + (f", {_('tel.')} {found.service.phone}" if found.service.phone else "")
    name = found.service.name
    if len(name) + len(tail) > room:
        name = name[: max(10, room - len(tail) - 1)] + "…"
    return name + tail


def info_text(*, text: str, user: User | None, now: datetime) -> str:
    """The answer to an INFO question, at most ``MAX_CHARS`` characters."""
    words = words_of(text).split(" ")[1:]
    if not words:
        names = ", ".join(c.name for c in selectors.categories())
        return (_("Send INFO and a word, e.g. INFO food. Topics: %(names)s.") % {"names": names})[:MAX_CHARS]
    word = " ".join(words)[:60]
    category = _category_for(word) if len(words) == 1 else None
    found = selectors.services_find(
        q="" if category else word, category=category.code if category else "", near=_origin(user), now=now
    )
    best = selectors.open_or_next(found)[:MAX_RESULTS]
    if not best:
        return _("We found no services for that word. Send INFO to see the topics.")
    room = (MAX_CHARS - 2 * (len(best) - 1)) // len(best)
    return "\n".join(_line(f, room) for f in best)[:MAX_CHARS]


def info_keyword(sender_number: str, text: str, user: User | None, ref: str, now: datetime) -> bool:
    """The INFO handler for ``reminders.inbound``: writes the answer to the outbox."""
    if _limited(sender_number):
        return True
    language = user.language if user is not None and user.language else "nb"
    with override(language):
        answer = info_text(text=text, user=user, now=now)
    with transaction.atomic():
        request = InfoRequest.objects.create(number=sender_number, text=answer)
        deliveries_create(
            [
                Delivery(
                    recipient=user,
                    kind=INFO_KIND,
                    channel=Channel.SMS,
                    about="info_request",
                    about_id=request.pk,
                    occurrence_at=now,
                    due_at=now,
                    expires_at=now + timedelta(hours=2),
                    dedupe_key=f"info:{ref}",
                )
            ],
            now=now,
        )
    return True


class InfoMessages:
    """The outbox handler of ``services_info``: the answer, to the number that asked."""

    max_attempts = 3

    def prefetch(self, rows: Sequence[Delivery]) -> None:
        found = InfoRequest.objects.in_bulk([row.about_id for row in rows])
        for row in rows:
            row.info_request = found.get(row.about_id)

    def prepare(self, row: Delivery, now: datetime) -> Ready | Skip:
        if not hasattr(row, "info_request"):
            self.prefetch([row])
        request: InfoRequest | None = row.info_request
        if request is None:
            return Skip(Delivery.Status.CANCELLED, "the question is gone")
        return Ready(
            Message(to=request.number, text=request.text, subject="", idempotency_key=str(row.idempotency_key))
        )

    def failed(self, row: Delivery, reason: str, error: PermanentError | None, now: datetime) -> None:
        """Nothing more to do: the sender may ask again."""
