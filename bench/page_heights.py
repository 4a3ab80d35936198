"""How tall the service user's main pages are on a phone (390 × 844, Norwegian).

Builds the demo in a throw-away SQLite database (the same scene as the browser tests: Anna,
followed by Kari, with meetings and reminders), serves it from a thread of this process and
opens the pages in Debian's Chromium. Prints one row per page: the page's height, the
menu's height and what share of the screen the menu takes, and how many time buttons the page
shows. Usage, from the repository root:

    .venv/bin/python bench/page_heights.py

Free times depend on the hour (today's times disappear as the day goes), so the script prints
the local time it measured at beside the figures.
"""

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VIEWPORT = {"width": 390, "height": 844}
# As the browser tests start Chromium (tests/browser/conftest.py).
_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]

_MEASURE = """MARKS => {
  const nav = document.querySelector("header.top nav");
  const header = document.querySelector("header.top");
  const visible = el => !!el && el.checkVisibility();
  return {
    page: document.documentElement.scrollHeight,
    header: header ? Math.round(header.getBoundingClientRect().height) : 0,
    menu: visible(nav) ? Math.round(nav.getBoundingClientRect().height) : 0,
    menu_items: nav ? [...nav.querySelectorAll(":scope > ul > li")].filter(visible).length : 0,
    times: [...document.querySelectorAll("main .slot")].filter(visible).length,
    time_buttons: document.querySelectorAll("main .slot").length,
    // How far down the page (px from its top) a person finds what they came for.
    marks: Object.fromEntries(Object.entries(MARKS).map(([name, selector]) => {
      const el = document.querySelector(selector);
      return [name, el ? Math.round(el.getBoundingClientRect().top + window.scrollY) : null];
    })),
  };
}"""
# What the marks point at: the booking choices and the help button on My day, the first
# time button on a times page (the first free time where there is one).
_MARKS = {
    "today": "main .day h2",
    "taken": "main .items form button",
    "next meeting": "#next-heading",
    "book": "#book-heading",
    "help": "#help-now-h",
    "first time": "main .first-free a, main .slot",
}


def _setup(db_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    # The sync browser API keeps an event loop in this thread; the ORM calls are ours, in order.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())


def _session_cookie(user: object, url: str) -> list[dict]:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="people.backends.ModelBackend")
    return [
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": url},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": "nb", "url": url},
    ]


def main() -> None:
    # ``--screenshots DIR`` also saves each page, whole, as a PNG in DIR (to look at the layout).
    shots = sys.argv[sys.argv.index("--screenshots") + 1] if "--screenshots" in sys.argv else ""
    with tempfile.TemporaryDirectory() as tmp:
        _setup(str(Path(tmp) / "heights.sqlite3"))
        from playwright.sync_api import sync_playwright
        from pytest_django.live_server_helper import LiveServer

        from tests.browser import scenes
        from tests.browser.support import CHROMIUM_PATH

        scene = scenes.arrange()
        server = LiveServer("localhost")
        try:
            cookies = _session_cookie(scene.anna, server.url)
            s = scene.samtale.pk
            pages = [
                ("My day", "/my-day/"),
                ("Times (book)", f"/book/{s}/"),
                ("Times, morning", f"/book/{s}/?part=morning"),
                ("Times, afternoon", f"/book/{s}/?part=afternoon"),
                ("Move a meeting", f"/meetings/{scene.meeting.pk}/move/"),
                ("Reminder (edit)", f"/reminders/{scene.plans['medication'].pk}/"),
            ]
            rows = []
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=_ARGS)
                context = browser.new_context(
                    base_url=server.url, viewport=VIEWPORT, locale="nb-NO", timezone_id="Europe/Oslo"
                )
                context.add_cookies(cookies)
                page = context.new_page()
                for name, url in pages:
                    response = page.goto(url)
                    assert response is not None, url
                    assert response.ok, f"{url} answered {response.status}"
                    rows.append((name, page.evaluate(_MEASURE, _MARKS)))
                    if shots:
                        page.screenshot(path=Path(shots) / f"{url.strip('/').replace('/', '-')}.png", full_page=True)
                browser.close()
        finally:
            server.stop()
    _print(rows)


def _print(rows: list[tuple[str, dict]]) -> None:
    from django.utils import timezone

    revision = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "web"], capture_output=True, text=True
    )
    changed = " (web/ changed)" if dirty.stdout.strip() else ""
    print(f"revision {revision}{changed}, measured {timezone.localtime():%Y-%m-%d %H:%M} Europe/Oslo")
    print(f"viewport {VIEWPORT['width']}×{VIEWPORT['height']}, Norwegian")
    print()
    print(
        "| page | page height | screens | top bar (menu, language, sign out) | top bar share | menu items shown"
        " | time buttons (shown / in page) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, m in rows:
        screens = m["page"] / VIEWPORT["height"]
        share = 100 * m["header"] / VIEWPORT["height"]
        print(
            f"| {name} | {m['page']:,} px | {screens:.1f} | {m['header']} px (menu {m['menu']}) | {share:.0f} % |"
            f" {m['menu_items']} |"
            f" {m['times']} / {m['time_buttons']} |"
        )
    print()
    print("How far down each thing starts (px from the top of the page; the screen is 844 px):")
    print()
    print("| page | " + " | ".join(_MARKS) + " |")
    print("|---|" + "---|" * len(_MARKS))
    for name, m in rows:
        print(f"| {name} | " + " | ".join("–" if v is None else f"{v:,}" for v in m["marks"].values()) + " |")


if __name__ == "__main__":
    main()
