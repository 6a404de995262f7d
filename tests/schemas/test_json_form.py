"""The JSON form: round trips, defaults, and errors that name the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baystream.schemas.catalog import catalog
from baystream.schemas.errors import InvalidEvent
from baystream.schemas.fields import fields_of
from baystream.schemas.json_form import dumps, format_time, parse_event, parse_line, to_json
from tests.events import ALL_TYPES, event
from tests.schemas.implementations import implemented
from tests.schemas.strategies import any_event

pytestmark = pytest.mark.usefixtures(implemented.__name__)
"""Every test on the interpreted and on the compiled converters and validators."""


@given(any_event)
def test_json_round_trip(record: dict[str, Any]) -> None:
    record = dict(
        record, event_time=record["event_time"].replace(microsecond=record["event_time"].microsecond // 1000 * 1000)
    )
    assert parse_event(to_json(record)) == record


@pytest.mark.parametrize("type_name", ALL_TYPES)
def test_hand_made_events_parse_and_fill_defaults(type_name: str) -> None:
    record = parse_event(event(type_name))
    assert record["classifier"] == "ACTUAL"
    assert record["event_time"] == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_absent_optional_fields_are_omitted() -> None:
    text = dumps(parse_event(event("GateMove")))
    assert '"chassis_id"' not in text and '"container_id":"CSQU3054383"' in text


def test_times_keep_milliseconds_and_offsets_become_utc() -> None:
    record = parse_event(event("GateMove", event_time="2024-05-01T05:00:00.250-07:00"))
    assert format_time(record["event_time"]) == "2024-05-01T12:00:00.250Z"


def _errors(obj: Any) -> dict[str, str]:
    with pytest.raises(InvalidEvent) as info:
        parse_event(obj)
    return {e.field: e.reason for e in info.value.errors}


def test_every_problem_is_reported_with_its_field() -> None:
    problems = _errors(
        event("GateMove", container_id="CSQU3054384", port="Los Angeles", direction="SIDEWAYS", colour="red")
    )
    assert set(problems) == {"container_id", "port", "direction", "colour"}
    assert "check digit" in problems["container_id"] and "is 3, not 4" in problems["container_id"]
    assert "IN, OUT" in problems["direction"]
    assert "not a field" in problems["colour"]


def test_missing_required_field_and_bad_types() -> None:
    obj = event("RailDeparture", car_count="three")
    del obj["train_id"]
    problems = _errors(obj)
    assert problems["train_id"].startswith("is required")
    assert "integer" in problems["car_count"]


def test_time_without_zone_is_rejected() -> None:
    assert "ISO-8601" in _errors(event("GateMove", event_time="2024-05-01 12:00"))["event_time"]
    assert "field 'event_time'" in _msg("2024-05-01T12:00:00")


def _msg(when: str) -> str:
    with pytest.raises(InvalidEvent) as info:
        parse_event(event("GateMove", event_time=when))
    return str(info.value)


def test_unknown_type_and_not_json() -> None:
    assert "GateMove" in _errors({"type": "Truck"})["type"]
    with pytest.raises(InvalidEvent, match="not JSON"):
        parse_line("{oops")


def test_chassis_size_accepts_numbers() -> None:
    assert parse_event(event("ChassisCheckout", size=45))["size"] == "45"
    assert "20, 40 or 45" in _errors(event("ChassisCheckout", size=53))["size"]


@given(
    st.sampled_from(ALL_TYPES),
    st.sampled_from(["type", "railroad", "event_time", "size", "container_ids", "empty"]),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
        max_leaves=5,
    ),
)
def test_any_json_value_in_any_field_is_an_invalid_event_or_valid(type_name: str, field: str, value: Any) -> None:
    """JSON objects or arrays where a plain value belongs must be reported, never raise anything else."""
    try:
        parse_event(event(type_name, **{field: value}))
    except InvalidEvent as exc:
        assert exc.errors


ENUM_SYMBOLS = [
    (type_name, info.name, symbol)
    for type_name in ALL_TYPES
    for info in fields_of(type_name)
    if info.kind == "enum"
    for symbol in info.symbols
]


@pytest.mark.parametrize(
    ("type_name", "field", "symbol"), ENUM_SYMBOLS, ids=[f"{t}.{f}={s}" for t, f, s in ENUM_SYMBOLS]
)
def test_every_symbol_of_every_enum_can_be_published(type_name: str, field: str, symbol: str) -> None:
    assert parse_event(event(type_name, **{field: symbol}))[field] == symbol


def test_the_publishable_symbols_are_exactly_those_of_the_version_before_unknown() -> None:
    published: dict[tuple[str, str], list[str]] = {}
    for t, f, symbol in ENUM_SYMBOLS:
        published.setdefault((t, f), []).append(symbol)
    before: dict[tuple[str, str], list[str]] = {}
    for type_name in ALL_TYPES:
        # v2, the version before UNKNOWN, then the symbols appended after UNKNOWN since (VesselArrival v5:
        # HOLDING_AREA); an enum added since (VesselArrival.fuel, v4) is its newest symbols
        newest: dict[str, list[str]] = {}
        for version in (catalog().versions[type_name][-1], catalog().versions[type_name][1]):
            for field in json.loads(version.text)["fields"]:
                branches = field["type"] if isinstance(field["type"], list) else [field["type"]]
                for branch in branches:
                    if isinstance(branch, dict) and branch["type"] == "enum":
                        symbols = branch["symbols"]
                        later = newest.setdefault(field["name"], symbols)
                        appended = later[later.index("UNKNOWN") + 1 :] if symbols is not later else []
                        before[type_name, field["name"]] = [s for s in symbols if s != "UNKNOWN"] + appended
    assert published == before
    assert len(ENUM_SYMBOLS) == 37 + 8 + 1  # + the fuels of VesselArrival v4, + HOLDING_AREA (v5)


@pytest.mark.parametrize("type_name", ALL_TYPES)
def test_unknown_cannot_be_published_in_any_enum(type_name: str) -> None:
    enums = [info.name for info in fields_of(type_name) if info.kind == "enum"]
    problems = _errors(event(type_name, **dict.fromkeys(enums, "UNKNOWN")))
    reason = "UNKNOWN is the reader's stand-in for a symbol this version does not know; it cannot be published"
    assert problems == dict.fromkeys(enums, reason)
    with pytest.raises(InvalidEvent, match=f"field 'classifier': {reason}, got 'UNKNOWN'"):
        parse_line(json.dumps(event(type_name, classifier="UNKNOWN")))
