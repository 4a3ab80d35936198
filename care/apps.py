from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """The co-production triangle: peers, responsibility groups, continuity, urgent help,
    the waiting list and feedback — what is neither booking nor reminders."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "care"
    verbose_name = _("Co-production")

    def ready(self) -> None:
        from audit import records
        from care import receivers  # noqa: F401  (subscribes to booking's events)
        from care.records import RECORD
        from care.sending import GroupInvitations
        from care.services.groups.invitations import INVITATION_KIND
        from messaging import kinds

        kinds.register(GroupInvitations(), INVITATION_KIND)
        records.register(RECORD)
