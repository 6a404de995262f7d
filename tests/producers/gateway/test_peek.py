"""The peek reads (source, event_id) exactly as the full decode does, in both wire formats, for every version."""

from __future__ import annotations

import io
import json
from typing import Any

import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baystream.producers.gateway.peek import Peeker, plan_for
from baystream.schemas.catalog import INPUT_TYPES, SchemaCatalog, SchemaVersion, catalog
from baystream.schemas.errors import DecodeError
from baystream.schemas.json_form import parse_event
from baystream.schemas.wire import SINGLE_OBJECT_MAGIC, Codec, ConfluentRegistry, codec_for
from tests.events import event

CODEC = codec_for(None)


def record(type_name: str, **fields: Any) -> dict[str, Any]:
    return parse_event(event(type_name, **fields))


@pytest.mark.parametrize("type_name", INPUT_TYPES)
def test_every_input_type_single_object(type_name: str) -> None:
    sent = record(type_name, source="ABCD")
    peeker = Peeker(CODEC)
    assert peeker.read(CODEC.encode(sent)) == ("ABCD", sent["event_id"])
    assert peeker.fallbacks == 0


@pytest.mark.parametrize("type_name", INPUT_TYPES)
def test_every_version_of_every_input_schema_has_a_plan(type_name: str) -> None:
    for version in catalog().versions[type_name]:
        plan = plan_for(json.loads(version.text))
        assert plan is not None, f"{type_name} v{version.version}: the peek would fall back to the full decode"
        assert plan.event_id == 0


def test_a_v1_record_where_source_is_the_third_field() -> None:
    v1 = catalog().versions["GateMove"][0]
    assert [f["name"] for f in json.loads(v1.text)["fields"]][:3] == ["event_id", "event_time", "source"]
    sent = record("GateMove", source="EFGH")
    data = CODEC.encode_with(v1, sent)
    peeker = Peeker(CODEC)
    assert peeker.read(data) == ("EFGH", sent["event_id"]) == (CODEC.decode(data)["source"], sent["event_id"])
    assert peeker.fallbacks == 0


def test_confluent_format_asks_the_registry_once_per_schema_id() -> None:
    registry = CountingRegistry("mock://gateway-peek")
    codec = Codec(registry)
    peeker = Peeker(codec, registry)
    sent = [record("GateMove", source="ABCD") for _ in range(3)] + [record("RailDeparture", source="UP")]
    assert [peeker.read(codec.encode(r, "t")) for r in sent] == [(r["source"], r["event_id"]) for r in sent]
    assert registry.asked == 2 and peeker.fallbacks == 0


def test_confluent_format_without_a_registry_falls_back_to_the_codec_and_says_why() -> None:
    data = Codec(ConfluentRegistry("mock://gateway-peek-2")).encode(record("GateMove"), "t")
    with pytest.raises(DecodeError, match="no schema registry"):
        Peeker(CODEC).read(data)


def test_unwanted_sources_are_skipped() -> None:
    peeker = Peeker(CODEC, wanted={"ABCD", "APMT"})
    assert peeker.read(CODEC.encode(record("GateMove", source="APMT"))) is not None
    assert peeker.read(CODEC.encode(record("GateMove", source="EFGH"))) is None


def test_an_appended_enum_symbol_changes_nothing_for_the_peek() -> None:
    """Another version of the schema with one more classifier symbol: same plan, same answer, any symbol."""
    current = catalog().current["GateMove"]
    raw = json.loads(current.text)
    classifier = next(f for f in raw["fields"] if f["name"] == "classifier")
    classifier["type"]["symbols"].append("CANCELLED")
    assert plan_for(raw) == plan_for(json.loads(current.text))
    newer = SchemaVersion("GateMove", 99, json.dumps(raw), fastavro.parse_schema(raw), b"\x99" * 8)
    schemas = SchemaCatalog(catalog().current, catalog().versions, {newer.fingerprint: newer})
    sent = record("GateMove", source="ABCD") | {"classifier": "CANCELLED"}
    body = io.BytesIO()
    fastavro.schemaless_writer(body, newer.parsed, sent)
    data = SINGLE_OBJECT_MAGIC + newer.fingerprint + body.getvalue()
    peeker = Peeker(CODEC, schemas=schemas)
    assert peeker.read(data) == ("ABCD", sent["event_id"])
    assert peeker.fallbacks == 0


def test_a_schema_the_fast_path_cannot_walk_has_no_plan() -> None:
    union_first = {"fields": [{"name": "note", "type": ["null", "string"]}, *_fields("GateMove")]}
    assert plan_for(union_first) is None
    assert plan_for({"fields": _fields("GateMove")[1:]}) is None  # no event_id
    fixed_first = {"fields": [{"name": "f", "type": {"type": "fixed", "name": "F", "size": 3}}, *_fields("GateMove")]}
    assert plan_for(fixed_first) is not None


def test_unreadable_records_raise() -> None:
    good = CODEC.encode(record("GateMove"))
    peeker = Peeker(CODEC)
    for bad in (b"", b"\x01junk", good[:14], SINGLE_OBJECT_MAGIC + b"\x00" * 8 + good[10:]):
        with pytest.raises(DecodeError):
            peeker.read(bad)
    indicator = CODEC.encode({"type": "CongestionIndicator", **_indicator()})
    with pytest.raises(DecodeError, match="not an input event"):
        peeker.read(indicator)


@settings(max_examples=150, deadline=None)
@given(
    event_id=st.text(max_size=300),
    source=st.text(max_size=200),
    event_time=st.integers(-(2**63), 2**63 - 1),
    classifier=st.sampled_from(["ACTUAL", "ESTIMATED", "PLANNED"]),
)
def test_the_walk_agrees_with_fastavro_on_any_strings(event_id: str, source: str, event_time: int, classifier: str):
    """Lengths over 63 bytes (multi-byte varints), multi-byte UTF-8, any long."""
    schema = catalog().current["GateMove"]
    body = io.BytesIO()
    sent = record("GateMove")
    raw = {**sent, "event_id": event_id, "source": source, "classifier": classifier}
    fastavro.schemaless_writer(body, _with_plain_time(schema), {**raw, "event_time": event_time})
    data = SINGLE_OBJECT_MAGIC + schema.fingerprint + body.getvalue()
    assert Peeker(CODEC).read(data) == (source, event_id)


class CountingRegistry(ConfluentRegistry):
    def __init__(self, url: str):
        super().__init__(url)
        self.asked = 0

    def schema_text(self, schema_id: int) -> str:
        self.asked += 1
        return super().schema_text(schema_id)


def _fields(type_name: str) -> list[dict[str, Any]]:
    return list(json.loads(catalog().current[type_name].text)["fields"])


def _with_plain_time(schema: SchemaVersion) -> Any:
    """The schema with event_time a plain long (same bytes), so any long can be written."""
    raw = json.loads(schema.text)
    for field in raw["fields"]:
        if field["name"] == "event_time":
            field["type"] = "long"
    return fastavro.parse_schema(raw)


def _indicator() -> dict[str, Any]:
    fields = json.loads(catalog().current["CongestionIndicator"].text)["fields"]
    return {f["name"]: _sample(f["type"]) for f in fields}


def _sample(avro_type: Any) -> Any:
    if isinstance(avro_type, list):
        return None
    kind = avro_type["type"] if isinstance(avro_type, dict) else avro_type
    if kind == "enum":
        return avro_type["symbols"][0]
    return {"string": "x", "double": 1.0, "long": 0, "int": 0, "boolean": False}.get(kind, 0)
