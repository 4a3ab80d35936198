import pytest

from config.errors import ApplicationError
from people.models import PhoneNumber, User
from people.services import phone_number_add
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_new_number_becomes_the_active_one_and_the_old_is_kept(world):
    phone_number_add(user=world.client, raw="412 34 567")
    numbers = {str(p.number): p.is_active for p in PhoneNumber.objects.filter(user=world.client)}
    assert numbers == {"+4741234567": True, "+4740000001": False}


def test_a_number_in_use_by_someone_else_is_refused_and_nothing_changes(world):
    other = f.make_person(User.Role.SERVICE_USER, world.unit, phone="+4740000009")
    with pytest.raises(ApplicationError) as error:
        phone_number_add(user=other, raw="40000001")
    assert error.value.code == "phone_in_use"
    assert PhoneNumber.objects.get(user=other).is_active
    assert PhoneNumber.objects.filter(number="+4740000001", is_active=True).count() == 1


def test_a_malformed_number_is_refused_with_a_message(world):
    with pytest.raises(ApplicationError) as error:
        phone_number_add(user=world.client, raw="12")
    assert error.value.fields["number"]
