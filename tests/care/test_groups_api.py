"""The group-meeting API and pages: proposals, booking, 409 with fresh proposals, agenda and
actions visible to the user, and scoping (anyone else gets 404)."""

from datetime import date, time, timedelta

import pytest

from booking.models import Appointment
from care.models import GroupMeeting
from care.services.peers import sharing_set
from tests import factories as f
from tests.care.groups_support import make_group, set_hours


@pytest.fixture
def tuesday() -> date:
    return f.next_weekday(1, min_days_ahead=3)


@pytest.fixture
def group(world):
    set_hours(world.peer_calendar, [(d, time(8), time(15, 30)) for d in range(5)])
    return make_group(world)


def proposals(api, user, group, day: date, duration: int = 60):
    return api.as_(user).get(
        "/api/group-meetings/proposals/",
        {"group": group.pk, "duration": duration, "start": day.isoformat(), "end": day.isoformat()},
    )


def test_a_worker_sets_up_a_group_with_members_and_externals(world, api) -> None:
    worker = api.as_(world.worker)

    created = worker.post("/api/group-meetings/groups/", {"user": world.client.pk}, format="json")
    assert created.status_code == 201
    group_id = created.json()["id"]
    assert [m["id"] for m in created.json()["members"]] == [world.worker.pk]

    # A peer joins only once the person shares with them.
    refused = worker.post(f"/api/group-meetings/groups/{group_id}/members/", {"user": world.peer.pk}, format="json")
    assert refused.status_code == 422
    assert "user" in refused.json()["error"]["fields"]
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    added = worker.post(f"/api/group-meetings/groups/{group_id}/members/", {"user": world.peer.pk}, format="json")
    assert added.status_code == 201
    external = worker.post(
        f"/api/group-meetings/groups/{group_id}/externals/",
        {"name": "Nina NAV", "role": "Adviser", "organisation": "NAV", "email": "nina@nav.example"},
        format="json",
    )
    assert external.status_code == 201
    unreachable = worker.post(f"/api/group-meetings/groups/{group_id}/externals/", {"name": "X"}, format="json")
    assert unreachable.status_code == 400
    assert "email" in unreachable.json()["error"]["fields"]
    changed = worker.patch(
        f"/api/group-meetings/groups/{group_id}/externals/{external.json()['id']}/",
        {"phone": "+4722000000"},
        format="json",
    )
    assert changed.json()["phone"] == "+4722000000"
    assert changed.json()["email"] == "nina@nav.example"
    assert worker.delete(f"/api/group-meetings/groups/{group_id}/members/{world.peer.pk}/").status_code == 204

    body = worker.get(f"/api/group-meetings/groups/{group_id}/").json()
    assert [m["id"] for m in body["members"]] == [world.worker.pk]
    assert body["may_manage"] is True


def test_proposals_list_start_and_end_with_offsets(world, api, group, tuesday: date) -> None:
    response = proposals(api, world.worker, group, tuesday)

    assert response.status_code == 200
    first = response.json()[0]
    assert first == {
        "start": f.local(tuesday, 8).isoformat(),
        "end": f.local(tuesday, 9).isoformat(),
    }


def test_booking_answers_201_and_a_lost_time_409_with_fresh_proposals(world, api, group, tuesday: date) -> None:
    worker = api.as_(world.worker)
    body = {"group": group.pk, "start": f.local(tuesday, 10).isoformat(), "duration": 60, "agenda": "Housing"}

    booked = worker.post("/api/group-meetings/", body, format="json")
    again = worker.post("/api/group-meetings/", body, format="json")

    assert booked.status_code == 201
    assert len(booked.json()["participants"]) == 3
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "group_slot_taken"
    assert error["proposals"]
    assert all({"start", "end"} == set(p) for p in error["proposals"])
    assert GroupMeeting.objects.count() == 1


def test_bad_input_is_a_400_not_a_500(world, api, group, tuesday: date) -> None:
    worker = api.as_(world.worker)

    assert proposals(api, world.worker, group, tuesday, duration=5).status_code == 400
    too_long = worker.get(
        "/api/group-meetings/proposals/",
        {
            "group": group.pk,
            "duration": 60,
            "start": tuesday.isoformat(),
            "end": (tuesday + timedelta(days=90)).isoformat(),
        },
    )
    assert too_long.status_code == 400
    assert (
        worker.post(
            "/api/group-meetings/", {"group": group.pk, "start": "soon", "duration": 60}, format="json"
        ).status_code
        == 400
    )
    never_offered = worker.post(
        "/api/group-meetings/",
        {"group": group.pk, "start": f.local(tuesday, 3).isoformat(), "duration": 60},
        format="json",
    )
    assert never_offered.status_code == 400
    assert never_offered.json()["error"]["code"] == "time_not_offered"


