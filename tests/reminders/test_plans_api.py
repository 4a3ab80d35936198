"""Reminder plans through the API: medication, money and routines, and their delivery rows."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from messaging.models import Delivery
from reminders import services
from reminders.models import MedicationLog, MessageKind, ReminderPlan
from tests.reminders.support import OSLO, at, make_plan

pytestmark = pytest.mark.django_db

PLANS = "/api/reminder-plans/"


def tomorrow() -> date:
    return timezone.now().astimezone(OSLO).date() + timedelta(days=1)


def rows_of(plan_id: int, **filters) -> list[Delivery]:
    return list(Delivery.objects.filter(about="plan", about_id=plan_id, **filters).order_by("due_at"))


def create(api_client, body: dict) -> dict:
    response = api_client.post(PLANS, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# --- Creating ------------------------------------------------------------------------------


def test_a_user_creates_a_daily_medication_plan_from_times(world, api):
    body = create(
        api.as_(world.client),
        {"kind": "medication", "title": "Morgen og kveld", "times": ["08:00", "20:00"], "dose": "1 tablett"},
    )
    assert body["rrule"] == "FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0;BYSECOND=0"
    assert body["user"] == world.client.pk
    assert body["channels"] == ["sms"]  # the user has a phone number
    plan = ReminderPlan.objects.get(pk=body["id"])
    assert plan.owner == world.client
    assert plan.created_by == world.client
    assert plan.starts_on == timezone.now().astimezone(OSLO).date()

    # The next 48 hours are planned at once: two doses a day.
    rows = rows_of(plan.pk)
    assert len(rows) == 4
    assert {r.due_at.astimezone(OSLO).time() for r in rows} == {time(8), time(20)}
    for row in rows:
        assert row.kind == MessageKind.MEDICATION
        assert row.status == Delivery.Status.SCHEDULED
        assert row.occurrence_at == row.due_at
        assert row.expires_at == row.occurrence_at + timedelta(hours=2)
        assert row.recipient == world.client


def test_a_money_bill_on_a_day_of_the_month(world, api):
    day = tomorrow()
    body = create(
        api.as_(world.client),
        {
            "kind": "money",
            "money_kind": "bill",
            "title": "Husleie",
            "day_of_month": day.day,
            "times": ["12:00"],
            "amount": "8500",
        },
    )
    assert body["rrule"] == f"FREQ=MONTHLY;BYMONTHDAY={day.day};BYHOUR=12;BYMINUTE=0;BYSECOND=0"
    assert body["money_kind"] == "bill"
    assert body["amount"] == "8500.00"
    rows = rows_of(body["id"])
    assert [r.due_at for r in rows] == [datetime.combine(day, time(12), tzinfo=OSLO)]
    assert rows[0].kind == MessageKind.MONEY
    assert rows[0].context["amount"] == "8500"


def test_a_routine_on_chosen_weekdays(world, api):
    day = tomorrow()
    body = create(
        api.as_(world.client),
        {"kind": "routine", "title": "Gå tur", "times": ["12:00"], "weekdays": [day.weekday()]},
    )
    code = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][day.weekday()]
    assert body["rrule"] == f"FREQ=WEEKLY;BYDAY={code};BYHOUR=12;BYMINUTE=0;BYSECOND=0"
    assert [r.due_at for r in rows_of(body["id"])] == [datetime.combine(day, time(12), tzinfo=OSLO)]


def test_a_one_off_reminder_on_a_date(world, api):
    day = tomorrow()
    body = create(
        api.as_(world.client),
        {"kind": "routine", "title": "Ta med legitimasjon", "date": day.isoformat(), "times": ["12:00"]},
    )
    assert body["starts_on"] == day.isoformat()
    assert "COUNT=1" in body["rrule"]
    assert [r.due_at for r in rows_of(body["id"])] == [datetime.combine(day, time(12), tzinfo=OSLO)]


def test_a_plan_from_an_rrule(world, api):
    day = tomorrow()
    code = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][day.weekday()]
    rule = f"FREQ=WEEKLY;BYDAY={code};BYHOUR=12;BYMINUTE=30"
    body = create(api.as_(world.client), {"kind": "routine", "title": "Handle mat", "rrule": rule})
    assert body["rrule"] == rule
    assert [r.due_at for r in rows_of(body["id"])] == [datetime.combine(day, time(12, 30), tzinfo=OSLO)]


def test_a_user_without_a_phone_gets_plans_by_email(world, api):
    world.other_client.email = "ola@example.no"
    world.other_client.save()
    body = create(api.as_(world.other_client), {"kind": "routine", "title": "Gå tur", "times": ["12:00"]})
    assert body["channels"] == ["email"]
    assert {r.channel for r in rows_of(body["id"])} == {"email"}


def test_a_plan_due_in_two_minutes_gets_its_delivery_at_once(world, api):
    # No quiet hours, so the test means the same whatever time of day it runs.
    client = api.as_(world.client)
    assert client.patch("/api/reminder-preferences/", {"quiet_start": "00:00", "quiet_end": "00:00"}).status_code == 200
    now = timezone.now()
    target = (now + timedelta(minutes=2)).astimezone(OSLO).replace(second=0, microsecond=0)
    body = create(
        client,
        {"kind": "medication", "title": "Tablett", "date": target.date().isoformat(), "times": [f"{target:%H:%M}"]},
    )
    rows = rows_of(body["id"])
    assert len(rows) == 1
    assert rows[0].due_at == target
    assert rows[0].status == Delivery.Status.SCHEDULED
    assert now < rows[0].due_at <= now + timedelta(minutes=2)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "medication", "title": "x"}, "rrule"),
        ({"kind": "medication", "title": "x", "times": ["08:00", "20:30"]}, "rrule"),
        ({"kind": "medication", "title": "x", "rrule": "FREQ=HOURLY;BYHOUR=8"}, "rrule"),
        ({"kind": "medication", "title": "x", "rrule": "FREQ=DAILY"}, "rrule"),
        ({"kind": "medication", "title": "x", "rrule": "nonsense"}, "rrule"),
        ({"kind": "routine", "title": "x", "rrule": "FREQ=DAILY;BYHOUR=8", "times": ["08:00"]}, "rrule"),
        ({"kind": "routine", "title": "x", "date": "2027-01-01", "times": ["08:00", "09:00"]}, "rrule"),
        ({"kind": "routine", "title": "x", "weekdays": [1]}, "rrule"),
        ({"kind": "money", "title": "x", "times": ["08:00"]}, "money_kind"),
        ({"kind": "money", "money_kind": "lottery", "title": "x", "times": ["08:00"]}, "money_kind"),
        ({"kind": "pills", "title": "x", "times": ["08:00"]}, "kind"),
        ({"kind": "routine", "times": ["08:00"]}, "title"),
        ({"kind": "routine", "title": "x", "times": ["25:00"]}, "times"),
        ({"kind": "routine", "title": "x", "times": ["08:00"], "weekdays": [7]}, "weekdays"),
        ({"kind": "routine", "title": "x", "times": ["08:00"], "day_of_month": 32}, "day_of_month"),
        ({"kind": "routine", "title": "x", "times": ["08:00"], "channels": []}, "channels"),
        ({"kind": "routine", "title": "x", "times": ["08:00"], "channels": ["pigeon"]}, "channels"),
    ],
)
def test_bad_input_is_refused_with_field_errors_and_nothing_is_written(world, api, body, field):
    response = api.as_(world.client).post(PLANS, body, format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]
    assert any(key == field or key.startswith(f"{field}.") for key in error["fields"]), error["fields"]
    assert all(isinstance(msgs, list) and msgs for msgs in error["fields"].values())
    assert ReminderPlan.objects.count() == 0
    assert Delivery.objects.count() == 0


# --- Changing and removing -----------------------------------------------------------------


def test_changing_a_plan_replaces_its_pending_reminders(world, api):
    client = api.as_(world.client)
    body = create(client, {"kind": "medication", "title": "Tablett", "times": ["08:00", "20:00"]})
    old = rows_of(body["id"])

    response = client.patch(f"{PLANS}{body['id']}/", {"times": ["09:00", "21:00"]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["rrule"] == "FREQ=DAILY;BYHOUR=9,21;BYMINUTE=0;BYSECOND=0"

    for row in old:
        row.refresh_from_db()
        assert row.status == Delivery.Status.CANCELLED
        assert row.last_error == "plan changed"
    pending = rows_of(body["id"], status=Delivery.Status.SCHEDULED)
    assert len(pending) == 4
    assert {r.due_at.astimezone(OSLO).time() for r in pending} == {time(9), time(21)}


def test_changing_only_the_title_keeps_the_times(world, api):
    client = api.as_(world.client)
    body = create(client, {"kind": "routine", "title": "Gå tur", "times": ["12:00"]})
    before = [r.due_at for r in rows_of(body["id"])]
    response = client.patch(f"{PLANS}{body['id']}/", {"title": "Gå en lang tur"}, format="json")
    assert response.status_code == 200, response.json()
    pending = rows_of(body["id"], status=Delivery.Status.SCHEDULED)
    assert [r.due_at for r in pending] == before
    assert {r.context["title"] for r in pending} == {"Gå en lang tur"}


def test_the_kind_of_a_plan_cannot_change(world, api):
    client = api.as_(world.client)
    body = create(client, {"kind": "routine", "title": "Gå tur", "times": ["12:00"]})
    response = client.patch(f"{PLANS}{body['id']}/", {"kind": "medication"}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()["error"]["fields"]
    assert ReminderPlan.objects.get(pk=body["id"]).kind == "routine"


def test_a_bad_change_leaves_the_plan_and_its_reminders_alone(world, api):
    client = api.as_(world.client)
    body = create(client, {"kind": "routine", "title": "Gå tur", "times": ["12:00"]})
    response = client.patch(f"{PLANS}{body['id']}/", {"rrule": "FREQ=MINUTELY;BYHOUR=1"}, format="json")
    assert response.status_code == 400
    assert {r.status for r in rows_of(body["id"])} == {Delivery.Status.SCHEDULED}
    assert ReminderPlan.objects.get(pk=body["id"]).version == 1


def test_deleting_a_plan_retires_it_and_cancels_pending_reminders(world, api):
    client = api.as_(world.client)
    body = create(client, {"kind": "medication", "title": "Tablett", "times": ["08:00"]})
    response = client.delete(f"{PLANS}{body['id']}/")
    assert response.status_code == 204

    plan = ReminderPlan.objects.get(pk=body["id"])  # kept for the history
    assert plan.is_active is False
    assert {(r.status, r.last_error) for r in rows_of(plan.pk)} == {(Delivery.Status.CANCELLED, "plan removed")}
    assert client.get(f"{PLANS}{plan.pk}/").status_code == 404
    assert client.get(PLANS).json() == []
    services.plans_materialize_all(now=timezone.now() + timedelta(days=3))
    assert not Delivery.objects.filter(about="plan", about_id=plan.pk, status=Delivery.Status.SCHEDULED).exists()


# --- Who may do what -----------------------------------------------------------------------


def test_a_worker_creates_a_plan_for_a_user_in_their_caseload(world, api):
    body = create(
        api.as_(world.worker),
        {"user": world.client.pk, "kind": "routine", "title": "Møte på NAV", "times": ["12:00"]},
    )
    plan = ReminderPlan.objects.get(pk=body["id"])
    assert plan.owner == world.client
    assert plan.created_by == world.worker
    assert {r.recipient_id for r in rows_of(plan.pk)} == {world.client.pk}


def test_a_worker_cannot_create_a_plan_for_another_workers_user(world, api):
    response = api.as_(world.worker).post(
        PLANS, {"user": world.other_client.pk, "kind": "routine", "title": "x", "times": ["12:00"]}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert ReminderPlan.objects.count() == 0


def test_a_worker_must_say_whose_plan_it_is(world, api):
    response = api.as_(world.worker).post(PLANS, {"kind": "routine", "title": "x", "times": ["12:00"]}, format="json")
    assert response.status_code == 400
    assert "user" in response.json()["error"]["fields"]
    assert ReminderPlan.objects.count() == 0


def test_a_user_cannot_create_a_plan_for_someone_else(world, api):
    response = api.as_(world.client).post(
        PLANS, {"user": world.other_client.pk, "kind": "routine", "title": "x", "times": ["12:00"]}, format="json"
    )
    assert response.status_code == 404
    assert ReminderPlan.objects.count() == 0


def test_a_user_cannot_see_change_or_delete_another_users_plan(world, api):
    theirs = make_plan(world.other_client, title="Deres plan")
    client = api.as_(world.client)
    assert client.get(f"{PLANS}{theirs.pk}/").status_code == 404
    assert client.patch(f"{PLANS}{theirs.pk}/", {"title": "Mitt nå"}, format="json").status_code == 404
    assert client.delete(f"{PLANS}{theirs.pk}/").status_code == 404
    assert client.get(PLANS).json() == []
    theirs.refresh_from_db()
    assert (theirs.title, theirs.is_active, theirs.version) == ("Deres plan", True, 1)


def test_a_worker_lists_only_their_caseloads_plans(world, api):
    mine = make_plan(world.client)
    make_plan(world.other_client)
    worker = api.as_(world.worker)
    assert [p["id"] for p in worker.get(PLANS).json()] == [mine.pk]
    assert [p["id"] for p in worker.get(f"{PLANS}?user={world.client.pk}").json()] == [mine.pk]
    assert worker.get(f"{PLANS}?user={world.other_client.pk}").status_code == 404


# --- Paydays, time zones and the rolling horizon ---------------------------------------------


def payday(owner, day_of_month: int, starts_on: date) -> ReminderPlan:
    return ReminderPlan(
        owner=owner,
        created_by=owner,
        kind=ReminderPlan.Kind.MONEY,
        money_kind=ReminderPlan.MoneyKind.PAYDAY,
        title="Sosialhjelp",
        rrule=f"FREQ=MONTHLY;BYMONTHDAY={day_of_month};BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        starts_on=starts_on,
        channels=["sms"],
    )


def test_a_payday_on_a_public_holiday_is_reminded_the_business_day_before(world):
    # 17 May 2027 is a Monday and a public holiday: paid, and reminded, on Friday the 14th.
    plan = services.plan_save(plan=payday(world.client, 17, date(2027, 5, 1)), now=at(2027, 5, 13, 12))
    assert [(r.occurrence_at, r.due_at) for r in rows_of(plan.pk)] == [(at(2027, 5, 14, 9), at(2027, 5, 14, 9))]


def test_a_payday_on_a_saturday_is_reminded_on_friday(world):
    # 20 February 2027 is a Saturday.
    plan = services.plan_save(plan=payday(world.client, 20, date(2027, 1, 1)), now=at(2027, 2, 18, 12))
    assert [r.due_at for r in rows_of(plan.pk)] == [at(2027, 2, 19, 9)]


def test_a_moved_payday_is_reminded_once_as_the_horizon_rolls_over_it(world):
    plan = services.plan_save(plan=payday(world.client, 17, date(2027, 5, 1)), now=at(2027, 5, 8, 12))
    for day in range(8, 22):
        services.plans_materialize_all(now=at(2027, 5, day, 12))
    assert [r.due_at for r in rows_of(plan.pk)] == [at(2027, 5, 14, 9)]


def test_a_payday_on_a_business_day_stays(world):
    plan = services.plan_save(plan=payday(world.client, 12, date(2027, 5, 1)), now=at(2027, 5, 11, 12))
    assert [r.due_at for r in rows_of(plan.pk)] == [at(2027, 5, 12, 9)]


def test_a_daily_medication_stays_at_0800_over_the_spring_change(world):
    plan = make_plan(world.client, rrule="FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0", starts_on=date(2027, 3, 1))
    services.plan_save(plan=plan, now=at(2027, 3, 27, 9))
    rows = rows_of(plan.pk, status=Delivery.Status.SCHEDULED)
    assert [r.due_at for r in rows] == [at(2027, 3, 28, 8), at(2027, 3, 29, 8)]
    assert rows[0].due_at == datetime(2027, 3, 28, 6, tzinfo=UTC)


def test_plans_follow_the_owners_time_zone(world):
    world.client.timezone = "America/New_York"
    world.client.save()
    plan = make_plan(world.client, starts_on=date(2027, 1, 1))
    services.plan_save(plan=plan, now=datetime(2027, 1, 5, 12, tzinfo=UTC))
    rows = rows_of(plan.pk, status=Delivery.Status.SCHEDULED)
    assert rows[0].due_at == datetime(2027, 1, 5, 13, tzinfo=UTC)  # 08:00 EST, an hour after `now`


def test_materialising_twice_creates_nothing_new(world):
    make_plan(world.client, starts_on=date(2027, 1, 1))
    make_plan(world.other_client, kind="routine", title="Gå tur", dose="", starts_on=date(2027, 1, 1))
    now = at(2027, 1, 5, 9)
    first = services.plans_materialize_all(now=now)
    count = Delivery.objects.count()
    assert first == count == 4  # two plans × two days of 08:00

    assert services.plans_materialize_all(now=now) == 0
    # Even with the horizon marker lost, the keyed rows are not written again.
    ReminderPlan.objects.update(materialized_until=None)
    services.plans_materialize_all(now=now)
    assert Delivery.objects.count() == count


def test_the_horizon_rolls_forward(world):
    plan = make_plan(world.client, starts_on=date(2027, 1, 1))
    services.plans_materialize_all(now=at(2027, 1, 5, 9))
    assert [r.due_at for r in rows_of(plan.pk)] == [at(2027, 1, 6, 8), at(2027, 1, 7, 8)]

    services.plans_materialize_all(now=at(2027, 1, 6, 9))
    plan.refresh_from_db()
    assert plan.materialized_until == at(2027, 1, 8, 9)
    assert [r.due_at for r in rows_of(plan.pk)] == [at(2027, 1, 6, 8), at(2027, 1, 7, 8), at(2027, 1, 8, 8)]


def test_inactive_plans_are_not_materialised(world):
    make_plan(world.client, starts_on=date(2027, 1, 1), is_active=False)
    assert services.plans_materialize_all(now=at(2027, 1, 5, 9)) == 0
    assert Delivery.objects.count() == 0


# --- Medication log ------------------------------------------------------------------------


def test_a_user_marks_a_dose_taken(world, api, monkeypatch):
    plan = make_plan(world.client)
    dose = at(2027, 1, 5, 8)
    monkeypatch.setattr(timezone, "now", lambda: dose + timedelta(minutes=10))
    client = api.as_(world.client)
    response = client.post("/api/medication-log/", {"plan": plan.pk, "occurrence_at": dose.isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "taken"
    assert response.json()["via"] == "api"

    # Marking the same dose again does not make a second entry.
    client.post("/api/medication-log/", {"plan": plan.pk, "occurrence_at": dose.isoformat()}, format="json")
    log = MedicationLog.objects.get()
    assert (log.plan, log.occurrence_at, log.status) == (plan, dose, MedicationLog.Status.TAKEN)
    assert [e["id"] for e in client.get("/api/medication-log/").json()] == [log.pk]


def test_a_user_cannot_mark_someone_elses_dose(world, api):
    theirs = make_plan(world.other_client)
    response = api.as_(world.client).post(
        "/api/medication-log/", {"plan": theirs.pk, "occurrence_at": at(2027, 1, 5, 8).isoformat()}, format="json"
    )
    assert response.status_code == 404
    assert MedicationLog.objects.count() == 0


def test_only_medication_plans_take_doses(world, api):
    routine = make_plan(world.client, kind="routine", dose="")
    response = api.as_(world.client).post(
        "/api/medication-log/", {"plan": routine.pk, "occurrence_at": at(2027, 1, 5, 8).isoformat()}, format="json"
    )
    assert response.status_code == 404
    assert MedicationLog.objects.count() == 0


def test_the_medication_log_is_scoped(world, api):
    mine = make_plan(world.client)
    theirs = make_plan(world.other_client)
    services.medication_mark_taken(plan=mine, occurrence_at=at(2027, 1, 5, 8), via="sms", now=at(2027, 1, 5, 8))
    services.medication_mark_taken(plan=theirs, occurrence_at=at(2027, 1, 5, 8), via="sms", now=at(2027, 1, 5, 8))

    assert [e["plan"] for e in api.as_(world.client).get("/api/medication-log/").json()] == [mine.pk]
    worker = api.as_(world.worker)
    assert [e["plan"] for e in worker.get(f"/api/medication-log/?user={world.client.pk}").json()] == [mine.pk]
    assert worker.get(f"/api/medication-log/?user={world.other_client.pk}").status_code == 404
