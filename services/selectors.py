"""Reads of the service directory. The directory is public: nothing here depends on who asks,
except a person's own saved services."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from people.models import User
from services import geo, hours
from services.models import Category, HoursException, Location, RightsPage, SavedService, Service


@dataclass
class Found:
    """A service as a search shows it: its nearest location, and whether it is open."""

    service: Service
    location: Location | None
    distance_km: float | None = None
    open_until: datetime | None = None
    opens_next: datetime | None = None
    all_day: bool = False
    rank: float = 0.0
    today: list[hours.Interval] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.open_until is not None


def categories() -> QuerySet[Category]:
    return Category.objects.all()


def _with_hours(queryset: QuerySet[Service], now: datetime) -> QuerySet[Service]:
    # Only exceptions near now matter to "open now", "today" and "opens next".
    today = now.astimezone(hours.OSLO).date()
    exceptions = HoursException.objects.filter(day__gte=today - timedelta(days=1), day__lte=today + timedelta(days=9))
    locations = Location.objects.prefetch_related("weekly_hours", Prefetch("exceptions", queryset=exceptions))
    return queryset.select_related("organization").prefetch_related(
        "categories", Prefetch("locations", queryset=locations)
    )


def _text_filter(queryset: QuerySet[Service], q: str) -> tuple[QuerySet[Service], dict[int, float]]:
    """Services matching the words of ``q``, and a rank per service id.

    On PostgreSQL a full-text search with the Norwegian configuration, so "boliger" finds
    "bolig"; elsewhere every word must appear in a text (a simple match for tests and demos)."""
    by_category = Q(categories__name_nb__icontains=q) | Q(categories__name_en__icontains=q)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("name", weight="A", config="norwegian") + SearchVector(
            "description", "eligibility", "organization__name", weight="B", config="norwegian"
        )
        query = SearchQuery(q, config="norwegian", search_type="websearch")
        ranked = dict(
            Service.objects.annotate(search=vector)
            .filter(search=query)
            .annotate(rank=SearchRank(vector, query))
            .values_list("pk", "rank")
        )
        category_ids = set(Service.objects.filter(by_category).values_list("pk", flat=True))
        return queryset.filter(pk__in=set(ranked) | category_ids), ranked
    words = [w for w in re.split(r"\W+", q) if w]
    condition = Q()
    for word in words:
        condition &= (
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(eligibility__icontains=word)
            | Q(organization__name__icontains=word)
        )
    ids = set(Service.objects.filter(condition | by_category).values_list("pk", flat=True))
    return queryset.filter(pk__in=ids), {}


def _found(service: Service, near: geo.Point | None, now: datetime, rank: float) -> Found:
    locations = list(service.locations.all())
    if near is not None:
        placed = [
            (geo.distance_km(near, p), loc) for loc in locations if (p := geo.point_of(loc.latitude, loc.longitude))
        ]
        placed.sort(key=lambda pair: pair[0])
        if placed:
            locations = [placed[0][1]] + [loc for loc in locations if loc is not placed[0][1]]
    location = locations[0] if locations else None
    result = Found(service=service, location=location, rank=rank)
    if location is None:
        return result
    point = geo.point_of(location.latitude, location.longitude)
    if near is not None and point is not None:
        result.distance_km = geo.distance_km(near, point)
    interval = hours.open_interval(location, now)
    if interval is not None:
        result.open_until = interval.end
        result.all_day = hours.is_all_day(interval)
    else:
        result.opens_next = hours.next_opening(location, now)
    result.today = hours.intervals_starting(location, now.astimezone(hours.OSLO).date())
    return result


def _sort_key(found: Found, near: geo.Point | None, q: str) -> tuple:
    if near is not None:
        return (found.distance_km is None, found.distance_km or 0.0, found.service.name)
    if q:
        return (-found.rank, found.service.name)
    return (found.service.name,)


def services_find(
    *,
    q: str = "",
    category: str = "",
    open_now: bool = False,
    near: geo.Point | None = None,
    now: datetime | None = None,
) -> list[Found]:
    """Active services matching ``q`` and ``category``, open now if asked, nearest first when
    ``near`` is given (else best match, else by name)."""
    now = now or timezone.now()
    queryset = Service.objects.filter(is_active=True)
    if category:
        queryset = queryset.filter(categories__code=category)
    ranks: dict[int, float] = {}
    q = q.strip()[:200]
    if q:
        queryset, ranks = _text_filter(queryset, q)
    found = [_found(s, near, now, ranks.get(s.pk, 0.0)) for s in _with_hours(queryset.distinct(), now)]
    if open_now:
        found = [f for f in found if f.is_open]
    found.sort(key=lambda f: _sort_key(f, near, q))
    return found


def open_or_next(found: list[Found]) -> list[Found]:
    """Open now first (nearest first), then those opening soonest; closed for a week last."""
    far = datetime.max.replace(tzinfo=hours.OSLO)
    return sorted(
        found,
        key=lambda f: (not f.is_open, f.opens_next or far if not f.is_open else far, f.distance_km or 0.0),
    )


def service_get(*, service_id: int, now: datetime | None = None, near: geo.Point | None = None) -> Found | None:
    now = now or timezone.now()
    service = _with_hours(Service.objects.filter(pk=service_id, is_active=True), now).first()
    return _found(service, near, now, 0.0) if service is not None else None


def service_locations(*, service: Service) -> list[Location]:
    return list(service.locations.all())


def rights_pages() -> QuerySet[RightsPage]:
    return RightsPage.objects.all()


def rights_page_get(*, slug: str) -> RightsPage | None:
    return (
        RightsPage.objects.filter(slug=slug)
        .prefetch_related(Prefetch("services", queryset=Service.objects.filter(is_active=True)))
        .first()
    )


def services_to_verify(*, today: date | None = None) -> QuerySet[Service]:
    """Entries not verified for ``SERVICES_VERIFY_DAYS``: flagged to coordinators."""
    today = today or timezone.localdate()
    return Service.objects.filter(last_verified__lt=today - timedelta(days=settings.SERVICES_VERIFY_DAYS)).order_by(
        "last_verified"
    )


def directory_for_curation() -> QuerySet[Service]:
    return Service.objects.select_related("organization").order_by("name")


def saved_services_of(*, user: User, now: datetime | None = None) -> list[tuple[SavedService, Found]]:
    """A person's saved services, each with its opening hours today."""
    now = now or timezone.now()
    saved = list(SavedService.objects.filter(user=user, service__is_active=True).select_related("suggested_by"))
    found = {
        f.service.pk: f
        for f in (
            _found(s, None, now, 0.0)
            for s in _with_hours(Service.objects.filter(pk__in=[s.service_id for s in saved]), now)
        )
    }
    return [(row, found[row.service_id]) for row in saved if row.service_id in found]
