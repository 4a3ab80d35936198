"""The safety net on the service user's pages: naming a family member or friend who is told
when a medicine reminder is not confirmed, a spare number, and "I lost my phone"."""

import pytest

from messaging.models import Delivery
from people.models import PhoneNumber
from reminders.inbound import sms_inbound
from reminders.models import ReminderPreferences, Supporter
from tests.reminders.support import dispatch
from tests.web.support import forms_posting_to

pytestmark = pytest.mark.django_db

MAMMA = "+4791234567"
SPARE = "+4798765432"


@pytest.mark.usefixtures("no_quiet_hours")
def test_the_person_names_a_supporter_on_the_reminders_page_and_sees_them_stop(world, web_client):
    client = web_client(world.client)
    page = client.get("/reminders/")
    assert "Noen som får beskjed hvis du ikke bekrefter" in page.content.decode()
    assert forms_posting_to(page, "/reminders/supporter/")
    response = client.post("/reminders/supporter/", {"name": "Mamma", "number": "912 34 567"}, follow=True)
    text = response.content.decode()
    assert "Vi har sendt Mamma én SMS" in text
    assert "er spurt på SMS og har ikke svart ennå" in text
    supporter = Supporter.objects.get(owner=world.client)
    assert (supporter.name, str(supporter.number)) == ("Mamma", MAMMA)
    assert Delivery.objects.filter(kind="supporter", about_id=supporter.pk).count() == 1

    dispatch()
    sms_inbound(sender_number=MAMMA, text="JA", provider_message_id="m-1")
    assert "har sagt ja og får beskjed" in client.get("/reminders/").content.decode()
    sms_inbound(sender_number=MAMMA, text="STOPP", provider_message_id="m-2")
    assert "har sagt stopp og får ikke flere meldinger" in client.get("/reminders/").content.decode()


def test_a_bad_supporter_number_is_refused_with_a_message(world, web_client):
    response = web_client(world.client).post("/reminders/supporter/", {"name": "Mamma", "number": "12"}, follow=True)
    assert "Det er ikke et gyldig telefonnummer" in response.content.decode()
    assert not Supporter.objects.exists()


def test_the_person_removes_their_supporter(world, web_client):
    client = web_client(world.client)
    client.post("/reminders/supporter/", {"name": "Mamma", "number": MAMMA})
    response = client.post("/reminders/supporter/delete/", follow=True)
    assert "Fjernet. De får ikke flere meldinger fra oss." in response.content.decode()
    assert Supporter.objects.get().status == Supporter.Status.REMOVED
    assert "<strong>Mamma</strong>" not in client.get("/reminders/").content.decode()


def test_the_person_sets_a_spare_number_and_chooses_meeting_reminders_for_it(world, web_client):
    client = web_client(world.client)
    page = client.get("/details/")
    assert "Reservenummer" in page.content.decode()
    response = client.post("/details/spare-number/", {"number": "98765432", "spare_for_meetings": "on"}, follow=True)
    assert "Reservenummeret ditt er lagret." in response.content.decode()
    assert PhoneNumber.objects.get(user=world.client, is_spare=True).number == SPARE
    assert ReminderPreferences.objects.get(user=world.client).spare_for_meetings is True
    client.post("/details/spare-number/delete/")
    assert not PhoneNumber.objects.filter(user=world.client, is_spare=True).exists()


def test_the_spare_cannot_be_the_number_in_use(world, web_client):
    response = web_client(world.client).post("/details/spare-number/", {"number": "40000001"}, follow=True)
    assert "Det er nummeret du bruker nå." in response.content.decode()
    assert not PhoneNumber.objects.filter(is_spare=True).exists()


def test_i_have_lost_my_phone(world, web_client):
    client = web_client(world.client)
    response = client.post("/details/phone/lost/", follow=True)
    assert "Nummeret ditt brukes ikke lenger." in response.content.decode()
    assert not PhoneNumber.objects.filter(user=world.client, is_active=True).exists()
    assert "Jeg har mistet telefonen" not in response.content.decode()


def test_the_worker_marks_the_phone_lost_before_there_is_a_new_number(world, web_client):
    url = f"/caseload/{world.client.pk}/phone/lost/"
    assert web_client(world.other_worker).post(url).status_code == 404
    response = web_client(world.worker).post(url, follow=True)
    assert "brukes ikke lenger" in response.content.decode()
    assert not PhoneNumber.objects.filter(user=world.client, is_active=True).exists()


def test_staff_cannot_use_the_service_users_safety_pages(world, web_client):
    client = web_client(world.worker)
    for url in ("/reminders/supporter/", "/details/spare-number/", "/details/phone/lost/"):
        assert client.post(url, {"name": "X", "number": MAMMA}).status_code in (302, 403, 404)
    assert not Supporter.objects.exists()
