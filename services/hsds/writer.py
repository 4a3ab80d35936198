"""The directory as HSDS rows, and the rows as a folder or a zip."""

import csv
import io
import json
import zipfile
from pathlib import Path

from services.hsds.tables import BYDAY, OPEN_ON_HOLIDAYS, TABLES, derived_id, taxonomy_rows, term_id, term_rows
from services.models import HoursException, Location, Organization, Service, ServiceAtLocation, WeeklyHours

Rows = dict[str, list[dict[str, str]]]


def _hm(value: object) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def _service_rows(rows: Rows) -> None:
    for s in Service.objects.select_related("organization").prefetch_related("categories").order_by("hsds_id"):
        sid = str(s.hsds_id)
        rows["service"].append(
            {
                "id": sid,
                "organization_id": str(s.organization.hsds_id),
                "name": s.name,
                "description": s.description,
                "url": s.url,
                "email": s.email,
                "status": "active" if s.is_active else "inactive",
                "eligibility_description": s.eligibility,
                "application_process": s.next_steps,
                "assured_date": s.last_verified.isoformat(),
            }
        )
        if s.phone:
            rows["phone"].append(
                {"id": derived_id("phone", sid), "service_id": sid, "number": s.phone, "type": "voice"}
            )
        for code in s.language_list:
            rows["language"].append(
                {"id": derived_id("language", sid, code), "service_id": sid, "code": code, "name": ""}
            )
        rows["cost_option"].append(
            {
                "id": derived_id("cost", sid),
                "service_id": sid,
                "option": s.cost,
                "amount": "0" if s.cost == "free" else "",
                "currency": "NOK",
            }
        )
        for c in sorted(s.categories.all(), key=lambda c: c.code):
            rows["attribute"].append(
                {
                    "id": derived_id("attribute", sid, c.code),
                    "link_id": sid,
                    "link_type": "category",
                    "link_entity": "service",
                    "taxonomy_term_id": term_id(c.code),
                    "value": "",
                    "label": c.name_en,
                }
            )


def _location_rows(rows: Rows) -> None:
    for loc in Location.objects.select_related("organization").order_by("hsds_id"):
        lid = str(loc.hsds_id)
        rows["location"].append(
            {
                "id": lid,
                "location_type": "physical",
                "organization_id": str(loc.organization.hsds_id),
                "name": loc.name,
                "latitude": "" if loc.latitude is None else str(loc.latitude),
                "longitude": "" if loc.longitude is None else str(loc.longitude),
            }
        )
        rows["address"].append(
            {
                "id": derived_id("address", lid),
                "location_id": lid,
                "address_1": loc.address,
                "city": loc.city,
                "state_province": "",
                "postal_code": loc.postal_code,
                "country": "NO",
                "address_type": "physical",
            }
        )
        if loc.open_on_holidays:
            rows["attribute"].append(
                {
                    "id": derived_id("attribute", lid, OPEN_ON_HOLIDAYS),
                    "link_id": lid,
                    "link_type": "flag",
                    "link_entity": "location",
                    "taxonomy_term_id": term_id(OPEN_ON_HOLIDAYS),
                    "value": "true",
                    "label": "Open on public holidays",
                }
            )


def _schedule_rows(rows: Rows) -> None:
    for h in WeeklyHours.objects.select_related("location").order_by("location__hsds_id", "weekday", "opens"):
        rows["schedule"].append(
            {
                "id": str(h.hsds_id),
                "location_id": str(h.location.hsds_id),
                "freq": "WEEKLY",
                "byday": BYDAY[h.weekday],
                "opens_at": _hm(h.opens),
                "closes_at": _hm(h.closes),
                "valid_from": "",
                "valid_to": "",
                "description": "",
            }
        )
    for e in HoursException.objects.select_related("location").order_by("location__hsds_id", "day"):
        rows["schedule"].append(
            {
                "id": str(e.hsds_id),
                "location_id": str(e.location.hsds_id),
                "freq": "",
                "byday": "",
                "opens_at": _hm(e.opens),
                "closes_at": _hm(e.closes),
                "valid_from": e.day.isoformat(),
                "valid_to": e.day.isoformat(),
                "description": e.note,
            }
        )


def directory_rows() -> Rows:
    """Every table of the package, rows in a stable order."""
    rows: Rows = {name: [] for name in TABLES}
    rows["organization"] = [
        {"id": str(o.hsds_id), "name": o.name, "description": o.description, "email": o.email, "website": o.website}
        for o in Organization.objects.order_by("hsds_id")
    ]
    _service_rows(rows)
    _location_rows(rows)
    rows["service_at_location"] = [
        {"id": str(sal.hsds_id), "service_id": str(sal.service.hsds_id), "location_id": str(sal.location.hsds_id)}
        for sal in ServiceAtLocation.objects.select_related("service", "location").order_by("hsds_id")
    ]
    _schedule_rows(rows)
    rows["taxonomy"] = taxonomy_rows()
    rows["taxonomy_term"] = term_rows()
    return rows


def datapackage() -> dict:
    return {
        "name": "triangel-services",
        "profile": "tabular-data-package",
        "description": "Human Services Data Specification (HSDS) 3.0; times without an offset are Europe/Oslo",
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "schema": {"fields": [{"name": column, "type": "string"} for column in columns]},
            }
            for name, columns in TABLES.items()
        ],
    }


def _csv(name: str, rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TABLES[name], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def files() -> dict[str, str]:
    """File name → text, the whole package."""
    rows = directory_rows()
    found = {f"{name}.csv": _csv(name, rows[name]) for name in TABLES}
    found["datapackage.json"] = json.dumps(datapackage(), indent=2, ensure_ascii=False) + "\n"
    return found


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files().items():
            archive.writestr(name, text)
    return buffer.getvalue()


def write(path: Path) -> None:
    """A zip when ``path`` ends in .zip, else a folder of files."""
    if path.suffix == ".zip":
        path.write_bytes(zip_bytes())
        return
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files().items():
        (path / name).write_text(text, encoding="utf-8")
