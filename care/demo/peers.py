"""Demo data for peers: Jonas (user2) shares his meetings and his plan with Tore (peer1); the
other demo users share nothing, so both sides of consent can be tried."""

from care.services.peers import sharing_set
from people.models import User


def seed() -> None:
    """Idempotent: running it twice creates nothing new (an unchanged choice keeps its row)."""
    user = User.objects.filter(username="user2", role=User.Role.SERVICE_USER).first()
    peer = User.objects.filter(username="peer1", role=User.Role.PEER).first()
    if user is None or peer is None:
        return
    sharing_set(user=user, peer=peer, appointments=True, plan=True)
