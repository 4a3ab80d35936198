"""The waiting list: join and leave, offer freed times in queue order, take or turn down an offer.

Rules:

* A person may join for a meeting type they may book only when it has no free time within
  the meeting type's ``waiting_list_days`` (else ``WAITING_LIST_DAYS``); one active entry per
  person and type (database constraint).
* When a meeting is cancelled or moved away, its old time is a ``FreedTime``. It is offered
  to one person at a time, first come first served across the calendar's meeting types: the
  first waiting person for whom a bookable time (their own meeting type, booking rules and
  minimum notice included) overlaps the freed time, within their window.
* An offer stays open ``WAITING_OFFER_HOURS``, cut short so that it ends before the meeting's
  minimum notice. Taking it books through ``booking.services.appointment_book``.
* Saying no, or not answering in time, keeps the person's place in the queue: the time may
  just not have suited them. The next person is asked. Leaving the list is a separate step.
* Offers are made between ``WAITING_OFFER_FROM_HOUR`` and ``WAITING_OFFER_UNTIL_HOUR`` in the
  calendar's time zone; a time freed in the evening is offered by the sweep next morning.
"""

from care.services.waiting.entries import waiting_entry_join, waiting_entry_leave
from care.services.waiting.offers import (
    CATCH_UP_WINDOW,
    waiting_offer_accept,
    waiting_offer_decline,
    waiting_offers_sweep,
    waiting_slot_freed,
    waiting_sms_reply,
)

__all__ = [
    "CATCH_UP_WINDOW",
    "waiting_entry_join",
    "waiting_entry_leave",
    "waiting_offer_accept",
    "waiting_offer_decline",
    "waiting_offers_sweep",
    "waiting_slot_freed",
    "waiting_sms_reply",
]
