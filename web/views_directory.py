"""The public service directory: the list (the primary view, no JavaScript needed), the map,
one service's card, and the pages about rights. No sign-in: families use it too.

A position the browser gives is only ever a query parameter of the request; nothing stores it.
"""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from services import geo, selectors
from web.forms import WEEKDAYS

# A page shows at most this many services; the rest are a search away.
PAGE_SIZE = 50


def _filters(request: HttpRequest) -> dict[str, Any]:
    params = request.GET
    places = geo.places()
    near_raw = (params.get("near") or "").strip()[:60]
    point = geo.near_parse(near_raw)
    place = next((p for p in places if p.key == near_raw), None)
    if point is None and places:
        # Distances from the first named place (the centre) until the person picks another.
        place, point, near_raw = places[0], places[0].point, places[0].key
    return {
        "q": (params.get("q") or "").strip()[:200],
        "category": (params.get("category") or "").strip()[:40],
        "open_now": params.get("open_now") in {"1", "true", "on"},
        "near": near_raw,
        "point": point,
        "place": place,
        "places": places,
        "own_position": point is not None and place is None,
    }


def _link(filters: dict[str, Any], **change: Any) -> str:
    values = {k: filters[k] for k in ("q", "category", "open_now", "near")} | change
    query = {k: ("1" if v is True else v) for k, v in values.items() if v not in ("", False, None)}
    return "?" + urlencode(query)


def _chips(filters: dict[str, Any]) -> list[dict[str, Any]]:
    chips = [{"label": _("All"), "url": _link(filters, category=""), "current": not filters["category"]}]
    for c in selectors.categories():
        chips.append(
            {"label": c.name, "url": _link(filters, category=c.code), "current": filters["category"] == c.code}
        )
    return chips


def _context(request: HttpRequest) -> dict[str, Any]:
    filters = _filters(request)
    found = selectors.services_find(
        q=filters["q"], category=filters["category"], open_now=filters["open_now"], near=filters["point"]
    )
    return {
        **filters,
        "found": found[:PAGE_SIZE],
        "count": len(found),
        "chips": _chips(filters),
        "open_now_url": _link(filters, open_now=not filters["open_now"]),
        "map_query": _link(filters),
    }


def services_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/directory/list.html", _context(request))


def services_map(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    context["markers"] = [
        {
            "name": f.service.name,
            "lat": float(f.location.latitude),
            "lon": float(f.location.longitude),
            "url": f"/services/{f.service.pk}/",
            "open": f.is_open,
        }
        for f in context["found"]
        if f.location is not None and f.location.latitude is not None
    ]
    context["tile_url"] = settings.SERVICES_TILE_URL
    context["tile_attribution"] = settings.SERVICES_TILE_ATTRIBUTION
    return render(request, "web/directory/map.html", context)


def _week(location: Any) -> list[dict[str, Any]]:
    names = dict(WEEKDAYS)
    rows = sorted(location.weekly_hours.all(), key=lambda h: (h.weekday, h.opens)) if location else []
    return [{"day": names[d], "hours": [h for h in rows if h.weekday == d]} for d in range(7)]


def service_card(request: HttpRequest, service_id: int) -> HttpResponse:
    near = geo.near_parse((request.GET.get("near") or "")[:60])
    found = selectors.service_get(service_id=service_id, near=near)
    if found is None:
        raise Http404
    location = found.location
    directions = ""
    if location is not None and location.latitude is not None:
        directions = (
            "https://www.openstreetmap.org/directions?"
            + urlencode({"route": f";{location.latitude},{location.longitude}"})
            + f"#map=16/{location.latitude}/{location.longitude}"
        )
    return render(
        request,
        "web/directory/card.html",
        {
            "f": found,
            "service": found.service,
            "location": location,
            "week": _week(location),
            "directions": directions,
            "rights": list(found.service.rights_pages.all()),
            "now": timezone.now(),
            "may_save": request.user.is_authenticated and request.user.is_service_user,
            "phone_link": "".join(ch for ch in found.service.phone if ch.isdigit() or ch == "+"),
        },
    )


def rights_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/directory/rights.html", {"pages": selectors.rights_pages()})


def rights_page(request: HttpRequest, slug: str) -> HttpResponse:
    page = selectors.rights_page_get(slug=slug[:60])
    if page is None:
        raise Http404
    paragraphs = [p.strip() for p in page.body.split("\n\n") if p.strip()]
    return render(request, "web/directory/rights_page.html", {"page": page, "paragraphs": paragraphs})
