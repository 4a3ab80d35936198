"""iCalendar (RFC 5545) feeds of appointments.

Stable UIDs (the appointment's uuid), SEQUENCE bumped on every change, cancelled
meetings kept as STATUS:CANCELLED so subscribed calendars remove them, and times in
the calendar owner's zone with a VTIMEZONE, which Google Calendar, Outlook and
Apple Calendar all need to show local times right.

Texts are discreet: a feed is often synced to a phone's lock screen or a third-party
calendar service, so a staff feed shows the client's initials, not their name.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from booking.models import Appointment
from booking.selectors import feed_appointments
from people.models import User

FEED_HISTORY_DAYS = 90

_STATUS = {
    Appointment.Status.BOOKED: "CONFIRMED",
    Appointment.Status.COMPLETED: "CONFIRMED",
    Appointment.Status.NO_SHOW: "CONFIRMED",
    Appointment.Status.CANCELLED: "CANCELLED",
}


def _summary(appointment: Appointment, viewer: User) -> str:
    if viewer.pk == appointment.client_id:
        owner = appointment.calendar.owner
        return _("%(type)s with %(name)s") % {
            "type": appointment.meeting_type.name,
            "name": owner.first_name or owner.username,
        }
    return f"{appointment.meeting_type.name} – {appointment.client.initials}"


def appointment_event(appointment: Appointment, viewer: User) -> icalendar.Event:
    tz = ZoneInfo(appointment.calendar.owner.timezone)
    event = icalendar.Event()
    event.add("uid", f"{appointment.uid}@triangel")
    event.add("dtstamp", appointment.updated_at.astimezone(ZoneInfo("UTC")))
    event.add("last-modified", appointment.updated_at.astimezone(ZoneInfo("UTC")))
    event.add("created", appointment.created_at.astimezone(ZoneInfo("UTC")))
    event.add("sequence", appointment.sequence)
    event.add("dtstart", appointment.start.astimezone(tz))
    event.add("dtend", appointment.end.astimezone(tz))
    event.add("summary", _summary(appointment, viewer))
    event.add("status", _STATUS[appointment.status])
    event.add("transp", "OPAQUE" if appointment.status != Appointment.Status.CANCELLED else "TRANSPARENT")
    if appointment.meeting_type.place:
        event.add("location", appointment.meeting_type.place)
    event.add("url", f"{settings.SITE_URL}/")
    return event


def feed_calendar(*, owner: User) -> bytes:
    since = timezone.now() - timedelta(days=FEED_HISTORY_DAYS)
    with translation.override(owner.language):
        cal = icalendar.Calendar()
        cal.add("prodid", "-//Triangel//Booking//NB")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", "Triangel")
        cal.add("x-wr-timezone", owner.timezone)
        cal.add("refresh-interval", timedelta(minutes=30), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT30M")
        for appointment in feed_appointments(user=owner, since=since).order_by("start"):
            cal.add_component(appointment_event(appointment, owner))
        cal.add_missing_timezones()
    return cal.to_ical()
