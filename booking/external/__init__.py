"""Busy time from the calendars workers already use: ICS subscriptions and CalDAV calendars.

``fetch`` gets a subscription's text safely (time-out, size limit, no private addresses unless
allowed, conditional requests); ``caldav`` talks to a CalDAV server (read and write-back);
``parse`` turns calendar text into busy intervals (recurring events expanded in their own time
zones) and keeps nothing but start, end and a hash; ``credentials`` seals passwords. The writes
are ``booking.services.external``. Nothing here touches the database.
"""

from typing import ClassVar

from django.utils.translation import gettext_lazy as _


class SyncError(Exception):
    """Why a calendar could not be read, as a code the worker's page explains."""

    MESSAGES: ClassVar[dict[str, object]] = {
        "refused_address": _("The address points into a private network, which Triangel may not reach."),
        "bad_address": _("The address is not a web address Triangel can read (it must start with https://)."),
        "unreachable": _("The server could not be reached."),
        "timeout": _("The server did not answer in time."),
        "too_large": _("The calendar is larger than Triangel reads."),
        "auth": _("The user name or password was not accepted."),
        "not_found": _("The calendar is not there any more (the server answered 'not found')."),
        "server": _("The server answered with an error."),
        "invalid": _("What the server sent is not a calendar."),
        "write_back": _("Triangel's meetings could not be written into this calendar."),
    }

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code

    @classmethod
    def message_for(cls, code: str) -> str:
        return str(cls.MESSAGES.get(code, cls.MESSAGES["server"]))
