"""Schema evolution of the enums: append-only symbols, UNKNOWN as every enum's default, both directions.

- Old data, newest reader: records written with every earlier version read with the current schemas.
- Newer writer, current reader: a hypothetical next version adds a symbol after UNKNOWN; the current
  reader reads it as UNKNOWN (given the writer's schema, as the Schema Registry gives it), the validator
  refuses it with its reason, and the worker dead-letters the record instead of counting it.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import math
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from baystream.schemas.catalog import INPUT_TYPES, UNKNOWN_SYMBOL, SchemaVersion, catalog
from baystream.schemas.errors import DecodeError, FieldError
from baystream.schemas.fields import fields_of
from baystream.schemas.json_form import parse_event
from baystream.schemas.validation import STAND_IN_REASON, validate
from baystream.schemas.wire import SINGLE_OBJECT_MAGIC, Codec, ConfluentRegistry
from baystream.streams.processing import InputProcessor, RawRecord
from tests.events import event
from tests.schemas.strategies import records_of

STAND_IN = "UNKNOWN is the reader's stand-in for a symbol this version does not know; it cannot be published"
NEW_SYMBOL = "FROM_THE_FUTURE"


def enums(schema: Any) -> Iterator[dict[str, Any]]:
    """Every enum definition in a schema's JSON (named references are not repeated)."""
    if isinstance(schema, list):
        for branch in schema:
            yield from enums(branch)
    elif isinstance(schema, dict):
        if schema.get("type") == "enum":
            yield schema
        for field in schema.get("fields", []):
            yield from enums(field["type"])
        if "items" in schema:
            yield from enums(schema["items"])


def _json(version: SchemaVersion) -> dict[str, Any]:
    return dict(json.loads(version.text))


# --- the contract's rules ---------------------------------------------------------------------------------


def test_every_enum_of_the_contract_defaults_to_unknown() -> None:
    found = [(v.name, e) for v in catalog().current.values() for e in enums(_json(v))]
    assert len({e["name"] for _, e in found}) == 16  # Classifier (in every input), 10 other input enums, Level,
    # and ContainerStatus's four: ContainerWhere, ContainerInlandMode, ContainerMoveKind, MoverRole
    for type_name, enum in found:
        assert enum.get("default") == UNKNOWN_SYMBOL, (type_name, enum["name"])
        assert enum["symbols"].count(UNKNOWN_SYMBOL) == 1, (type_name, enum["name"])


def test_symbols_are_only_ever_appended() -> None:
    """Each version's symbols are the previous version's, then new ones: no symbol changes its index, so a
    reader without schema resolution (or with the wrong schema) still maps every old index to its symbol."""
    for name, versions in catalog().versions.items():
        for older, newer in itertools.pairwise(versions):
            before = {e["name"]: e["symbols"] for e in enums(_json(older))}
            after = {e["name"]: e["symbols"] for e in enums(_json(newer))}
            for enum_name, symbols in before.items():
                assert after[enum_name][: len(symbols)] == symbols, (name, newer.version, enum_name)


def test_versions_are_numbered_in_order_and_fingerprints_are_distinct() -> None:
    versions = catalog().versions
    for name, vs in versions.items():
        assert [v.version for v in vs] == list(range(1, len(vs) + 1)), name
        assert vs[-1] is catalog().current[name]
    assert {name: len(vs) for name, vs in versions.items()} == {
        **{name: 3 for name in INPUT_TYPES},  # v1, + classifier (v2), + UNKNOWN (v3)
        "VesselArrival": 5,  # + last_port, teu_capacity, fuel, shore_power (v4), + HOLDING_AREA (v5)
        "GateMove": 5,  # + zero_emission (v4), + queue_arrival_time (v5)
        "CongestionIndicator": 2,
        "CongestionAlert": 2,
        "DeadLetter": 1,
        "ContainerStatus": 1,
    }
    fingerprints = [v.fingerprint for vs in versions.values() for v in vs]
    assert len(set(fingerprints)) == len(fingerprints)
    assert set(catalog().by_fingerprint) == set(fingerprints)


# --- old data, newest reader -------------------------------------------------------------------------------

EARLIER = [v for vs in catalog().versions.values() for v in vs[:-1]]
_SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _readable(schema_json: dict[str, Any], record: dict[str, Any]) -> bool:
    """Timestamps given as millis that a reader turns back into datetimes (years 1 to 9999)."""
    for field in schema_json["fields"]:
        value = record.get(field["name"])
        millis = isinstance(value, int) and not isinstance(value, bool) and "timestamp" in json.dumps(field["type"])
        if millis and not -62_135_596_800_000 <= value <= 253_402_300_799_999:
            return False
    return True


