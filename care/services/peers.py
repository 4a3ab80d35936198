"""Services (writes) for peers."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import Sharing
from config.errors import Unprocessable
from people.models import User


@transaction.atomic
def sharing_set(
    *, user: User, peer: User, appointments: bool, plan: bool, now: datetime | None = None
) -> Sharing | None:
    """Record what ``user`` shares with ``peer`` from now on. Sharing nothing revokes it.

    Returns the new active row, or None when nothing is shared any more. An unchanged choice
    keeps the existing row, so the history shows only real changes.
    """
    now = now or timezone.now()
    if user.role != User.Role.SERVICE_USER:
        raise Unprocessable(_("Only a service user can share their follow-up with a peer."))
    if peer.role != User.Role.PEER or peer.unit_id != user.unit_id:
        raise Unprocessable(_("Choose a peer from your own unit."), fields={"peer": [_("Not a peer in your unit.")]})
    current = Sharing.objects.select_for_update().filter(user=user, peer=peer, revoked_at__isnull=True).first()
    if current is not None and current.appointments == appointments and current.plan == plan:
        return current
    if current is not None:
        current.revoked_at = now
        current.save(update_fields=["revoked_at"])
    if not (appointments or plan):
        return None
    return Sharing.objects.create(user=user, peer=peer, appointments=appointments, plan=plan, granted_at=now)
