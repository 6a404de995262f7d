"""Every schema round-trips in both wire formats; old versions read with the newest reader."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baystream.schemas.catalog import INPUT_TYPES, SchemaVersion, catalog
from baystream.schemas.errors import DecodeError
from baystream.schemas.json_form import parse_event
from baystream.schemas.validation import validate
from baystream.schemas.wire import SINGLE_OBJECT_MAGIC, Codec, ConfluentRegistry
from tests.events import event
from tests.schemas.strategies import EVENTS, any_event

_registry_codec = Codec(ConfluentRegistry("mock://wire-tests"))


@given(any_event)
def test_generated_events_are_valid(record: dict[str, Any]) -> None:
    assert validate(record) == []


@given(any_event)
def test_single_object_round_trip(record: dict[str, Any]) -> None:
    codec = Codec()
    data = codec.encode(record)
    assert data[:2] == SINGLE_OBJECT_MAGIC
    assert data[2:10] == catalog().schema(record["type"]).fingerprint
    assert codec.decode(data) == record


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(any_event)
def test_confluent_round_trip_and_reader_accepts_both(record: dict[str, Any]) -> None:
    data = _registry_codec.encode(record, topic="t-" + record["type"])
    assert data[0] == 0
    assert _registry_codec.decode(data) == record
    assert _registry_codec.decode(Codec().encode(record)) == record


def _writable_with(version: SchemaVersion, record: dict[str, Any]) -> bool:
    """Whether every enum value of `record` is a symbol of that version's enum of the same field."""
    for field in json.loads(version.text)["fields"]:
        for branch in field["type"] if isinstance(field["type"], list) else [field["type"]]:
            enum = isinstance(branch, dict) and branch["type"] == "enum"
            if enum and record.get(field["name"]) not in (None, *branch["symbols"]):
                return False
    return True


@pytest.mark.parametrize("type_name", INPUT_TYPES)
@given(data=st.data())
def test_every_earlier_version_reads_with_newest(type_name: str, data: st.DataObject) -> None:
    record = data.draw(EVENTS[type_name])
    versions = catalog().versions[type_name]
    assert len(versions) >= 2, "history keeps every earlier version"
    defaults = {f["name"]: f.get("default") for f in json.loads(versions[-1].text)["fields"]}
    for old in versions[:-1]:
        if not _writable_with(old, record):
            continue  # a symbol added since (VesselArrival v5: HOLDING_AREA): no writer of that version has it
        written = Codec().encode_with(old, record)
        decoded = Codec().decode(written)
        assert decoded["type"] == type_name
        # a field the old version lacks (v1: classifier; v4: the air fields) reads as the newest's default
        known = {f["name"] for f in json.loads(old.text)["fields"]}
        expected = {k: v if k == "type" or k in known else defaults[k] for k, v in record.items()}
        assert decoded == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty record"),
        (b"\xde\xad\xbe\xef", "unknown wire format"),
        (SINGLE_OBJECT_MAGIC + b"\x00" * 8 + b"\x02", "unknown schema fingerprint"),
        (b"\x00\x00\x00\x00\x07\x02", "no schema registry"),
    ],
)
def test_undecodable_bytes_say_why(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        Codec().decode(data)


def test_truncated_record_is_a_decode_error() -> None:
    encoded = Codec().encode(parse_event(event("GateMove")))
    with pytest.raises(DecodeError, match="corrupt GateMove"):
        Codec().decode(encoded[:-8])
