"""Field metadata derived from the Avro schemas, shared by validation and the JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from baystream.schemas.catalog import UNKNOWN_SYMBOL, catalog

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
    """An enum's symbols that may be published: the schema's, without its reader-only `stand_in`."""
    stand_in: str | None = None
    """An enum's UNKNOWN: its `default`, what a reader gets for a newer writer's symbol it does not know;
    in the schema's symbols, never published (docs/schemas.md)."""

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT


Enum = tuple[tuple[str, ...], str | None]
"""An enum's publishable symbols and its reader-only stand-in (None when it has none)."""


def _enum(avro_type: dict[str, Any]) -> Enum:
    """The symbols of an enum, the stand-in apart: the `default` when it is UNKNOWN_SYMBOL."""
    stand_in = UNKNOWN_SYMBOL if avro_type.get("default") == UNKNOWN_SYMBOL else None
    return tuple(s for s in avro_type["symbols"] if s != stand_in), stand_in


def _kind(avro_type: Any) -> tuple[str, Enum]:
    if isinstance(avro_type, str):
        return (avro_type if avro_type != "float" else "double"), ((), None)
    if avro_type.get("logicalType") == "timestamp-millis":
        return "timestamp", ((), None)
    if avro_type["type"] == "enum":
        return "enum", _enum(avro_type)
    if avro_type["type"] == "array":
        return "string_array", ((), None)
    raise ValueError(f"unsupported Avro type {avro_type!r}")


def _enums_by_name(schema_fields: list[dict[str, Any]]) -> dict[str, Enum]:
    named: dict[str, Enum] = {}
    for f in schema_fields:
        for t in f["type"] if isinstance(f["type"], list) else [f["type"]]:
            if isinstance(t, dict) and t.get("type") == "enum":
                named[t["name"]] = _enum(t)
                named[f"baystream.indicators.{t['name']}"] = _enum(t)
    return named


@cache
def fields_of(type_name: str) -> tuple[FieldInfo, ...]:
    """The fields of the current schema of `type_name`."""
    raw_fields = catalog().fields(type_name)
    enums = _enums_by_name(raw_fields)
    infos = []
    for f in raw_fields:
        avro_type = f["type"]
        nullable = isinstance(avro_type, list) and "null" in avro_type
        if isinstance(avro_type, list):
            avro_type = next(t for t in avro_type if t != "null")
        if isinstance(avro_type, str) and avro_type in enums:
            kind, (symbols, stand_in) = "enum", enums[avro_type]
        else:
            kind, (symbols, stand_in) = _kind(avro_type)
        infos.append(FieldInfo(f["name"], kind, nullable, f.get("default", NO_DEFAULT), symbols, stand_in))
    return tuple(infos)


@cache
def field_names(type_name: str) -> tuple[str, ...]:
    """The field names of the current schema of `type_name`, in order."""
    return tuple(info.name for info in fields_of(type_name))