@pytest.mark.parametrize("old", EARLIER, ids=[f"{v.name}-v{v.version}" for v in EARLIER])
@_SLOW
@given(data=st.data())
def test_any_record_of_any_earlier_version_reads_with_the_newest(old: SchemaVersion, data: st.DataObject) -> None:
    """Whatever an earlier version could hold, the newest reader reads the same (plus fields added since,
    with their defaults): appending symbols changed no index, and UNKNOWN never appears in old data."""
    old_json = _json(old)
    record = data.draw(records_of(old_json))
    assume(_readable(old_json, record))
    written = Codec().encode_with(old, record)
    as_written = fastavro.schemaless_reader(io.BytesIO(written[10:]), old.parsed, None)
    newest = catalog().current[old.name]
    added = {f["name"]: f["default"] for f in _json(newest)["fields"] if f["name"] not in as_written}
    assert _same(Codec().decode(written), {**as_written, **added, "type": old.name})


# --- a newer writer, the current reader ---------------------------------------------------------------------


def future_version(type_name: str, enum_name: str, symbol: str = NEW_SYMBOL) -> dict[str, Any]:
    """The current schema of `type_name` with `symbol` appended to `enum_name`, after UNKNOWN: what the next
    version adding a symbol looks like (new symbols always go last, so UNKNOWN keeps its index too)."""
    schema = copy.deepcopy(_json(catalog().current[type_name]))
    (enum,) = [e for e in enums(schema) if e["name"] == enum_name]
    enum["symbols"].append(symbol)
    return schema


def _valid(type_name: str) -> dict[str, Any]:
    """A valid record of any current type, every field given."""
    if type_name in INPUT_TYPES:
        return parse_event(event(type_name))
    when = datetime(2024, 5, 1, tzinfo=UTC)
    if type_name == "CongestionIndicator":
        return {
            "type": type_name,
            "scope": "SPB",
            "indicator": "congestion_index",
            "value": 71.0,
            "level": "RED",
            "as_of": when,
            "computed_at": when,
        }
    if type_name == "ContainerStatus":
        return {
            "type": type_name,
            "container_id": "CSQU3054383",
            "where": "ON_TERMINAL",
            "port": "USLAX",
            "terminal": "APMT",
            "last_facility": "APMT",
            "discharge_terminal": "APMT",
            "vessel_call": "APMT-2024-001",
            "vessel_imo": "9321483",
            "voyage": "101E",
            "carrier": "MAEU",
            "inland_mode": "TRUCK",
            "empty": False,
            "iso_type": "45G1",
            "discharged_at": when,
            "on_terminal_since": when,
            "left_terminal_at": None,
            "dwell_hours": 0.0,
            "last_free_day": "2024-05-05",
            "available_for_pickup": True,
            "last_move": "DISCHARGED",
            "last_mover": "APMT",
            "last_mover_role": "TERMINAL",
            "trucker_scac": None,
            "train_id": None,
            "rail_destination": None,
            "updated_at": when,
            "as_of": when,
        }
    return {
        "type": type_name,
        "alert_id": "a",
        "scope": "SPB",
        "previous_level": "AMBER",
        "level": "RED",
        "congestion_index": 71.0,
        "as_of": when,
        "message": "SPB is RED",
    }


def _field_type(type_name: str, field_name: str) -> list[Any]:
    """A field's type as a list of branches, a named reference (Level in CongestionAlert.level) replaced by
    its definition."""
    schema = _json(catalog().current[type_name])
    named = {e["name"]: e for e in enums(schema)}
    (field,) = [f for f in schema["fields"] if f["name"] == field_name]
    branches = field["type"] if isinstance(field["type"], list) else [field["type"]]
    return [named.get(b.rsplit(".", 1)[-1], b) if isinstance(b, str) else b for b in branches]


ENUM_FIELDS = [
    (type_name, info.name, next(e["name"] for e in enums(_field_type(type_name, info.name))))
    for type_name in catalog().current
    for info in fields_of(type_name)
    if info.kind == "enum"
]


def _body(schema: dict[str, Any], record: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(schema), record)
    return buffer.getvalue()


@pytest.mark.parametrize(("type_name", "field", "enum_name"), ENUM_FIELDS, ids=[f"{t}.{f}" for t, f, _ in ENUM_FIELDS])
def test_a_newer_symbol_reads_as_unknown_and_is_refused(type_name: str, field: str, enum_name: str) -> None:
    future = future_version(type_name, enum_name)
    record = {**_valid(type_name), field: NEW_SYMBOL}
    current = catalog().current[type_name]

    # any Avro reader with both schemas: resolution by symbol name, the reader's default for the rest
    read = fastavro.schemaless_reader(io.BytesIO(_body(future, record)), fastavro.parse_schema(future), current.parsed)
    assert read[field] == UNKNOWN_SYMBOL
    assert {k: v for k, v in read.items() if k != field} == {
        k: v for k, v in record.items() if k not in (field, "type")
    }

    # Baystream's reader in the Confluent format: the writer's schema comes from the registry by id
    registry = ConfluentRegistry(f"mock://evolution-{type_name}-{field}")
    schema_id = registry.register(f"{type_name}-value", json.dumps(future))
    data = struct.pack(">bI", 0, schema_id) + _body(future, record)
    decoded = Codec(registry).decode(data)
    assert decoded["type"] == type_name and decoded[field] == UNKNOWN_SYMBOL
    assert FieldError(field, STAND_IN, UNKNOWN_SYMBOL) in validate(decoded)


