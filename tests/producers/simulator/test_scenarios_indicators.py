"""The indicator engine (streams.replay) over simulated runs: normal values for `normal`, crisis for 2021.

Runs end at 12:00 Pacific on a weekday (gates busy, so the 60-minute windows are full) after enough
simulated days for dwell-based indicators to settle (yards start empty: docs/simulator.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from baystream.producers.simulator import simulate
from baystream.schemas.complex import COMPLEX_ID
from baystream.streams.replay import Snapshot, replay
from tests.producers.simulator.conftest import NormalRun

NEVER = 10**9
"""check_every_minutes: levels are only needed at the end (the per-minute checks are the worker's)."""


def _indicators(snapshot: Snapshot, scope: str) -> dict[str, float | None]:
    return {v.indicator: v.value for v in snapshot.indicators if v.scope == scope}


def _levels(snapshot: Snapshot) -> dict[str, str | None]:
    return {v.scope: v.level for v in snapshot.indicators if v.indicator == "congestion_index"}


@pytest.fixture(scope="module")
def normal(normal_run: NormalRun) -> Snapshot:
    assert normal_run.snapshot is not None
    return normal_run.snapshot


@pytest.fixture(scope="module")
def congested() -> Iterator[Snapshot]:
    yield replay(simulate("congested-2021", 12 * 24 + 20, seed=11), check_every_minutes=NEVER)


def test_normal_complex_indicators_are_in_the_normal_ranges(normal: Snapshot) -> None:
    spb = _indicators(normal, COMPLEX_ID)
    assert spb["vessels_waiting"] is not None and spb["vessels_waiting"] <= 6  # 0-few
    assert spb["anchor_wait_hours"] is not None and spb["anchor_wait_hours"] < 24  # < 1 day
    assert 0.4 <= (spb["berth_utilization"] or 0) <= 0.7  # 50-65%, a snapshot of ships alongside
    assert 40 <= (spb["truck_turn_minutes"] or 0) <= 70
    assert 2.0 <= (spb["import_dwell_days"] or 0) <= 3.5  # truck 2.5-3.5, rail 2-6, near-dock drays sooner
    assert 2.0 <= (spb["rail_dwell_days"] or 0) <= 6.0
    assert (spb["long_dwell_share"] or 0) <= 0.10
    assert (spb["chassis_street_dwell_days"] or 99) <= 4.0
    assert 4_000 <= (spb["rail_backlog"] or 0) <= 15_000  # ~9,000 complex-wide
    assert 600 <= (spb["gate_moves_per_hour"] or 0) <= 1_400  # ~20,000 a day, busier by day


def test_normal_levels_are_green(normal: Snapshot) -> None:
    levels = _levels(normal)
    assert levels[COMPLEX_ID] == "GREEN"
    terminals = [scope for scope in levels if scope.count("/") == 1 and not scope.endswith("/ICTF")]
    assert len(terminals) == 12
    assert sum(levels[t] == "GREEN" for t in terminals) >= 10


def test_congested_2021_reaches_the_crisis_values(congested: Snapshot) -> None:
    spb = _indicators(congested, COMPLEX_ID)
    assert (spb["vessels_waiting"] or 0) >= 40  # dozens (65 in Sep 2021, 105 in Jan 2022)
    assert (spb["anchor_wait_hours"] or 0) >= 4 * 24  # toward 8.7 days
    assert (spb["berth_utilization"] or 0) >= 0.85  # > 70%: queues form
    assert (spb["truck_turn_minutes"] or 0) >= 80  # 55-100 with tails of hours
    assert (spb["truck_turn_p90_minutes"] or 0) >= 120
    assert (spb["import_dwell_days"] or 0) >= 5.0  # truck 8.4 in Nov 2021
    assert (spb["long_dwell_share"] or 0) >= 0.25  # 33% at 9+ days in Apr 2022
    assert (spb["rail_backlog"] or 0) >= 25_000  # ~29,000 in Jun 2022
    assert _levels(congested)[COMPLEX_ID] in {"AMBER", "RED"}
    assert (spb["congestion_index"] or 0) >= 55
