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
    assert (spb["berth_utilization"] or 0) >= 0.75  # the crisis range is above 70%: queues form
    assert (spb["truck_turn_minutes"] or 0) >= 80  # 55-100 with tails of hours
    assert (spb["truck_turn_p90_minutes"] or 0) >= 120
    assert (spb["import_dwell_days"] or 0) >= 5.0  # truck 8.4 in Nov 2021
    assert (spb["long_dwell_share"] or 0) >= 0.25  # 33% at 9+ days in Apr 2022
    assert (spb["rail_backlog"] or 0) >= 25_000  # ~29,000 in Jun 2022
    assert _levels(congested)[COMPLEX_ID] in {"AMBER", "RED"}
    assert (spb["congestion_index"] or 0) >= 55


def test_normal_air_trade_and_look_ahead_are_in_the_domain_figures(normal: Snapshot) -> None:
    """docs/indicators.md's air set over the normal run (figures: docs/simulator.md, "Air and trade")."""
    spb = _indicators(normal, COMPLEX_ID)
    waiting = spb["vessels_waiting"] or 0
    if waiting:  # idle power 1-3 MW a ship (4,000-24,000 TEU at 600 kW + 0.1 kW a TEU)
        assert 1_000 <= (spb["anchor_co2_kg_per_hour"] or 0) / 0.690 / waiting <= 3_000
    assert (spb["anchor_nox_kg_per_hour"] or 0) == pytest.approx((spb["anchor_co2_kg_per_hour"] or 0) * 11.5 / 690)
    assert (spb["berth_co2_kg_per_hour"] or 0) >= 0  # only the few ships not plugged in
    assert 0.8 <= (spb["shore_power_share"] or 0) <= 0.97  # 85-95% of container calls plugged in
    assert 0 < (spb["zero_emission_truck_share"] or 0) <= 0.05  # a few per cent at most
    assert 0.3 <= (spb["china_import_share"] or 0) <= 0.5  # China ~40%
    # a few per cent qualify (plus the ~7% of ships on LNG, methanol or biofuel anyway), over the ~8 Shanghai
    # calls of 30 days: one or two of them
    assert (spb["green_corridor_share"] or 0) <= 0.3
    assert 0 < (spb["ship_co2_kg_per_teu"] or 0) < 50  # hours of 1-3 MW over thousands of TEU a call
    # the look-ahead: about three days of the ~50 weekly service calls
    assert 10 <= (spb["arrivals_expected_72h"] or 0) <= 40
    terminals = [v for v in normal.indicators if v.indicator == "arrivals_expected_72h" and v.scope.count("/") == 1]
    assert sum(v.value or 0 for v in terminals) == spb["arrivals_expected_72h"]


def test_green_corridor_shows_rising_shore_power_and_low_carbon_shares() -> None:
    """Half-way and at the end of two weeks: both shares rise, the corridor far above the normal few per cent."""
    from baystream.streams.config import IndicatorConfig
    from baystream.streams.engine import Combiner, PartitionEngine

    config = IndicatorConfig()
    engine, combiner = PartitionEngine(config), Combiner(config)
    seen: list[dict[str, float | None]] = []
    for event in simulate("green-corridor", 14 * 24, seed=5):
        engine.apply(event)
        if not seen and engine.watermark is not None and engine.watermark > 1714521600000 + 7 * 86_400_000:
            combiner.update("run", engine.partial())
            seen.append({v.indicator: v.value for v in combiner.indicators() if v.scope == COMPLEX_ID})
    combiner.update("run", engine.partial())
    seen.append({v.indicator: v.value for v in combiner.indicators() if v.scope == COMPLEX_ID})
    week, fortnight = seen
    assert (week["shore_power_share"] or 0) < (fortnight["shore_power_share"] or 0)
    assert (week["green_corridor_share"] or 0) < (fortnight["green_corridor_share"] or 0)
    assert (fortnight["green_corridor_share"] or 0) >= 0.2
    assert (fortnight["zero_emission_truck_share"] or 0) > 0.05
