"""What the browser tests share: where the tools are, the names people see, axe, the keyboard."""

import json
import re
from datetime import date
from pathlib import Path

from django.utils import dateformat, translation
from django.utils.translation import gettext
from playwright.sync_api import Locator, Page

CHROMIUM_PATH = "/usr/bin/chromium"
AXE_PATH = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LANGUAGES = ["nb", "en"]

# The visible names the tests look for, by the English source text. ``names(language)`` turns
# them into what the page shows, through the compiled translations in locale/, so the tests
# follow the translations instead of repeating them.
UI = {
    "send_code": "Send me a code",
    "enter_code": "Enter the code",
    "sign_in": "Sign in",
    "password_way": "Sign in with user name and password",
    "user_name": "User name",
    "password": "Password",
    "otp": "Code from your authenticator app, or a recovery code",
    "otp_setup": "The six-digit code the app shows",
    "confirm_sign_in": "Confirm and sign in",
    "recovery_codes": "Recovery codes",
    "hello": "Hello, %(name)s",
    "book_a_meeting": "Book a meeting",
    "choose_time": "Choose a time",
    "is_this_right": "Is this right?",
    "yes_book": "Yes, book it",
    "booked": "You are booked",
    "back_to_day": "Back to my day",
    "today": "Today",
    "tomorrow": "Tomorrow",
    "my_day": "My day",
    "my_meetings": "My meetings",
    "coming_up": "Coming up",
    "earlier": "Earlier and cancelled",
    "cancel": "Cancel the meeting",
    "cancelled": "The meeting is cancelled",
    "new_time": "Would you like a new time?",
    "calendar": "Calendar",
    "working_hours": "Working hours",
    "save_hours": "Save working hours",
    "hours_saved": "Working hours saved.",
    "skip": "Skip to content",
    "book_for_user": "Book for a service user",
    "find_person": "Find by name or phone number",
    "search": "Search",
    "what_kind": "What kind of meeting?",
    "next_week": "Next week",
    "meeting_booked": "The meeting is booked",
}


def names(language: str) -> dict[str, str]:
    from web import forms

    with translation.override(language):
        found = {key: gettext(msgid) for key, msgid in UI.items()}
        # Form texts straight from the forms, whatever translation context they use.
        found |= {
            "phone": str(forms.PhoneForm.base_fields["phone"].label),
            "code": str(forms.CodeForm.base_fields["code"].label),
            "why_cancel": str(forms.CancelForm.base_fields["reason"].label),
            "cancel_help": str(forms.CancelForm.base_fields["reason"].help_text),
            "monday": str(dict(forms.WEEKDAYS)[0]),
            "from": str(forms.WorkingDayForm.base_fields["start1"].label),
            "to": str(forms.WorkingDayForm.base_fields["end1"].label),
        }
    return found


def day_heading(day: date, language: str) -> str:
    """A date as the pages write it (``date:"l j. F"``), in Django's own day and month names."""
    with translation.override(language):
        return dateformat.format(day, "l j. F")


def sms_code(path: Path, to: str) -> str:
    """The six digits of the latest SMS to ``to`` in the file backend's output."""
    texts = [m["text"] for m in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if m["to"] == to]
    assert texts, f"no SMS to {to} in {path}"
    found = re.search(r"\b(\d{6})\b", texts[-1])
    assert found, f"no code in {texts[-1]!r}"
    return found.group(1)


# --- Accessibility -------------------------------------------------------------------------------

_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    targets: v.nodes.map(n => n.target.join(" ")),
  }));
}"""
BLOCKING = {"serious", "critical"}


def axe_violations(page: Page) -> list[dict]:
    """Every axe-core violation on the page as it is now."""
    # Evaluated through the browser's debugging protocol, not as a <script>: the pages'
    # Content-Security-Policy refuses inline scripts, and rightly.
    page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    return page.evaluate(_AXE_RUN)


def describe(found: dict[str, list[dict]]) -> str:
    lines = []
    for name, violations in found.items():
        for v in violations:
            lines.append(f"{name}: [{v['impact']}] {v['id']} – {v['help']} ({v['helpUrl']})")
            lines.extend(f"    {target}" for target in v["targets"][:8])
    return "\n".join(lines)


# --- Keyboard ------------------------------------------------------------------------------------


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page: Page, target: Locator, key: str = "Tab", limit: int = 60) -> int:
    """Press ``key`` until ``target`` has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if is_focused(target):
            return presses
    raise AssertionError(f"{key} did not reach {target} in {limit} presses")


def focus_ring(locator: Locator) -> dict:
    """What shows the keyboard focus on the element: its :focus-visible outline and box-shadow."""
    return locator.evaluate(
        """el => {
          const s = getComputedStyle(el);
          return {focusVisible: el.matches(":focus-visible"), outline: s.outlineStyle,
                  outlineWidth: s.outlineWidth, boxShadow: s.boxShadow};
        }"""
    )


def has_visible_focus(ring: dict) -> bool:
    outline = ring["outline"] != "none" and ring["outlineWidth"] not in ("0px", "")
    return ring["focusVisible"] and (outline or ring["boxShadow"] != "none")
