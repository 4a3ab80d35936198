from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The access log: who looked at or changed a person's information, shown to that person."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = _("Access log")

    def ready(self) -> None:
        from audit import records, selectors
        from audit.log import label_of

        def export(person: object) -> list[dict]:
            return [
                {
                    "at": entry.at.isoformat(),
                    "actor": {"name": entry.actor.get_full_name() or entry.actor.username, "role": entry.actor_role},
                    "action": entry.action,
                    "what": label_of(entry.what),
                    "via": entry.via,
                }
                for entry in selectors.access_about(person=person)
            ]

        # The log keeps ids only; erasing the person leaves it as it is (append-only).
        records.register(records.Record(name="access_log", export=export, erase=lambda person, now: None))
