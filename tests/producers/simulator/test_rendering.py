"""Raw events render to exactly the JSON line and the record the contract gives for them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baystream.producers.simulator import scenario_names, simulate, simulate_raw
from baystream.producers.simulator.rendering import EPOCH, time_text, to_line, to_record
from baystream.schemas.fields import fields_of
from baystream.schemas.json_form import dumps, format_time, parse_line


@pytest.mark.parametrize("scenario", scenario_names())
@pytest.mark.parametrize("seed", [0, 13])
def test_lines_are_what_json_form_writes_for_the_records(scenario: str, seed: int) -> None:
    raws = list(simulate_raw(scenario, 40, seed))  # pool chassis move once the first pickups are due
    assert {raw[0] for raw in raws} >= {"VesselArrival", "ContainerEvent", "ChassisCheckout"}
    for raw in raws:
        assert len(raw) == 1 + len(fields_of(raw[0]))
        record = to_record(raw)
        line = to_line(raw)
        assert line == dumps(record)
        assert parse_line(line) == record  # valid against the contract, and read back field for field


def test_simulate_yields_the_records_of_the_raw_events() -> None:
    assert list(simulate("rail-disruption", 10, 2)) == [to_record(r) for r in simulate_raw("rail-disruption", 10, 2)]


def test_every_event_type_and_optional_field_shape_is_rendered() -> None:
    raws = list(simulate_raw("normal", 72, 5))
    kinds = {raw[0] for raw in raws}
    assert kinds == {"VesselArrival", "GateMove", "ContainerEvent", "ChassisCheckout", "RailDeparture"}
    lines = [to_line(raw) for raw in raws]
    assert any('"berth"' in line for line in lines) and any('"berth"' not in line for line in lines)
    assert any('"empty":true' in line for line in lines) and any('"empty":false' in line for line in lines)
    assert any('"container_ids":["' in line for line in lines)


@given(st.integers(-(10**13), 10**13))
def test_time_text_is_format_time(ms: int) -> None:
    assert time_text(ms) == format_time(EPOCH + timedelta(milliseconds=ms))
