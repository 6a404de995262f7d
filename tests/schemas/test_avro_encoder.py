"""The compiled Avro encoder writes fastavro's bytes, and for anything else behaves as fastavro does."""

from __future__ import annotations

import io
import json
import math
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baystream.schemas.avro_encoder import CompiledEncoder, compile_encoder, encoder_for
from baystream.schemas.catalog import SchemaVersion, catalog
from baystream.schemas.json_form import from_json, parse_event
from baystream.schemas.wire import Codec
from tests.events import event
from tests.schemas.strategies import EPOCH, EVENTS, FAST_MAX_BYTES, records_of

ALL_VERSIONS = [v for versions in catalog().versions.values() for v in versions]
VERSION_IDS = [f"{v.name}-v{v.version}" for v in ALL_VERSIONS]
SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)


def fastavro_bytes(parsed: Any, record: Any) -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, parsed, record)
    return buffer.getvalue()


def outcome(encode: Callable[[Any], bytes], record: Any) -> tuple[str, Any]:
    """('bytes', the bytes) or ('error', exception type and message): what a caller observes."""
    try:
        return "bytes", encode(record)
    except Exception as exc:
        return "error", (type(exc), str(exc))


def _declines_or_matches(encoder: CompiledEncoder, parsed: Any, record: Any) -> None:
    """The encoder gives fastavro's outcome; its generated code either declines (raises, so the caller gets
    fastavro) or writes fastavro's bytes."""
    expected = outcome(lambda r: fastavro_bytes(parsed, r), record)
    assert outcome(encoder.encode, record) == expected
    assert encoder.fast is not None
    fast = outcome(encoder.fast, record)
    assert fast[0] == "error" or fast == expected


def compiled(version: SchemaVersion) -> CompiledEncoder:
    encoder = compile_encoder(version.parsed)
    assert encoder.fast is not None, f"{version.name} v{version.version} should compile"
    return encoder


