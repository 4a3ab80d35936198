"""The CI guard against a slower request path (bench/guard.py; how to update its baseline:
bench/README.md). Not a timed assertion of its own: CPU time per request of the hot paths,
scaled by a calibration measured in the same run, against the committed baseline."""

import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import guard  # bench/ is not a package: on the path above


@pytest.fixture
def guard_data(db: None) -> dict[str, Any]:
    return guard.make_data()


def test_hot_paths_cost_no_more_than_the_baseline_allows(guard_data: dict[str, Any]) -> None:
    baseline = guard.load_baseline(connection.vendor)
    assert baseline is not None, f"no guard baseline for {connection.vendor}: make bench-baseline"
    result, failures = guard.check(guard_data, baseline)
    assert not failures, "\n".join(
        ["slower than bench/guard_baseline.json allows:", *failures, *guard.report(result, baseline)]
    )


def test_guard_fails_on_a_deliberate_slowdown_and_passes_without_it(
    guard_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Half the batches of the real check: this test only has to tell a doubling from noise.
    batches = guard.BATCHES // 2
    baseline = guard.measure(guard_data, batches=batches)

    _result, failures = guard.check(guard_data, baseline, batches=batches)
    assert failures == []

    # A middleware burning as much CPU as the dearest request costs: every path at least
    # doubles, the cheapest many times over.
    burn_ms = max(row["cpu_ms"] for row in baseline["paths"].values())
    monkeypatch.setenv(guard.SLOWDOWN_ENV, f"{burn_ms:.3f}")
    slowed, failures = guard.check(guard_data, baseline, attempts=1, batches=batches)
    assert slowed["slowdown_ms"] == pytest.approx(burn_ms, abs=0.01)
    assert sorted(line.split(":", 1)[0] for line in failures) == sorted(guard.ITERATIONS)
