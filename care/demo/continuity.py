"""Demo data for continuity: a short plan for Jonas (user2), written with his worker Kari."""

from care.models import PlanEntry
from care.services.continuity import plan_entry_add
from people.models import User

# (kind, text, written by)
PLAN = [
    (PlanEntry.Kind.GOAL, "Få en fast plass å bo innen sommeren.", "user2"),
    (PlanEntry.Kind.GOAL, "Gå på trening to ganger i uka.", "worker1"),
    (PlanEntry.Kind.AGREEMENT, "Vi møtes annenhver tirsdag. Jonas sender SMS hvis han må avlyse.", "worker1"),
]


def seed() -> None:
    """Idempotent: running it twice creates nothing new."""
    client = User.objects.filter(username="user2").first()
    if client is None:
        return
    writers = {u.username: u for u in User.objects.filter(username__in={w for _k, _t, w in PLAN})}
    for kind, text, writer in PLAN:
        if writer not in writers or PlanEntry.objects.filter(client=client, kind=kind, text=text).exists():
            continue
        plan_entry_add(actor=writers[writer], client_id=client.pk, kind=kind, text=text)
