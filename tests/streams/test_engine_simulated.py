"""The simulator's stream through engines split as the topics key it equals one engine (a realistic mix)."""

from __future__ import annotations

import zlib
from datetime import timedelta

import pytest

from baystream.streams.config import IndicatorConfig
from baystream.streams.engine import PartitionEngine
from tests.streams.engine_events import combine

simulator = pytest.importorskip("baystream.producers.simulator")


@pytest.mark.parametrize("scenario", ["congested-2021", "rail-disruption"])
def test_simulated_days_split_over_three_engines_equal_one(scenario: str) -> None:
    """Compared every 6 simulated hours, not only at the end: the gates close at night (Pacific time), so
    the last hour alone may have no gate moves to compare."""
    config = IndicatorConfig()
    one, split = PartitionEngine(config), [PartitionEngine(config) for _ in range(3)]
    gate_hours_seen = 0
    next_check: str | None = None
    for event in simulator.simulate(scenario, 36, seed=7):
        if next_check is None:
            next_check = event["event_time"]
        key = event["chassis_id"] if event["type"] == "ChassisCheckout" else event["facility"]
        one.apply(event)
        split[zlib.crc32(key.encode()) % 3].apply(event)
        if event["event_time"] >= next_check:
            gate_hours_seen += _same_and_gates_open(one, split, config)
            next_check = event["event_time"] + timedelta(hours=6)
    _same_and_gates_open(one, split, config)  # and at the end
    values = {(v.scope, v.indicator): v.value for v in combine([one], config).indicators()}
    assert values["SPB", "imports_on_terminal"] > 0  # the run did exercise the engine
    assert gate_hours_seen > 0  # and its gates, at some of the checks


def _same_and_gates_open(one: PartitionEngine, split: list[PartitionEngine], config: IndicatorConfig) -> int:
    """Assert the split engines equal the one; 1 if the complex's gates moved boxes in the last hour."""
    expected = combine([one], config).indicators()
    assert combine(split, config).indicators() == expected
    values = {(v.scope, v.indicator): v.value for v in expected}
    return int((values.get(("SPB", "gate_moves_per_hour")) or 0) > 0)
