"""Writing a checked package (``reader.Directory``) in one transaction.

Rows are matched by their HSDS id, and a row is saved only when a value differs, so importing
the same package twice changes nothing. Rows missing from the package are left alone."""

from dataclasses import dataclass
from pathlib import Path

from django.db import models, transaction

from services.hsds import reader
from services.models import Category, HoursException, Location, Organization, Service, ServiceAtLocation, WeeklyHours


@dataclass
class Outcome:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


def _put(model: type[models.Model], hsds_id: str, values: dict, outcome: Outcome) -> models.Model:
    row = model.objects.filter(hsds_id=hsds_id).first()
    if row is None:
        row = model.objects.create(hsds_id=hsds_id, **values)
        outcome.created += 1
        return row
    different = {k: v for k, v in values.items() if getattr(row, k) != v}
    if different:
        for name, value in different.items():
            setattr(row, name, value)
        row.save()
        outcome.changed += 1
    else:
        outcome.unchanged += 1
    return row


def _services(d: reader.Directory, orgs: dict[str, Organization], outcome: Outcome) -> dict[str, Service]:
    categories = {c.code: c for c in Category.objects.all()}
    found = {}
    for sid, values in d.services.items():
        values = dict(values)
        codes = values.pop("categories")
        values["organization"] = orgs[values["organization"]]
        values["languages"] = ",".join(values["languages"])
        service = _put(Service, sid, values, outcome)
        if {c.code for c in service.categories.all()} != set(codes):
            service.categories.set([categories[code] for code in codes])
            outcome.changed += 1
        found[sid] = service
    return found


def _hours(d: reader.Directory, places: dict[str, Location], outcome: Outcome) -> None:
    for hid, values in d.weekly.items():
        _put(WeeklyHours, hid, {**values, "location": places[values["location"]]}, outcome)
    for hid, values in d.exceptions.items():
        _put(HoursException, hid, {**values, "location": places[values["location"]]}, outcome)


@transaction.atomic
def apply(d: reader.Directory) -> Outcome:
    outcome = Outcome()
    orgs = {oid: _put(Organization, oid, values, outcome) for oid, values in d.organizations.items()}
    services = _services(d, orgs, outcome)
    places = {
        lid: _put(Location, lid, {**values, "organization": orgs[values["organization"]]}, outcome)
        for lid, values in d.locations.items()
    }
    for link, (sid, lid) in d.links.items():
        _put(ServiceAtLocation, link, {"service": services[sid], "location": places[lid]}, outcome)
    _hours(d, places, outcome)
    return outcome


def import_package(path: Path) -> Outcome:
    """Read, check and write the package at ``path``; ``reader.Refused`` changes nothing."""
    return apply(reader.check(reader.read(path)))
