"""Known answers for every indicator, worked out by hand in each test (times in minutes after T0)."""

from __future__ import annotations

import pytest

from baystream.streams.config import Bound, IndicatorConfig
from baystream.streams.engine import PartitionEngine
from tests.streams.engine_events import DAY, HOUR, box, chassis, combine, discharge, gate, make, train, values, vessel


def test_vessels_waiting_counts_anchored_calls_not_yet_berthed_nor_departed() -> None:
    events = [
        vessel(0, "A", "ARRIVED", "ANCHORAGE"),
        vessel(10, "B", "ARRIVED", "ANCHORAGE"),
        vessel(20, "C", "ARRIVED", "ANCHORAGE"),
        vessel(30, "B", "ARRIVED", "BERTH"),  # B berthed: no longer waiting
        vessel(40, "C", "DEPARTED", "ANCHORAGE"),  # C left the anchorage
        vessel(50, "X", "ARRIVED", "ANCHORAGE", facility="TTI"),
        vessel(60, "Y", "ARRIVED", "ANCHORAGE", facility="TTI"),
    ]
    got = values(events)
    # APMT: A waits (B berthed, C left) = 1; TTI: X and Y = 2; USLAX 1, USLGB 2, SPB 1 + 2 = 3
    assert got["USLAX/APMT", "vessels_waiting"] == 1
    assert got["USLGB/TTI", "vessels_waiting"] == 2
    assert got["USLAX", "vessels_waiting"] == 1
    assert got["USLGB", "vessels_waiting"] == 2
    assert got["SPB", "vessels_waiting"] == 3


def test_anchor_wait_hours_is_the_mean_over_calls_berthed_in_the_last_24_hours() -> None:
    events = [
        vessel(-60 * HOUR, "C", "ARRIVED", "ANCHORAGE"),
        vessel(-10 * HOUR, "C", "ARRIVED", "BERTH"),  # waited 50 h, but berthed 40 h before now: outside
        vessel(0, "A", "ARRIVED", "ANCHORAGE"),
        vessel(2 * HOUR, "B", "ARRIVED", "ANCHORAGE"),
        vessel(20 * HOUR, "B", "ARRIVED", "BERTH"),  # 20 - 2 = 18 h
        vessel(30 * HOUR, "A", "ARRIVED", "BERTH"),  # 30 - 0 = 30 h; now = +30 h
        vessel(25 * HOUR, "D", "ARRIVED", "BERTH"),  # straight to berth (no anchorage arrival): waited 0 h
    ]
    got = values(events)
    assert got["USLAX/APMT", "anchor_wait_hours"] == pytest.approx((18 + 30 + 0) / 3)  # 16.0
    assert got["SPB", "anchor_wait_hours"] == pytest.approx(16.0)
    assert got["USLGB/TTI", "anchor_wait_hours"] is None  # nothing to average


def test_berth_utilization_is_vessels_at_berth_over_configured_berths() -> None:
    events = [
        vessel(0, "A", "ARRIVED", "BERTH"),
        vessel(10, "B", "ARRIVED", "BERTH"),
        vessel(20, "C", "ARRIVED", "BERTH"),
        vessel(30, "C", "DEPARTED", "BERTH"),
        vessel(40, "X", "ARRIVED", "BERTH", facility="TTI"),
    ]
    got = values(events)
    # APMT: A and B at berth of 6 berths = 2/6; TTI: 1 of 4 berths
    assert got["USLAX/APMT", "berth_utilization"] == pytest.approx(2 / 6)
    assert got["USLGB/TTI", "berth_utilization"] == pytest.approx(1 / 4)
    # USLAX berths: APMT 6 + ETS 4 + EAGLE 4 + TRAP 4 + WBCT 4 + YUSEN 3 = 25 -> 2/25
    assert got["USLAX", "berth_utilization"] == pytest.approx(2 / 25)
    # complex: 25 + USLGB (3 + 3 + 4 + 3 + 2 + 4 = 19) = 44 berths, 3 at berth
    assert got["SPB", "berth_utilization"] == pytest.approx(3 / 44)
    assert got["USLGB/ICTF", "berth_utilization"] is None  # a rail yard has no berths


