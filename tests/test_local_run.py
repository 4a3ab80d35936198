"""`make run` on a newcomer's machine: a taken port stops it before anything starts, and the
links Triangel hands out follow the port it listens on."""

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from run_all import local_env  # noqa: E402


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_the_port_check_refuses_a_taken_port_naming_it_and_how_to_choose_another(taken_port):
    result = subprocess.run(
        [sys.executable, "scripts/check_port.py", "127.0.0.1", str(taken_port)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert f"Port {taken_port} on 127.0.0.1 is already in use" in result.stderr
    assert "make run PORT=" in result.stderr


def test_the_port_check_passes_a_free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "scripts/check_port.py", "127.0.0.1", str(free)], cwd=ROOT, capture_output=True, check=False
    )
    assert result.returncode == 0


def test_the_port_check_refuses_a_port_that_is_not_a_number():
    result = subprocess.run(
        [sys.executable, "scripts/check_port.py", "127.0.0.1", "eighty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "PORT must be a number" in result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_stops_before_migrating_when_the_port_is_taken(taken_port):
    # The check is the recipe's first line: nothing is installed, migrated or started.
    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"PORT={taken_port}", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"Port {taken_port}" in result.stderr
    assert f"make run PORT={taken_port + 1}" in result.stderr
    assert "migrate" not in result.stdout
    assert "running at" not in result.stdout


def test_run_all_stops_before_starting_anything_when_the_port_is_taken(taken_port):
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(taken_port)}
    result = subprocess.run(
        [sys.executable, "scripts/run_all.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert f"Port {taken_port}" in result.stderr
    assert "running at" not in result.stdout


def test_a_local_run_hands_out_links_on_its_own_port():
    env = local_env({}, "127.0.0.1", "8123")
    assert env["TRIANGEL_SITE_URL"] == "http://127.0.0.1:8123"
    # Listening on every address, the links point at this machine's loopback address.
    assert local_env({}, "0.0.0.0", "9000")["TRIANGEL_SITE_URL"] == "http://127.0.0.1:9000"
    # A site URL set on purpose is kept.
    assert local_env({"TRIANGEL_SITE_URL": "https://x.example"}, "127.0.0.1", "8123")["TRIANGEL_SITE_URL"] == (
        "https://x.example"
    )


def test_the_calendar_feed_url_follows_the_port_of_a_local_run():
    # Settings read in a fresh process, as `make run PORT=8123` starts the server.
    env = {k: v for k, v in os.environ.items() if k != "TRIANGEL_SITE_URL"}
    code = "import django; django.setup();from booking.apis import feed_url; print(feed_url('s3cret'))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "PORT": "8123", "DJANGO_SETTINGS_MODULE": "config.settings_test"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().startswith("http://127.0.0.1:8123/")
