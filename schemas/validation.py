"""Validation of decoded events: types from the Avro schema, then port identifiers and vocabularies.

A validator is compiled once per event type; `validate` returns every problem, not just the first, so a
publisher sees all that is wrong with an event in one go.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from schemas import identifiers as ids
from schemas.catalog import INPUT_TYPES, catalog
from schemas.errors import FieldError, InvalidEvent
from schemas.fields import FieldInfo, fields_of

Check = Callable[[Any], "str | None"]

_DOMAIN_CHECKS: dict[str, Check] = {
    "event_id": ids.uuid_problem,
    "port": ids.unlocode_problem,
    "facility": ids.facility_problem,
    "container_id": ids.container_number_problem,
    "vessel_imo": ids.imo_problem,
    "trucker": ids.scac_problem,
    "carrier": ids.scac_problem,
    "chassis_id": ids.chassis_problem,
    "size": lambda v: None if v in {"20", "40", "45"} else "expected a chassis size of 20, 40 or 45",
    "car_count": lambda v: None if v >= 1 else "expected at least one rail car",
    "container_ids": lambda v: next(
        (f"item {i}: {p}" for i, c in enumerate(v) if (p := ids.container_number_problem(c))), None
    ),
}

_PY_TYPES: dict[str, tuple[frozenset[type], str]] = {
    "string": (frozenset({str}), "a non-empty string"),
    "timestamp": (frozenset({datetime}), "a UTC time"),
    "boolean": (frozenset({bool}), "true or false"),
    "int": (frozenset({int}), "a 32-bit integer"),
    "long": (frozenset({int}), "an integer"),
    "double": (frozenset({float, int}), "a number"),
    "bytes": (frozenset({bytes}), "bytes"),
    "string_array": (frozenset({list}), "a list of strings"),
    "enum": (frozenset({str}), ""),
}


def _finer_problem(kind: str, value: Any) -> bool:
    """The few type rules a Python type alone does not settle; True when the value breaks one."""
    if kind == "timestamp":
        return value.tzinfo is None
    if kind == "int":
        return not -(2**31) <= value < 2**31
    if kind == "string_array":
        return not all(type(x) is str for x in value)
    return False


_NEEDS_FINER = frozenset({"timestamp", "int", "string_array"})


@dataclass(frozen=True)
class _FieldRule:
    """How to check one field: flat data, so the per-event loop does no function calls for valid values."""

    name: str
    kind: str
    nullable: bool
    types: frozenset[type]
    wanted: str
    symbols: frozenset[str] | None
    domain: Check | None
    finer: bool


def _rule(info: FieldInfo) -> _FieldRule:
    types, wanted = _PY_TYPES[info.kind]
    symbols = frozenset(info.symbols) if info.kind == "enum" else None
    if symbols is not None:
        wanted = "one of " + ", ".join(info.symbols)
    finer = info.kind in _NEEDS_FINER
    return _FieldRule(info.name, info.kind, info.nullable, types, wanted, symbols, _DOMAIN_CHECKS.get(info.name), finer)


@cache
def _rules(type_name: str) -> tuple[_FieldRule, ...]:
    return tuple(_rule(info) for info in fields_of(type_name))


def validate(record: Mapping[str, Any]) -> list[FieldError]:
    """Every problem of a decoded event (a dict with its `type`); empty when it is valid."""
    type_name = record.get("type")
    if not isinstance(type_name, str) or type_name not in catalog().current:
        return [FieldError("type", "expected one of " + ", ".join(INPUT_TYPES), type_name)]
    errors: list[FieldError] = []
    get = record.get
    for rule in _rules(type_name):
        value = get(rule.name)
        if value is None:
            if not rule.nullable:
                errors.append(FieldError(rule.name, f"is required ({rule.wanted})", None))
        elif (
            type(value) not in rule.types
            or (rule.symbols is not None and value not in rule.symbols)
            or value == ""
            or (rule.finer and _finer_problem(rule.kind, value))
        ):
            errors.append(FieldError(rule.name, f"expected {rule.wanted}", value))
        elif rule.domain is not None and (problem := rule.domain(value)) is not None:
            errors.append(FieldError(rule.name, problem, value))
    return errors


def ensure_valid(record: Mapping[str, Any]) -> None:
    """Raise InvalidEvent listing every problem, or return quietly."""
    errors = validate(record)
    if errors:
        raise InvalidEvent(errors)
