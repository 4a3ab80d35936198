from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = "Service directory"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from audit import records
        from messaging import kinds
        from reminders import inbound
        from services.needs import needs_ensure
        from services.records import RECORD
        from services.sms import INFO_KIND, InfoMessages, info_keyword

        kinds.register(InfoMessages(), INFO_KIND)
        inbound.public_keyword_register("INFO", info_keyword)
        records.register(RECORD)
        post_migrate.connect(needs_ensure, sender=self)
