"""Writes for reminders. The modules by job: ``preferences`` (how a person wants to be
reminded), ``notices`` (the shape of every message to a person, and the one-off notices other
apps ask for), ``appointments`` (a meeting's reminders), ``plans`` (medication, money and
routine plans and their rolling horizon), ``medication`` (doses taken or missed),
``quiet_hours`` (saving preferences; waiting messages follow new quiet hours).

Every message is a row in the shared outbox (``messaging``), written in the same transaction
as its cause; how it is sent is ``reminders.sending``.
"""

from reminders.services.appointments import (
    appointment_reminders_cancelled,
    appointment_reminders_moved,
    appointment_reminders_reassigned,
    appointment_reminders_schedule,
    appointments_booked,
)
from reminders.services.medication import (
    DoseOutsideWindow,
    DoseWindow,
    dose_window,
    medication_followups,
    medication_mark_taken,
    medication_taken_undo,
)
from reminders.services.notices import (
    calendar_clash_task_open,
    calendar_failing_alert,
    call_back_task_open,
    follow_up_task_create,
    group_meeting_notice,
    handover_introduce,
    notice_now,
    notices_cancel,
    one_off,
    peer_notice,
    peer_notices_cancel,
    reply_to,
    staff_alert,
    staff_alerts_move,
)
from reminders.services.plans import (
    plan_delete,
    plan_materialize,
    plan_occurrences,
    plan_save,
    plans_materialize_all,
    summaries_materialize,
)
from reminders.services.preferences import preferences_for, preferences_prefetch, preferences_read
from reminders.services.quiet_hours import preferences_update, quiet_hours_retime

__all__ = [
    "DoseOutsideWindow",
    "DoseWindow",
    "appointment_reminders_cancelled",
    "appointment_reminders_moved",
    "appointment_reminders_reassigned",
    "appointment_reminders_schedule",
    "appointments_booked",
    "calendar_clash_task_open",
    "calendar_failing_alert",
    "call_back_task_open",
    "dose_window",
    "follow_up_task_create",
    "group_meeting_notice",
    "handover_introduce",
    "medication_followups",
    "medication_mark_taken",
    "medication_taken_undo",
    "notice_now",
    "notices_cancel",
    "one_off",
    "peer_notice",
    "peer_notices_cancel",
    "plan_delete",
    "plan_materialize",
    "plan_occurrences",
    "plan_save",
    "plans_materialize_all",
    "preferences_for",
    "preferences_prefetch",
    "preferences_read",
    "preferences_update",
    "quiet_hours_retime",
    "reply_to",
    "staff_alert",
    "staff_alerts_move",
    "summaries_materialize",
]
