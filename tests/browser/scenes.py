"""The demo service with something on every page: meetings today and ahead, a cancelled one,
reminders of each kind, time off and a follow-up task. Pages with empty lists hide most of
what there is to check."""

from dataclasses import dataclass
from datetime import time, timedelta
from urllib.parse import quote

from django.utils import timezone

from booking import services as booking
from booking.models import Appointment, CalendarOverride, MeetingType
from booking.slots import slots_for
from care.models import PlanEntry
from care.services import continuity
from care.services.peers import invitation_create, peer_request_create
from people.models import User
from people.services import api_token_issue
from reminders.models import FollowUpTask, ReminderPlan
from reminders.schedule import rrule_from_simple
from reminders.services import plan_save
from tests import factories as f


@dataclass
class Scene:
    anna: User  # service user, followed by Kari
    kari: User  # social worker
    samtale: MeetingType
    meeting: Appointment  # Anna's next meeting with Kari
    plans: dict[str, ReminderPlan]  # by kind
    plan_entry: PlanEntry  # a goal in Anna's plan, changed once so it has a history

    # The pages checked in English too; Norwegian, the default, is checked on every page.
    MAIN = frozenset(
        {
            "my day",
            "book times",
            "book confirm",
            "booked",
            "meetings",
            "meeting detail",
            "cancel",
            "cancelled",
            "reminders",
            "reminder new medication",
            "details",
            "my sign-ins",
            "today",
            "calendar",
            "working hours",
            "caseload",
            "book for user",
            "book for user search",
            "book for types",
            "book for times",
            "book for times next week",
            "book for confirm",
            "book for booked",
        }
    )

    def cancelled_pk(self) -> int:
        """Anna's cancelled phone call (arranged below)."""
        return Appointment.objects.filter(client=self.anna, status=Appointment.Status.CANCELLED).values_list(
            "pk", flat=True
        )[0]

    def service_user_pages(self) -> list[tuple[str, str]]:
        m, s = self.meeting.pk, self.samtale.pk
        return [
            ("my day", "/my-day/"),
            ("book types", "/book/"),
            ("book times", f"/book/{s}/"),
            ("book confirm", f"/book/{s}/confirm/?start={self.free_start_param()}"),
            ("booked", f"/meetings/{m}/booked/"),
            ("meetings", "/meetings/"),
            ("meeting detail", f"/meetings/{m}/"),
            ("cancel", f"/meetings/{m}/cancel/"),
            ("cancelled", f"/meetings/{self.cancelled_pk()}/cancelled/"),
            ("move", f"/meetings/{m}/move/"),
            ("move confirm", f"/meetings/{m}/move/?start={self.free_start_param()}"),
            ("reminders", "/reminders/"),
            ("reminder new medication", "/reminders/new/medication/"),
            ("reminder new money", "/reminders/new/money/"),
            ("reminder new routine", "/reminders/new/routine/"),
            ("reminder edit medication", f"/reminders/{self.plans['medication'].pk}/"),
            ("reminder edit money", f"/reminders/{self.plans['money'].pk}/"),
            ("reminder edit routine", f"/reminders/{self.plans['routine'].pk}/"),
            ("details", "/details/"),
            ("my sign-ins", "/sign-ins/"),
            ("my plan", "/my-plan/"),
            ("my plan entry", f"/my-plan/{self.plan_entry.pk}/"),
            ("peers", "/peers/"),
            ("peers sharing", "/peers/sharing/"),
        ]

    def worker_pages(self) -> list[tuple[str, str]]:
        return [
            ("today", "/today/"),
            ("calendar", "/calendar/"),
            ("working hours", "/calendar/hours/"),
            ("time off", "/calendar/time-off/"),
            ("meeting types", "/calendar/types/"),
            ("meeting type edit", f"/calendar/types/{self.samtale.pk}/"),
            ("book for user", "/calendar/book/"),
            ("book for user search", "/calendar/book/?q=Anna"),
            ("book for types", f"/calendar/book/{self.anna.pk}/"),
            ("book for times", f"/calendar/book/{self.anna.pk}/{self.samtale.pk}/"),
            (
                "book for times next week",
                f"/calendar/book/{self.anna.pk}/{self.samtale.pk}/?week={timezone.localdate() + timedelta(days=7)}",
            ),
            (
                "book for confirm",
                f"/calendar/book/{self.anna.pk}/{self.samtale.pk}/confirm/?start={self.free_start_param(staff=True)}",
            ),
            ("book for booked", f"/calendar/meetings/{self.meeting.pk}/booked/"),
            ("staff meeting", f"/calendar/meetings/{self.meeting.pk}/"),
            ("staff meeting move", f"/calendar/meetings/{self.meeting.pk}/move/"),
            ("staff meeting cancel", f"/calendar/meetings/{self.meeting.pk}/cancel/"),
            ("caseload", "/caseload/"),
            ("caseload phone", f"/caseload/{self.anna.pk}/phone/"),
            ("person", f"/people/{self.anna.pk}/"),
            ("person plan entry", f"/people/{self.anna.pk}/plan/{self.plan_entry.pk}/"),
            ("my sign-ins (worker)", "/sign-ins/"),
        ]

    def peer_pages(self) -> list[tuple[str, str]]:
        # Jonas shares his meetings with Tore in the demo, so Tore may read this one.
        shared = Appointment.objects.filter(client__username="user2").first()
        return [
            ("peer today", "/today/"),
            ("peer requests", "/peer/"),
            ("peer meeting", f"/peer/meetings/{shared.pk}/"),
            # ...and his plan.
            ("peer plan", f"/peer/plans/{shared.client_id}/"),
        ]

    def free_start_param(self, *, staff: bool = False) -> str:
        slot = slots_for(
            meeting_type=self.samtale,
            actor=self.kari if staff else self.anna,
            first_day=timezone.localdate(),
            last_day=timezone.localdate() + timedelta(days=14),
        )[0]
        return quote(slot.start.isoformat(), safe="")


