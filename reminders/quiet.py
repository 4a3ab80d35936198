"""Which messages wait for the end of the recipient's quiet hours, decided once per kind.

Every kind in ``MessageKind`` has a decision here; a test fails for a kind added without
one. Staff and peers set their own quiet hours like anyone else (the preferences page and
``/api/reminder-preferences/``), and the same rules apply to them:

* ``HOLD``: written for the end of the person's quiet hours (Europe/Oslo wall-clock time,
  right on both clock changes), or the evening before when the morning would be too late;
  dropped when no useful time is left. Nearly everything: reminders, notices about meetings
  someone else changed, alerts and tasks for staff, peer requests, group-meeting notices.
* ``ASKED``: the answer to something the person just did themselves (an SMS they sent, a
  request for help they made): they are awake and waiting for it.
* ``ON_DUTY``: an urgent help alert. It wakes the person only while they hold a duty shift
  or a cover at the unit (being on duty means they want it): the caller, which knows the
  rota, says so. Anyone else in the escalation (the unit leader, a coordinator when nobody
  is on duty) gets it at the end of their quiet hours if it is still useful then.
* ``OWN_HOURS``: the sender keeps its own hours for it (waiting-list offers are made only
  in the daytime, ``WAITING_OFFER_FROM_HOUR`` to ``WAITING_OFFER_UNTIL_HOUR``, and are open
  for a short time); sent only to service users.

Messages not in ``MessageKind`` are not reminders' to hold: a sign-in code (people) is sent
while the person waits for it, and group-meeting invitations (care) are e-mails to people
outside the service, who have no account and no quiet hours.
"""

from enum import StrEnum

from reminders.models import MessageKind


class Quiet(StrEnum):
    HOLD = "hold"
    ASKED = "asked"
    ON_DUTY = "on_duty"
    OWN_HOURS = "own_hours"


POLICY: dict[str, Quiet] = {
    MessageKind.APPOINTMENT: Quiet.HOLD,
    MessageKind.APPOINTMENT_BOOKED: Quiet.HOLD,
    MessageKind.APPOINTMENT_MOVED: Quiet.HOLD,
    MessageKind.APPOINTMENT_CANCELLED: Quiet.HOLD,
    MessageKind.MEDICATION: Quiet.HOLD,
    MessageKind.MONEY: Quiet.HOLD,
    MessageKind.ROUTINE: Quiet.HOLD,
    MessageKind.SUMMARY: Quiet.HOLD,
    MessageKind.REPLY: Quiet.ASKED,
    MessageKind.STAFF_ALERT: Quiet.HOLD,
    MessageKind.PEER_POOL: Quiet.HOLD,
    MessageKind.PEER_ASSIGNED: Quiet.HOLD,
    MessageKind.HELP_ALERT: Quiet.ON_DUTY,
    MessageKind.HELP_ANSWER: Quiet.ASKED,
    MessageKind.WAITING_OFFER: Quiet.OWN_HOURS,
    MessageKind.HANDOVER: Quiet.HOLD,
    MessageKind.GROUP_MEETING: Quiet.HOLD,
    MessageKind.SMS_BOOKING: Quiet.ASKED,
    # Someone is about to call them back about the help they asked for: it comes at once.
    MessageKind.HELP_ACKNOWLEDGED: Quiet.ASKED,
    # A new message in a conversation waits like any notice; the help-now page, not an SMS,
    # is the way for something that cannot wait.
    MessageKind.CONVERSATION: Quiet.HOLD,
}

# The kinds a social worker, coordinator or peer can be sent (the rest go to service users).
TO_STAFF = frozenset(
    {
        MessageKind.STAFF_ALERT,
        MessageKind.PEER_POOL,
        MessageKind.HELP_ALERT,
        MessageKind.GROUP_MEETING,
        MessageKind.REPLY,
        MessageKind.CONVERSATION,
    }
)


def holds(kind: str, *, on_duty: bool = False) -> bool:
    """Whether a message of ``kind`` waits for the end of its recipient's quiet hours.
    ``on_duty``: the recipient holds a duty shift or cover now (only an urgent help alert
    heeds it)."""
    policy = POLICY.get(kind, Quiet.HOLD)  # an unknown kind waits: waking someone is worse
    if policy == Quiet.ON_DUTY:
        return not on_duty
    return policy == Quiet.HOLD


def retimed_kinds() -> list[str]:
    """The kinds whose waiting rows follow a change of the person's quiet hours. An urgent
    alert is left as written: it was due at once or is gone within two hours anyway."""
    return [kind for kind, policy in POLICY.items() if policy == Quiet.HOLD]
