"""axe-core on every page, in both languages: no serious or critical violations.

Each page is also checked for reflow at phone width (WCAG 1.4.10): nothing may make the
page scroll sideways at 390 px.
"""

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from people.models import User
from tests import factories as f
from tests.browser import scenes
from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.support import BLOCKING, LANGUAGES, axe_violations, describe, names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Help and error texts reach a screen reader only through aria-describedby; a reference to an
# id that is not on the page is silently dropped, and axe passes it when one other id exists.
_MISSING_IDS = """() => {
  const missing = [];
  for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby], label[for]")) {
    for (const attr of ["aria-describedby", "aria-labelledby", "for"]) {
      for (const id of (el.getAttribute(attr) || "").split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) missing.push(`${el.tagName.toLowerCase()}[${attr}] → #${id}`);
      }
    }
  }
  return missing;
}"""


class Findings:
    """What is wrong, page by page; the test lists all of it at the end, not only the first."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.axe: dict[str, list[dict]] = {}
        self.sideways: dict[str, int] = {}
        self.missing_ids: dict[str, list[str]] = {}

    def check(self, page: Page, name: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", self.language)
        violations = axe_violations(page)
        for v in violations:
            print(f"axe {self.language} {name}: [{v['impact']}] {v['id']} ({len(v['targets'])})")
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        if blocking:
            self.axe[f"{self.language} {name} ({page.url})"] = blocking
        if (overflow := page.evaluate(_SIDEWAYS)) > 0:
            self.sideways[f"{self.language} {name}"] = overflow
        if missing := page.evaluate(_MISSING_IDS):
            self.missing_ids[f"{self.language} {name}"] = missing

    def visit(self, page: Page, name: str, url: str) -> None:
        response = page.goto(url)
        assert response is not None
        assert response.ok, f"{name}: {url} answered {response.status}"
        self.check(page, name)

    def assert_none(self) -> None:
        assert not self.axe, "serious or critical accessibility violations:\n" + describe(self.axe)
        assert not self.sideways, f"pages scroll sideways at phone width (px too wide): {self.sideways}"
        assert not self.missing_ids, f"references to ids that are not on the page: {self.missing_ids}"


def _in(language: str, pages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return pages if language == "nb" else [(name, url) for name, url in pages if name in scenes.Scene.MAIN]


@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_in_pages_have_no_serious_accessibility_violations(
    page: Page,
    context: BrowserContext,
    live_server: LiveServer,
    demo: None,
    sms_file: Path,
    language: str,
) -> None:
    n = names(language)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    findings = Findings(language)
    for name, url in [
        ("login", "/login/"),
        ("login email", "/login/email/"),
        ("login password", "/login/password/"),
        ("login link", "/login/link/not-a-real-token/"),
    ]:
        findings.visit(page, name, url)

    # The sign-in form with an error, and the code page, which needs a number first.
    page.goto("/login/")
    page.get_by_role("button", name=n["send_code"]).click()
    expect(page.get_by_label(n["phone"])).to_have_attribute("aria-invalid", "true")
    findings.check(page, "login with error")
    page.get_by_label(n["phone"]).fill("40000201")
    page.get_by_role("button", name=n["send_code"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(n["enter_code"])
    findings.check(page, "login code")
    page.get_by_label(n["code"]).fill("000000")
    page.get_by_role("button", name=n["sign_in"], exact=True).click()
    expect(page.get_by_label(n["code"])).to_have_attribute("aria-invalid", "true")
    findings.check(page, "login code with error")

    # Staff: the second factor after the password, and its set-up on a first sign-in.
    _password(page, n, "worker1")
    expect(page.get_by_label(n["otp"])).to_be_visible()
    findings.check(page, "second factor")
    page.get_by_label(n["otp"]).fill("000000")
    page.get_by_role("button", name=n["sign_in"], exact=True).click()
    expect(page.get_by_label(n["otp"])).to_have_attribute("aria-invalid", "true")
    findings.check(page, "second factor with error")
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    peer = User.objects.get(username="peer1")
    TOTPDevice.objects.filter(user=peer).delete()
    _password(page, n, "peer1")
    expect(page.get_by_label(n["otp_setup"])).to_be_visible()
    findings.check(page, "second factor set-up")
    page.get_by_label(n["otp_setup"]).fill(_code_of(TOTPDevice.objects.get(user=peer, confirmed=False)))
    page.get_by_role("button", name=n["confirm_sign_in"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(n["recovery_codes"])
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    findings.check(page, "recovery codes")
    findings.visit(page, "move to a new code app", "/account/code-app/")
    findings.assert_none()


def _password(page: Page, n: dict[str, str], username: str) -> None:
    page.goto("/login/password/")
    page.get_by_label(n["user_name"]).fill(username)
    page.get_by_label(n["password"]).fill("triangel-demo")
    page.get_by_role("button", name=n["sign_in"], exact=True).click()


def _code_of(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_service_user_pages_have_no_serious_accessibility_violations(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    n = names(language)
    scene = scenes.arrange()
    signed_in(scene.anna, language)
    findings = Findings(language)
    for name, url in _in(language, scene.service_user_pages()):
        findings.visit(page, name, url)

    # A help text must reach its field (the reason for cancelling is optional and says who sees it).
    page.goto(f"/meetings/{scene.meeting.pk}/cancel/")
    reason = page.get_by_label(n["why_cancel"])
    expect(reason).to_have_accessible_description(re.compile(re.escape(n["cancel_help"])))
    # A form with an error: the error must reach the field too.
    page.goto("/reminders/new/routine/")
    page.locator("main form button[type=submit]").first.click()
    invalid = page.locator("main [aria-invalid=true]").first
    expect(invalid).to_be_visible()
    expect(invalid).to_have_accessible_description(re.compile(r"\S"))
    findings.check(page, "form with error")
    findings.assert_none()


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_pages_have_no_serious_accessibility_violations(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    scene = scenes.arrange()
    signed_in(scene.kari, language)
    findings = Findings(language)
    for name, url in _in(language, scene.worker_pages()):
        findings.visit(page, name, url)

    # Booking on Anna's behalf outside the usual hours at a time her meeting holds: refused,
    # with the reason and the nearest free times as links.
    local = scene.meeting.start.astimezone(ZoneInfo(scene.kari.timezone))
    page.goto(f"/calendar/book/{scene.anna.pk}/{scene.samtale.pk}/")
    outside = page.locator("form[action$='/outside/']")
    outside.locator("input[name=day]").fill(local.date().isoformat())
    outside.locator("input[name=start]").fill(local.strftime("%H:%M"))
    outside.locator("button[type=submit]").click()
    expect(page.locator(".alternatives a").first).to_be_visible()
    findings.check(page, "book for refused")
    findings.assert_none()


@pytest.mark.parametrize("language", LANGUAGES)
def test_coordinator_handover_pages_have_no_serious_accessibility_violations(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    from care.services import continuity

    scene = scenes.arrange()
    coordinator = User.objects.get(username="coordinator")
    ola = User.objects.get(username="worker2")
    maria = User.objects.get(username="user3")
    signed_in(coordinator, language)
    findings = Findings(language)
    findings.visit(page, "handover", "/handover/")
    findings.visit(page, "handover preview", f"/handover/?from_worker={scene.kari.pk}&to_worker={ola.pk}")
    # A choice the service refuses: the error reaches the field.
    findings.visit(page, "handover with error", f"/handover/?from_worker={scene.kari.pk}&to_worker={scene.kari.pk}")
    done = continuity.handover_run(
        actor=coordinator, from_worker_id=scene.kari.pk, to_worker_id=ola.pk, client_id=maria.pk
    )
    findings.visit(page, "handover result", f"/handover/{done.pk}/")
    findings.visit(page, "person (coordinator)", f"/people/{maria.pk}/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_peer_pages_have_no_serious_accessibility_violations(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    scene = scenes.arrange()
    signed_in(User.objects.get(username="peer1"), language)
    findings = Findings(language)
    for name, url in scene.peer_pages():
        findings.visit(page, name, url)
    findings.assert_none()


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_pages_have_no_serious_accessibility_violations(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    from care.services.help import help_request_create
    from tests.browser.help_scene import open_all_day_with_kari_first

    open_all_day_with_kari_first()
    findings = Findings(language)
    anna = User.objects.get(username="user1")
    signed_in(anna, language)
    findings.visit(page, "help now", "/help/")
    request, _created = help_request_create(user=anna, message="Kan noen ringe meg?")
    findings.visit(page, "help now asked", "/help/")
    findings.visit(page, "my day with a help request", "/my-day/")

    signed_in(User.objects.get(username="worker1"), language)
    for name, url in [
        ("today with a help request", "/today/"),
        ("help requests", "/help/requests/"),
        ("help resolve", f"/help/requests/{request.pk}/resolve/"),
        ("duty rota", "/help/rota/"),
    ]:
        findings.visit(page, name, url)

    signed_in(User.objects.get(username="coordinator"), language)
    for name, url in [("help requests coordinator", "/help/requests/"), ("duty rota coordinator", "/help/rota/")]:
        findings.visit(page, name, url)
    findings.assert_none()


@pytest.mark.parametrize("language", LANGUAGES)
def test_responsibility_group_pages_have_no_serious_accessibility_violations(
    page: Page,
    context: BrowserContext,
    live_server: LiveServer,
    demo: None,
    signed_in: Callable[[User, str], None],
    language: str,
) -> None:
    from care.models import ResponsibilityGroup
    from care.services import groups as group_services

    kari = User.objects.get(username="worker1")
    jonas = User.objects.get(username="user2")
    group = ResponsibilityGroup.objects.get(client=jonas)
    external = group.externals.first()
    day = f.next_weekday(1, min_days_ahead=3)
    proposal = group_services.group_proposals(group=group, duration_minutes=60, first_day=day, last_day=day)[0]
    meeting = group_services.group_meeting_book(
        actor=kari, group_id=group.pk, start=proposal.start, duration_minutes=60, agenda="1. Bolig\n2. Arbeid"
    )
    group_services.action_add(actor=kari, meeting_id=meeting.pk, what="Søke bostøtte", responsible_user_id=jonas.pk)
    findings = Findings(language)
    signed_in(kari, language)
    for name, url in [
        ("groups", "/groups/"),
        ("group", f"/groups/{group.pk}/"),
        ("group external edit", f"/groups/{group.pk}/externals/{external.pk}/"),
        ("group meeting (worker)", f"/groups/meetings/{meeting.pk}/"),
        ("group meeting move", f"/groups/meetings/{meeting.pk}/move/"),
    ]:
        findings.visit(page, name, url)
    context.clear_cookies()
    signed_in(jonas, language)
    for name, url in [("my group", "/my-group/"), ("group meeting (user)", f"/groups/meetings/{meeting.pk}/")]:
        findings.visit(page, name, url)
    context.clear_cookies()
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    findings.visit(page, "group invitation", f"/invitation/{meeting.invitees.first().token}/")
    findings.assert_none()


def _arrange_waiting_and_feedback() -> dict[str, str]:
    """Something on every waiting-list and feedback page: an open offer, a fully booked
    meeting type, a held meeting to rate, anonymous feedback and an answered idea."""
    from datetime import timedelta

    from django.utils import timezone

    from booking.models import Appointment, MeetingType
    from care.models import FreedTime, Idea, WaitingEntry, WaitingOffer
    from care.services.feedback import feedback_give
    from tests import factories as f

    scene = scenes.arrange()
    now = timezone.now()
    # A type with no free time in the window: the booking page offers the waiting list.
    visit = MeetingType.objects.create(
        calendar=scene.kari.calendar, name="Hjemmebesøk", min_notice_minutes=30 * 24 * 60, horizon_days=60
    )
    entry = WaitingEntry.objects.create(user=scene.anna, meeting_type=scene.samtale, joined_at=now)
    start = f.local(f.next_weekday(4, 3), 13)
    freed = FreedTime.objects.create(calendar=scene.kari.calendar, start=start, end=start + timedelta(hours=1))
    WaitingOffer.objects.create(
        entry=entry,
        user=scene.anna,
        freed=freed,
        start=start,
        end=start + timedelta(minutes=45),
        expires_at=now + timedelta(hours=2),
    )
    rated, to_rate = (
        f.make_appointment(scene.samtale, scene.anna, now - timedelta(days=d), status=Appointment.Status.COMPLETED)
        for d in (8, 15)
    )
    feedback_give(user=scene.anna, appointment_id=rated.pk, face=4, comment="Godt å bli hørt", anonymous=True)
    idea = Idea.objects.filter(unit=scene.anna.unit).first()
    return {"anna": scene.anna.username, "visit": visit.pk, "to_rate": to_rate.pk, "idea": idea.pk}


@pytest.mark.parametrize("language", LANGUAGES)
def test_waiting_list_and_feedback_pages_have_no_serious_accessibility_violations(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    made = _arrange_waiting_and_feedback()
    findings = Findings(language)
    signed_in(User.objects.get(username="user1"), language)
    for name, url in [
        ("my day with an offer", "/my-day/"),
        ("waiting list", "/waiting/"),
        ("book times with waiting list", f"/book/{made['visit']}/"),
        ("meetings with feedback prompt", "/meetings/"),
        ("meeting feedback", f"/meetings/{made['to_rate']}/feedback/"),
        ("ideas", "/ideas/"),
    ]:
        findings.visit(page, name, url)
    # The rating form sent without a face: the error must reach the choices.
    page.goto(f"/meetings/{made['to_rate']}/feedback/")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#face-error")).to_be_visible()
    findings.check(page, "meeting feedback with error")

    signed_in(User.objects.get(username="worker1"), language)
    for name, url in [("feedback received", "/feedback/"), ("ideas as worker", "/ideas/")]:
        findings.visit(page, name, url)

    signed_in(User.objects.get(username="coordinator"), language)
    for name, url in [
        ("feedback summary", "/feedback/summary/"),
        ("ideas as coordinator", "/ideas/"),
        ("idea respond", f"/ideas/{made['idea']}/respond/"),
    ]:
        findings.visit(page, name, url)
    findings.assert_none()


@pytest.mark.parametrize("language", LANGUAGES)
def test_week_grid_has_no_serious_accessibility_violations_on_desktop_and_phone(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from booking import services as booking
    from booking.models import Appointment
    from web import selectors as web_selectors

    scene = scenes.arrange()
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    # Busy time from a connected calendar, so its grey blocks are checked too (the live server
    # runs in this process).
    monkeypatch.setattr(
        web_selectors,
        "external_busy_of",
        lambda **_week: [(f.local(monday, 13), f.local(monday, 14, 30))],
    )
    started = (
        Appointment.objects.filter(calendar__owner=scene.kari, start__lte=timezone.now())
        .exclude(status=Appointment.Status.CANCELLED)
        .latest("start")
    )
    signed_in(scene.kari, language)
    findings = Findings(language)
    for size, viewport in [("desktop", {"width": 1366, "height": 900}), ("phone", PHONE_VIEWPORT)]:
        page.set_viewport_size(viewport)
        findings.visit(page, f"week grid {size}", "/calendar/")
        findings.visit(page, f"week grid next week {size}", f"/calendar/?week={monday + timedelta(days=7)}")
    # The meeting page with a mark that can still be undone.
    booking.appointment_close(actor=scene.kari, appointment_id=started.pk, outcome="no_show")
    findings.visit(page, "meeting page with undo", f"/calendar/meetings/{started.pk}/")
    findings.assert_none()
