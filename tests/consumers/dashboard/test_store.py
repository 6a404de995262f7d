"""The dashboard store: latest wins by event time, history one point per bucket, alerts deduplicated."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baystream.consumers.dashboard.store import DashboardStore, api_form
from tests.consumers.dashboard.helpers import BASE_TIME, alert, indicator


def at(minutes: float) -> datetime:
    return BASE_TIME + timedelta(minutes=minutes)


def test_latest_is_the_newest_event_time_not_the_last_arrival() -> None:
    store = DashboardStore()
    assert store.add_indicator(indicator("USLAX/APMT", "truck_turn_minutes", 50.0, at=at(2)))
    assert not store.add_indicator(indicator("USLAX/APMT", "truck_turn_minutes", 90.0, at=at(1)))
    assert store.add_indicator(indicator("USLAX/APMT", "truck_turn_minutes", 61.0, at=at(3)))
    [latest] = store.latest()
    assert latest["value"] == 61.0 and latest["as_of"] == at(3)


def test_same_event_time_later_publication_wins() -> None:
    store = DashboardStore()
    first = indicator("SPB", "congestion_index", 40.0, "AMBER", at(0))
    second = {**first, "value": 39.0, "level": "GREEN", "computed_at": first["computed_at"] + timedelta(seconds=5)}
    assert store.add_indicator(first)
    assert store.add_indicator(second)
    assert not store.add_indicator(first)  # a replay of the older publication
    assert store.latest()[0]["level"] == "GREEN"
    republished = {**second, "computed_at": second["computed_at"] + timedelta(seconds=5)}
    assert not store.add_indicator(republished)  # same value again: nothing new to show
    assert store.latest()[0]["computed_at"] == republished["computed_at"]  # but it is fresher


def test_filters_and_order() -> None:
    store = DashboardStore()
    for scope, name in [("USLGB", "vessels_waiting"), ("SPB", "congestion_index"), ("USLAX", "congestion_index")]:
        store.add_indicator(indicator(scope, name, 1.0))
    assert [(r["scope"], r["indicator"]) for r in store.latest()] == [
        ("SPB", "congestion_index"),
        ("USLAX", "congestion_index"),
        ("USLGB", "vessels_waiting"),
    ]
    assert [r["scope"] for r in store.latest(indicators=["congestion_index"])] == ["SPB", "USLAX"]
    assert [r["scope"] for r in store.latest(scopes=["USLGB", "SPB"], indicators=["vessels_waiting"])] == ["USLGB"]
    assert store.scopes() == {"SPB", "USLAX", "USLGB"}
    store.add_indicator(indicator("USLAX/APMT", "congestion_index", 1.0))
    assert [r["scope"] for r in store.latest(scopes=["USLAX/*"])] == ["USLAX/APMT"]
    assert [r["scope"] for r in store.latest(scopes=["USLAX*"])] == ["USLAX", "USLAX/APMT"]


def test_history_keeps_one_point_per_bucket_newest_wins_and_is_bounded() -> None:
    store = DashboardStore(history_points=3, resolution_s=60)
    for minute, value in [(0.0, 1.0), (0.5, 2.0), (1.0, 3.0), (0.2, 9.0), (2.0, 4.0), (3.0, 5.0)]:
        store.add_indicator(indicator("SPB", "vessels_waiting", value, at=at(minute)))
    points = store.history("SPB", "vessels_waiting")
    assert points is not None
    # buckets 12:00 (2.0 at :30 beat 1.0 and the late 9.0 at :12), 12:01, 12:02, 12:03; capacity 3 drops 12:00
    assert [(p.as_of, p.value) for p in points] == [(at(1), 3.0), (at(2), 4.0), (at(3), 5.0)]
    # older than everything in a full series: ignored, not inserted and dropped at once
    store.add_indicator(indicator("SPB", "vessels_waiting", 7.0, at=at(-10)))
    assert [p.value for p in store.history("SPB", "vessels_waiting") or []] == [3.0, 4.0, 5.0]
    assert [p.value for p in store.history("SPB", "vessels_waiting", since=at(2)) or []] == [4.0, 5.0]
    assert store.history("SPB", "nothing") is None


def test_alerts_newest_first_deduplicated_and_bounded() -> None:
    store = DashboardStore(alert_capacity=2)
    a1 = alert("USLAX/APMT", "AMBER", "GREEN", 45.0, at(0))
    a2 = alert("USLGB/TTI", "RED", "AMBER", 75.0, at(5))
    a3 = alert("USLAX/APMT", "RED", "AMBER", 72.0, at(3))
    assert store.add_alert(a1) and store.add_alert(a2)
    assert not store.add_alert(dict(a1))
    assert store.add_alert(a3)  # evicts a1, the oldest arrival
    assert [a["alert_id"] for a in store.alerts()] == [a2["alert_id"], a3["alert_id"]]
    assert [a["alert_id"] for a in store.alerts(scopes=["USLAX/APMT"])] == [a3["alert_id"]]
    assert [a["alert_id"] for a in store.alerts(scopes=["USLGB/*"])] == [a2["alert_id"]]
    assert [a["alert_id"] for a in store.alerts(limit=1)] == [a2["alert_id"]]
    assert store.add_alert(a1)  # evicted ids may come back


def test_api_form_formats_times_and_keeps_nulls() -> None:
    record = indicator("SPB", "anchor_wait_hours", None, at=datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC))
    form = api_form(record, ["scope", "value", "level", "as_of"])
    assert form == {"scope": "SPB", "value": None, "level": None, "as_of": "2024-05-01T12:00:00.250Z"}


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        DashboardStore(history_points=0)


@given(
    st.lists(
        st.tuples(st.integers(0, 600), st.floats(0, 100, allow_nan=False)),
        min_size=1,
        max_size=40,
        unique_by=lambda x: x[0],
    ),
    st.randoms(use_true_random=False),
)
def test_any_arrival_order_and_replays_give_the_same_state(values: list[tuple[int, float]], rnd: random.Random) -> None:
    records = [indicator("USLAX/TRAP", "gate_moves_per_hour", v, at=at(m / 10)) for m, v in values]
    ordered = DashboardStore(history_points=20, resolution_s=30)
    for r in records:
        ordered.add_indicator(r)
    shuffled = DashboardStore(history_points=20, resolution_s=30)
    replayed = records + records[: len(records) // 2]
    rnd.shuffle(replayed)
    for r in replayed:
        shuffled.add_indicator(r)
    assert ordered.latest() == shuffled.latest()
    newest = max(values)
    assert ordered.latest()[0]["value"] == newest[1]
    assert ordered.history("USLAX/TRAP", "gate_moves_per_hour") == shuffled.history("USLAX/TRAP", "gate_moves_per_hour")
