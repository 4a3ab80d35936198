"""Demo data for the waiting list: none. Entries appear when a meeting type is fully booked."""


def seed() -> None:
    """Idempotent: nothing to create."""