def test_truck_turns_trucks_on_terminal_and_gate_moves_over_the_last_hour() -> None:
    t10 = 10 * HOUR
    events = [
        gate(t10 - 60, "V3", "IN"),
        gate(t10 - 30, "V3", "OUT"),  # 30 min turn, completed 09:30: 95 min before now
        gate(t10, "V1", "IN"),
        gate(t10 + 10, "V2", "IN"),
        gate(t10 + 40, "V1", "OUT"),  # 40 min
        gate(t10 + 60, "V2", "OUT"),  # 50 min
        gate(t10 + 65, "V4", "IN"),  # now = 11:05; V4 still in
        gate(t10 + 20, "W1", "IN", facility="TTI"),
        gate(t10 + 50, "W1", "OUT", facility="TTI"),  # 30 min
    ]
    got = values(events)
    # window = minutes 10:06..11:05: V1 (40) and V2 (50) -> 45; V3 (10:30 - 60 = 09:30) is out of it
    assert got["USLAX/APMT", "truck_turn_minutes"] == pytest.approx(45.0)
    assert got["USLAX/APMT", "trucks_on_terminal"] == 1
    # gate moves at 10:10, 10:40, 11:00, 11:05 (10:00 is 65 min before now; 09:00 and 09:30 older)
    assert got["USLAX/APMT", "gate_moves_per_hour"] == 4
    # complex: turns 40, 50, 30 -> 40; moves 4 + 2 = 6
    assert got["SPB", "truck_turn_minutes"] == pytest.approx(40.0)
    assert got["SPB", "gate_moves_per_hour"] == 6
    assert got["USLGB/TTI", "trucks_on_terminal"] == 0


@pytest.mark.parametrize(("turns", "expected"), [([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90), ([45], 45)])
def test_truck_turn_p90_is_the_nearest_rank(turns: list[int], expected: float) -> None:
    # 10 visits: rank ceil(0.9 * 10) = 9 -> the 9th smallest turn, 90 min; one visit: itself
    events = []
    for number, minutes in enumerate(turns):
        events += [gate(200 - minutes, f"V{number}", "IN"), gate(200, f"V{number}", "OUT")]
    assert values(events)["USLAX/APMT", "truck_turn_p90_minutes"] == expected


def test_truck_turn_p90_with_eleven_visits_takes_the_tenth() -> None:
    # 11 visits: rank ceil(0.9 * 11) = ceil(9.9) = 10 -> 100 (the 11th is 200)
    turns = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 200]
    events = []
    for number, minutes in enumerate(turns):
        events += [gate(300 - minutes, f"V{number}", "IN"), gate(300, f"V{number}", "OUT")]
    got = values(events)
    assert got["USLAX/APMT", "truck_turn_p90_minutes"] == 100
    # the mean covers every visit completed in the window (all at minute 300): (550 + 200) / 11
    assert got["USLAX/APMT", "truck_turn_minutes"] == pytest.approx(750 / 11)


def test_import_dwell_days_over_containers_that_left_in_the_last_24_hours() -> None:
    a, b, c = box(1), box(2), box(3)
    events = [
        discharge(0, a),
        discharge(0, c),
        discharge(1 * DAY, b, mode="RAIL"),
        gate(1 * DAY - 30, "V1", "IN"),
        gate(1 * DAY, "V1", "OUT", container_id=c),  # c: 1 day, left 2.5 days before now: outside
        gate(3 * DAY - 30, "V2", "IN"),
        gate(3 * DAY, "V2", "OUT", container_id=a),  # a: 3 days by truck
        train(3 * DAY + 12 * HOUR, [b]),  # b: 2.5 days by on-dock rail; now = 3.5 days
    ]
    got = values(events)
    assert got["USLAX/APMT", "import_dwell_days"] == pytest.approx((3 + 2.5) / 2)  # 2.75
    assert got["USLAX/APMT", "rail_dwell_days"] == pytest.approx(2.5)
    assert got["USLAX/APMT", "imports_on_terminal"] == 0


