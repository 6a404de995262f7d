"""The compiled validators report exactly what the rules say: every problem, in field order, same words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baystream.schemas import native_checks, validation
from baystream.schemas.catalog import INPUT_TYPES, catalog
from baystream.schemas.errors import FieldError, InvalidEvent
from baystream.schemas.fields import fields_of
from baystream.schemas.json_form import parse_event
from baystream.schemas.timerange import TIME_MAX, TIME_MIN, TIME_RANGE
from baystream.schemas.validation import ensure_valid, validate
from tests.events import ALL_TYPES, event
from tests.schemas.implementations import implemented
from tests.schemas.strategies import EVENTS

pytestmark = pytest.mark.usefixtures(implemented.__name__)
"""Every test on the interpreted and on the compiled converters and validators."""

_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "string": ((str,), "a non-empty string"),
    "timestamp": ((datetime,), f"a UTC time from {TIME_RANGE}"),
    "boolean": ((bool,), "true or false"),
    "int": ((int,), "a 32-bit integer"),
    "long": ((int,), "an integer"),
    "double": ((float, int), "a number"),
    "bytes": ((bytes,), "bytes"),
    "string_array": ((list,), "a list of strings"),
    "enum": ((str,), ""),
}


def reference(record: dict[str, Any]) -> list[FieldError]:
    """The rules, one field after the other, as plainly as they can be written (the oracle)."""
    type_name = record.get("type")
    if not isinstance(type_name, str) or type_name not in catalog().current:
        return [FieldError("type", "expected one of " + ", ".join(INPUT_TYPES), type_name)]
    errors = []
    for info in fields_of(type_name):
        types, wanted = _TYPES[info.kind]
        if info.kind == "enum":
            wanted = "one of " + ", ".join(info.symbols)
        value = record.get(info.name)
        if value is None:
            if not info.nullable:
                errors.append(FieldError(info.name, f"is required ({wanted})", None))
            continue
        wrong = type(value) not in types or value == ""
        if not wrong and info.kind == "enum" and value == info.stand_in:
            errors.append(FieldError(info.name, STAND_IN, value))  # what a reader gets for a newer symbol
            continue
        if not wrong and info.kind == "enum":
            wrong = value not in info.symbols
        if not wrong and info.kind == "timestamp":
            wrong = value.tzinfo is None or not TIME_MIN <= value < TIME_MAX
        if not wrong and info.kind == "int":
            wrong = not -(2**31) <= value < 2**31
        if not wrong and info.kind == "string_array":
            wrong = not all(type(x) is str for x in value)
        if wrong:
            errors.append(FieldError(info.name, f"expected {wanted}", value))
            continue
        check = validation._DOMAIN_CHECKS.get(info.name)
        if check is not None and (problem := check(value)) is not None:
            errors.append(FieldError(info.name, problem, value))
    queued, gate_in = record.get("queue_arrival_time"), record.get("event_time")
    if type_name == "GateMove" and type(queued) is datetime and queued.tzinfo is not None:
        if record.get("direction") != "IN":
            errors.append(FieldError("queue_arrival_time", "only a gate IN has a queue arrival", queued))
        elif type(gate_in) is datetime and gate_in.tzinfo is not None and queued > gate_in:
            reason = "expected a time not after the gate IN (event_time)"
            errors.append(FieldError("queue_arrival_time", reason, queued))
    return errors


STAND_IN = "UNKNOWN is the reader's stand-in for a symbol this version does not know; it cannot be published"

_ODD_VALUES: list[Any] = [
    None,
    "",
    " ",
    "x",
    "USLAX",
    "uslax",
    "USLAX\n",
    "APMT",
    "ABCD",
    "ABCDE",
    "IN",
    "ACTUAL",
    "UNKNOWN",
    "unknown",
    "RED",
    "20",
    "53",
    "MSCU0000007",
    "MSCU0000008",
    "9321483",
    "9321484",
    "DCLZ400123",
    "DCLZ12",
    "2f1c7b0e-8a43-4c1e-9d2a-5b7e6f0a9c11",
    "2f1c7b0e-8a43-4c1e-9d2a-5b7e6f0a9c11\n",
    "2F1C7B0E-8A43-4C1E-9D2A-5B7E6F0A9C1G",
    True,
    False,
    0,
    1,
    -1,
    2**31 - 1,
    2**31,
    -(2**31),
    -(2**31) - 1,
    2**70,
    1.5,
    float("nan"),
    b"x",
    b"",
    [],
    ["MSCU0000007"],
    ["MSCU0000007", "MSCU0000008"],
    ["MSCU0000007", 7],
    ("MSCU0000007",),
    {"a": 1},
    datetime(2024, 5, 1, 12, tzinfo=UTC),
    datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=-7))),
    datetime(2024, 5, 1, 12),
    date(2024, 5, 1),
    datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(2999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
    datetime(3000, 1, 1, tzinfo=UTC),
    "V" * 64,
    "V" * 65,
    "APMT-V1\x00",
    "EVER\u2028GIVEN",
    " MSC CLARA",
    "X" * 201,
]


FIELDS = [(type_name, info.name) for type_name in catalog().current for info in fields_of(type_name)]
"""Every field of every type: each gets every odd value (one test per field, not per value: thousands of
tests cost more in pytest's bookkeeping than in their checks)."""


def _base(type_name: str) -> dict[str, Any]:
    if type_name in ALL_TYPES:
        return parse_event(event(type_name))
    return {"type": type_name}


@pytest.mark.parametrize(("type_name", "field"), FIELDS, ids=[f"{t}.{f}" for t, f in FIELDS])
def test_any_value_in_any_field_is_reported_as_the_rules_say(type_name: str, field: str) -> None:
    for value in _ODD_VALUES:
        record = {**_base(type_name), field: value}
        expected = reference(record)
        assert validate(record) == expected, value
        assert validate(record) == expected, value  # again: remembered valid values change nothing


@pytest.mark.parametrize("type_name", sorted(EVENTS))
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_events_and_their_mutations(type_name: str, data: st.DataObject) -> None:
    record = data.draw(EVENTS[type_name])
    assert validate(record) == reference(record) == []
    names = [info.name for info in fields_of(type_name)]
    for name in data.draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
        record[name] = data.draw(st.sampled_from(_ODD_VALUES) | st.text(max_size=12) | st.integers())
    assert validate(record) == reference(record)


def test_every_problem_in_field_order() -> None:
    record = parse_event(event("GateMove"))
    record.update(event_id="nope", port="Los Angeles", direction="SIDEWAYS", trucker=None, container_id=7)
    assert [(e.field, e.reason) for e in validate(record)] == [
        ("event_id", "expected a UUID like 0b6f3c1e-2a4d-4c1b-9a55-3f0e2d1c4b7a"),
        ("port", "expected a UN/LOCODE: 2-letter country + 3 letters/digits"),
        ("direction", "expected one of IN, OUT"),
        ("trucker", "is required (a non-empty string)"),
        ("container_id", "expected a non-empty string"),
    ]
    with pytest.raises(InvalidEvent) as info:
        ensure_valid(record)
    assert len(info.value.errors) == 5


def test_a_bad_value_stays_bad_after_good_ones_were_remembered() -> None:
    good = parse_event(event("ContainerEvent", container_id="APZU4812090"))
    assert validate(good) == []
    bad = dict(good, container_id="APZU4812091", vessel_imo="9321484", port="usLAX")
    for _ in range(3):
        assert [e.field for e in validate(bad)] == ["port", "container_id", "vessel_imo"]
        assert validate(good) == []


def test_remembered_values_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    base = parse_event(event("GateMove"))
    monkeypatch.setattr(native_checks, "native_build", lambda: None)  # the exec'd validator: the compiled one
    monkeypatch.setattr(validation, "_REMEMBER", 8)  # is tested in test_native_checks.py
    monkeypatch.setattr(validation, "_VALIDATORS", {})
    calls: list[str] = []
    check = validation._DOMAIN_CHECKS["facility"]

    def counting(value: str) -> str | None:
        calls.append(value)
        return check(value)

    monkeypatch.setitem(validation._DOMAIN_CHECKS, "facility", counting)
    for i in range(20):
        assert validate(dict(base, facility=f"T{i}")) == []
    assert validate(dict(base, facility="T19")) == []  # remembered: not checked again
    assert len(calls) == 20
    assert validate(dict(base, facility="T0")) == []  # forgotten when the set was full: checked again
    assert len(calls) == 21
    assert validate(dict(base, facility="bad one"))[0].field == "facility"
    assert validate(dict(base, facility="bad one"))[0].field == "facility"  # problems are never remembered


class Shouting(str):
    """A str subclass equal to the stand-in: not a plain str, so the type error comes first."""


def test_the_stand_in_symbol_is_refused_in_every_enum() -> None:
    fields = [(t, info) for t in catalog().current for info in fields_of(t) if info.kind == "enum"]
    assert len(fields) == 22  # every enum field of the contract: 15 in the inputs, 3 Level, 4 ContainerStatus
    for type_name, info in fields:
        assert info.stand_in == "UNKNOWN" and "UNKNOWN" not in info.symbols, (type_name, info.name)
        record = {**_base(type_name), info.name: "UNKNOWN"}
        assert FieldError(info.name, STAND_IN, "UNKNOWN") in validate(record)
        assert str(FieldError(info.name, STAND_IN, "UNKNOWN")) == f"field {info.name!r}: {STAND_IN}, got 'UNKNOWN'"
        odd = validate({**_base(type_name), info.name: Shouting("UNKNOWN")})
        assert FieldError(info.name, "expected one of " + ", ".join(info.symbols), "UNKNOWN") in odd
    with pytest.raises(InvalidEvent, match="UNKNOWN is the reader's stand-in"):
        ensure_valid(parse_event(event("GateMove")) | {"move_type": "UNKNOWN"})


def test_unknown_or_missing_type() -> None:
    for record in ({}, {"type": None}, {"type": "Truck"}, {"type": ["GateMove"]}, {"type": 3}):
        assert validate(record) == reference(record)
        assert validate(record)[0].field == "type"


def test_the_air_and_trade_fields() -> None:
    """last_port is a UN/LOCODE like port, fuel one of the list, teu_capacity a plausible ship; all optional."""
    base = parse_event(event("VesselArrival"))
    assert validate(base) == []
    good = {**base, "last_port": "CNSHA", "teu_capacity": 14_000, "fuel": "METHANOL", "shore_power": True}
    assert validate(good) == []
    bad = {**base, "last_port": "Shanghai", "teu_capacity": 0, "fuel": "COAL", "shore_power": "yes"}
    assert [(e.field, e.reason) for e in validate(bad)] == [
        ("last_port", "expected a UN/LOCODE: 2-letter country + 3 letters/digits"),
        ("teu_capacity", "expected a capacity of 1 to 50000 TEU"),
        ("fuel", "expected one of VLSFO, MGO, HFO_SCRUBBER, LNG, METHANOL, AMMONIA, BIOFUEL, OTHER"),
        ("shore_power", "expected true or false"),
    ]
    gate = parse_event(event("GateMove"))
    assert validate({**gate, "zero_emission": True}) == validate(gate) == []
    assert [e.field for e in validate({**gate, "zero_emission": 1})] == ["zero_emission"]


def test_the_queue_arrival_lies_before_the_gate_in() -> None:
    """A truck joins the outside queue before it passes the gate IN; a gate OUT has no queue arrival."""
    gate = parse_event(event("GateMove", direction="IN"))
    queued = gate["event_time"] - timedelta(minutes=40)
    at_the_gate = {**gate, "queue_arrival_time": gate["event_time"]}
    assert validate({**gate, "queue_arrival_time": queued}) == validate(at_the_gate) == []
    later = gate["event_time"] + timedelta(seconds=1)
    assert [(e.field, e.reason) for e in validate({**gate, "queue_arrival_time": later})] == [
        ("queue_arrival_time", "expected a time not after the gate IN (event_time)")
    ]
    out = {**gate, "direction": "OUT", "queue_arrival_time": queued}
    only_in = [("queue_arrival_time", "only a gate IN has a queue arrival")]
    assert [(e.field, e.reason) for e in validate(out)] == only_in
    assert [e.field for e in validate({**gate, "queue_arrival_time": "09:00"})] == ["queue_arrival_time"]
    arrival = parse_event(event("VesselArrival", location_type="HOLDING_AREA"))
    assert validate(arrival) == []


def _of_its_type(info: Any) -> st.SearchStrategy[Any]:
    """Any value the Avro decoder can give for the field: its type's, not only what the contract allows."""
    values: dict[str, st.SearchStrategy[Any]] = {
        "string": st.text(max_size=12) | st.sampled_from([v for v in _ODD_VALUES if type(v) is str]),
        "enum": st.sampled_from([*info.symbols, *([info.stand_in] if info.stand_in else [])]),
        "timestamp": st.integers(-(2**40), 2**45).map(
            lambda ms: datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
        ),
        "boolean": st.booleans(),
        "int": st.integers(-(2**31), 2**31 - 1),
        "long": st.integers(-(2**63), 2**63 - 1),
        "double": st.floats(allow_nan=False),
        "bytes": st.binary(max_size=8),
        "string_array": st.lists(st.text(max_size=12), max_size=3),
    }
    drawn = values[info.kind]
    return (st.none() | drawn) if info.nullable else drawn


@pytest.mark.parametrize("type_name", sorted(EVENTS))
@given(data=st.data())
def test_decoded_events_get_the_same_problems_from_the_shorter_validator(type_name: str, data: st.DataObject) -> None:
    """`validate_decoded` leaves out the checks an Avro type makes true: on whatever a decoder gives, it finds
    what `validate` finds, in the same words."""
    from baystream.schemas.validation import validate_decoded
    from baystream.schemas.wire import Codec

    record = data.draw(EVENTS[type_name])
    infos = fields_of(type_name)
    for info in data.draw(st.lists(st.sampled_from(infos), max_size=4, unique_by=lambda i: i.name)):
        record[info.name] = data.draw(_of_its_type(info))
    codec = Codec()
    decoded = codec.decode(codec.encode(record))
    assert validate_decoded(decoded) == validate(decoded)
