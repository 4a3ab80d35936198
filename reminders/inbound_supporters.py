"""Two-way SMS from a supporter outside the service (``reminders.models.Supporter``).

A number that is not a service user's, but was asked to be someone's supporter, may answer
JA (agree) or STOPP (stop, at any time); see ``services.supporters.supporters_answer`` for
what each does when one number supports several people. Anything else from it, and
anything from a number asked nothing, gets no answer: as for any stranger, the webhook
reveals nothing about who uses the service.
"""

from datetime import datetime

from phonenumber_field.phonenumber import to_python

from reminders.services.supporters import supporters_answer
from reminders.sms_words import words_of

AGREE = {"JA", "YES", "J", "Y"}
STOP = {"STOPP", "STOP"}


def supporter_inbound(*, sender_number: str, text: str, ref: str, now: datetime) -> str | None:
    """Act on a supporter's JA or STOPP; the keyword recognised, or None when nothing changed."""
    word = words_of(text)
    if word not in AGREE | STOP:
        return None
    number = to_python(sender_number, region="NO")
    if not number or not number.is_valid():
        return None
    agreed = word in AGREE
    if not supporters_answer(number=number, agreed=agreed, ref=ref, now=now):
        return None
    return "supporter_agreed" if agreed else "supporter_stopped"
