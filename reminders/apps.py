from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self) -> None:
        from audit import records
        from messaging import kinds
        from reminders import receivers  # noqa: F401  (subscribes to booking's events)
        from reminders.models import MessageKind
        from reminders.records import RECORD
        from reminders.sending import PersonNotices
        from reminders.services.supporters import SUPPORTER_KIND
        from reminders.supporter_sending import SupporterMessages

        # Every message reminders writes is prepared for sending here.
        kinds.register(PersonNotices(), *MessageKind.values)
        kinds.register(SupporterMessages(), SUPPORTER_KIND)
        records.register(RECORD)