def test_the_user_sees_agenda_and_actions_but_cannot_change_them(world, api, group, tuesday: date) -> None:
    worker = api.as_(world.worker)
    meeting_id = worker.post(
        "/api/group-meetings/",
        {"group": group.pk, "start": f.local(tuesday, 10).isoformat(), "duration": 60},
        format="json",
    ).json()["id"]
    assert (
        worker.put(f"/api/group-meetings/{meeting_id}/agenda/", {"agenda": "1. Housing"}, format="json").status_code
        == 200
    )
    action = worker.post(
        f"/api/group-meetings/{meeting_id}/actions/",
        {
            "what": "Apply for support",
            "who": {"user": world.client.pk},
            "due_on": (tuesday + timedelta(days=7)).isoformat(),
        },
        format="json",
    )
    assert action.status_code == 201

    user = api.as_(world.client)
    seen = user.get(f"/api/group-meetings/{meeting_id}/").json()
    assert seen["agenda"] == "1. Housing"
    assert seen["actions"][0]["what"] == "Apply for support"
    assert seen["actions"][0]["who"]["user"] == world.client.pk
    assert user.put(f"/api/group-meetings/{meeting_id}/agenda/", {"agenda": "x"}, format="json").status_code == 404
    assert user.post(f"/api/group-meetings/{meeting_id}/cancel/", {}, format="json").status_code == 404


def test_another_worker_or_an_unrelated_user_gets_404(world, api, group, tuesday: date) -> None:
    worker = api.as_(world.worker)
    meeting_id = worker.post(
        "/api/group-meetings/",
        {"group": group.pk, "start": f.local(tuesday, 10).isoformat(), "duration": 60},
        format="json",
    ).json()["id"]

    for outsider in (world.other_client, f.make_person("social_worker", f.make_unit())):
        other = api.as_(outsider)
        assert other.get(f"/api/group-meetings/groups/{group.pk}/").status_code == 404
        assert other.get(f"/api/group-meetings/{meeting_id}/").status_code == 404
        assert proposals(api, outsider, group, tuesday).status_code == 404
        assert other.post(f"/api/group-meetings/{meeting_id}/cancel/", {}, format="json").status_code == 404
        assert other.get("/api/group-meetings/").json() == []
    # The other worker of the unit is not in the group and does not follow the user.
    other_worker = api.as_(world.other_worker)
    group.members.filter(user=world.other_worker).update(removed_at=f.local(tuesday, 0))
    assert other_worker.get(f"/api/group-meetings/groups/{group.pk}/").status_code == 404
    assert proposals(api, world.other_worker, group, tuesday).status_code == 404
    assert (
        other_worker.post(
            f"/api/group-meetings/groups/{group.pk}/externals/", {"name": "X", "phone": "1"}, format="json"
        ).status_code
        == 404
    )
    # A member (the peer) sees the group but cannot book.
    peer = api.as_(world.peer)
    assert peer.get(f"/api/group-meetings/groups/{group.pk}/").json()["may_manage"] is False
    assert (
        peer.post(
            "/api/group-meetings/",
            {"group": group.pk, "start": f.local(tuesday, 12).isoformat(), "duration": 60},
            format="json",
        ).status_code
        == 404
    )


def test_pages_are_scoped_like_the_api(world, group, tuesday: date, client) -> None:
    from care.services import groups as services

    meeting = services.group_meeting_book(
        actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60, agenda="Housing"
    )
    client.force_login(world.client)
    assert client.get("/my-group/").status_code == 200
    page = client.get(f"/groups/meetings/{meeting.pk}/")
    assert page.status_code == 200
    assert "Housing" in page.content.decode()
    assert "<textarea" not in page.content.decode()
    assert client.get(f"/groups/{group.pk}/").status_code == 302  # not a staff page

    client.force_login(world.other_client)
    assert client.get(f"/groups/meetings/{meeting.pk}/").status_code == 404
    client.force_login(f.make_person("social_worker", world.unit))
    assert client.get(f"/groups/{group.pk}/").status_code == 404
    assert client.get(f"/groups/meetings/{meeting.pk}/").status_code == 404
    assert (
        client.post(
            f"/groups/{group.pk}/book/", {"start": f.local(tuesday, 12).isoformat(), "duration": 60}
        ).status_code
        == 404
    )


