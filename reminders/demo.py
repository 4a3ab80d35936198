"""Demo data for reminders: the demo users are reminded both ways, so a local run shows SMS
and e-mail. Idempotent."""

from people.models import User
from reminders.models import ReminderPreferences


def seed(*, users: list[User]) -> None:
    for user in users:
        ReminderPreferences.objects.get_or_create(user=user, defaults={"appointment_channels": ["sms", "email"]})
