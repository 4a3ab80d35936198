"""Directory rows for the tests: a service at one location with its weekly hours."""

from datetime import date, time

from services.models import Category, Location, Organization, Service, ServiceAtLocation, WeeklyHours

WEEKDAYS = range(5)
EVERY_DAY = range(7)


def make_service(
    name: str,
    *,
    categories: tuple[str, ...] = ("food",),
    lat: float | None = 59.91,
    lon: float | None = 10.75,
    hours: tuple[tuple[int, time, time], ...] | None = None,
    description: str = "Et tilbud.",
    open_on_holidays: bool = False,
    phone: str = "22000000",
    verified: date | None = None,
) -> Service:
    org, _ = Organization.objects.get_or_create(name=f"{name} AS")
    service = Service.objects.create(
        organization=org,
        name=name,
        description=description,
        phone=phone,
        last_verified=verified or date(2026, 11, 1),
    )
    service.categories.set(Category.objects.filter(code__in=categories))
    place = Location.objects.create(
        organization=org,
        name=name,
        latitude=lat,
        longitude=lon,
        address="Gata 1",
        postal_code="0150",
        city="Oslo",
        open_on_holidays=open_on_holidays,
    )
    ServiceAtLocation.objects.create(service=service, location=place)
    if hours is None:
        hours = tuple((d, time(8), time(15)) for d in WEEKDAYS)
    WeeklyHours.objects.bulk_create([WeeklyHours(location=place, weekday=d, opens=o, closes=c) for d, o, c in hours])
    return service
