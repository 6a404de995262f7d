"""Property: events split over N engines as the topics key them, then combined, give one engine's indicators."""

from __future__ import annotations

import json
import random
import uuid
import zlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baystream.streams.config import IndicatorConfig
from baystream.streams.engine import PartitionEngine
from tests.streams.engine_events import DAY, box, chassis, combine, discharge, gate, train, vessel

TERMINALS = ["APMT", "ETS", "TTI", "LBCT"]
minutes = st.integers(min_value=0, max_value=4 * DAY)
spans = st.integers(min_value=0, max_value=2 * DAY)
short_spans = st.integers(min_value=0, max_value=180)
maybe = st.booleans()


@st.composite
def scenarios(draw: st.DrawFn) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for n in range(draw(st.integers(0, 6))):
        facility, start = draw(st.sampled_from(TERMINALS)), draw(minutes)
        if draw(maybe):
            events.append(vessel(start, f"C{n}", "ARRIVED", "ANCHORAGE", facility))
        if draw(maybe):
            berthed = start + draw(spans)
            events.append(vessel(berthed, f"C{n}", "ARRIVED", "BERTH", facility))
            if draw(maybe):
                events.append(vessel(berthed + draw(spans), f"C{n}", "DEPARTED", "BERTH", facility))
        elif draw(maybe):
            events.append(vessel(start + draw(spans), f"C{n}", "DEPARTED", "ANCHORAGE", facility))
    for n in range(draw(st.integers(0, 12))):
        facility, start = draw(st.sampled_from(TERMINALS)), draw(minutes)
        events.append(gate(start, f"V{n}", "IN", facility))
        if draw(maybe):
            events.append(gate(start + draw(short_spans), f"V{n}", "OUT", facility))
    ictf_train: list[str] = []
    for n in range(draw(st.integers(0, 12))):
        facility, start, rail = draw(st.sampled_from(TERMINALS)), draw(minutes), draw(maybe)
        container = box(n)
        events.append(discharge(start, container, facility, "RAIL" if rail else "TRUCK"))
        fate = draw(st.sampled_from(["stays", "truck", "on-dock", "near-dock" if rail else "stays"]))
        left = start + draw(spans)
        if fate == "truck":
            events.append(gate(left - 30, f"P{n}", "IN", facility))
            events.append(gate(left, f"P{n}", "OUT", facility, container_id=container))
        elif fate == "on-dock":
            events.append(train(left, [container], facility))
        elif fate == "near-dock":  # drayed to the ICTF, leaves there by train
            events.append(gate(left - 30, f"P{n}", "IN", facility))
            events.append(gate(left, f"P{n}", "OUT", facility, container_id=container))
            ictf_train.append(container)
    if ictf_train:
        events.append(train(5 * DAY, ictf_train, "ICTF"))
    for n in range(draw(st.integers(0, 10))):
        location, start = draw(st.sampled_from([*TERMINALS, "ICTF", "DEPOT1"])), draw(minutes)
        chassis_id = f"DCLZ{n:04d}"
        events.append(chassis(start, chassis_id, "CHECKOUT", location))
        if draw(maybe):
            events.append(chassis(start + draw(spans), chassis_id, "RETURN", draw(st.sampled_from(TERMINALS))))
    for item in draw(st.lists(st.sampled_from(events), max_size=5)) if events else []:
        events.append(dict(item))  # duplicates
    for item in draw(st.lists(st.sampled_from(events), max_size=3)) if events else []:
        estimated = dict(item, event_id=str(uuid.UUID(int=len(events))), classifier="ESTIMATED")
        events.append(estimated)
    order = draw(st.sampled_from(["time", "shuffled"]))
    if order == "time":
        events.sort(key=lambda e: e["event_time"])
    else:
        random.Random(draw(st.integers(0, 2**16))).shuffle(events)
    return events


SPAN_HOURS = 10 * 24
"""A dedup horizon longer than any scenario (its latest event can be 8 days after its first). Whether an
event is too late depends on its engine's watermark, so engines holding a part of the events drop other
ones than one engine holding them all (hypothesis found such a case: SPB chassis_on_hand 33,998 against
33,999, as of 7 days and a minute after the first event); lateness has its own tests (test_engine_state.py)."""


def _key(event: dict[str, Any]) -> str:
    return str(event["chassis_id"] if event["type"] == "ChassisCheckout" else event["facility"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(min_value=1, max_value=4))
def test_split_engines_combined_equal_one_engine(events: list[dict[str, Any]], parts: int) -> None:
    config = IndicatorConfig(dedup_horizon_hours=SPAN_HOURS)
    one = PartitionEngine(config)
    split = [PartitionEngine(config) for _ in range(parts)]
    for item in events:
        one.apply(item)
        split[zlib.crc32(_key(item).encode()) % parts].apply(item)
    assert combine(split, config).indicators() == combine([one], config).indicators()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.floats(min_value=0, max_value=1))
def test_a_checkpoint_anywhere_changes_nothing(events: list[dict[str, Any]], where: float) -> None:
    config = IndicatorConfig()
    whole, before = PartitionEngine(config), PartitionEngine(config)
    cut = int(len(events) * where)
    for item in events[:cut]:
        whole.apply(item)
        before.apply(item)
    after = PartitionEngine.from_state(json.loads(json.dumps(before.to_state())), config)
    for item in events[cut:]:
        assert after.apply(item) == whole.apply(item)
    assert after.to_state() == whole.to_state()
    assert combine([after], config).indicators() == combine([whole], config).indicators()
