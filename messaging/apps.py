from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """The outbox and the channel registry: every SMS and e-mail Triangel sends, whoever
    asks for it, goes through one table and one sending path."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from audit import records
        from messaging import channels
        from messaging.records import RECORD

        channels.load()
        records.register(RECORD)