def test_the_reason_is_the_one_documented() -> None:
    assert STAND_IN_REASON.format(symbol=UNKNOWN_SYMBOL) == STAND_IN


def test_every_other_symbol_keeps_its_bytes_in_the_newer_version() -> None:
    """Appending after UNKNOWN changes no index: the newer writer writes every current symbol as today."""
    for type_name, field, enum_name in ENUM_FIELDS:
        future = future_version(type_name, enum_name)
        info = next(i for i in fields_of(type_name) if i.name == field)
        for symbol in info.symbols:
            record = {**_valid(type_name), field: symbol}
            assert _body(future, record) == _body(_json(catalog().current[type_name]), record), (type_name, symbol)


def test_single_object_readers_need_the_writers_schema_in_schemas() -> None:
    """The single-object format names the writer by fingerprint: a reader without that version in schemas/
    cannot resolve it at all (a decode error, dead-lettered with the bytes), enum default or not. Readers
    must be upgraded before writers, as for every new version (docs/schemas.md)."""
    future = future_version("GateMove", "GateMoveType")
    record = {**_valid("GateMove"), "move_type": NEW_SYMBOL}
    parsed = fastavro.parse_schema(future)
    fingerprint = int(fastavro.schema.fingerprint(fastavro.schema.to_parsing_canonical_form(future), "CRC-64-AVRO"), 16)
    data = SINGLE_OBJECT_MAGIC + fingerprint.to_bytes(8, "little") + _body(future, record)
    with pytest.raises(DecodeError, match="unknown schema fingerprint"):
        Codec().decode(data)
    assert (
        fastavro.schemaless_reader(io.BytesIO(data[10:]), parsed, catalog().current["GateMove"].parsed)["move_type"]
        == UNKNOWN_SYMBOL
    )


# --- the worker: dead-lettered, not counted -----------------------------------------------------------------


class _Engine:
    """An engine that records what it is given (`apply` is all `process` calls of PartitionEngineAPI)."""

    def __init__(self) -> None:
        self.applied: list[dict[str, Any]] = []

    def apply(self, event: dict[str, Any]) -> bool:
        self.applied.append(event)
        return True

    def to_state(self) -> dict[str, Any]:
        return {}

    def partial(self) -> dict[str, Any]:
        return {}


def test_the_worker_dead_letters_a_symbol_it_reads_as_unknown() -> None:
    registry = ConfluentRegistry("mock://evolution-worker")
    future = future_version("GateMove", "GateDirection")
    schema_id = registry.register("gate-moves-value", json.dumps(future))
    newer = struct.pack(">bI", 0, schema_id) + _body(future, {**_valid("GateMove"), "direction": NEW_SYMBOL})
    # a raw Kafka client that skipped validation can write UNKNOWN with the current schema, too
    raw = Codec().encode({**_valid("GateMove"), "classifier": UNKNOWN_SYMBOL})
    fine = Codec().encode(_valid("GateMove"))

    engine = _Engine()
    processor = InputProcessor(Codec(registry), lambda: engine, lambda state: engine)
    processor.load(0, None)
    records = [RawRecord("gate-moves", 0, offset, b"APMT", value, 0) for offset, value in enumerate([newer, raw, fine])]
    outcome = processor.process(records)

    assert outcome.applied == 1 and len(engine.applied) == 1
    assert [d["stage"] for d in outcome.dead_letters] == ["validate", "validate"]
    assert [d["offset"] for d in outcome.dead_letters] == [0, 1]
    assert outcome.dead_letters[0]["reason"] == f"invalid GateMove: field 'direction': {STAND_IN}, got 'UNKNOWN'"
    assert outcome.dead_letters[1]["reason"] == f"invalid GateMove: field 'classifier': {STAND_IN}, got 'UNKNOWN'"
    assert outcome.dead_letters[0]["value"] == newer  # the original bytes: replayable once the worker knows v4


def test_a_holding_area_reads_as_unknown_with_v4_and_a_queue_arrival_is_dropped() -> None:
    """v5's additions read by a v4 reader (a worker not yet upgraded, given the writer's schema): the held
    ship is at an UNKNOWN location (dead-lettered, not counted as at anchor) and the queue arrival is not
    a v4 field, so the gate move reads as it did."""
    arrival = {**_valid("VesselArrival"), "location_type": "HOLDING_AREA"}
    v5, v4 = catalog().versions["VesselArrival"][4], catalog().versions["VesselArrival"][3]
    read = fastavro.schemaless_reader(io.BytesIO(_body(_json(v5), arrival)), v5.parsed, v4.parsed)
    assert read["location_type"] == UNKNOWN_SYMBOL
    gate = {**_valid("GateMove"), "direction": "IN"}
    gate["queue_arrival_time"] = gate["event_time"]
    g5, g4 = catalog().versions["GateMove"][4], catalog().versions["GateMove"][3]
    read = fastavro.schemaless_reader(io.BytesIO(_body(_json(g5), gate)), g5.parsed, g4.parsed)
    assert "queue_arrival_time" not in read and read["event_id"] == gate["event_id"]
