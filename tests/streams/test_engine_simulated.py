"""The simulator's stream through engines split as the topics key it equals one engine (a realistic mix)."""

from __future__ import annotations

import zlib

import pytest

from baystream.streams.config import IndicatorConfig
from baystream.streams.engine import PartitionEngine
from tests.streams.engine_events import combine

simulator = pytest.importorskip("baystream.producers.simulator")


@pytest.mark.parametrize("scenario", ["congested-2021", "rail-disruption"])
def test_simulated_days_split_over_three_engines_equal_one(scenario: str) -> None:
    config = IndicatorConfig()
    one, split = PartitionEngine(config), [PartitionEngine(config) for _ in range(3)]
    for event in simulator.simulate(scenario, 36, seed=7):
        key = event["chassis_id"] if event["type"] == "ChassisCheckout" else event["facility"]
        one.apply(event)
        split[zlib.crc32(key.encode()) % 3].apply(event)
    expected = combine([one], config).indicators()
    assert combine(split, config).indicators() == expected
    values = {(v.scope, v.indicator): v.value for v in expected}
    assert values["SPB", "imports_on_terminal"] > 0  # the run did exercise the engine
    assert values["SPB", "gate_moves_per_hour"] > 0
