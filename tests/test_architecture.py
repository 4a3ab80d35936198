"""The shape of the code that docs/architecture.md promises, checked on every run.

The layers themselves are import-linter's contracts in pyproject.toml (``lint-imports``, run
by ``make test``); these tests hold what an import graph cannot see.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "audit",
    "booking",
    "care",
    "config",
    "conversations",
    "insight",
    "messaging",
    "ops",
    "people",
    "reminders",
    "services",
    "web",
)
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def app_modules() -> list[Path]:
    return sorted(
        path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.relative_to(ROOT).parts
    )


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_no_app_module_is_longer_than_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in app_modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_longer_than_60_lines() -> None:
    long = {}
    for path in app_modules():
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = length
    assert long == {}


def _calls(path: Path) -> list[tuple[int, str]]:
    """Every call in a module, as (line, dotted name): ``Appointment``, ``Appointment.objects.create``…"""
    found = []
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Call):
            parts = []
            func = node.func
            while isinstance(func, ast.Attribute):
                parts.append(func.attr)
                func = func.value
            if isinstance(func, ast.Name):
                parts.append(func.id)
                found.append((node.lineno, ".".join(reversed(parts))))
    return found


@pytest.mark.parametrize(
    ("what", "forbidden"),
    [
        ("creates appointments", ("Appointment", "Appointment.objects.create", "Appointment.objects.bulk_create")),
        ("locks calendars", ("Calendar.objects.select_for_update",)),
        ("writes appointment history", ("AppointmentEvent", "AppointmentEvent.objects.create")),
    ],
)
def test_only_booking_writes_appointments_and_locks_calendars(what: str, forbidden: tuple[str, ...]) -> None:
    outside = [
        f"{path.relative_to(ROOT)}:{line} {name}"
        for path in app_modules()
        if path.relative_to(ROOT).parts[0] != "booking"
        for line, name in _calls(path)
        if name in forbidden
    ]
    assert outside == [], f"only booking {what}"


def test_only_booking_publishes_booking_events() -> None:
    outside = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in app_modules()
        if path.relative_to(ROOT).parts[0] != "booking"
        for line, name in _calls(path)
        if name in ("events.publish", "publish")
    ]
    assert outside == []


def test_every_outgoing_message_goes_through_the_channel_registry() -> None:
    """Nothing but messaging's own channels sends an e-mail or posts to the SMS gateway."""
    senders = ("EmailMessage", "send_mail", "send_mass_mail", "EmailMultiAlternatives")
    outside = [
        f"{path.relative_to(ROOT)}:{line} {name}"
        for path in app_modules()
        if path.relative_to(ROOT).parts[:2] != ("messaging", "channels")
        for line, name in _calls(path)
        if name.split(".")[-1] in senders
    ]
    assert outside == []
