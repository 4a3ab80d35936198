"""The directory in and out as HSDS 3.0: a round trip gives the same directory, a second import
changes nothing, and a package with invalid rows is refused whole, every row with its reason."""

import csv
import zipfile
from datetime import time

import pytest
from django.core.management import CommandError, call_command

from services.hsds import writer
from services.models import HoursException, Location, Organization, Service
from tests.services.support import EVERY_DAY, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory():
    make_service("Suppekjøkkenet", categories=("food", "harm-reduction"))
    make_service(
        "Natthjemmet",
        categories=("housing",),
        hours=tuple((d, time(0), time(23, 59)) for d in EVERY_DAY),
        open_on_holidays=True,
    )
    shelter = make_service("Uten kart", lat=None, lon=None, hours=((4, time(20), time(8)),))
    HoursException.objects.create(location=Location.objects.get(services=shelter), day="2026-12-24", note="Stengt")


def empty_the_directory():
    Service.objects.all().delete()
    Location.objects.all().delete()
    Organization.objects.all().delete()


def test_export_then_import_into_an_empty_directory_gives_the_same_directory(directory, tmp_path):
    call_command("services_export", str(tmp_path / "out.zip"))
    before = writer.files()
    empty_the_directory()

    call_command("services_import", str(tmp_path / "out.zip"))

    assert writer.files() == before
    assert Service.objects.get(name="Natthjemmet").locations.get().open_on_holidays


def test_importing_the_same_package_twice_changes_nothing(directory, tmp_path, capsys):
    call_command("services_export", str(tmp_path / "folder"))
    call_command("services_import", str(tmp_path / "folder"))
    assert "0 new, 0 changed" in capsys.readouterr().out


def test_the_zip_holds_a_tabular_data_package_with_the_needs_taxonomy(directory, tmp_path):
    call_command("services_export", str(tmp_path / "out.zip"))
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        assert {"datapackage.json", "service.csv", "schedule.csv", "taxonomy_term.csv"} <= set(archive.namelist())
        terms = archive.read("taxonomy_term.csv").decode()
    assert "triangel-needs" in terms
    assert "harm-reduction" in terms


def _rewrite(path, name, change):
    with open(path / name, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    change(rows)
    with open(path / name, "w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)


def test_a_package_with_invalid_rows_is_refused_whole_with_every_reason(directory, tmp_path, capsys):
    call_command("services_export", str(tmp_path / "p"))
    empty_the_directory()
    _rewrite(tmp_path / "p", "service.csv", lambda rows: rows[0].update(assured_date="last week"))
    placed = []

    def no_place(rows):
        placed.append(next(i for i, row in enumerate(rows) if row["latitude"]))
        rows[placed[0]].update(latitude="north")

    _rewrite(tmp_path / "p", "location.csv", no_place)
    _rewrite(tmp_path / "p", "schedule.csv", lambda rows: rows[0].update(byday="XX"))
    _rewrite(tmp_path / "p", "schedule.csv", lambda rows: rows[1].update(opens_at="08:00+02:00"))

    with pytest.raises(CommandError, match="4 problem"):
        call_command("services_import", str(tmp_path / "p"))

    err = capsys.readouterr().err
    assert "service.csv line 2: assured_date 'last week' is not a date" in err
    assert f"location.csv line {placed[0] + 2}: latitude 'north' is not a number" in err
    assert "schedule.csv line 2: byday 'XX'" in err
    assert "schedule.csv line 3: opens_at '08:00+02:00' has an offset" in err
    assert Service.objects.count() == 0
    assert Organization.objects.count() == 0


def test_a_path_that_is_no_package_is_refused(tmp_path, db):
    with pytest.raises(CommandError):
        call_command("services_import", str(tmp_path / "nothing-here"))
