"""A worker on time off hands the thread to a colleague until a day: the colleague reads and
answers it meanwhile and not after; only the person's own worker can hand it, and only to a
social worker of the unit."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from config.errors import NotFound, Unprocessable
from conversations import selectors, services
from conversations.models import ThreadCover
from people.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db


def _sees(user, thread) -> bool:
    return selectors.threads_of(user).filter(pk=thread.pk).exists()


def test_the_colleague_reads_the_thread_while_covering_and_not_after(world) -> None:
    thread = services.thread_for_worker(world.client)
    services.thread_cover(
        actor=world.worker, thread=thread, colleague_id=world.other_worker.pk, until=timezone.now() + timedelta(days=7)
    )
    assert _sees(world.other_worker, thread)
    assert _sees(world.worker, thread)  # the worker keeps it
    assert world.other_worker in selectors.participants(thread)
    services.message_post(thread=thread, author=world.other_worker, text="Jeg svarer mens Kari er borte.")
    services.thread_cover_end(actor=world.worker, thread=thread)
    assert not _sees(world.other_worker, thread)
    with pytest.raises(NotFound):
        services.message_post(thread=thread, author=world.other_worker, text="Hei")


def test_a_cover_that_has_run_out_opens_nothing(world) -> None:
    thread = services.thread_for_worker(world.client)
    now = timezone.now()
    ThreadCover.objects.create(
        thread=thread,
        worker=world.other_worker,
        handed_by=world.worker,
        starts_at=now - timedelta(days=10),
        ends_at=now - timedelta(days=1),
    )
    assert not _sees(world.other_worker, thread)


def test_only_the_persons_worker_hands_it_and_only_to_a_colleague_of_the_unit(world) -> None:
    thread = services.thread_for_worker(world.client)
    until = timezone.now() + timedelta(days=3)
    with pytest.raises(NotFound):
        services.thread_cover(actor=world.other_worker, thread=thread, colleague_id=world.other_worker.pk, until=until)
    elsewhere = f.make_person(User.Role.SOCIAL_WORKER, f.make_unit(), "elsewhere")
    for colleague in (world.peer, world.coordinator, elsewhere, world.worker):
        with pytest.raises(Unprocessable):
            services.thread_cover(actor=world.worker, thread=thread, colleague_id=colleague.pk, until=until)
    with pytest.raises(Unprocessable):
        services.thread_cover(
            actor=world.worker, thread=thread, colleague_id=world.other_worker.pk, until=timezone.now() - timedelta(1)
        )


def test_handing_it_on_the_page(world) -> None:
    thread = services.thread_for_worker(world.client)
    worker = Client()
    worker.force_login(world.worker)
    page = worker.get(f"/conversations/{thread.pk}/").content.decode()
    assert f'action="/conversations/{thread.pk}/cover/"' in page
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = worker.post(f"/conversations/{thread.pk}/cover/", {"colleague": world.other_worker.pk, "until": day})
    assert response.status_code == 302
    colleague = Client()
    colleague.force_login(world.other_worker)
    assert colleague.get(f"/conversations/{thread.pk}/").status_code == 200
    assert f"/conversations/{thread.pk}/" in colleague.get("/inbox/").content.decode()
    # The colleague cannot hand it on; the person sees who reads it.
    assert colleague.post(f"/conversations/{thread.pk}/cover/", {"end": "1"}).status_code == 404
    me = Client()
    me.force_login(world.client)
    assert world.other_worker.short_name in me.get(f"/conversations/{thread.pk}/").content.decode()
    worker.post(f"/conversations/{thread.pk}/cover/", {"end": "1"})
    assert colleague.get(f"/conversations/{thread.pk}/").status_code == 404
