"""Avro on the wire, in the two formats of docs/architecture.md; a reader accepts both.

- Single-object encoding (Avro spec): C3 01, 8-byte CRC-64-AVRO fingerprint (little-endian), Avro binary.
  The default: the fingerprint resolves against `schemas/` (every version), no registry needed.
- Confluent format: 00, 4-byte big-endian schema id, Avro binary; used when a Schema Registry is
  configured (`BAYSTREAM_SCHEMA_REGISTRY`), with the TopicNameStrategy subject `<topic>-value`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import Any, Protocol

import fastavro

from baystream.schemas.avro_decoder import Decoder, decoder_for
from baystream.schemas.avro_encoder import Encoder, encoder_for
from baystream.schemas.catalog import SchemaCatalog, SchemaVersion, catalog
from baystream.schemas.errors import DecodeError

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = 0


class Registry(Protocol):
    """The two calls Baystream needs of a Schema Registry."""

    def register(self, subject: str, schema_text: str) -> int: ...

    def schema_text(self, schema_id: int) -> str: ...


class ConfluentRegistry:
    """A `Registry` over confluent_kafka's client (Confluent, Karapace, Apicurio, Redpanda, `mock://`)."""

    def __init__(self, url: str, extra: Mapping[str, str] | None = None):
        from confluent_kafka.schema_registry import SchemaRegistryClient

        conf = {"url": url, **(extra or {})}
        self._client = (
            SchemaRegistryClient.new_client(conf) if url.startswith("mock://") else SchemaRegistryClient(conf)
        )

    def register(self, subject: str, schema_text: str) -> int:
        from confluent_kafka.schema_registry import Schema

        return int(self._client.register_schema(subject, Schema(schema_text, "AVRO")))

    def schema_text(self, schema_id: int) -> str:
        return str(self._client.get_schema(schema_id).schema_str)


def _body(schema: SchemaVersion, record: Mapping[str, Any]) -> bytes:
    """The Avro binary body: the schema's compiled encoder, with fastavro's result or error where it can't."""
    return encoder_for(schema.parsed)(record)


class Codec:
    """Encode decoded records (dicts with a `type`) to bytes, and any Baystream bytes back."""

    def __init__(self, registry: Registry | None = None, schemas: SchemaCatalog | None = None):
        self._catalog = schemas or catalog()
        self._registry = registry
        self._ids: dict[tuple[str, str], int] = {}
        self._by_id: dict[int, SchemaVersion] = {}
        self._writers: dict[Any, tuple[bytes, Encoder]] = {}
        """(header, body encoder) by type name (single-object) or (type name, topic) (Confluent)."""
        self._readers: dict[bytes, tuple[str, Decoder, int]] = {}
        """(type name, body decoder, body offset) by header: the 10 bytes of single-object, the 5 of Confluent."""

    @property
    def uses_registry(self) -> bool:
        return self._registry is not None

    def encode(self, record: Mapping[str, Any], topic: str | None = None) -> bytes:
        """Serialize one record; the schema is the current one of `record['type']`."""
        type_name = record["type"]
        key = type_name if self._registry is None else (type_name, topic)
        writer = self._writers.get(key)
        if writer is None:  # first record of its type (and topic): the header and encoder, once
            schema = self._catalog.schema(type_name)
            if self._registry is None:
                header = SINGLE_OBJECT_MAGIC + schema.fingerprint
            else:
                header = self._confluent_header(schema, topic)
            writer = self._writers[key] = (header, encoder_for(schema.parsed))
        return writer[0] + writer[1](record)

    def encode_with(self, schema: SchemaVersion, record: Mapping[str, Any]) -> bytes:
        """Serialize with a given (possibly older) schema version, single-object format."""
        return SINGLE_OBJECT_MAGIC + schema.fingerprint + _body(schema, record)

    def _confluent_header(self, schema: SchemaVersion, topic: str | None) -> bytes:
        subject = f"{topic}-value" if topic else f"baystream.{schema.name}"
        key = (subject, schema.name)
        schema_id = self._ids.get(key)
        if schema_id is None:
            assert self._registry is not None
            schema_id = self._registry.register(subject, schema.text)
            self._ids[key] = schema_id
            self._by_id[schema_id] = schema
        return struct.pack(">bI", CONFLUENT_MAGIC, schema_id)

    def decode(self, data: bytes | None) -> dict[str, Any]:
        """Bytes in either format to a decoded record with its `type`, read with the newest schema."""
        if not data:
            raise DecodeError("empty record: expected an Avro-encoded Baystream event")
        reader = self._readers.get(data[:10]) or self._readers.get(data[:5]) or self._reader(data)
        name, decode, offset = reader
        try:
            return decode(data, offset)  # a dict with its `type` (the decoder adds it), or fastavro's error
        except Exception as exc:  # fastavro raises several types on corrupt input
            raise DecodeError(f"corrupt {name} record: {type(exc).__name__}: {exc}") from None

    def _reader(self, data: bytes) -> tuple[str, Decoder, int]:
        """The writer schema named by a header seen for the first time, and its decoder into the newest."""
        if data[:2] == SINGLE_OBJECT_MAGIC:
            writer = self._catalog.by_fingerprint.get(data[2:10])
            if writer is None:
                raise DecodeError(f"unknown schema fingerprint {data[2:10].hex()}: not a schema in schemas/")
            header = data[:10]
        elif data[0] == CONFLUENT_MAGIC and len(data) >= 5:
            writer = self._writer_by_id(struct.unpack(">I", data[1:5])[0])
            header = data[:5]
        else:
            raise DecodeError(f"unknown wire format: first bytes {data[:4].hex()} are neither C301 nor 00")
        reader = self._catalog.current[writer.name]
        decode = decoder_for(writer.parsed, None if writer is reader else reader.parsed, writer.name)
        entry = self._readers[header] = (writer.name, decode, len(header))
        return entry

    def _writer_by_id(self, schema_id: int) -> SchemaVersion:
        known = self._by_id.get(schema_id)
        if known is not None:
            return known
        if self._registry is None:
            raise DecodeError(f"Confluent-format record (schema id {schema_id}) but no schema registry is set")
        try:
            text = self._registry.schema_text(schema_id)
        except Exception as exc:
            raise DecodeError(f"schema id {schema_id} not found in the registry: {exc}") from None
        raw = json.loads(text)
        name = raw.get("name", "").rsplit(".", 1)[-1]
        if name not in self._catalog.current:
            raise DecodeError(f"schema id {schema_id} is {name!r}, not a Baystream schema")
        writer = SchemaVersion(name, 0, text, fastavro.parse_schema(raw), b"")
        current = self._catalog.current[name]
        if writer.parsed == current.parsed:
            writer = current
        self._by_id[schema_id] = writer
        return writer


def codec_for(schema_registry: str | None, registry_config: Mapping[str, str] | None = None) -> Codec:
    """The codec the settings ask for: Confluent format with a registry URL, else single-object."""
    return Codec(ConfluentRegistry(schema_registry, registry_config) if schema_registry else None)
