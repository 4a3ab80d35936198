"""What the person who asked for help is told by message: the answer to their SMS (who is on
duty, or the numbers to call and when we open) and, when they asked on the web or in the app,
that someone has seen their request."""

from datetime import datetime, timedelta

from care.models import HelpRequest
from care.selectors import help as selectors
from people.models import User
from reminders import services as reminders
from reminders.models import MessageKind

# Knowing someone has seen it is worth little hours later, when they have already called.
ANSWER_USEFUL_FOR = timedelta(hours=2)


def help_answer_by_sms(request: HelpRequest, *, ref: str, now: datetime) -> None:
    """Answer the person's own SMS (once per ``ref``): who has it and by when, or the numbers."""
    answer = selectors.help_answer(request=request, now=now)
    if request.status == HelpRequest.Status.ACKNOWLEDGED and answer.on_duty is not None:
        context, at = {"answer": "acknowledged", "staff": answer.on_duty.short_name}, now
    elif request.status == HelpRequest.Status.ALERTING and answer.on_duty is not None:
        context, at = {"answer": "on_duty", "staff": answer.on_duty.short_name}, answer.answer_by or now
    else:
        crisis = answer.crisis_line
        # Only a waiting request is routed at the opening: only then is "we will contact you" true.
        opens = answer.contact_at
        context = {
            "answer": "closed",
            "crisis_name": crisis[0] if crisis else "",
            "crisis_number": crisis[1] if crisis else "",
            "opens": opens is not None,
        }
        at = opens or now
    reminders.notice_now(
        recipient=request.user,
        kind=MessageKind.HELP_ANSWER,
        ref=f"{request.pk}:{ref}",
        context=context,
        at=at,
        now=now,
        # An answer to the person's own SMS, even if they turned reminders off.
        force_sms=True,
    )


def help_acknowledged_tell(request: HelpRequest, actor: User, now: datetime) -> None:
    """Tell the person who asked on the web or in the app that someone has seen it, and who,
    over the channels they chose. No reason text; the request's id as ref sends it once."""
    reminders.notice_now(
        recipient=request.user,
        kind=MessageKind.HELP_ACKNOWLEDGED,
        ref=str(request.pk),
        context={"staff": actor.short_name},
        at=now,
        now=now,
        useful_for=ANSWER_USEFUL_FOR,
        channels=reminders.preferences_read(request.user).appointment_channels,
    )
