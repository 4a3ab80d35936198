"""Read access to appointments that apps built on booking grant beyond booking's own rules.

Booking decides who sees an appointment (the service user, the calendar's owner, the unit's
coordinator) and who may change it. An app above it may let more people *read* some
appointments: care lets a peer read the meetings a person has chosen to share with them.
Booking must not import that app, so the app registers a grant here when it is ready, and
booking's selectors add it to the same query (``booking.selectors.appointments_visible_to``,
``feed_appointments``). A grant never gives write access: writes go through
``appointment_get(..., for_update=True)``, which ignores grants.
"""

from collections.abc import Callable

from django.db.models import Q

from people.models import User

# Given the person reading, a filter on Appointment for what they may also read, or None.
ReadGrant = Callable[[User], Q | None]

_grants: list[ReadGrant] = []


def read_grant_register(grant: ReadGrant) -> None:
    """Add ``grant`` to every appointment read; registering it again changes nothing."""
    if grant not in _grants:
        _grants.append(grant)


def read_granted(*, user: User) -> Q | None:
    """What ``user`` may read beyond their own appointments, as one filter, or None."""
    granted: Q | None = None
    for grant in _grants:
        extra = grant(user)
        if extra is not None:
            granted = extra if granted is None else granted | extra
    return granted