def expected_decoded(schema_json: dict[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """What fastavro should read back: defaults filled in, times as UTC millis, no `type`."""
    out: dict[str, Any] = {}
    for field in schema_json["fields"]:
        value = record.get(field["name"], field.get("default"))
        if isinstance(value, datetime):
            value = EPOCH + timedelta(milliseconds=(value - EPOCH) // timedelta(milliseconds=1))
        elif isinstance(value, int) and _is_timestamp(field["type"]):
            value = EPOCH + timedelta(milliseconds=value)
        out[field["name"]] = value
    return out


def _is_timestamp(avro_type: Any) -> bool:
    branches = avro_type if isinstance(avro_type, list) else [avro_type]
    return any(isinstance(b, dict) and b.get("logicalType") == "timestamp-millis" for b in branches)


def same(a: Any, b: Any) -> bool:
    """Equality where NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def representable(schema_json: dict[str, Any], record: Mapping[str, Any]) -> bool:
    """Timestamps given as millis that fastavro can read back as a datetime (years 1 to 9999)."""
    for field in schema_json["fields"]:
        value = record.get(field["name"])
        in_range = isinstance(value, int) and -62_135_596_800_000 <= value <= 253_402_300_799_999
        if _is_timestamp(field["type"]) and isinstance(value, int) and not in_range:
            return False
    return True


def fits_fast_path(record: Mapping[str, Any]) -> bool:
    """No string or bytes beyond the length table (longer ones go to fastavro, tested separately)."""
    for value in record.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and len(item.encode("utf-8", "surrogatepass")) > FAST_MAX_BYTES:
                return False
            if isinstance(item, bytes) and len(item) > FAST_MAX_BYTES:
                return False
    return True


# --- every schema of the catalog, every version: the same bytes as fastavro ----------------------------


def test_every_catalog_schema_compiles() -> None:
    for version in ALL_VERSIONS:
        compiled(version)


@pytest.mark.parametrize("version", ALL_VERSIONS, ids=VERSION_IDS)
@SLOW
@given(data=st.data())
def test_any_record_of_any_schema_is_fastavros_bytes(version: SchemaVersion, data: st.DataObject) -> None:
    schema_json = json.loads(version.text)
    record = data.draw(records_of(schema_json))
    encoder = compiled(version)
    expected = fastavro_bytes(version.parsed, record)
    assert encoder.encode(record) == expected
    assert encoder.fast is not None
    if fits_fast_path(record):
        assert encoder.fast(record) == expected  # the generated code itself, not its fastavro fallback
    if representable(schema_json, record):
        decoded = fastavro.schemaless_reader(io.BytesIO(expected), version.parsed, None)
        assert same(decoded, expected_decoded(schema_json, record))


@pytest.mark.parametrize("type_name", sorted(EVENTS))
@given(data=st.data())
def test_valid_events_take_the_fast_path(type_name: str, data: st.DataObject) -> None:
    record = data.draw(EVENTS[type_name])
    version = catalog().current[type_name]
    fast = compiled(version).fast
    assert fast is not None
    assert fast(record) == fastavro_bytes(version.parsed, record)


# --- edge values, one at a time -------------------------------------------------------------------------

_GATE = catalog().current["GateMove"]
_RAIL = catalog().current["RailDeparture"]
_DEAD = catalog().current["DeadLetter"]
_INDICATOR = catalog().current["CongestionIndicator"]
_ALERT = catalog().current["CongestionAlert"]


def _gate(**fields: Any) -> dict[str, Any]:
    """The decoded form of the shared hand-made gate move (tests/events.py), with `fields` overriding."""
    return {**from_json(event("GateMove", event_id="2f1c7b0e-8a43-4c1e-9d2a-5b7e6f0a9c11")), **fields}


def _rail(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "event_id": "x",
        "event_time": datetime(2024, 5, 1, tzinfo=UTC),
        "source": "UP",
        "port": "USLAX",
        "facility": "ICTF",
        "train_id": "T1",
        "railroad": "UP",
        "destination": "Chicago",
    }
    record.update(fields)
    return record


def _dead(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "topic": "gate-moves",
        "reason": "bad",
        "stage": "decode",
        "producer": "worker",
        "failed_at": datetime(2024, 5, 1, tzinfo=UTC),
    }
    record.update(fields)
    return record


def _timestamps() -> Iterator[Any]:
    """Millis either side of each varint table's bounds (zig-zag 2**28, 2**42, 2**56), as ints and datetimes."""
    bounds = [sign * 2**e + d for e in (27, 41, 55) for sign in (1, -1) for d in (-1, 0, 1)]
    for ms in (0, 1, -1, 63, 64, -64, -65, *bounds, -(2**63), 2**63 - 1):
        yield ms
        if abs(ms) < 2**47:  # within datetime's years
            yield EPOCH + timedelta(milliseconds=ms)
    yield datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)  # 1 µs before 1970: -1 ms
    yield datetime(1969, 12, 31, 23, 59, 59, 999_500, tzinfo=UTC)
    yield datetime(1900, 1, 1, tzinfo=UTC)
    yield datetime(1, 1, 1, tzinfo=UTC)
    yield datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    yield datetime(2024, 5, 1, 12, 0, 0, 123_456, tzinfo=UTC)
    yield datetime(2040, 1, 1, tzinfo=UTC)  # past 2039-09: the four-lookup path
    yield datetime(2024, 5, 1, 5, 0, 0, 250_000, tzinfo=timezone(timedelta(hours=-7)))
    yield datetime(2024, 5, 1, 12, 0, 0, 999, tzinfo=timezone(timedelta(hours=5, minutes=45)))


_EDGE_STRINGS = [
    "",
    "é",
    "日本語",
    "🚢 container ship",
    "a" * 63,
    "a" * 64,  # the first length with a two-byte varint
    "é" * 4096,  # 8192 bytes: a three-byte varint
    "a" * 8191,
    "a" * FAST_MAX_BYTES,
]

EDGES: list[tuple[SchemaVersion, dict[str, Any]]] = [
    *((_GATE, _gate(visit_id=s)) for s in _EDGE_STRINGS),
    *((_GATE, _gate(container_id=s)) for s in _EDGE_STRINGS),
    *((_GATE, _gate(event_time=t)) for t in _timestamps()),
    (_GATE, _gate(container_id=None, chassis_id=None, appointment_id=None)),
    (_GATE, _gate(classifier="PLANNED", container_id="MSCU0000007", chassis_id="DCLZ1", appointment_id="A")),
    (_GATE, {k: v for k, v in _gate().items() if k != "classifier"}),  # the default, ACTUAL
    *(
        (_RAIL, _rail(container_ids=ids, car_count=n))
        for ids, n in [([], 1), (["MSCU0000007"], 0), (["", "é" * 100] * 40, -1), ([], 2**31 - 1), ([], -(2**31))]
    ),
    (_DEAD, _dead()),  # partition and offset take their defaults (-1)
    *((_DEAD, _dead(partition=n, offset=n)) for n in (0, -1, 2**31 - 1, -(2**31), 2**40, -(2**63), 2**63 - 1)),
    (_DEAD, _dead(key=b"", value=b"\x00" * 300)),
    (_DEAD, _dead(key=None, value=bytes(range(256)))),
    *(
        (_INDICATOR, {"scope": "SPB", "indicator": "i", "value": x, "as_of": 0, "computed_at": 1})
        for x in (None, 0.0, -0.0, 1.5, math.inf, -math.inf, math.nan, 5e-324, 1.7976931348623157e308)
    ),
    (_INDICATOR, {"scope": "SPB", "indicator": "i", "level": "RED", "as_of": 0, "computed_at": 1}),
    (_ALERT, {"alert_id": "a", "scope": "s", "level": "AMBER", "congestion_index": 55.5, "as_of": 0, "message": ""}),
    (_ALERT, {"alert_id": "a", "scope": "s", "previous_level": "GREEN", "level": "RED", "congestion_index": math.nan}),
]


@pytest.mark.parametrize(("version", "record"), EDGES, ids=[str(i) for i in range(len(EDGES))])
def test_edge_values_are_fastavros_bytes(version: SchemaVersion, record: dict[str, Any]) -> None:
    encoder = compiled(version)
    expected = outcome(lambda r: fastavro_bytes(version.parsed, r), record)
    assert outcome(encoder.encode, record) == expected
    if expected[0] == "bytes":
        assert encoder.fast is not None
        assert encoder.fast(record) == expected[1]
        schema_json = json.loads(version.text)
        if representable(schema_json, record):
            decoded = fastavro.schemaless_reader(io.BytesIO(expected[1]), version.parsed, None)
            assert same(decoded, expected_decoded(schema_json, record))


def test_strings_beyond_the_length_table_are_fastavros() -> None:
    encoder = compiled(_GATE)
    assert encoder.fast is not None
    for n in (FAST_MAX_BYTES + 1, 20_000, 100_000):
        record = _gate(visit_id="v" * n)
        assert encoder.encode(record) == fastavro_bytes(_GATE.parsed, record)
        with pytest.raises(IndexError):  # the generated code declines: past its length table
            encoder.fast(record)


# --- anything else: whatever fastavro does ---------------------------------------------------------------


class Direction(StrEnum):
    IN = "IN"


class LocalTime(datetime):
    pass


class Shouting(str):
    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return str.encode(self.upper(), encoding, errors)


class TruthyZero(int):
    def __bool__(self) -> bool:
        return True


_WRONG_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    2,
    -1,
    2**31,
    2**63,
    -(2**63) - 1,
    1.0,
    1.5,
    math.nan,
    "",
    "1",
    "IN",
    "SIDEWAYS",
    "yes",
    b"IN",
    bytearray(b"x"),
    memoryview(b"x"),
    [],
    ["a", 1],
    ["a", Shouting("b")],
    [Direction.IN],
    ("a", "b"),
    ("string", "x"),
    ("null", None),
    {"a": 1},
    datetime(2024, 5, 1, 12),  # naive: fastavro takes it as local time
    datetime(2024, 5, 1, 12, tzinfo=UTC).date(),
    LocalTime(2024, 5, 1, 12, tzinfo=UTC),
    Direction.IN,
    Shouting("abc"),
    TruthyZero(0),
    "\ud800",  # a lone surrogate: not encodable
    object(),
]


def _wrong_cases() -> Iterator[tuple[SchemaVersion, dict[str, Any]]]:
    for version in catalog().current.values():
        fields = json.loads(version.text)["fields"]
        base = _valid_record(version.name)
        for field in fields:
            for value in _WRONG_VALUES:
                yield version, {**base, field["name"]: value}
            yield version, {k: v for k, v in base.items() if k != field["name"]}  # missing


def _valid_record(type_name: str) -> dict[str, Any]:
    if type_name in EVENTS:
        return parse_event(event(type_name))
    when = datetime(2024, 5, 1, tzinfo=UTC)
    return {
        "CongestionIndicator": {"scope": "SPB", "indicator": "i", "value": 1.0, "as_of": when, "computed_at": when},
        "CongestionAlert": {
            "alert_id": "a",
            "scope": "s",
            "level": "RED",
            "congestion_index": 1.0,
            "as_of": when,
            "message": "m",
        },
        "DeadLetter": _dead(),
        "ContainerStatus": {
            "container_id": "CSQU3054383",
            "where": "ON_TERMINAL",
            "port": "USLAX",
            "terminal": "APMT",
            "last_facility": "APMT",
            "inland_mode": "TRUCK",
            "on_terminal_since": when,
            "last_free_day": "2024-05-05",
            "last_move": "DISCHARGED",
            "last_mover": "APMT",
            "last_mover_role": "TERMINAL",
            "updated_at": when,
            "as_of": when,
        },
    }[type_name]


WRONG = list(_wrong_cases())


@pytest.mark.parametrize(("version", "record"), WRONG, ids=[str(i) for i in range(len(WRONG))])
def test_any_other_value_behaves_as_in_fastavro(version: SchemaVersion, record: dict[str, Any]) -> None:
    encoder = compiled(version)
    _declines_or_matches(encoder, version.parsed, record)


@given(
    st.sampled_from(sorted(catalog().current)),
    st.data(),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | st.binary(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
        max_leaves=5,
    ),
)
def test_any_value_in_any_field_is_fastavros_result(type_name: str, data: st.DataObject, value: Any) -> None:
    version = catalog().current[type_name]
    fields = [f["name"] for f in json.loads(version.text)["fields"]]
    record = {**_valid_record(type_name), data.draw(st.sampled_from(fields)): value}
    encoder = compiled(version)
    _declines_or_matches(encoder, version.parsed, record)


@pytest.mark.parametrize(
    "record",
    [
        OrderedDict(_gate()),
        defaultdict(lambda: "x", _gate()),  # fastavro takes missing fields with a default from the schema
        defaultdict(lambda: "x", {k: v for k, v in _gate().items() if k != "visit_id"}),
        _gate(colour="red"),  # unknown fields are ignored, as fastavro does
    ],
    ids=["ordered", "defaultdict", "defaultdict-missing", "extra-field"],
)
def test_mappings_other_than_a_dict_are_fastavros(record: Mapping[str, Any]) -> None:
    before = dict(record)
    expected = outcome(lambda r: fastavro_bytes(_GATE.parsed, r), record)
    assert outcome(compiled(_GATE).encode, record) == expected
    assert dict(record) == before  # a defaultdict's factory is never called


def test_naive_times_are_fastavros_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        record = _gate(event_time=datetime(2024, 5, 1, 5))
        encoded = compiled(_GATE).encode(record)
        assert encoded == fastavro_bytes(_GATE.parsed, record)
        assert encoded == compiled(_GATE).encode(_gate(event_time=datetime(2024, 5, 1, 12, tzinfo=UTC)))
    finally:
        monkeypatch.undo()
        time.tzset()


# --- schemas beyond the catalog: supported constructs compile, others are plain fastavro ------------------

KITCHEN_SINK = {
    "type": "record",
    "name": "Sink",
    "namespace": "test",
    "fields": [
        {"name": "s", "type": {"type": "string"}},
        {"name": "oi", "type": ["null", "int"], "default": None},
        {"name": "ol", "type": ["long", "null"]},
        {"name": "ob", "type": ["null", "boolean"]},
        {"name": "obytes", "type": ["null", "bytes"]},
        {"name": "ot", "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}]},
        {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}, "default": "B"},
        {"name": "oe", "type": ["null", "test.E"]},
        {"name": "d", "type": "double", "default": 0.5},
        {"name": "flag", "type": "boolean", "default": True},
        {"name": "n", "type": "long", "default": 7},
        {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
    ],
}


@SLOW
@given(data=st.data())
def test_other_supported_constructs_are_fastavros_bytes(data: st.DataObject) -> None:
    record = data.draw(records_of(KITCHEN_SINK))
    encoder = compile_encoder(KITCHEN_SINK)
    assert encoder.fast is not None
    parsed = fastavro.parse_schema(KITCHEN_SINK)
    expected = outcome(lambda r: fastavro_bytes(parsed, r), record)
    assert outcome(encoder.encode, record) == expected
    fast = outcome(encoder.fast, record)
    assert fast[0] == "error" or fast == expected
    if expected[0] == "bytes" and fits_fast_path(record):
        assert fast == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [("oi", 2**31), ("oi", -(2**31) - 1), ("oi", True), ("ol", 2**63), ("ob", 1), ("obytes", bytearray(b"x"))],
)
def test_union_branches_match_as_in_fastavro(field: str, value: Any) -> None:
    record = {"s": "x", "ol": None, "ob": None, "obytes": None, "ot": None, "oe": None, field: value}
    encoder = compile_encoder(KITCHEN_SINK)
    parsed = fastavro.parse_schema(KITCHEN_SINK)
    _declines_or_matches(encoder, parsed, record)


@pytest.mark.parametrize(
    "field_type",
    [
        "float",
        {"type": "map", "values": "string"},
        {"type": "fixed", "name": "F", "size": 2},
        {"type": "record", "name": "Inner", "fields": [{"name": "x", "type": "string"}]},
        {"type": "string", "logicalType": "uuid"},
        {"type": "int", "logicalType": "date"},
        {"type": "long", "logicalType": "timestamp-micros"},
        ["null", "string", "long"],
        ["string", "long"],
        ["null", {"type": "array", "items": "string"}],
        {"type": "array", "items": "long"},
    ],
)
def test_unsupported_constructs_use_fastavro(field_type: Any) -> None:
    schema = {"type": "record", "name": "R", "fields": [{"name": "x", "type": field_type}]}
    encoder = compile_encoder(schema)
    assert encoder.fast is None and encoder.source is None
    parsed = fastavro.parse_schema(schema)
    for value in ("ab", 1, 1.5, None, b"ab", {"x": "y"}, ["a"]):
        record = {"x": value}
        assert outcome(encoder.encode, record) == outcome(lambda r: fastavro_bytes(parsed, r), record)


def test_encoders_are_built_once_per_parsed_schema() -> None:
    assert encoder_for(_GATE.parsed) is encoder_for(_GATE.parsed)
    assert encoder_for(_GATE.parsed) is not encoder_for(_RAIL.parsed)


def test_the_codec_writes_the_compiled_bytes_after_its_header() -> None:
    record = _gate()
    body = fastavro_bytes(_GATE.parsed, record)
    assert Codec().encode(record) == b"\xc3\x01" + _GATE.fingerprint + body
    old = catalog().versions["GateMove"][0]
    assert Codec().encode_with(old, record) == b"\xc3\x01" + old.fingerprint + fastavro_bytes(old.parsed, record)
