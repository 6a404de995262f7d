"""What docs/simulator.md calibrates beyond the daily volumes: gate hours in Pacific time, ships that never
anchor, chassis under repair, exports that came by rail. Short runs, generous bounds."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from baystream.producers.simulator import simulate, simulate_raw
from baystream.producers.simulator.model import Call, PortModel
from baystream.producers.simulator.scenarios import get_scenario
from baystream.schemas.validation import validate
from tests.producers.simulator.conftest import NormalRun

PACIFIC = ZoneInfo("America/Los_Angeles")
HOUR_MS = 3_600_000
DST_START = datetime(2024, 3, 2, 8, tzinfo=UTC)
"""Saturday 2024-03-02 00:00 PST; daylight saving starts Sunday 2024-03-10 at 02:00."""


@pytest.fixture(scope="module")
def gate_ins() -> list[datetime]:
    """Gate IN times (Pacific) of a normal run across the March 2024 change to daylight saving."""
    times = []
    for raw in simulate_raw("normal", 9 * 24 + 12, seed=3, start=DST_START):
        if raw[0] == "GateMove" and raw[8] == "IN":  # type, event_id, event_time, ..., direction
            times.append(datetime.fromtimestamp(raw[2] / 1000, PACIFIC))
    return times


def test_gates_close_from_3_to_7_pacific_winter_and_summer(gate_ins: list[datetime]) -> None:
    by_hour = Counter(t.hour for t in gate_ins)
    assert all(by_hour[h] == 0 for h in range(3, 7)), by_hour
    assert by_hour[7] > 0 and by_hour[2] > 0
    # the closure follows daylight saving: 07:00 PDT on Monday 11 March is 14:00 UTC, 06:00 PST the Friday before
    utc_hours = {(t.astimezone(UTC).day, t.astimezone(UTC).hour) for t in gate_ins}
    assert (11, 14) in utc_hours and (8, 14) not in utc_hours
    assert (8, 10) in utc_hours and (11, 10) not in utc_hours  # 02:00 PST open, 03:00 PDT closed


def test_day_shift_busier_than_night_and_weekends_quieter(gate_ins: list[datetime]) -> None:
    weekdays = [t for t in gate_ins if t.day in (7, 8)]  # Thursday and Friday, after the first week's ramp
    day_shift = sum(1 for t in weekdays if 8 <= t.hour < 17) / 9
    night_shift = sum(1 for t in weekdays if t.hour >= 18 or t.hour < 3) / 9
    assert day_shift > 1.2 * night_shift
    weekend = sum(1 for t in gate_ins if t.day in (9, 10))  # Saturday, Sunday
    assert weekend < 0.75 * len(weekdays)


def test_a_ship_finding_a_free_berth_never_anchors() -> None:
    model = PortModel(get_scenario("normal"), 1, int(DST_START.timestamp() * 1000))
    terminal = model.terminals[0]
    model.out.clear()
    free = len(terminal.free_berths)
    call = Call(terminal, model.ids.vessel("MAEU"), "001E", "APMT-X-001E")
    model._arrive(call)
    assert model.out == [] and call.berth is not None and len(terminal.free_berths) == free - 1
    terminal.free_berths.clear()
    queued = Call(terminal, model.ids.vessel("MAEU"), "002E", "APMT-Y-002E")
    model._arrive(queued)
    assert [(raw[0], raw[12], raw[13]) for raw in model.out] == [("VesselArrival", "ARRIVED", "ANCHORAGE")]
    assert model.waiting == 1 and queued.berth is None


def test_normal_calls_mostly_go_straight_to_berth(normal_run: NormalRun) -> None:
    calls = normal_run.calls
    straight = [c for c in calls.values() if c[0][0] == "BERTH"]
    assert len(calls) > 50 and len(straight) >= 0.7 * len(calls)
    for arrivals in calls.values():
        if arrivals[0][0] == "ANCHORAGE" and len(arrivals) == 2:  # waited, then berthed: pilotage at least
            assert arrivals[1][1] - arrivals[0][1] >= timedelta(hours=2)


def test_out_of_service_chassis_are_6_to_13_percent_of_the_fleet(normal_run: NormalRun) -> None:
    pool = normal_run.model.pool
    assert 0.06 <= pool.out_of_service / len(pool.fleet) <= 0.13
    available = sum(len(stock) for stock in pool.available.values())
    assert available + pool.out_of_service <= len(pool.fleet)  # under repair is not on hand


def test_exports_come_through_the_gate_or_by_inbound_rail(normal_run: NormalRun) -> None:
    loaded = normal_run.loaded
    assert loaded["seen"] > 0 and loaded["unseen"] > 0
    # a box loaded without an earlier event came by an inbound train to an on-dock yard, none from nowhere
    assert loaded["unseen"] <= normal_run.model.rail_inbound


def test_disruptions_count_from_the_origin_after_the_warm_up() -> None:
    origin = int(DST_START.timestamp() * 1000)
    model = PortModel(get_scenario("rail-disruption"), 1, origin - 7 * 24 * HOUR_MS, origin)
    for hours, factor in ((-150, 1.0), (11, 1.0), (13, 0.1), (155, 0.1), (157, 1.0)):
        model.sched.now = origin + hours * HOUR_MS
        assert model._capacity_factor() == factor, hours


def test_congested_2021_eases_back_to_normal_productivity_and_dwell() -> None:
    """The crisis eases from day 25 over 60 days (the queue peaks, then recovers): before it the crisis
    values, halfway between, after it the normal scenario's."""
    start = int(DST_START.timestamp() * 1000)
    s, normal = get_scenario("congested-2021"), get_scenario("normal")
    assert s.recovery == (25.0, 60.0)
    model = PortModel(s, 1, start)
    for day, share in ((0, 0.0), (25, 0.0), (55, 0.5), (85, 1.0), (120, 1.0)):
        model.sched.now = start + day * 24 * HOUR_MS
        expected = s.berth_moves_per_hour + share * (normal.berth_moves_per_hour - s.berth_moves_per_hour)
        assert model._eased(s.berth_moves_per_hour, normal.berth_moves_per_hour) == pytest.approx(expected), day
    assert PortModel(normal, 1, start)._eased(35.0, 58.0) == 35.0  # no recovery: as set


def test_congested_2021_holds_ships_offshore_and_gate_ins_carry_their_queue_arrival() -> None:
    """100 extra ships in the first 12 hours: 40 anchor, the rest wait in the holding area; every event valid."""
    locations: Counter[str] = Counter()
    gate_ins = 0
    for event in simulate("congested-2021", 18, seed=2):
        assert validate(event) == [], event
        if event["type"] == "VesselArrival" and event["classifier"] == "ACTUAL" and event["event_type"] == "ARRIVED":
            locations[event["location_type"]] += 1
        elif event["type"] == "GateMove":
            queued = event["queue_arrival_time"]
            if event["direction"] == "IN":
                gate_ins += 1
                assert queued is not None and timedelta(0) <= event["event_time"] - queued <= timedelta(hours=8)
            else:
                assert queued is None
    assert locations["HOLDING_AREA"] >= 10 and 40 <= locations["ANCHORAGE"] <= 70, locations
    assert gate_ins > 100
