"""`(source, event_id)` of an input record, read from its Avro body without decoding the rest of it.

The gateway's idempotency memory reads every record of the five input topics back (tail.py), so this read
must be cheap. Every input schema starts with `event_id` (string) and, a few fields later, `source`
(string): `event_id, event_time (long), classifier (enum), source` now, `event_id, event_time, source` in
the v1 schemas of `schemas/avro/history`. Avro binary has no field tags, so the body is walked field by
field up to `source`, skipping what lies between by its encoding alone (a long or an enum is one varint,
whatever its value or symbols): a *plan* per writer schema, made from the schema itself, never assumed.

The writer schema comes from the record's header, as `schemas.wire.Codec.decode` finds it: the single-object
fingerprint (C3 01 + 8 bytes, resolved in the schema catalog) or the Confluent schema id (00 + 4 bytes,
resolved once per id in the Schema Registry). A writer whose fields before `source` are not all of the
skippable kinds, or a registry that cannot be asked, falls back to the full decode; a record neither can
read raises `DecodeError`.

The source is compared before the event id is turned into text, so records of parties the caller does not
care about (`wanted`) cost one walk over a few bytes.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from baystream.schemas.catalog import INPUT_TYPES, SchemaCatalog, catalog
from baystream.schemas.errors import DecodeError
from baystream.schemas.wire import CONFLUENT_MAGIC, SINGLE_OBJECT_MAGIC, Codec, Registry

_STRING, _VARINT, _BOOLEAN, _FLOAT, _DOUBLE, _NULL = -1, -2, 1, 4, 8, 0
"""How a field is skipped: by a length prefix (string, bytes), by one varint (int, long, enum), or a fixed
number of bytes (boolean 1, float 4, double 8, null 0, an Avro `fixed` its size)."""

_KINDS = {
    "string": _STRING,
    "bytes": _STRING,
    "int": _VARINT,
    "long": _VARINT,
    "enum": _VARINT,
    "boolean": _BOOLEAN,
    "float": _FLOAT,
    "double": _DOUBLE,
    "null": _NULL,
}


_SKIP, _EVENT_ID, _SOURCE = 0, 1, 2
"""What a field is to the walk: skipped, or one of the two it reads."""


@dataclass(frozen=True)
class Plan:
    """How to find `event_id` and `source` in the body of one writer schema."""

    ops: tuple[tuple[int, int], ...]
    """(skip kind, role) of every field up to the later of the two."""
    event_id: int
    source: int


def _kind(field_type: Any) -> int | None:
    """The skip kind of a field type (JSON form of the schema), or None for one not skippable by kind alone."""
    if isinstance(field_type, Mapping):
        if field_type.get("type") == "fixed":
            size = field_type.get("size")
            return size if isinstance(size, int) and size >= 0 else None
        field_type = field_type.get("type")  # primitives with a logicalType, and enums
    return _KINDS.get(field_type) if isinstance(field_type, str) else None


def plan_for(schema: Mapping[str, Any]) -> Plan | None:
    """The plan of a record schema (its JSON form), or None when the fast path cannot read it."""
    fields = schema.get("fields")
    if not isinstance(fields, list):
        return None
    names = [f.get("name") if isinstance(f, Mapping) else None for f in fields]
    if "event_id" not in names or "source" not in names:
        return None
    event_id, source = names.index("event_id"), names.index("source")
    kinds = tuple(_kind(f.get("type")) for f in fields[: max(event_id, source) + 1])
    if any(k is None for k in kinds) or kinds[event_id] != _STRING or kinds[source] != _STRING:
        return None
    roles = {event_id: _EVENT_ID, source: _SOURCE}
    return Plan(tuple((k, roles.get(i, _SKIP)) for i, k in enumerate(kinds) if k is not None), event_id, source)


def _length(data: bytes, pos: int) -> tuple[int, int]:
    """(length, position after it) of a string or bytes: a zigzag varint."""
    byte = data[pos]
    if byte < 0x80:  # the usual case: shorter than 64 bytes
        value, pos = byte, pos + 1
    else:
        value, shift, pos = byte & 0x7F, 7, pos + 1
        while True:
            byte = data[pos]
            value |= (byte & 0x7F) << shift
            pos += 1
            if byte < 0x80:
                break
            shift += 7
    if value & 1:
        raise DecodeError("negative string length")
    return value >> 1, pos


def walk(plan: Plan, data: bytes, pos: int) -> tuple[int, int, int, int]:
    """Start and end of event_id, then of source, in `data`, whose Avro body starts at `pos`.

    The hot loop of the memory's reader: ints only, no attribute lookups in the loop (3x faster than with).
    """
    event_id = event_id_end = source = source_end = 0
    for kind, role in plan.ops:
        if kind == _STRING:
            length = data[pos]
            if length < 0x80 and not length & 1:  # inline: a string shorter than 64 bytes
                length, pos = length >> 1, pos + 1
            else:
                length, pos = _length(data, pos)
            if role == _EVENT_ID:
                event_id, event_id_end = pos, pos + length
            elif role == _SOURCE:
                source, source_end = pos, pos + length
            pos += length
        elif kind == _VARINT:
            while data[pos] & 0x80:
                pos += 1
            pos += 1
        else:
            pos += kind
    if pos > len(data):
        raise DecodeError("record shorter than its fields")
    return event_id, event_id_end, source, source_end


class Peeker:
    """Reads `(source, event_id)` of Baystream input records; `wanted` limits the sources returned."""

    def __init__(
        self,
        codec: Codec,
        registry: Registry | None = None,
        schemas: SchemaCatalog | None = None,
        wanted: Iterable[str] | None = None,
    ):
        self._codec = codec
        self._registry = registry
        schemas = schemas or catalog()
        self._by_fingerprint: dict[bytes, Plan | None] = {
            fp: plan_for(json.loads(v.text)) for fp, v in schemas.by_fingerprint.items() if v.name in INPUT_TYPES
        }
        self._by_id: dict[int, Plan | None] = {}
        self._wanted = None if wanted is None else frozenset(s.encode() for s in wanted)
        self.fallbacks = 0
        """Records read with the full decode (no plan for their writer schema)."""

    def read(self, data: bytes | None) -> tuple[str, str] | None:
        """(source, event_id), or None when the source is not wanted; DecodeError when unreadable."""
        if not data:
            raise DecodeError("empty record: expected an Avro-encoded Baystream event")
        plan: Plan | None
        if data[:2] == SINGLE_OBJECT_MAGIC:
            plan, start = self._by_fingerprint.get(data[2:10]), 10
        elif data[0] == CONFLUENT_MAGIC and len(data) >= 5:
            plan, start = self._plan_of_id(struct.unpack(">I", data[1:5])[0]), 5
        else:
            plan, start = None, 0
        if plan is not None:
            try:
                event_id, event_id_end, source, source_end = walk(plan, data, start)
                source_bytes = data[source:source_end]
                if self._wanted is not None and source_bytes not in self._wanted:
                    return None
                return source_bytes.decode(), data[event_id:event_id_end].decode()
            except (IndexError, UnicodeDecodeError, DecodeError):
                pass  # corrupt: let the full decode say why
        return self._decode(data)

    def _decode(self, data: bytes) -> tuple[str, str] | None:
        self.fallbacks += 1
        record = self._codec.decode(data)
        source, event_id = record.get("source"), record.get("event_id")
        if not isinstance(source, str) or not isinstance(event_id, str):
            raise DecodeError(f"a {record['type']} record has no source and event_id: not an input event")
        if self._wanted is not None and source.encode() not in self._wanted:
            return None
        return source, event_id

    def _plan_of_id(self, schema_id: int) -> Plan | None:
        if schema_id in self._by_id:
            return self._by_id[schema_id]
        plan = None
        if self._registry is not None:
            try:
                plan = plan_for(json.loads(self._registry.schema_text(schema_id)))
            except Exception:  # the registry unreachable or the id unknown: the full decode says why
                return None  # not cached: asked again for the next record of this id
        self._by_id[schema_id] = plan
        return plan
