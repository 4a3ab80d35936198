"""Staff show a second factor after their password: a code from an authenticator app, or a
recovery code; set up on their first sign-in. Service users do not."""

import base64
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from people.models import User
from people.second_factor import DEMO_TOTP_SECRET, verify
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def code_of(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_staff_password_alone_leads_to_the_code_page_and_signs_nobody_in(world):
    f.enrol_app(world.worker)
    client = Client()

    response = client.post("/login/password/", {"username": "worker", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/login/second-factor/"
    assert signed_in_user_id(client) is None
    assert client.get("/today/").status_code == 302


def test_the_right_app_code_signs_staff_in(world):
    f.enrol_app(world.worker)
    client = Client()
    client.post("/login/password/", {"username": "worker", "password": PASSWORD})

    response = client.post("/login/second-factor/", {"otp": f.app_code(world.worker)}, follow=True)

    assert response.redirect_chain[-1][0] == "/today/"
    assert signed_in_user_id(client) == world.worker.pk


def test_a_wrong_code_is_refused_with_a_message(world):
    f.enrol_app(world.worker)
    client = Client()
    client.post("/login/password/", {"username": "worker", "password": PASSWORD})

    response = client.post("/login/second-factor/", {"otp": "12ab"})

    assert response.status_code == 400
    assert 'name="otp"' in response.content.decode()
    assert signed_in_user_id(client) is None


def test_a_code_that_was_used_once_does_not_sign_in_again(world):
    f.enrol_app(world.worker)
    code = f.app_code(world.worker)
    first = Client()
    first.post("/login/password/", {"username": "worker", "password": PASSWORD, "otp": code})
    assert signed_in_user_id(first) == world.worker.pk

    second = Client()
    response = second.post("/login/password/", {"username": "worker", "password": PASSWORD, "otp": code})

    assert response.status_code == 400
    assert signed_in_user_id(second) is None


def test_the_code_page_without_a_password_first_goes_back_to_the_password_page(world):
    response = Client().post("/login/second-factor/", {"otp": "123456"})

    assert response.status_code == 302
    assert response["Location"] == "/login/password/"


def test_the_password_step_is_forgotten_after_five_minutes(world, monkeypatch):
    f.enrol_app(world.worker)
    client = Client()
    client.post("/login/password/", {"username": "worker", "password": PASSWORD})
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)

    response = client.post("/login/second-factor/", {"otp": f.app_code(world.worker)})

    assert response["Location"] == "/login/password/"
    assert signed_in_user_id(client) is None


def test_first_sign_in_sets_up_the_app_and_shows_recovery_codes_once(world):
    client = Client()
    response = client.post("/login/password/", {"username": "worker", "password": PASSWORD})
    assert response["Location"] == "/login/second-factor/set-up/"

    page = client.get("/login/second-factor/set-up/")
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    assert 'name="otp"' in html
    device = TOTPDevice.objects.get(user=world.worker, confirmed=False)
    assert client.post("/login/second-factor/set-up/", {"otp": "000000"}).status_code == 400
    assert signed_in_user_id(client) is None

    response = client.post("/login/second-factor/set-up/", {"otp": code_of(device)})

    assert response["Location"] == "/account/recovery-codes/"
    assert signed_in_user_id(client) == world.worker.pk
    codes_page = client.get("/account/recovery-codes/").content.decode()
    assert codes_page.count("<li><code>") == 10
    assert client.get("/account/recovery-codes/").content.decode().count("<li><code>") == 0
    assert TOTPDevice.objects.get(user=world.worker).confirmed


def test_the_set_up_page_keeps_the_same_secret_on_reload(world):
    client = Client()
    client.post("/login/password/", {"username": "worker", "password": PASSWORD})
    client.get("/login/second-factor/set-up/")
    first = TOTPDevice.objects.get(user=world.worker, confirmed=False).key
    client.get("/login/second-factor/set-up/")

    assert TOTPDevice.objects.get(user=world.worker, confirmed=False).key == first


def test_a_recovery_code_signs_in_once(world):
    f.enrol_app(world.worker)
    from people.second_factor import recovery_codes_new

    code = recovery_codes_new(user=world.worker)[0]
    client = Client()
    client.post("/login/password/", {"username": "worker", "password": PASSWORD})
    assert client.post("/login/second-factor/", {"otp": code.upper()}).status_code == 302
    assert signed_in_user_id(client) == world.worker.pk

    again = Client()
    again.post("/login/password/", {"username": "worker", "password": PASSWORD})

    assert again.post("/login/second-factor/", {"otp": code}).status_code == 400


def test_making_new_recovery_codes_ends_the_old_ones(world):
    f.enrol_app(world.worker)
    from people.second_factor import recovery_codes_new, verify

    old = recovery_codes_new(user=world.worker)
    client = Client()
    client.force_login(world.worker)

    client.post("/account/recovery-codes/")

    assert client.get("/account/recovery-codes/").content.decode().count("<li><code>") == 10
    assert verify(user=world.worker, code=old[0]) is None


def test_service_users_sign_in_with_a_password_without_a_code(world):
    client = Client()

    response = client.post("/login/password/", {"username": "client", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_user_id(client) == world.client.pk


def test_a_staff_session_without_a_second_factor_is_ended(world):
    client = Client()
    client.force_login(world.coordinator)
    session = client.session
    del session["second_factor"]
    session.save()

    response = client.get("/help-requests/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert signed_in_user_id(client) is None


def test_the_admin_signs_in_through_the_password_page_and_its_code(world):
    world.coordinator.is_staff = True
    world.coordinator.is_superuser = True
    world.coordinator.save()
    f.enrol_app(world.coordinator)
    client = Client()

    login_page = client.get("/admin/login/?next=/admin/")
    assert login_page["Location"] == "/login/password/?next=/admin/"
    client.post("/login/password/?next=/admin/", {"username": "coordinator", "password": PASSWORD, "next": "/admin/"})
    assert client.get("/admin/").status_code == 302

    response = client.post("/login/second-factor/", {"otp": f.app_code(world.coordinator)})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_seed_demo_enrols_every_staff_account_with_the_demo_secret():
    call_command("seed_demo")
    worker = User.objects.get(username="worker1")
    demo = TOTP(base64.b32decode(DEMO_TOTP_SECRET), 30, 0, 6, 0)

    response = Client().post(
        "/login/password/", {"username": "worker1", "password": "triangel-demo", "otp": f"{demo.token():06d}"}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user__role=User.Role.SERVICE_USER).exists()
    assert TOTPDevice.objects.filter(user=worker, confirmed=True).count() == 1


def test_staff_without_an_app_who_type_a_code_anyway_are_sent_to_set_one_up(world):
    client = Client()

    response = client.post("/login/password/", {"username": "worker", "password": PASSWORD, "otp": "123456"})

    assert response["Location"] == "/login/second-factor/set-up/"
    assert signed_in_user_id(client) is None


def test_staff_find_their_recovery_codes_from_my_sign_ins(world):
    client = Client()
    client.force_login(world.worker)

    assert 'href="/account/recovery-codes/"' in client.get("/sign-ins/").content.decode()


def test_signed_in_staff_move_to_a_new_app_and_the_old_one_stops_working(world):
    f.enrol_app(world.worker)
    old_code = f.app_code(world.worker)
    client = Client()
    client.force_login(world.worker)
    assert 'href="/account/code-app/"' in client.get("/sign-ins/").content.decode()

    client.get("/account/code-app/")
    new = TOTPDevice.objects.get(user=world.worker, confirmed=False)
    response = client.post("/account/code-app/", {"otp": code_of(new)})

    assert response["Location"] == "/account/recovery-codes/"
    assert client.get("/account/recovery-codes/").content.decode().count("<li><code>") == 10
    assert list(TOTPDevice.objects.filter(user=world.worker).values_list("pk", "confirmed")) == [(new.pk, True)]
    assert verify(user=world.worker, code=old_code) is None


def test_service_users_have_no_code_app_to_move(world):
    client = Client()
    client.force_login(world.client)

    assert client.get("/account/code-app/")["Location"] == "/"
    assert not TOTPDevice.objects.filter(user=world.client).exists()