def test_a_worker_books_from_the_group_page_after_confirming(world, group, tuesday: date, client) -> None:
    client.force_login(world.worker)
    page = client.get(f"/groups/{group.pk}/", {"duration": 60, "start": tuesday.isoformat()})
    assert page.status_code == 200
    start = f.local(tuesday, 8).isoformat()
    assert f'value="{start}"' in page.content.decode()

    booked = client.post(f"/groups/{group.pk}/book/", {"start": start, "duration": 60, "confirmed": "1"})
    meeting = GroupMeeting.objects.get()
    assert booked.status_code == 302
    assert booked["Location"] == f"/groups/meetings/{meeting.pk}/"
    assert Appointment.objects.filter(group_link__meeting=meeting).count() == 3

    lost = client.post(f"/groups/{group.pk}/book/", {"start": start, "duration": 60, "confirmed": "1"})
    assert lost.status_code == 409


def test_a_worker_writes_the_agenda_changes_the_place_and_records_actions_on_the_meeting_page(
    world, group, tuesday: date, client
) -> None:
    from care.services import groups as services

    meeting = services.group_meeting_book(
        actor=world.worker, group_id=group.pk, start=f.local(tuesday, 10), duration_minutes=60
    )
    client.force_login(world.worker)
    page = client.get(f"/groups/meetings/{meeting.pk}/")
    assert page.status_code == 200
    for label in ('for="id_agenda"', 'for="id_place"', 'for="id_what"', 'for="id_who"', 'for="id_reason"'):
        assert label in page.content.decode()

    assert client.post(f"/groups/meetings/{meeting.pk}/agenda/", {"agenda": "1. Housing"}).status_code == 302
    assert client.post(f"/groups/meetings/{meeting.pk}/place/", {"place": "NAV, room 3"}).status_code == 302
    nav = group.externals.get(name="Nina NAV")
    done = client.post(
        f"/groups/meetings/{meeting.pk}/actions/",
        {"what": "Check benefits", "who": f"external:{nav.pk}", "due_on": (tuesday + timedelta(days=7)).isoformat()},
    )
    assert done.status_code == 302
    missing_who = client.post(f"/groups/meetings/{meeting.pk}/actions/", {"what": "Something"})
    assert missing_who.status_code == 400

    meeting.refresh_from_db()
    assert meeting.agenda == "1. Housing"
    assert meeting.place == "NAV, room 3"
    assert meeting.sequence == 1
    assert meeting.actions.get().responsible_external == nav

    client.force_login(world.client)
    mine = client.get(f"/groups/meetings/{meeting.pk}/").content.decode()
    assert "Check benefits" in mine
    assert "Nina NAV" in mine
    assert 'name="agenda"' not in mine

    client.force_login(world.worker)
    assert client.post(f"/groups/meetings/{meeting.pk}/cancel/", {"reason": ""}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == GroupMeeting.Status.CANCELLED


@pytest.mark.parametrize("value", ["9" * 25, "x", "-1"])
def test_a_group_filter_that_is_no_id_is_refused(world, api, group, value) -> None:
    answer = api.as_(world.worker).get("/api/group-meetings/", {"group": value})

    assert answer.status_code == 400
    assert "group" in answer.json()["error"]["fields"]


def test_dates_in_year_1_or_9999_are_refused_not_a_server_error(world, api, group, client) -> None:
    worker = api.as_(world.worker)
    for day in ("0001-01-01", "9999-12-31"):
        answer = worker.get(
            "/api/group-meetings/proposals/", {"group": group.pk, "duration": 60, "start": day, "end": day}
        )
        # Outside 1900–2200, as every date the API takes.
        assert answer.status_code == 400
        assert answer.json()["error"]["fields"]["start"]

    client.force_login(world.worker)
    assert client.get(f"/groups/{group.pk}/", {"duration": 60, "start": "9999-12-31"}).status_code == 200
    # Out of range, or well formed but no such day: the page asks for one of the proposed times.
    for start in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+01:00", "2026-02-30T10:00+01:00"):
        assert client.post(f"/groups/{group.pk}/book/", {"start": start, "duration": 60}).status_code == 302
    assert not GroupMeeting.objects.exists()


def test_a_peer_in_the_group_loses_sight_of_it_when_the_person_stops_sharing(world, api) -> None:
    group = make_group(world)
    peer = api.as_(world.peer)
    assert peer.get(f"/api/group-meetings/groups/{group.pk}/").status_code == 200

    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)

    assert peer.get(f"/api/group-meetings/groups/{group.pk}/").status_code == 404
    assert group.pk not in [g["id"] for g in peer.get("/api/group-meetings/groups/").json()]


def test_the_group_page_offers_a_peer_only_when_the_person_shares_with_them(world) -> None:
    from care.selectors.groups import candidates_for
    from care.services import groups as group_services

    group = group_services.group_create(actor=world.worker, client_id=world.client.pk)
    assert world.peer not in candidates_for(group=group)
    assert world.other_worker in candidates_for(group=group)

    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)

    assert world.peer in candidates_for(group=group)
