"""Every scenario, many seeds: every event valid against the schemas and the streams consistent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baystream.producers.simulator import simulate
from baystream.producers.simulator.invariants import Checker, check_stream
from baystream.producers.simulator.scenarios import scenario_names
from baystream.schemas.json_form import parse_event
from baystream.schemas.validation import validate
from tests.events import event as json_event

PACIFIC = ZoneInfo("America/Los_Angeles")


def _day_shift_inside(start: datetime, hours: float) -> bool:
    """Whether a run holds a weekday day-shift hour (Pacific): a 12 h run from Sunday evening sees the gates
    closed throughout (no Sunday night shift, and closed 03:00-07:00)."""
    hour = timedelta(hours=1)
    return any(
        (local := (start + i * hour).astimezone(PACIFIC)).weekday() < 5 and 8 <= local.hour < 16
        for i in range(int(hours))
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=st.sampled_from(scenario_names()),
    seed=st.integers(0, 2**32 - 1),
    hours=st.floats(12, 36),
    start_minutes=st.integers(0, 60 * 24 * 365),
)
def test_streams_are_valid_and_consistent(scenario: str, seed: int, hours: float, start_minutes: int) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=start_minutes)
    checker = Checker()
    last = start
    kinds: set[str] = set()
    for e in simulate(scenario, hours, seed, start):
        assert validate(e) == [], (e, validate(e))
        kinds.add(e["type"])
        checker.check(e)
        if e["classifier"] != "ACTUAL":  # an estimate is stamped with the time it expects (docs/simulator.md)
            assert (e["type"], e["event_type"], e["location_type"]) == ("VesselArrival", "ARRIVED", "BERTH")
            continue
        assert start <= e["event_time"] < start + timedelta(hours=hours)
        assert e["event_time"] >= last
        last = e["event_time"]
    assert checker.problems == []
    if _day_shift_inside(start, hours):  # bobtails from the first open hour; the other types follow the calls
        assert "GateMove" in kinds


@pytest.mark.parametrize("scenario", ["chassis-shortage", "congested-2021"])
def test_days_of_trouble_stay_consistent(scenario: str) -> None:
    """Long enough for street returns, dry runs and retries, repositioning and berth queues to play out."""
    checker = Checker()
    kinds: set[str] = set()
    for e in simulate(scenario, 24 * 4, seed=7):
        checker.check(e)
        kinds.add(e["type"])
    assert checker.problems == []
    assert kinds == {"VesselArrival", "ContainerEvent", "GateMove", "ChassisCheckout", "RailDeparture"}
    assert checker.count > 50_000


# The checker must catch what it claims to catch, or the tests above prove nothing.


def _e(type_name: str, minute: int, **fields: Any) -> dict[str, Any]:
    time = (datetime(2024, 5, 1, tzinfo=UTC) + timedelta(minutes=minute)).isoformat()
    return parse_event(json_event(type_name, event_time=time, **fields))


def test_checker_catches_an_out_without_in_and_a_visit_entering_twice() -> None:
    problems = check_stream([_e("GateMove", 0, visit_id="V1", direction="OUT", container_id=None)])
    assert any("out without being in" in p for p in problems)
    twice = [_e("GateMove", 0, visit_id="V2", container_id=None), _e("GateMove", 1, visit_id="V2", container_id=None)]
    assert any("entered twice" in p for p in check_stream(twice))


def test_checker_catches_a_container_leaving_before_discharge_or_twice() -> None:
    discharge = _e("ContainerEvent", 0, container_id="CSQU3054383")
    visit_in = _e("GateMove", 5, visit_id="V1", container_id=None)
    visit_out = _e("GateMove", 50, visit_id="V1", direction="OUT", container_id="CSQU3054383")
    assert check_stream([discharge, visit_in, visit_out]) == []
    assert any("leaves" in p for p in check_stream([visit_in, visit_out]))
    again_in = _e("GateMove", 60, visit_id="V3", container_id=None)
    again_out = _e("GateMove", 90, visit_id="V3", direction="OUT", container_id="CSQU3054383")
    assert any("leaves" in p for p in check_stream([discharge, visit_in, visit_out, again_in, again_out]))
    train = _e("RailDeparture", 90, container_ids=["CSQU3054383"], facility="APMT")
    assert any("leaves" in p for p in check_stream([discharge, visit_in, visit_out, train]))


def test_checker_catches_chassis_returned_while_in_and_duplicates_and_disorder() -> None:
    returned = _e("ChassisCheckout", 0, action="RETURN")
    assert any("returned while not out" in p for p in check_stream([returned]))
    out = _e("ChassisCheckout", 0)
    assert any("checked out while out" in p for p in check_stream([out, _e("ChassisCheckout", 5)]))
    assert any("duplicate" in p for p in check_stream([out, out | {"action": "RETURN"}]))
    late = _e("GateMove", 0, visit_id="V9", container_id=None)
    early = _e("GateMove", -5, visit_id="V8", container_id=None)
    assert any("out of order" in p for p in check_stream([late, early]))


def test_checker_takes_straight_to_berth_and_held_calls_and_catches_steps_out_of_order() -> None:
    berth = _e("VesselArrival", 0, location_type="BERTH", berth="401")
    departed = _e("VesselArrival", 60, event_type="DEPARTED", location_type="BERTH", berth="401")
    assert check_stream([berth, departed]) == []  # a ship that found a free berth never anchored
    held = _e("VesselArrival", -900, location_type="HOLDING_AREA")
    anchored = _e("VesselArrival", -300)
    assert check_stream([held, anchored, berth, departed]) == []
    assert check_stream([held, berth, departed]) == []  # called in from the holding area straight to a berth
    assert any("after step" in p for p in check_stream([departed]))
    assert any("after step" in p for p in check_stream([anchored, held]))
    assert any("after step" in p for p in check_stream([berth, anchored | {"event_time": departed["event_time"]}]))
    anchor = _e("VesselArrival", 0)
    other = _e("VesselArrival", 1, call_id="APMT-9321483-419E")
    other_berth = _e("VesselArrival", 3, call_id="APMT-9321483-419E", location_type="BERTH", berth="401")
    stream = [anchor, other, _e("VesselArrival", 2, location_type="BERTH", berth="401"), other_berth]
    assert any("taken by" in p for p in check_stream(stream))
