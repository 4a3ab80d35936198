"""A spare number (a family member's phone, say): at most one per person, never the main
number, never signing anyone in and never speaking for the person by SMS."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import ApplicationError
from people.models import PhoneNumber, SignInCode, User
from people.services import (
    phone_number_add,
    phone_number_mark_lost,
    phone_number_spare_remove,
    phone_number_spare_set,
    sign_in_code_send,
)
from reminders.inbound import sms_inbound
from tests import factories as f

pytestmark = pytest.mark.django_db

MAIN = "+4740000001"
SPARE = "+4798765432"


def test_a_spare_number_is_kept_beside_the_main_one_and_not_in_use(world):
    spare = phone_number_spare_set(user=world.client, raw="987 65 432")
    assert (str(spare.number), spare.is_spare, spare.is_active) == (SPARE, True, False)
    assert PhoneNumber.objects.get(user=world.client, is_active=True).number == MAIN


def test_a_new_spare_replaces_the_old_one(world):
    phone_number_spare_set(user=world.client, raw=SPARE)
    phone_number_spare_set(user=world.client, raw="+4798765433")
    assert [str(p.number) for p in PhoneNumber.objects.filter(user=world.client, is_spare=True)] == ["+4798765433"]
    phone_number_spare_remove(user=world.client)
    assert not PhoneNumber.objects.filter(user=world.client, is_spare=True).exists()


def test_the_main_number_cannot_be_the_spare(world):
    with pytest.raises(ApplicationError) as refused:
        phone_number_spare_set(user=world.client, raw=MAIN)
    assert refused.value.code == "spare_is_main"
    assert not PhoneNumber.objects.filter(is_spare=True).exists()


def test_the_database_holds_one_spare_per_person(world):
    PhoneNumber.objects.create(user=world.client, number=SPARE, is_spare=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneNumber.objects.create(user=world.client, number="+4798765433", is_spare=True)


def test_the_database_refuses_a_spare_that_is_the_main_number(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneNumber.objects.filter(user=world.client, is_active=True).update(is_spare=True)


def test_making_the_spare_the_main_number_ends_it_as_spare(world):
    phone_number_spare_set(user=world.client, raw=SPARE)
    phone_number_add(user=world.client, raw=SPARE)
    phone = PhoneNumber.objects.get(user=world.client, number=SPARE)
    assert (phone.is_active, phone.is_spare) == (True, False)


def test_the_person_or_their_worker_can_mark_the_main_number_lost(world):
    assert phone_number_mark_lost(actor=world.client, client=world.client) == 1
    assert not PhoneNumber.objects.filter(user=world.client, is_active=True).exists()
    phone_number_add(user=world.client, raw=MAIN)
    assert phone_number_mark_lost(actor=world.worker, client=world.client) == 1


def test_someone_who_does_not_follow_the_person_cannot_mark_it_lost(world):
    for actor in (world.other_worker, world.other_client):
        with pytest.raises(ApplicationError):
            phone_number_mark_lost(actor=actor, client=world.client)
    assert PhoneNumber.objects.filter(user=world.client, is_active=True).exists()


def test_a_code_sent_before_the_phone_was_marked_lost_stops_working(world, settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    sign_in_code_send(raw_phone=MAIN)
    phone_number_mark_lost(actor=world.client, client=world.client)
    assert not SignInCode.objects.filter(user=world.client, expires_at__gt=timezone.now()).exists()


def test_the_spare_number_signs_no_one_in_and_its_texts_are_a_strangers(world, settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    phone_number_spare_set(user=world.client, raw=SPARE)
    phone_number_mark_lost(actor=world.client, client=world.client)
    sign_in_code_send(raw_phone=SPARE)
    assert not SignInCode.objects.exists()
    assert not (tmp_path / "sms.jsonl").exists()
    assert sms_inbound(sender_number=SPARE, text="STOPP", provider_message_id="from-spare") == "unknown"


def test_someone_elses_main_number_can_be_a_spare(world):
    """A family member who also uses the service lends their phone: their number stays theirs."""
    other = f.make_person(User.Role.SERVICE_USER, world.unit, phone=SPARE)
    phone_number_spare_set(user=world.client, raw=SPARE)
    assert PhoneNumber.objects.get(number=SPARE, is_active=True).user == other


def test_the_person_sets_and_removes_a_spare_number_through_the_api(world, api):
    client = api.as_(world.client)
    assert client.get("/api/me/spare-number/").status_code == 404
    response = client.put("/api/me/spare-number/", {"number": "98765432"}, format="json")
    assert (response.status_code, response.json()) == (200, {"number": SPARE})
    assert client.get("/api/me/spare-number/").json() == {"number": SPARE}
    refused = client.put("/api/me/spare-number/", {"number": MAIN}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "spare_is_main"
    assert client.delete("/api/me/spare-number/").status_code == 204
    assert client.get("/api/me/spare-number/").status_code == 404


def test_i_lost_my_phone_through_the_api(world, api):
    response = api.as_(world.client).post("/api/me/phone-lost/")
    assert (response.status_code, response.json()) == (200, {"numbers_stopped": 1})
    assert not PhoneNumber.objects.filter(user=world.client, is_active=True).exists()


def test_the_spare_choice_is_a_reminder_preference_off_by_default(world, api):
    client = api.as_(world.client)
    assert client.get("/api/reminder-preferences/").json()["spare_for_meetings"] is False
    response = client.patch("/api/reminder-preferences/", {"spare_for_meetings": True}, format="json")
    assert response.json()["spare_for_meetings"] is True
