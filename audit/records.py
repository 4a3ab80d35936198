"""What Triangel holds about a person, gathered from every app: for export and for erasure.

Each app that keeps information about a person registers a ``Record`` when it is ready: how
to export its part (plain JSON values) and how to erase it — delete what only says something
about the person, and keep what the unit's statistics need (a meeting was held, a request was
answered in ten minutes) as rows that no longer say who or what. This module knows none of
the apps; it only runs what they registered, in the order they registered it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Record:
    """One app's part of what is held about a person."""

    name: str
    # The part as plain JSON values (dicts, lists, strings, numbers, ISO dates).
    export: Callable[[Any], Any]
    # Remove the person from the part, in the erasure's transaction.
    erase: Callable[[Any, datetime], None]
    # Why the person cannot be erased yet (meetings still ahead of them), or None.
    blocker: Callable[[Any, datetime], str | None] | None = None


_records: dict[str, Record] = {}


def register(record: Record) -> None:
    """Add ``record`` (registering the same name again replaces it)."""
    _records[record.name] = record


def export_all(person: Any) -> dict[str, Any]:
    """Every app's part about ``person``, by name."""
    return {name: record.export(person) for name, record in _records.items()}


def erase_blockers(person: Any, now: datetime) -> list[str]:
    """What must be done before ``person`` can be erased, in words for the coordinator."""
    found = (record.blocker(person, now) for record in _records.values() if record.blocker is not None)
    return [reason for reason in found if reason]


def erase_all(person: Any, now: datetime) -> list[str]:
    """Erase ``person`` from every app's part (call inside one transaction); returns the parts."""
    for record in reversed(list(_records.values())):
        # The apps built on others first: their rows may point at the lower apps' rows.
        record.erase(person, now)
    return list(_records)


def iso(value: datetime | Any) -> Any:
    """A date or time as ISO 8601 text (None stays None)."""
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value
