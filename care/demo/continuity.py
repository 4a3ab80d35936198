"""Demo data for this part of the co-production triangle."""


def seed() -> None:
    """Idempotent: running it twice creates nothing new."""