def arrange() -> Scene:
    """Call after ``seed_demo``."""
    anna = User.objects.get(username="user1")
    jonas = User.objects.get(username="user2")
    maria = User.objects.get(username="user3")
    kari = User.objects.get(username="worker1")
    samtale = MeetingType.objects.get(calendar__owner=kari, name="Samtale")
    phone_call = MeetingType.objects.get(calendar__owner=kari, name="Telefonsamtale")

    meeting = f.make_appointment(samtale, anna, f.local(f.next_weekday(2), 10))
    earlier = f.make_appointment(phone_call, anna, f.local(f.next_weekday(3), 9))
    earlier.status, earlier.cancel_reason = Appointment.Status.CANCELLED, "Syk"
    earlier.save(update_fields=["status", "cancel_reason"])
    # A meeting that started an hour ago today: Kari can mark it held or not come.
    now = timezone.now().replace(second=0, microsecond=0)
    f.make_appointment(phone_call, jonas, now - timedelta(hours=1))

    FollowUpTask.objects.create(worker=kari, client=maria, kind=FollowUpTask.Kind.CALL_BACK, note="Ring meg")
    # Peers: Maria waits for a peer, and any peer is asked along to Anna's meeting.
    peer_request_create(user=maria, note="Kaffe?")
    invitation_create(user=anna, appointment_id=meeting.pk, peer_id=None)
    start, end = booking.whole_days(owner=kari, first=f.next_weekday(4, 7), last=f.next_weekday(4, 7))
    booking.override_create(owner=kari, kind=CalendarOverride.Kind.TIME_OFF, start=start, end=end, note="Kurs")

    every_day = {
        "medication": {"title": "Metadon", "dose": "10 ml", "rrule": rrule_from_simple(times=[time(8), time(20)])},
        "money": {
            "title": "Husleie",
            "money_kind": ReminderPlan.MoneyKind.BILL,
            "amount": 6500,
            "rrule": rrule_from_simple(times=[time(9)], day_of_month=1),
        },
        "routine": {"title": "Frokost", "rrule": rrule_from_simple(times=[time(9)])},
    }
    plans = {}
    for kind, fields in every_day.items():
        plan = ReminderPlan(owner=anna, created_by=anna, kind=kind, starts_on=timezone.localdate(), **fields)
        plans[kind] = plan_save(plan=plan)
    # Apps signed in to the API, for My sign-ins.
    api_token_issue(user=anna, label="Triangel/2.3 (Android 14; Pixel 7)")
    api_token_issue(user=kari, label="API")
    goal = continuity.plan_entry_add(actor=anna, client_id=anna.pk, kind="goal", text="Få meg en jobb")
    goal = continuity.plan_entry_change(
        actor=kari, client_id=anna.pk, entry_id=goal.pk, text="Få meg en jobb eller praksisplass"
    )
    return Scene(anna=anna, kari=kari, samtale=samtale, meeting=meeting, plans=plans, plan_entry=goal)