def test_imports_on_terminal_and_long_dwell_share() -> None:
    events = [
        discharge(0, box(1)),  # 6 days before now: long
        discharge(1 * DAY, box(2)),  # exactly 5 days: long
        discharge(2 * DAY, box(3)),  # 4 days
        discharge(5 * DAY + 12 * HOUR, box(4)),  # half a day
        discharge(3 * DAY, box(5), facility="TTI"),  # 3 days
        make_empty(6 * DAY),  # an empty: not an import we follow; sets now = 6 days
    ]
    got = values(events)
    assert got["USLAX/APMT", "imports_on_terminal"] == 4
    assert got["USLAX/APMT", "long_dwell_share"] == pytest.approx(2 / 4)
    assert got["SPB", "imports_on_terminal"] == 5
    assert got["SPB", "long_dwell_share"] == pytest.approx(2 / 5)
    assert got["USLGB/LBCT", "long_dwell_share"] is None  # nothing on terminal


def make_empty(minute: float) -> dict[str, object]:
    return make("ContainerEvent", minute, "APMT", container_id=box(99), empty=True, inland_mode=None)


def test_chassis_on_hand_and_out_per_location() -> None:
    events = [
        chassis(0, "DCLZ0001", "CHECKOUT"),
        chassis(1, "DCLZ0002", "CHECKOUT"),
        chassis(2, "DCLZ0003", "CHECKOUT"),
        chassis(3, "TRAZ0001", "CHECKOUT", location="TTI"),
        chassis(60, "TRAZ0001", "RETURN", location="APMT"),  # out at TTI, back at APMT
        chassis(70, "FLXZ0001", "CHECKOUT", location="DEPOT1"),  # a depot the configuration does not know
    ]
    got = values(events)
    # APMT: 4000 - 3 checkouts + 1 return = 3998; out: the three it lent
    assert got["USLAX/APMT", "chassis_on_hand"] == 3998
    assert got["USLAX/APMT", "chassis_out"] == 3
    # TTI: 3000 - 1 = 2999, its one chassis came back (elsewhere): 0 out
    assert got["USLGB/TTI", "chassis_on_hand"] == 2999
    assert got["USLGB/TTI", "chassis_out"] == 0
    # unknown depot: scope from the event's port, no inventory: 0 - 1
    assert got["USLGB/DEPOT1", "chassis_on_hand"] == -1
    # complex: 34,000 - 5 + 1
    assert got["SPB", "chassis_on_hand"] == 33996
    assert got["SPB", "chassis_out"] == 4


def test_chassis_street_dwell_days_over_returns_of_the_last_24_hours() -> None:
    events = [
        chassis(0, "DCLZ0001", "CHECKOUT"),
        chassis(0, "DCLZ0003", "CHECKOUT"),
        chassis(2 * DAY, "DCLZ0003", "RETURN"),  # 2 days, returned 2.5 days before now: outside
        chassis(1 * DAY, "DCLZ0002", "CHECKOUT"),
        chassis(4 * DAY, "DCLZ0001", "RETURN", location="TTI"),  # 4 days, counted at APMT (checkout)
        chassis(4 * DAY + 12 * HOUR, "DCLZ0002", "RETURN"),  # 3.5 days; now = 4.5 days
    ]
    got = values(events)
    assert got["USLAX/APMT", "chassis_street_dwell_days"] == pytest.approx((4 + 3.5) / 2)  # 3.75
    assert got["USLGB/TTI", "chassis_street_dwell_days"] is None


