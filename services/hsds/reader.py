"""Reading and checking an HSDS package: every invalid row is reported with its reason.

``read`` gives the rows of each table; ``check`` turns them into a ``Directory`` (plain values,
by HSDS id) or raises ``Refused`` with every problem found, so nothing is written unless all
rows are valid."""

import csv
import io
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from services.hsds.tables import BYDAY, OPEN_ON_HOLIDAYS, TABLES
from services.models import Service
from services.needs import NEEDS

Row = tuple[int, dict[str, str]]
REQUIRED = {"organization", "service", "location", "service_at_location"}
COSTS = set(Service.Cost.values)


class Refused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class Directory:
    organizations: dict[str, dict] = field(default_factory=dict)
    services: dict[str, dict] = field(default_factory=dict)
    locations: dict[str, dict] = field(default_factory=dict)
    links: dict[str, tuple[str, str]] = field(default_factory=dict)
    weekly: dict[str, dict] = field(default_factory=dict)
    exceptions: dict[str, dict] = field(default_factory=dict)


def read(path: Path) -> dict[str, list[Row]]:
    """The rows of each known table in a folder or zip (line numbers as in the file)."""
    texts: dict[str, str] = {}
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                stem = Path(name).name.removesuffix(".csv")
                if name.endswith(".csv") and stem in TABLES:
                    texts[stem] = archive.read(name).decode("utf-8-sig")
    elif path.is_dir():
        for name in TABLES:
            if (path / f"{name}.csv").exists():
                texts[name] = (path / f"{name}.csv").read_text(encoding="utf-8-sig")
    else:
        raise Refused([f"{path}: not a folder or a zip file"])
    missing = sorted(REQUIRED - set(texts))
    if missing:
        raise Refused([f"{name}.csv: missing" for name in missing])
    return {
        name: [(n + 2, row) for n, row in enumerate(csv.DictReader(io.StringIO(text)))] for name, text in texts.items()
    }


class _Check:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, table: str, line: int, reason: str) -> None:
        self.problems.append(f"{table}.csv line {line}: {reason}")

    def uuid(self, table: str, line: int, value: str, column: str = "id") -> str | None:
        try:
            return str(uuid.UUID(value))
        except (ValueError, TypeError, AttributeError):
            self.bad(table, line, f"{column} {value!r} is not a UUID")
            return None

    def text(self, table: str, line: int, row: dict, column: str, required: bool = False, most: int = 200) -> str:
        value = (row.get(column) or "").strip()
        if required and not value:
            self.bad(table, line, f"{column} is empty")
        if len(value) > most:
            self.bad(table, line, f"{column} is longer than {most} characters")
        return value

    def time(self, table: str, line: int, value: str, column: str) -> time | None:
        # Times without an offset are Oslo wall-clock times; one with an offset is refused
        # rather than guessed at.
        try:
            found = time.fromisoformat(value)
        except (ValueError, TypeError):
            self.bad(table, line, f"{column} {value!r} is not a time like 08:00")
            return None
        if found.tzinfo is not None:
            self.bad(table, line, f"{column} {value!r} has an offset: write Oslo local time without one")
            return None
        return found

    def coordinate(self, table: str, line: int, value: str, column: str, limit: int) -> Decimal | None:
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.bad(table, line, f"{column} {value!r} is not a number")
            return None
        if not number.is_finite() or abs(number) > limit:
            self.bad(table, line, f"{column} {value!r} is out of range")
            return None
        return number.quantize(Decimal("0.000001"))


def _organizations(c: _Check, rows: list[Row], d: Directory) -> None:
    for line, row in rows:
        oid = c.uuid("organization", line, row.get("id", ""))
        name = c.text("organization", line, row, "name", required=True)
        if oid:
            d.organizations[oid] = {
                "name": name,
                "description": c.text("organization", line, row, "description", most=5000),
                "email": c.text("organization", line, row, "email", most=254),
                "website": c.text("organization", line, row, "website", most=200),
            }


def _services(c: _Check, rows: list[Row], d: Directory) -> None:
    for line, row in rows:
        sid = c.uuid("service", line, row.get("id", ""))
        org = row.get("organization_id", "")
        if org not in d.organizations:
            c.bad("service", line, f"organization_id {org!r} names no organisation in organization.csv")
        try:
            verified = date.fromisoformat(row.get("assured_date") or "")
        except ValueError:
            c.bad("service", line, f"assured_date {row.get('assured_date')!r} is not a date like 2026-05-01")
            verified = None
        status = row.get("status") or "active"
        if status not in {"active", "inactive", "defunct", "temporarily closed"}:
            c.bad("service", line, f"status {status!r} is not one of active, inactive, defunct, temporarily closed")
        values = {
            "organization": org,
            "name": c.text("service", line, row, "name", required=True),
            "description": c.text("service", line, row, "description", required=True, most=5000),
            "eligibility": c.text("service", line, row, "eligibility_description", most=5000),
            "next_steps": c.text("service", line, row, "application_process", most=5000),
            "url": c.text("service", line, row, "url"),
            "email": c.text("service", line, row, "email", most=254),
            "is_active": status == "active",
            "last_verified": verified,
            "phone": "",
            "languages": [],
            "cost": "free",
            "categories": [],
        }
        if sid:
            d.services[sid] = values


