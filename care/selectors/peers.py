"""Selectors (scoped reads) for peers: what a peer may see is decided here, in the query."""

from typing import Literal

from django.db.models import QuerySet

from care.models import Sharing
from people.models import User

Scope = Literal["appointments", "plan"]


def sharing_active(*, user: User, peer: User) -> Sharing | None:
    return Sharing.objects.filter(user=user, peer=peer, revoked_at__isnull=True).first()


def clients_sharing_with(*, peer: User, scope: Scope) -> QuerySet[User]:
    """Service users who currently share ``scope`` with ``peer``. Empty for anyone but a peer."""
    if peer.role != User.Role.PEER:
        return User.objects.none()
    return User.objects.filter(
        sharings__peer=peer, sharings__revoked_at__isnull=True, **{f"sharings__{scope}": True}
    ).distinct()


def peer_may_see(*, peer: User, client: User, scope: Scope) -> bool:
    return clients_sharing_with(peer=peer, scope=scope).filter(pk=client.pk).exists()