def test_rail_backlog_and_rail_dwell_days_on_dock_and_near_dock() -> None:
    r1, r2, r3, r4, r5, t1 = box(1), box(2), box(3), box(4), box(5), box(6)
    events = [
        discharge(0, r1, mode="RAIL"),
        discharge(0, r2, mode="RAIL"),
        discharge(0, r3, mode="RAIL"),
        discharge(0, r5, mode="RAIL"),
        discharge(0, r4, mode="RAIL", facility="TTI"),
        discharge(0, t1, mode="TRUCK"),
        gate(3 * DAY - 30, "D2", "IN"),
        gate(3 * DAY, "D2", "OUT", container_id=r2),  # drayed to the near-dock ICTF after 3 days
        gate(3 * DAY - 30, "D5", "IN"),
        gate(3 * DAY, "D5", "OUT", container_id=r5),  # the same
        train(4 * DAY, [r1]),  # on-dock at APMT after 4 days
        train(4 * DAY + 12 * HOUR, [r2], facility="ICTF"),  # r2 leaves the ICTF; now = 4.5 days
    ]
    got = values(events)
    # APMT backlog: r3 (r1 left by train, r2 and r5 by truck; t1 is truck-bound); TTI: r4
    assert got["USLAX/APMT", "rail_backlog"] == 1
    assert got["USLGB/TTI", "rail_backlog"] == 1
    # ICTF: r2 and r5 drayed in (+2), r2 left by train (-1)
    assert got["USLGB/ICTF", "rail_backlog"] == 1
    assert got["USLGB", "rail_backlog"] == 2
    assert got["SPB", "rail_backlog"] == 3
    # rail dwell at APMT: r1's 4 days (on-dock); drayed boxes end their terminal stay at the gate
    assert got["USLAX/APMT", "rail_dwell_days"] == pytest.approx(4.0)
    # import dwell: r2 and r5 left at 3 days, 1.5 days before now (outside the 24 h); r1's 4 days counts
    assert got["USLAX/APMT", "import_dwell_days"] == pytest.approx(4.0)
    assert got["USLAX/APMT", "imports_on_terminal"] == 2  # r3 and t1
    assert got["USLGB/ICTF", "rail_dwell_days"] is None


def test_rail_dwell_days_means_over_the_window() -> None:
    events = [
        discharge(0, box(1), mode="RAIL"),
        discharge(2 * DAY, box(2), mode="RAIL"),
        train(6 * DAY - 60, [box(1)]),  # 6 days - 1 h
        train(6 * DAY, [box(2)]),  # 4 days
    ]
    # (5.9583 + 4) / 2 = (143 h + 96 h) / 2 / 24 = 4.979166...
    assert values(events)["USLAX/APMT", "rail_dwell_days"] == pytest.approx((143 + 96) / 2 / 24)


def test_congestion_index_is_the_weighted_mean_of_clipped_positions() -> None:
    events = []
    for number in range(4):
        events += [gate(100, f"V{number}", "IN"), gate(180, f"V{number}", "OUT")]  # every turn 80 min
    got = values(events)
    # inputs with a value at APMT (defaults): vessels_waiting 0 -> below normal -> 0 (weight 1),
    # berth_utilization 0/6 -> 0 (weight 1), truck_turn_minutes 80 -> (80-60)/(100-60) = 0.5 (weight 1.5),
    # truck_turn_p90_minutes 80 -> below normal 90 -> 0 (weight 0.5): 100 * 1.5 * 0.5 / 4.0 = 18.75
    assert got["USLAX/APMT", "congestion_index"] == pytest.approx(18.75)


