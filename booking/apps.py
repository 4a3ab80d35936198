from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Booking"

    def ready(self) -> None:
        from audit import records
        from booking.records import RECORD

        records.register(RECORD)
        import booking.receivers  # noqa: F401  (subscribes to booking's own events)
