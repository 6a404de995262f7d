"""The congestion index sees a crisis of one concern: inputs built to the published crisis figures
(docs/domain.md) reach AMBER at the scopes they hit, their normal figures stay GREEN (docs/indicators.md)."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

import pytest

from baystream.streams.config import Bound, IndicatorConfig
from baystream.streams.engine import PartitionEngine
from baystream.streams.engine.index import congestion_index
from tests.streams.engine_events import DAY, HOUR, box, chassis, combine, discharge, gate, train, values


def _levels(events: list[dict[str, Any]], config: IndicatorConfig) -> dict[str, tuple[float, str]]:
    engine = PartitionEngine(config)
    for item in events:
        engine.apply(item)
    return {
        v.scope: (v.value, v.level) for v in combine([engine], config).indicators() if v.indicator == "congestion_index"
    }


def _pool(chassis_at_apmt: int) -> IndicatorConfig:
    """The default configuration with APMT's pool set to `chassis_at_apmt` (as calibrate.py's fleet factor)."""
    facilities = dict(IndicatorConfig().facilities)
    facilities["APMT"] = replace(facilities["APMT"], chassis=chassis_at_apmt)
    return IndicatorConfig(facilities=MappingProxyType(facilities))


@pytest.mark.parametrize(("out", "level"), [(60, "GREEN"), (80, "AMBER"), (95, "AMBER")])
def test_a_chassis_shortage_alone_is_amber(out: int, level: str) -> None:
    """`chassis-shortage`: ~400 of 8,500 chassis left. In the pool: 1 - out/100; 0.5 -> 0, 0.1 -> 1."""
    config = _pool(100)
    events = [chassis(n, f"DCLZ{n:06d}", "CHECKOUT") for n in range(out)]
    index, got = _levels(events, config)["USLAX/APMT"]
    share = 1 - out / 100
    assert index == pytest.approx(100 * 0.6 * min(1.0, max(0.0, (share - 0.5) / (0.1 - 0.5))))
    assert got == level


def _rail(days: int, per_day: int, trains_per_day: int) -> list[dict[str, Any]]:
    """`per_day` rail-bound imports a day at APMT, all drayed to the ICTF the same day, whose trains take
    `trains_per_day` of them a day (the first ones drayed)."""
    events: list[dict[str, Any]] = []
    drayed: list[str] = []
    for day in range(days):
        for n in range(per_day):
            cid = box(day * per_day + n)
            minute = day * DAY + n
            events += [discharge(minute, cid, mode="RAIL"), gate(minute + 600, f"V{cid}", "IN")]
            events.append(gate(minute + 630, f"V{cid}", "OUT", container_id=cid))
            drayed.append(cid)
        taken, drayed = drayed[:trains_per_day], drayed[trains_per_day:]
        if taken:
            events.append(train(day * DAY + 20 * HOUR, taken, facility="ICTF"))
    return events


def test_a_rail_outage_lifts_the_near_dock_yard_to_amber() -> None:
    """`rail-disruption` at the ICTF: 14.8k boxes waiting. In days of its arrivals: 3 normal, 6.6 crisis."""
    config = IndicatorConfig()
    normal = _levels(_rail(10, 40, 40), config)  # every box leaves the day it arrives: about 0 days waiting
    assert normal["USLGB/ICTF"][1] == "GREEN" and normal["USLGB/ICTF"][0] == pytest.approx(0.0)
    outage = _levels(_rail(10, 40, 0), config)  # 400 waiting over 280 arrived in the last 7 days: 10 days
    assert values(_rail(10, 40, 0), config)["USLGB/ICTF", "rail_backlog"] == 400
    assert outage["USLGB/ICTF"] == (pytest.approx(60.0), "AMBER")
    assert outage["SPB"][1] == "AMBER"  # over the complex's 40 rail-bound discharges a day (drays not again)
    # three days in, the window holds the 2.4 days since the first dray (not seven): 120 waiting over 50 a
    # day is 2.4 days, below normal; over 120 / 7 a day it would have been 7 days, AMBER
    assert _levels(_rail(3, 40, 0), config)["USLGB/ICTF"] == (0.0, "GREEN")


def test_long_truck_dwell_alone_is_amber_and_normal_dwell_green() -> None:
    """`congested-2021`: truck dwell 8.4 days (Nov 2021) is the dwell group's crisis value."""
    config = IndicatorConfig()

    def dwell(days: float) -> list[dict[str, Any]]:
        events = []
        for n in range(10):
            end = 20 * DAY + n * HOUR
            events += [discharge(end - days * DAY, box(n)), gate(end - 30, f"T{n}", "IN")]
            events.append(gate(end, f"T{n}", "OUT", container_id=box(n)))
        return events

    assert _levels(dwell(3.0), config)["USLAX/APMT"][1] == "GREEN"
    index, level = _levels(dwell(8.4), config)["USLAX/APMT"]
    assert level == "AMBER" and index >= 60.0  # the pooled import_dwell_days (w 1.5) adds to the mean too


def test_group_peak_zero_is_the_weighted_mean_of_before() -> None:
    bounds = {"truck_turn_minutes": Bound(60, 100, 1.5, "gates"), "rail_backlog_days": Bound(2.5, 7, 0, "rail")}
    inputs = {"truck_turn_minutes": 80.0, "rail_backlog_days": 7.0}
    config = IndicatorConfig(index=MappingProxyType(bounds))
    assert congestion_index(inputs, config, 0.1) == pytest.approx(60.0)  # 0.6 x the rail backlog at crisis
    assert congestion_index(inputs, replace(config, group_peak=0.0), 0.1) == pytest.approx(50.0)  # the mean
    assert congestion_index({"rail_backlog_days": 7.0}, replace(config, group_peak=0.0), 0.1) == 0.0
    assert congestion_index({}, config, 0.1) is None
