"""Duplicates, late and out-of-order events, ESTIMATED/PLANNED events, pruning, state round trip, alerts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from baystream.streams.config import IndicatorConfig
from baystream.streams.engine import Combiner, PartitionEngine, alert_id
from tests.streams.engine_events import DAY, HOUR, box, chassis, combine, discharge, gate, train, values, vessel, when


def test_a_duplicate_event_id_counts_once() -> None:
    engine = PartitionEngine(IndicatorConfig())
    inbound = gate(0, "V1", "IN")
    assert engine.apply(inbound) is True
    assert engine.apply(dict(inbound)) is False
    got = {(v.scope, v.indicator): v.value for v in combine([engine]).indicators()}
    assert got["USLAX/APMT", "trucks_on_terminal"] == 1
    assert got["USLAX/APMT", "gate_moves_per_hour"] == 1
    assert engine.partial()["counts"]["duplicate"] == 1


def test_a_late_gate_out_still_ends_the_visit_but_not_a_closed_window() -> None:
    events = [
        gate(0, "V1", "IN"),
        gate(5 * HOUR, "V2", "IN"),  # now = 5 h
        gate(30, "V1", "OUT"),  # late: 4.5 h before now
    ]
    got = values(events)
    assert got["USLAX/APMT", "trucks_on_terminal"] == 1  # V1 is out, V2 in
    assert got["USLAX/APMT", "truck_turn_minutes"] is None  # its 30 min turn lies in a closed window
    assert got["USLAX/APMT", "gate_moves_per_hour"] == 1  # only V2's IN is in the last hour


def test_an_out_before_its_in_pairs_when_the_in_arrives() -> None:
    got = values([gate(50, "V1", "OUT"), gate(10, "V1", "IN")])
    assert got["USLAX/APMT", "trucks_on_terminal"] == 0
    assert got["USLAX/APMT", "truck_turn_minutes"] == pytest.approx(40.0)


def test_late_discharge_pairs_with_an_earlier_gate_out_and_departure() -> None:
    events = [
        gate(2 * DAY - 10, "V1", "IN"),
        gate(2 * DAY, "V1", "OUT", container_id=box(1)),
        train(2 * DAY, [box(2)]),
        discharge(0, box(1)),  # late: 2 days by truck
        discharge(DAY, box(2), mode="RAIL"),  # late: 1 day by on-dock rail
    ]
    got = values(events)
    assert got["USLAX/APMT", "imports_on_terminal"] == 0
    assert got["USLAX/APMT", "rail_backlog"] == 0
    assert got["USLAX/APMT", "import_dwell_days"] == pytest.approx(1.5)
    assert got["USLAX/APMT", "rail_dwell_days"] == pytest.approx(1.0)


def test_late_vessel_anchorage_arrival_gives_the_wait_and_vessel_stays_at_berth() -> None:
    events = [vessel(10 * HOUR, "A", "ARRIVED", "BERTH"), vessel(0, "A", "ARRIVED", "ANCHORAGE")]
    got = values(events)
    assert got["USLAX/APMT", "vessels_waiting"] == 0
    assert got["USLAX/APMT", "anchor_wait_hours"] == pytest.approx(10.0)
    assert got["USLAX/APMT", "berth_utilization"] == pytest.approx(1 / 6)


def test_a_late_return_before_its_checkout_pairs() -> None:
    got = values([chassis(2 * DAY, "DCLZ0001", "RETURN"), chassis(0, "DCLZ0001", "CHECKOUT")])
    assert got["USLAX/APMT", "chassis_out"] == 0
    assert got["USLAX/APMT", "chassis_on_hand"] == 4000
    assert got["USLAX/APMT", "chassis_street_dwell_days"] == pytest.approx(2.0)


@pytest.mark.parametrize("classifier", ["ESTIMATED", "PLANNED"])
def test_estimated_and_planned_events_change_no_state_and_no_watermark(classifier: str) -> None:
    engine = PartitionEngine(IndicatorConfig())
    engine.apply(gate(0, "V1", "IN"))
    planned = vessel(3 * DAY, "A", "ARRIVED", "ANCHORAGE")
    planned["classifier"] = classifier
    assert engine.apply(planned) is True
    assert engine.apply(dict(planned)) is False  # its id is remembered all the same
    assert engine.watermark == round(gate(0, "V", "IN")["event_time"].timestamp() * 1000)
    assert engine.partial()["counts"]["not_actual"] == 1
    got = {(v.scope, v.indicator): v.value for v in combine([engine]).indicators()}
    assert got["USLAX/APMT", "vessels_waiting"] == 0


def test_events_older_than_the_dedup_horizon_are_refused_and_ids_forgotten() -> None:
    config = IndicatorConfig(dedup_horizon_hours=24)
    engine = PartitionEngine(config)
    first = gate(0, "V1", "IN")
    assert engine.apply(first)
    assert engine.apply(gate(3 * DAY, "V2", "IN"))
    assert not engine.apply(gate(DAY, "V3", "IN"))  # 2 days before now: older than 24 h
    assert engine.partial()["counts"]["too_late"] == 1
    assert not engine.apply(first)  # refused as too late, not as a duplicate: its id is gone
    assert first["event_id"] not in json.dumps(engine.to_state())
    got = {(v.scope, v.indicator): v.value for v in combine([engine], config).indicators()}
    assert got["USLAX/APMT", "trucks_on_terminal"] == 1  # V1 had no OUT within 24 h: forgotten


def test_buckets_outside_every_window_are_pruned() -> None:
    engine = PartitionEngine(IndicatorConfig())
    engine.apply(gate(0, "V1", "IN"))
    engine.apply(gate(30, "V1", "OUT"))
    engine.apply(gate(3 * DAY, "V2", "IN"))
    apmt = engine.facilities["APMT"]
    assert list(apmt.gate_moves.cells) == [int(when(3 * DAY).timestamp()) // 60]
    assert apmt.samples["turn"].cells == {}


def _scenario() -> list[dict[str, object]]:
    return [
        vessel(0, "A", "ARRIVED", "ANCHORAGE"),
        vessel(0, "B", "ARRIVED", "ANCHORAGE", facility="TTI"),
        discharge(10, box(1), mode="RAIL"),
        discharge(10, box(2)),
        gate(100, "V1", "IN"),
        chassis(100, "DCLZ0001", "CHECKOUT"),
        train(120, [box(3)], facility="ICTF"),
        vessel(20 * HOUR, "A", "ARRIVED", "BERTH"),
        gate(20 * HOUR, "V1", "OUT", container_id=box(2)),
        discharge(2 * HOUR, box(3), mode="RAIL", facility="TTI"),
        chassis(DAY, "DCLZ0001", "RETURN"),
        train(2 * DAY, [box(1)]),
        gate(2 * DAY, "V9", "OUT"),
    ]


def test_state_round_trip_behaves_identically() -> None:
    config = IndicatorConfig()
    events = _scenario()
    whole = PartitionEngine(config)
    halfway = PartitionEngine(config)
    for item in events[:7]:
        whole.apply(item)
        halfway.apply(item)
    restored = PartitionEngine.from_state(json.loads(json.dumps(halfway.to_state())), config)
    assert restored.to_state() == halfway.to_state()
    for item in events[7:] + events[:2]:  # the last two are duplicates for both
        assert whole.apply(item) == restored.apply(item)
    assert restored.to_state() == whole.to_state()
    assert json.loads(json.dumps(restored.partial())) == json.loads(json.dumps(whole.partial()))


def test_partials_survive_json_and_the_combiner_reads_them_back() -> None:
    engine = PartitionEngine(IndicatorConfig())
    for item in _scenario():
        engine.apply(item)
    direct = combine([engine]).indicators()
    via_json = Combiner(IndicatorConfig())
    via_json.update("p0", json.loads(json.dumps(engine.partial())))
    assert via_json.indicators() == direct


def test_alerts_on_level_changes_with_deterministic_ids() -> None:
    config = IndicatorConfig()
    engine, combiner = PartitionEngine(config), Combiner(config)
    engine.apply(gate(0, "V1", "IN"))
    engine.apply(gate(40, "V1", "OUT"))  # 40 min turn: index 0 everywhere
    combiner.update("p0", engine.partial())
    first = {v.scope: v for v in combiner.indicators() if v.indicator == "congestion_index"}
    assert combiner.take_alerts() == []  # the first levels are where each scope stands, not changes
    assert first["USLAX/APMT"].level == "GREEN"
    assert first["USLGB/ICTF"].level == "GREEN"  # its chassis all in the pool (the rail backlog has no arrivals)
    assert combiner.take_alerts() == []  # nothing changed since
    for number in range(20):  # 20 visits of 200 min: turn and p90 in crisis
        engine.apply(gate(100, f"W{number}", "IN"))
        engine.apply(gate(300, f"W{number}", "OUT"))
    combiner.update("p0", engine.partial())
    changes = {a.scope: a for a in combiner.take_alerts()}
    apmt = changes["USLAX/APMT"]
    # turn (20*200 + 40... the 40-min visit ended at minute 40, outside the hour before minute 300) = 200:
    # position 1 (w 1.5); p90 200 -> (200-90)/150 = 0.7333 (w 0.5); vessels_waiting and berth 0 (w 1 + 1)
    assert apmt.congestion_index == pytest.approx(100 * (1.5 + 0.5 * 110 / 150) / 4)
    assert (apmt.previous_level, apmt.level) == ("GREEN", "AMBER")
    assert apmt.alert_id == alert_id("USLAX/APMT", "AMBER", apmt.as_of)
    assert apmt.as_of - first["USLAX/APMT"].as_of == timedelta(minutes=260)
    restored = Combiner.from_state(json.loads(json.dumps(combiner.to_state())), config)
    restored.update("p0", engine.partial())
    assert restored.take_alerts() == []  # it remembers the levels


def test_combiner_update_is_idempotent_and_empty_without_events() -> None:
    combiner = Combiner(IndicatorConfig())
    assert combiner.indicators() == []
    engine = PartitionEngine(IndicatorConfig())
    engine.apply(gate(0, "V1", "IN"))
    combiner.update("p0", engine.partial())
    once = combiner.indicators()
    combiner.update("p0", engine.partial())
    assert combiner.indicators() == once


def test_an_event_of_another_type_is_an_error_and_leaves_no_trace() -> None:
    engine = PartitionEngine(IndicatorConfig())
    bogus = dict(gate(0, "V1", "IN"), type="CongestionAlert")
    with pytest.raises(ValueError, match="CongestionAlert"):
        engine.apply(bogus)
    assert engine.apply(dict(bogus, type="GateMove")) is True  # its id was not taken


def test_sizes_count_the_entities_held() -> None:
    engine = PartitionEngine(IndicatorConfig())
    for item in _scenario():
        engine.apply(item)
    sizes = engine.sizes()
    # 13 events: calls A (berthed) and B (waiting); box(1) left by train, box(2) by truck, box(3) is on
    # terminal at TTI; V1 closed, V9's OUT waits for its IN; DCLZ0001 is back
    assert sizes["event_ids"] == 13
    assert sizes["vessel_calls"] == 2
    assert sizes["truck_visits"] == 1  # V9's early OUT
    assert sizes["imports"] == 1  # box(3), discharged at TTI: the ICTF train does not take it off a terminal
    assert sizes["chassis"] == 0


def test_an_actual_event_in_the_future_is_counted_not_applied() -> None:
    engine = PartitionEngine(IndicatorConfig())
    engine.apply(gate(0, "V1", "IN"))
    watermark = engine.watermark
    typo = gate(0, "V2", "IN")
    typo["event_time"] = typo["event_time"].replace(year=2999)
    assert engine.apply(typo) is True
    assert engine.watermark == watermark
    assert engine.partial()["counts"]["future"] == 1
    assert engine.apply(gate(30, "V1", "OUT"))  # later events still count
    got = {(v.scope, v.indicator): v.value for v in combine([engine]).indicators()}
    assert got["USLAX/APMT", "trucks_on_terminal"] == 0


def test_a_visit_open_past_the_timeout_is_a_lost_out() -> None:
    events = [
        gate(0, "V1", "IN"),  # hour 0
        gate(2 * HOUR + 30, "V2", "IN"),  # hour 2
        gate(25 * HOUR, "V3", "IN"),  # now: hour 25; INs in hour 25 - 24 = 1 or before no longer count
    ]
    got = values(events)
    assert got["USLAX/APMT", "trucks_on_terminal"] == 2  # V2, V3
    late_out = values([*events, gate(30 * HOUR, "V1", "OUT")])  # V1's OUT, 30 h on: the turn closes
    assert late_out["USLAX/APMT", "trucks_on_terminal"] == 1  # V3 (V2 is past the timeout now, too)


def test_windows_follow_the_newest_watermark_of_all_engines() -> None:
    config = IndicatorConfig()
    quiet, busy = PartitionEngine(config), PartitionEngine(config)
    quiet.apply(gate(0, "V1", "IN"))
    quiet.apply(gate(40, "V1", "OUT"))  # its own watermark: minute 40
    busy.apply(gate(200, "W1", "IN", facility="TTI"))  # the newest watermark: minute 200
    got = {(v.scope, v.indicator): v.value for v in combine([quiet, busy], config).indicators()}
    # alone, APMT's 40-min turn is in its last hour; as of minute 200 it is not
    assert {(v.scope, v.indicator): v.value for v in combine([quiet], config).indicators()}[
        "USLAX/APMT", "truck_turn_minutes"
    ] == pytest.approx(40.0)
    assert got["USLAX/APMT", "truck_turn_minutes"] is None
    assert got["USLAX/APMT", "gate_moves_per_hour"] == 0
    assert got["USLGB/TTI", "trucks_on_terminal"] == 1
