"""Known answers for the indicators as the industry reports them (docs/indicators.md), worked out by hand
(times in minutes after T0), and the engine state that carries them through a checkpoint."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from baystream.schemas.json_form import format_time, parse_line
from baystream.streams.config import IndicatorConfig
from baystream.streams.engine import PartitionEngine
from baystream.streams.engine.totals import INDUSTRY_INDICATORS
from baystream.streams.replay import replay
from tests.streams.engine_events import DAY, HOUR, box, combine, discharge, gate, train, values, vessel, when


def queued_gate(minute: float, visit: str, queued_minutes: float, **fields: Any) -> dict[str, Any]:
    """A gate IN whose truck joined the outside queue `queued_minutes` before it."""
    move = gate(minute, visit, "IN", **fields)
    return {**move, "queue_arrival_time": when(minute) - timedelta(minutes=queued_minutes)}


def test_import_dwell_by_how_the_box_left() -> None:
    t1, t2, r1, r2, r3 = box(1), box(2), box(3), box(4), box(5)
    events = [
        discharge(0, t1, mode="TRUCK"),
        discharge(0, t2, mode=None),  # mode unknown: truck-bound (it has no train to wait for)
        discharge(0, r1, mode="RAIL"),
        discharge(0, r2, mode="RAIL"),
        discharge(0, r3, mode="RAIL"),
        gate(2 * DAY - 30, "V1", "IN"),
        gate(2 * DAY, "V1", "OUT", container_id=t1),  # truck, 2 days
        gate(4 * DAY - 30, "V2", "IN"),
        gate(4 * DAY, "V2", "OUT", container_id=t2),  # truck, 4 days
        train(3 * DAY, [r1]),  # on-dock rail, 3 days
        gate(3 * DAY + 18 * HOUR, "V3", "IN"),
        gate(3 * DAY + 18 * HOUR, "V3", "OUT", container_id=r2),  # rail-bound, drayed to the ICTF: 3.75 days
        gate(4 * DAY + 12 * HOUR, "V4", "IN"),  # now = 4.5 days; r3 still waits
    ]
    got = values(events)
    # last 24 h (quarter hours after 3.5 days): t2 (4 d) by truck; r2 (3.75 d) rail-bound; r1 left at 3 d
    assert got["USLAX/APMT", "import_dwell_truck_days"] == pytest.approx(4.0)
    assert got["USLAX/APMT", "import_dwell_rail_days"] == pytest.approx(3.75)
    assert got["USLAX/APMT", "import_dwell_days"] == pytest.approx((4.0 + 3.75) / 2)  # pooled, as before
    assert got["USLAX/APMT", "rail_dwell_days"] is None  # on-dock only: r1 left 1.5 days ago
    assert got["SPB", "import_dwell_truck_days"] == pytest.approx(4.0)
    assert got["USLGB/TTI", "import_dwell_rail_days"] is None  # nothing left there


def test_long_dwellers_by_mode_and_the_aged_rail_backlog() -> None:
    events = [discharge(0, box(n), mode="TRUCK") for n in range(3)]  # truck-bound, 10 days by now
    events += [discharge(2 * DAY, box(10 + n), mode="TRUCK") for n in range(5)]  # 8 days: not 9
    events += [discharge(0, box(20 + n), mode="RAIL") for n in range(2)]  # rail, 10 days: >= 6 and >= 9
    events += [discharge(3 * DAY, box(30), mode="RAIL")]  # 7 days: >= 6, not 9
    events += [discharge(6 * DAY, box(40 + n), mode="RAIL") for n in range(3)]  # 4 days: neither
    events += [discharge(0, box(50), mode="RAIL", facility="TTI")]  # TTI, rail, 10 days
    events += [gate(10 * DAY, "NOW", "IN")]  # now = 10 days
    got = values(events)
    assert got["USLAX/APMT", "long_dwell_truck_share"] == pytest.approx(3 / 8)
    assert got["USLAX/APMT", "long_dwell_rail_share"] == pytest.approx(3 / 6)
    assert got["USLAX/APMT", "rail_backlog_9d"] == 2
    assert got["USLAX/APMT", "long_dwell_share"] == pytest.approx(11 / 14)  # 5 days or more, every mode
    assert got["USLGB/TTI", "long_dwell_rail_share"] == 1.0 and got["USLGB/TTI", "rail_backlog_9d"] == 1
    assert got["USLGB/TTI", "long_dwell_truck_share"] is None  # no truck-bound box there
    assert got["SPB", "long_dwell_rail_share"] == pytest.approx(4 / 7)
    assert got["SPB", "rail_backlog_9d"] == 3
    assert got["USLGB/ICTF", "rail_backlog_9d"] is None  # the yard knows no discharge times


def test_long_dwellers_and_aged_backlog_follow_a_later_watermark_of_another_engine() -> None:
    """The partial splits the rail histogram at its longest threshold: a combiner whose newest watermark
    comes from another engine counts exactly what one engine over all events counts."""
    mine = [discharge(0, box(1), mode="RAIL"), discharge(2 * DAY, box(2), mode="RAIL"), gate(3 * DAY, "A", "IN")]
    other = [gate(9 * DAY + 30, "B", "IN", facility="TTI")]  # now = 9 days 30 min
    engines = [PartitionEngine(IndicatorConfig()), PartitionEngine(IndicatorConfig())]
    for engine, events in zip(engines, (mine, other), strict=True):
        for item in events:
            engine.apply(item)
    got = {(v.scope, v.indicator): v.value for v in combine(engines).indicators()}
    assert got["USLAX/APMT", "rail_backlog_9d"] == 1  # box 1, 9 days; box 2, 7 days
    assert got["USLAX/APMT", "long_dwell_rail_share"] == 1.0  # both 6 days or more
    assert got == values(mine + other)


def test_truck_visit_minutes_from_the_outside_queue() -> None:
    events = [
        queued_gate(0, "V1", 30),
        gate(40, "V1", "OUT"),  # queue 30 + turn 40 = 70 min
        queued_gate(10, "V2", 50),
        gate(60, "V2", "OUT"),  # 50 + 50 = 100 min
        gate(20, "V3", "IN"),  # no queue arrival: a turn, no visit time
        gate(70, "V3", "OUT"),
        gate(65, "V4", "OUT"),  # OUT before its IN (late IN with a queue): 20 + 45 = 65 min
        queued_gate(20, "V4", 20),
    ]
    got = values(events)
    assert got["USLAX/APMT", "truck_visit_minutes"] == pytest.approx((70 + 100 + 65) / 3)
    assert got["USLAX/APMT", "truck_turn_minutes"] == pytest.approx((40 + 50 + 50 + 45) / 4)  # as before
    assert got["USLGB/TTI", "truck_visit_minutes"] is None


def test_truck_visit_minutes_over_the_last_60_minutes() -> None:
    events = [queued_gate(0, "V1", 30), gate(40, "V1", "OUT"), queued_gate(100, "V2", 10), gate(120, "V2", "OUT")]
    assert values(events)["USLAX/APMT", "truck_visit_minutes"] == pytest.approx(30.0)  # V1 ended 80 min ago


def test_vessels_held_offshore_wait_too() -> None:
    events = [
        vessel(0, "H1", "ARRIVED", "HOLDING_AREA"),  # held offshore
        vessel(0, "H2", "ARRIVED", "HOLDING_AREA"),
        vessel(10 * HOUR, "H2", "ARRIVED", "ANCHORAGE"),  # moved in to the anchorage: waiting, no longer held
        vessel(0, "H3", "ARRIVED", "HOLDING_AREA"),
        vessel(5 * HOUR, "H3", "DEPARTED", "HOLDING_AREA"),  # left the queue
        vessel(2 * HOUR, "A1", "ARRIVED", "ANCHORAGE"),
        vessel(0, "H4", "ARRIVED", "HOLDING_AREA", facility="TTI"),
        vessel(20 * HOUR, "H4", "ARRIVED", "ANCHORAGE", facility="TTI"),
        vessel(30 * HOUR, "H4", "ARRIVED", "BERTH", facility="TTI"),  # waited 30 h from the holding area
    ]
    got = values(events)
    assert got["USLAX/APMT", "vessels_held_offshore"] == 1  # H1
    assert got["USLAX/APMT", "vessels_waiting"] == 3  # H1, H2, A1
    assert got["USLGB/TTI", "vessels_waiting"] == 0 and got["USLGB/TTI", "berth_utilization"] == pytest.approx(1 / 4)
    assert got["USLGB/TTI", "anchor_wait_hours"] == pytest.approx(30.0)
    assert got["SPB", "vessels_held_offshore"] == 1 and got["SPB", "vessels_waiting"] == 3
    # the air rates count every waiting call, held or at anchor: 3 calls of unknown size, 1,400 kW each
    assert got["USLAX/APMT", "anchor_co2_kg_per_hour"] == pytest.approx(3 * 1400 * 0.690)


def test_a_call_without_an_anchorage_arrival_waited_zero_hours() -> None:
    """Ships that find a free berth report no anchorage arrival: they count with 0 h, not as unknown."""
    events = [
        vessel(0, "S1", "ARRIVED", "BERTH"),
        vessel(HOUR, "W1", "ARRIVED", "ANCHORAGE"),
        vessel(11 * HOUR, "W1", "ARRIVED", "BERTH"),  # 10 h
    ]
    assert values(events)["USLAX/APMT", "anchor_wait_hours"] == pytest.approx(5.0)
    # a late anchorage arrival of S1 (before its berth arrival) replaces its 0 h
    late = [*events, vessel(-4 * HOUR, "S1", "ARRIVED", "ANCHORAGE")]
    assert values(late)["USLAX/APMT", "anchor_wait_hours"] == pytest.approx(7.0)


def test_dry_runs_per_day_are_pickups_that_left_without_a_box() -> None:
    events = [
        gate(0, "D1", "IN", move_type="IMPORT_PICKUP"),
        gate(30, "D1", "OUT", move_type="BOBTAIL"),  # came for an import, left with nothing: a dry run
        gate(60, "D2", "IN", move_type="EMPTY_PICKUP"),
        gate(90, "D2", "OUT", move_type="EMPTY_PICKUP", container_id=box(1)),  # got its empty
        gate(100, "D3", "IN", move_type="BOBTAIL"),
        gate(110, "D3", "OUT", move_type="BOBTAIL"),  # came with nothing to pick up
        gate(120, "D4", "IN", move_type="EXPORT_DELIVERY", container_id=box(2)),
        gate(150, "D4", "OUT", move_type="EXPORT_DELIVERY"),  # dropped its box: no pickup intended
        gate(200, "D5", "OUT", move_type="BOBTAIL"),  # OUT first, then its IN: a dry run too
        gate(170, "D5", "IN", move_type="EMPTY_PICKUP"),
        gate(-2 * DAY, "OLD", "IN", move_type="IMPORT_PICKUP"),
        gate(-2 * DAY + 30, "OLD", "OUT", move_type="BOBTAIL"),  # two days ago: outside the 24 h
        gate(0, "T1", "IN", facility="TTI", move_type="IMPORT_PICKUP"),
        gate(40, "T1", "OUT", facility="TTI", move_type="BOBTAIL"),
    ]
    got = values(events)
    assert got["USLAX/APMT", "dry_runs_per_day"] == 2
    assert got["USLGB/TTI", "dry_runs_per_day"] == 1
    assert got["SPB", "dry_runs_per_day"] == 3
    assert got["USLGB/LBCT", "dry_runs_per_day"] == 0


def test_the_new_state_survives_a_checkpoint() -> None:
    config = IndicatorConfig()
    first = [
        queued_gate(0, "V1", 30, move_type="IMPORT_PICKUP"),
        vessel(0, "H1", "ARRIVED", "HOLDING_AREA"),
        discharge(0, box(1), mode="RAIL"),
        gate(100, "EARLY", "OUT", move_type="BOBTAIL"),
    ]
    rest = [gate(40, "V1", "OUT", move_type="BOBTAIL"), gate(90, "EARLY", "IN", move_type="IMPORT_PICKUP")]
    rest += [gate(10 * DAY, "NOW", "IN")]
    engine = PartitionEngine(config)
    for item in first:
        engine.apply(item)
    restored = PartitionEngine.from_state(engine.to_state(), config)
    for item in rest:
        engine.apply(item)
        restored.apply(item)
    assert combine([restored]).indicators() == combine([engine]).indicators()
    got = {(v.scope, v.indicator): v.value for v in combine([restored]).indicators()}
    assert got["USLAX/APMT", "rail_backlog_9d"] == 1 and got["USLAX/APMT", "vessels_held_offshore"] == 1


def test_a_state_saved_before_the_rail_histogram_rebuilds_it() -> None:
    config = IndicatorConfig()
    engine = PartitionEngine(config)
    for item in [discharge(0, box(1), mode="RAIL"), discharge(0, box(2), mode="TRUCK"), gate(10 * DAY, "N", "IN")]:
        engine.apply(item)
    state = engine.to_state()
    for facility in state["facilities"].values():  # as an engine before issue 12 saved it
        del facility["rail_disc"]
        del facility["counters"]["rail_on_terminal"]
    restored = PartitionEngine.from_state(state, config)
    assert combine([restored]).indicators() == combine([engine]).indicators()


DATA = Path(__file__).parent / "data"


def test_every_existing_indicator_keeps_its_value_on_a_file_of_the_old_shape() -> None:
    """A file the simulator wrote before issue 12 (schemas v4: no queue arrivals, no held ships), and the
    values the engine of that commit gave for it (tests/streams/data, how they were made is in the file).
    Every indicator of then keeps its value but congestion_index, whose peak groups are new; the new ones
    are there too, and truck_visit_minutes and vessels_held_offshore have nothing to show."""
    with gzip.open(DATA / "old_shape_normal.jsonl.gz", "rb") as lines:
        events = [parse_line(line) for line in lines]
    assert not any(e.get("queue_arrival_time") or e.get("location_type") == "HOLDING_AREA" for e in events)
    expected = json.loads((DATA / "old_shape_normal.expected.json").read_text())
    snapshot = replay(events)
    got = {f"{v.scope} {v.indicator}": v.value for v in snapshot.indicators}
    assert format_time(snapshot.as_of) == expected["as_of"]
    before = {key: value for key, value in expected["values"].items() if not key.endswith(" congestion_index")}
    assert len(before) == 16 * 30
    assert {key: got[key] for key in before} == before
    assert {key.split(" ")[1] for key in got} - {key.split(" ")[1] for key in expected["values"]} == set(
        INDUSTRY_INDICATORS
    )
    assert got["SPB truck_visit_minutes"] is None and got["SPB vessels_held_offshore"] == 0