def test_congestion_index_levels_and_custom_bounds() -> None:
    config = IndicatorConfig(index={"truck_turn_minutes": Bound(60, 100, 2), "vessels_waiting": Bound(0, 44, 1)})
    events = [gate(0, "V1", "IN"), gate(90, "V1", "OUT")]
    events += [vessel(5, f"C{n}", "ARRIVED", "ANCHORAGE") for n in range(3)]
    engine_values = values(events, config)
    # turn 90 -> (90-60)/40 = 0.75 (w 2); vessels_waiting bounds scaled by APMT's berth share 6/44:
    # 0 -> 6, so 3 waiting -> 3/6 = 0.5 (w 1). Index = 100 * (1.5 + 0.5) / 3 = 66.67 -> AMBER
    assert engine_values["USLAX/APMT", "congestion_index"] == pytest.approx(200 / 3)
    engine = PartitionEngine(config)
    for item in events:
        engine.apply(item)
    levels = {v.scope: v.level for v in combine([engine], config).indicators() if v.indicator == "congestion_index"}
    assert levels["USLAX/APMT"] == "AMBER"
    # USLAX: 25 berths -> bounds 0..25, 3/25 = 0.12; index = 100 * (1.5 + 0.12) / 3 = 54 -> AMBER
    assert engine_values["USLAX", "congestion_index"] == pytest.approx(54.0)
    # ICTF has no berths and no turns: no input has a value
    assert engine_values["USLGB/ICTF", "congestion_index"] is None
    assert levels["USLGB/ICTF"] is None


def test_port_and_complex_figures_pool_the_samples_of_their_facilities() -> None:
    events = []
    # APMT (USLAX): turns 10..90 min (9 visits); ETS (USLAX): one of 100; TTI (USLGB): one of 200
    for number, minutes in enumerate(range(10, 100, 10)):
        events += [gate(300 - minutes, f"A{number}", "IN"), gate(300, f"A{number}", "OUT")]
    events += [gate(200, "E1", "IN", facility="ETS"), gate(300, "E1", "OUT", facility="ETS")]
    events += [gate(100, "T1", "IN", facility="TTI"), gate(300, "T1", "OUT", facility="TTI")]
    # chassis: APMT 2 days, TTI 4 days and 6 days, all returned at minute 300 + 6 days
    end = 300 + 6 * DAY
    events += [chassis(end - 2 * DAY, "DCLZ0001", "CHECKOUT"), chassis(end, "DCLZ0001", "RETURN")]
    events += [chassis(end - 4 * DAY, "DCLZ0002", "CHECKOUT", "TTI"), chassis(end, "DCLZ0002", "RETURN", "TTI")]
    events += [chassis(end - 6 * DAY, "DCLZ0003", "CHECKOUT", "TTI"), chassis(end, "DCLZ0003", "RETURN", "TTI")]
    turns = values(events[:22])  # gates only: now = minute 300
    # APMT p90 of 9: rank ceil(8.1) = 9 -> 90; USLAX pools 10 visits: rank 9 -> 90 (the 9th of 10..90, 100)
    assert turns["USLAX/APMT", "truck_turn_p90_minutes"] == 90
    assert turns["USLAX", "truck_turn_p90_minutes"] == 90
    # SPB pools 11: rank ceil(9.9) = 10 -> 100; means: USLAX (450 + 100) / 10 = 55, SPB 750 / 11
    assert turns["SPB", "truck_turn_p90_minutes"] == 100
    assert turns["USLAX", "truck_turn_minutes"] == pytest.approx(55.0)
    assert turns["SPB", "truck_turn_minutes"] == pytest.approx(750 / 11)
    assert turns["USLGB", "truck_turn_minutes"] == pytest.approx(200.0)
    got = values(events)
    # street dwell, returns in the last 24 h: USLAX 2; USLGB (4 + 6) / 2 = 5; SPB 12 / 3 = 4
    assert got["USLAX", "chassis_street_dwell_days"] == pytest.approx(2.0)
    assert got["USLGB", "chassis_street_dwell_days"] == pytest.approx(5.0)
    assert got["SPB", "chassis_street_dwell_days"] == pytest.approx(4.0)
