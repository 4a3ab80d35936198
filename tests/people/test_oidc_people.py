"""Who a person signed in through OpenID Connect is (people.oidc): a service user by the keyed
hash of their national identity number, recorded by staff who follow them; a member of staff by
the provider's subject, found the first time by e-mail. Nobody is ever created."""

import hashlib
import hmac
from datetime import date

import pytest
from django.db import connection

from config.errors import ApplicationError, NotFound
from people import oidc
from people.models import User
from people.services import person_erase
from tests import factories as f
from tests.oidc.numbers import make_pid, with_wrong_check_digit

pytestmark = pytest.mark.django_db

PID = make_pid(date(1990, 1, 1))
OTHER_PID = make_pid(date(1985, 6, 17), 200)
STAFF = {"groups_claim": "groups", "role_groups": []}


def row_values(user: User) -> list[str]:
    """Every column of the person's row as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {User._meta.db_table} WHERE id = %s", [user.pk])
        return [str(value) for value in cursor.fetchone()]


# --- The keyed hash ------------------------------------------------------------------------------


def test_the_hash_is_an_hmac_of_the_number_keyed_with_pid_hash_key(settings):
    settings.PID_HASH_KEY = "k" * 40

    assert oidc.pid_hash(PID) == hmac.new(b"k" * 40, PID.encode(), hashlib.sha256).hexdigest()


def test_the_hash_ignores_how_the_number_is_typed_and_changes_with_the_key(settings):
    spaced = f"{PID[:6]} {PID[6:]}"

    assert oidc.pid_hash(spaced) == oidc.pid_hash(PID)
    before = oidc.pid_hash(PID)
    settings.PID_HASH_KEY = "another-key-of-at-least-thirty-two-characters"
    assert oidc.pid_hash(PID) != before


# --- Recording a number --------------------------------------------------------------------------


def test_the_worker_records_the_number_and_only_its_hash_is_stored(world):
    oidc.person_pid_set(actor=world.worker, person_id=world.client.pk, pid=f"{PID[:6]} {PID[6:]}")

    world.client.refresh_from_db()
    assert world.client.pid_hash == oidc.pid_hash(PID)
    values = row_values(world.client)
    assert not any(PID in value or PID[:6] in value for value in values)


def test_a_coordinator_records_the_number_of_anyone_in_the_unit(world):
    oidc.person_pid_set(actor=world.coordinator, person_id=world.other_client.pk, pid=PID)

    world.other_client.refresh_from_db()
    assert world.other_client.pid_hash == oidc.pid_hash(PID)


@pytest.mark.parametrize("who", ["other_worker", "peer"])
def test_staff_who_do_not_follow_the_person_cannot_record_their_number(world, who):
    with pytest.raises(NotFound):
        oidc.person_pid_set(actor=getattr(world, who), person_id=world.client.pk, pid=PID)

    world.client.refresh_from_db()
    assert world.client.pid_hash is None


def test_a_coordinator_of_another_unit_cannot_record_a_number(world):
    stranger = f.make_person(User.Role.COORDINATOR, f.make_unit("Nord"))

    with pytest.raises(NotFound):
        oidc.person_pid_set(actor=stranger, person_id=world.client.pk, pid=PID)


def test_a_number_with_a_wrong_check_digit_is_refused_with_a_message_to_act_on(world):
    with pytest.raises(ApplicationError) as refused:
        oidc.person_pid_set(actor=world.worker, person_id=world.client.pk, pid=with_wrong_check_digit(PID))

    assert refused.value.code == "invalid_pid"
    assert "Sjekk sifrene" in refused.value.message
    assert refused.value.fields["pid"]


def test_a_number_with_digits_missing_is_refused_saying_it_has_eleven(world):
    with pytest.raises(ApplicationError) as refused:
        oidc.person_pid_set(actor=world.worker, person_id=world.client.pk, pid=PID[:9])

    assert "11 sifre" in refused.value.message


def test_a_number_recorded_for_another_person_is_refused(world):
    oidc.person_pid_set(actor=world.other_worker, person_id=world.other_client.pk, pid=PID)

    with pytest.raises(ApplicationError) as refused:
        oidc.person_pid_set(actor=world.worker, person_id=world.client.pk, pid=PID)

    assert refused.value.code == "pid_in_use"
    world.client.refresh_from_db()
    assert world.client.pid_hash is None


def test_recording_a_new_number_replaces_the_old_one(world):
    oidc.person_pid_set(actor=world.worker, person_id=world.client.pk, pid=PID)
    oidc.person_pid_set(actor=world.worker, person_id=world.client.pk, pid=OTHER_PID)

    assert oidc.person_for_pid(OTHER_PID) == world.client
    assert oidc.person_for_pid(PID) is None


# --- Finding a service user ----------------------------------------------------------------------


def test_the_number_finds_the_active_service_user_it_was_recorded_for(world):
    oidc.person_pid_set(actor=world.worker, person_id=world.client.pk, pid=PID)

    assert oidc.person_for_pid(PID) == world.client


def test_an_unknown_number_finds_nobody_and_creates_nobody(world):
    people_before = User.objects.count()

    assert oidc.person_for_pid(PID) is None
    assert oidc.person_for_pid("") is None
    assert User.objects.count() == people_before


def test_an_inactive_person_is_not_found_by_their_number(world):
    oidc.person_pid_set(actor=world.worker, person_id=world.client.pk, pid=PID)
    User.objects.filter(pk=world.client.pk).update(is_active=False)

    assert oidc.person_for_pid(PID) is None


def test_staff_are_never_found_by_a_number(world):
    User.objects.filter(pk=world.worker.pk).update(pid_hash=oidc.pid_hash(PID))

    assert oidc.person_for_pid(PID) is None


def test_erasing_a_person_clears_the_hash_and_the_subject(world):
    oidc.person_pid_set(actor=world.worker, person_id=world.client.pk, pid=PID)
    User.objects.filter(pk=world.client.pk).update(oidc_subject="subject-of-anna")

    person_erase(actor=world.coordinator, person_id=world.client.pk, reason="Asked to be forgotten")

    world.client.refresh_from_db()
    assert (world.client.pid_hash, world.client.oidc_subject) == (None, None)
    assert oidc.person_for_pid(PID) is None


def test_the_export_says_whether_a_number_is_recorded_and_never_the_hash(world):
    from people.records import export

    oidc.person_pid_set(actor=world.worker, person_id=world.client.pk, pid=PID)
    world.client.refresh_from_db()

    profile = export(world.client)["profile"]
    assert profile["national_identity_number_recorded"] is True
    assert world.client.pid_hash not in str(profile)


# --- Finding a member of staff -------------------------------------------------------------------


def test_staff_are_found_by_the_subject_they_signed_in_with_before(world):
    User.objects.filter(pk=world.worker.pk).update(oidc_subject="sub-kari", email="")

    assert oidc.staff_for_claims({"sub": "sub-kari"}, STAFF) == world.worker


def test_staff_are_found_the_first_time_by_e_mail_in_any_case_and_the_subject_is_remembered(world):
    User.objects.filter(pk=world.worker.pk).update(email="Kari.Nordmann@kommune.no")

    found = oidc.staff_for_claims({"sub": "sub-kari", "email": "kari.nordmann@KOMMUNE.no"}, STAFF)

    assert found == world.worker
    world.worker.refresh_from_db()
    assert world.worker.oidc_subject == "sub-kari"
    # The address may change at the provider afterwards: the subject still finds her.
    assert oidc.staff_for_claims({"sub": "sub-kari", "email": "kari@ny.kommune.no"}, STAFF) == world.worker


def test_an_address_the_provider_says_is_unverified_finds_nobody(world):
    User.objects.filter(pk=world.worker.pk).update(email="kari@kommune.no")

    assert oidc.staff_for_claims({"sub": "s", "email": "kari@kommune.no", "email_verified": False}, STAFF) is None


def test_an_address_two_members_of_staff_share_finds_nobody(world):
    User.objects.filter(pk__in=[world.worker.pk, world.other_worker.pk]).update(email="team@kommune.no")

    assert oidc.staff_for_claims({"sub": "s", "email": "team@kommune.no"}, STAFF) is None


def test_a_service_user_or_inactive_staff_is_never_found_as_staff(world):
    User.objects.filter(pk=world.client.pk).update(email="anna@example.no")
    User.objects.filter(pk=world.worker.pk).update(email="kari@kommune.no", is_active=False)

    assert oidc.staff_for_claims({"sub": "a", "email": "anna@example.no"}, STAFF) is None
    assert oidc.staff_for_claims({"sub": "k", "email": "kari@kommune.no"}, STAFF) is None
    assert User.objects.filter(oidc_subject__isnull=False).count() == 0


def test_staff_linked_to_one_subject_are_not_taken_over_by_another_with_their_address(world):
    User.objects.filter(pk=world.worker.pk).update(email="kari@kommune.no", oidc_subject="sub-kari")

    assert oidc.staff_for_claims({"sub": "sub-mallory", "email": "kari@kommune.no"}, STAFF) is None
    world.worker.refresh_from_db()
    assert world.worker.oidc_subject == "sub-kari"


def test_the_groups_give_the_role_the_first_mapping_that_matches(world):
    User.objects.filter(pk=world.worker.pk).update(oidc_subject="sub-kari")
    mapping = {"groups_claim": "roles", "role_groups": [["leaders", "coordinator"], ["workers", "social_worker"]]}

    found = oidc.staff_for_claims({"sub": "sub-kari", "roles": ["workers", "leaders"]}, mapping)

    assert found.role == User.Role.COORDINATOR
    world.worker.refresh_from_db()
    assert world.worker.role == User.Role.COORDINATOR


def test_with_a_mapping_staff_in_none_of_its_groups_are_refused(world):
    User.objects.filter(pk=world.worker.pk).update(oidc_subject="sub-kari")
    mapping = {"groups_claim": "groups", "role_groups": [["workers", "social_worker"]]}

    assert oidc.staff_for_claims({"sub": "sub-kari", "groups": ["everyone"]}, mapping) is None
    assert oidc.staff_for_claims({"sub": "sub-kari"}, mapping) is None
    world.worker.refresh_from_db()
    assert world.worker.role == User.Role.SOCIAL_WORKER


def test_without_a_subject_nobody_is_found(world):
    User.objects.filter(pk=world.worker.pk).update(email="kari@kommune.no")

    assert oidc.staff_for_claims({"email": "kari@kommune.no"}, STAFF) is None


# --- A second factor -----------------------------------------------------------------------------

FACTORS = {"second_factor_amr": ["mfa", "otp"], "second_factor_acr": ["idporten-loa-high"]}


@pytest.mark.parametrize(
    ("claims", "shown"),
    [
        ({"amr": ["pwd", "mfa"]}, True),
        ({"amr": "pwd otp"}, True),
        ({"acr": "idporten-loa-high"}, True),
        ({"amr": ["pwd"], "acr": "idporten-loa-substantial"}, False),
        ({}, False),
    ],
)
def test_a_second_factor_is_shown_by_an_amr_value_or_the_acr_the_settings_name(claims, shown):
    assert oidc.second_factor_shown(claims, FACTORS) is shown