def _locations(c: _Check, tables: dict[str, list[Row]], d: Directory) -> None:
    for line, row in tables["location"]:
        lid = c.uuid("location", line, row.get("id", ""))
        org = row.get("organization_id", "")
        if org not in d.organizations:
            c.bad("location", line, f"organization_id {org!r} names no organisation in organization.csv")
        lat = c.coordinate("location", line, row.get("latitude", ""), "latitude", 90)
        lon = c.coordinate("location", line, row.get("longitude", ""), "longitude", 180)
        if bool(row.get("latitude")) != bool(row.get("longitude")):
            c.bad("location", line, "give both latitude and longitude, or neither")
        if lid:
            d.locations[lid] = {
                "organization": org,
                "name": c.text("location", line, row, "name", required=True),
                "latitude": lat,
                "longitude": lon,
                "address": "",
                "postal_code": "",
                "city": "",
                "open_on_holidays": False,
            }
    for line, row in tables.get("address", []):
        place = d.locations.get(row.get("location_id", ""))
        if place is None:
            c.bad("address", line, f"location_id {row.get('location_id')!r} names no location in location.csv")
            continue
        place["address"] = c.text("address", line, row, "address_1")
        place["postal_code"] = c.text("address", line, row, "postal_code", most=10)
        place["city"] = c.text("address", line, row, "city", most=100)


def _service_parts(c: _Check, tables: dict[str, list[Row]], d: Directory) -> None:
    for line, row in tables.get("phone", []):
        if (service := d.services.get(row.get("service_id", ""))) is None:
            c.bad("phone", line, f"service_id {row.get('service_id')!r} names no service in service.csv")
        else:
            service["phone"] = c.text("phone", line, row, "number", required=True, most=30)
    for line, row in tables.get("language", []):
        if (service := d.services.get(row.get("service_id", ""))) is None:
            c.bad("language", line, f"service_id {row.get('service_id')!r} names no service in service.csv")
        else:
            service["languages"].append(c.text("language", line, row, "code", required=True, most=10))
    for line, row in tables.get("cost_option", []):
        if (service := d.services.get(row.get("service_id", ""))) is None:
            c.bad("cost_option", line, f"service_id {row.get('service_id')!r} names no service in service.csv")
        elif (row.get("option") or "") not in COSTS:
            c.bad("cost_option", line, f"option {row.get('option')!r} is not one of {', '.join(sorted(COSTS))}")
        else:
            service["cost"] = row["option"]
    for line, row in tables["service_at_location"]:
        sid, lid = row.get("service_id", ""), row.get("location_id", "")
        if sid not in d.services or lid not in d.locations:
            c.bad("service_at_location", line, "service_id or location_id names nothing in service.csv / location.csv")
        elif link := c.uuid("service_at_location", line, row.get("id", "")):
            d.links[link] = (sid, lid)


def _attributes(c: _Check, tables: dict[str, list[Row]], d: Directory) -> None:
    terms = {row.get("id", ""): row.get("code", "") for _line, row in tables.get("taxonomy_term", [])}
    needs = {code for code, _nb, _en in NEEDS}
    for line, row in tables.get("attribute", []):
        code = terms.get(row.get("taxonomy_term_id", ""))
        entity, link = row.get("link_entity", ""), row.get("link_id", "")
        if code is None:
            c.bad(
                "attribute",
                line,
                f"taxonomy_term_id {row.get('taxonomy_term_id')!r} names no term in taxonomy_term.csv",
            )
        elif entity == "service" and link in d.services and code in needs:
            d.services[link]["categories"].append(code)
        elif entity == "location" and link in d.locations and code == OPEN_ON_HOLIDAYS:
            d.locations[link]["open_on_holidays"] = (row.get("value") or "true").lower() == "true"
        else:
            c.bad("attribute", line, f"term {code!r} does not apply to {entity or 'nothing'} {link!r}")


def _schedules(c: _Check, rows: list[Row], d: Directory) -> None:
    for line, row in rows:
        before = len(c.problems)
        sid = c.uuid("schedule", line, row.get("id", ""))
        lid = row.get("location_id", "")
        if lid not in d.locations:
            c.bad("schedule", line, f"location_id {lid!r} names no location in location.csv")
        opens_raw, closes_raw = row.get("opens_at") or "", row.get("closes_at") or ""
        opens = c.time("schedule", line, opens_raw, "opens_at") if opens_raw else None
        closes = c.time("schedule", line, closes_raw, "closes_at") if closes_raw else None
        if len(c.problems) > before:
            continue  # one reason per row is enough to act on
        if row.get("freq") == "WEEKLY":
            days = [day for day in (row.get("byday") or "").split(",") if day]
            if not days or any(day not in BYDAY for day in days) or len(days) > 1:
                c.bad("schedule", line, f"byday {row.get('byday')!r} must be one of {','.join(BYDAY)}")
            elif opens is None or closes is None or opens == closes:
                c.bad("schedule", line, "a weekly row needs opens_at and closes_at, and they must differ")
            elif sid:
                d.weekly[sid] = {"location": lid, "weekday": BYDAY.index(days[0]), "opens": opens, "closes": closes}
            continue
        try:
            day = date.fromisoformat(row.get("valid_from") or "")
        except ValueError:
            c.bad("schedule", line, "a row that is not WEEKLY is one date: valid_from like 2026-12-24")
            continue
        if (opens is None) != (closes is None):
            c.bad("schedule", line, "give both opens_at and closes_at, or neither (closed that day)")
        elif sid:
            d.exceptions[sid] = {
                "location": lid,
                "day": day,
                "opens": opens,
                "closes": closes,
                "note": c.text("schedule", line, row, "description"),
            }


def check(tables: dict[str, list[Row]]) -> Directory:
    """The package as plain values; ``Refused`` listing every invalid row."""
    c = _Check()
    d = Directory()
    _organizations(c, tables["organization"], d)
    _services(c, tables["service"], d)
    _locations(c, tables, d)
    _service_parts(c, tables, d)
    _attributes(c, tables, d)
    _schedules(c, tables.get("schedule", []), d)
    if c.problems:
        raise Refused(c.problems)
    return d
