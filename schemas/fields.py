"""Field metadata derived from the Avro schemas, shared by validation and the JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from schemas.catalog import catalog

NO_DEFAULT = object()


@dataclass(frozen=True)
class FieldInfo:
    """What a field holds, in terms the validators and converters need."""

    name: str
    kind: str
    """string, timestamp, boolean, int, long, double, bytes, enum, string_array."""
    nullable: bool
    default: Any
    symbols: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT


def _kind(avro_type: Any) -> tuple[str, tuple[str, ...]]:
    if isinstance(avro_type, str):
        return (avro_type if avro_type != "float" else "double"), ()
    if avro_type.get("logicalType") == "timestamp-millis":
        return "timestamp", ()
    if avro_type["type"] == "enum":
        return "enum", tuple(avro_type["symbols"])
    if avro_type["type"] == "array":
        return "string_array", ()
    raise ValueError(f"unsupported Avro type {avro_type!r}")


def _enum_symbols_by_name(schema_fields: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    named: dict[str, tuple[str, ...]] = {}
    for f in schema_fields:
        for t in f["type"] if isinstance(f["type"], list) else [f["type"]]:
            if isinstance(t, dict) and t.get("type") == "enum":
                named[t["name"]] = tuple(t["symbols"])
                named[f"baystream.indicators.{t['name']}"] = tuple(t["symbols"])
    return named


@cache
def fields_of(type_name: str) -> tuple[FieldInfo, ...]:
    """The fields of the current schema of `type_name`."""
    raw_fields = catalog().fields(type_name)
    enums = _enum_symbols_by_name(raw_fields)
    infos = []
    for f in raw_fields:
        avro_type = f["type"]
        nullable = isinstance(avro_type, list) and "null" in avro_type
        if isinstance(avro_type, list):
            avro_type = next(t for t in avro_type if t != "null")
        if isinstance(avro_type, str) and avro_type in enums:
            kind, symbols = "enum", enums[avro_type]
        else:
            kind, symbols = _kind(avro_type)
        infos.append(FieldInfo(f["name"], kind, nullable, f.get("default", NO_DEFAULT), symbols))
    return tuple(infos)


@cache
def field_names(type_name: str) -> tuple[str, ...]:
    """The field names of the current schema of `type_name`, in order."""
    return tuple(info.name for info in fields_of(type_name))
