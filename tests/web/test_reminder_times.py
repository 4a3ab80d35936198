"""A reminder's time is written the way people write it: "8", "kl 8", "08.00", "8:30"."""

from datetime import time

import pytest

from config.fields import clock_times_from_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("8", [time(8)]),
        ("kl 8", [time(8)]),
        ("kl. 8", [time(8)]),
        ("kl.8", [time(8)]),
        ("Kl 8", [time(8)]),
        ("klokka 8", [time(8)]),
        ("08.00", [time(8)]),
        ("8:30", [time(8, 30)]),
        ("0830", [time(8, 30)]),
        ("8 og 20", [time(8), time(20)]),
        ("20:00, 08:00", [time(8), time(20)]),
        ("8 8", [time(8)]),
        ("at 8 and 20", [time(8), time(20)]),
    ],
)
def test_times_of_day_are_read_as_people_write_them(text, times):
    assert clock_times_from_text(text) == times


@pytest.mark.parametrize("text", ["25", "8:60", "åtte", "8pm", "8:5", "-1"])
def test_what_is_not_a_time_of_day_is_refused(text):
    assert clock_times_from_text(text) is None


def test_the_form_takes_kl_8_and_explains_what_it_cannot_read(world, web_client):
    client = web_client(world.client)
    body = {"title": "Frokost", "times": "kl 8", "channel_sms": "on"}
    response = client.post("/reminders/new/routine/", body)
    assert response.status_code == 302
    page = client.post("/reminders/new/routine/", {**body, "times": "åtte"}).content.decode()
    assert "Skriv tider som 8, kl 8, 08.00 eller 8:30." in page
