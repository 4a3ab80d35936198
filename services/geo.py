"""Distances, and the places a person may measure them from."""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

EARTH_KM = 6371.0


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    point: Point


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance (haversine): close enough for a walk across town."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def point_parse(value: str) -> Point | None:
    """``"59.91,10.75"`` as a point; None for anything else (out of range included)."""
    parts = value.replace(" ", "").split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Point(lat, lon)


def point_of(lat: Decimal | float | None, lon: Decimal | float | None) -> Point | None:
    if lat is None or lon is None:
        return None
    return Point(float(lat), float(lon))


def places() -> list[Place]:
    """The named places of ``SERVICES_PLACES`` ("key|name|lat,lon;…"), malformed ones left out."""
    found = []
    for item in settings.SERVICES_PLACES.split(";"):
        bits = item.strip().split("|")
        if len(bits) == 3 and (point := point_parse(bits[2])) is not None:
            found.append(Place(bits[0].strip(), bits[1].strip(), point))
    return found


def municipality_centre() -> Point:
    return point_parse(settings.SERVICES_MUNICIPALITY_CENTRE) or Point(59.9127, 10.7461)


def near_parse(value: str) -> Point | None:
    """A named place's key, or "lat,lon"."""
    value = (value or "").strip()
    if not value:
        return None
    for place in places():
        if place.key == value:
            return place.point
    return point_parse(value)
