"""Validation of decoded events: types from the Avro schema, then port identifiers and vocabularies.

A validator is compiled once per event type; `validate` returns every problem, not just the first, so a
publisher sees all that is wrong with an event in one go.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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

_TYPE_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "string": (lambda v: type(v) is str and v != "", "a non-empty string"),
    "timestamp": (lambda v: isinstance(v, datetime) and v.tzinfo is not None, "a UTC time"),
    "boolean": (lambda v: type(v) is bool, "true or false"),
    "int": (lambda v: type(v) is int and -(2**31) <= v < 2**31, "a 32-bit integer"),
    "long": (lambda v: type(v) is int, "an integer"),
    "double": (lambda v: type(v) in (float, int), "a number"),
    "bytes": (lambda v: type(v) is bytes, "bytes"),
    "string_array": (lambda v: type(v) is list and all(type(x) is str for x in v), "a list of strings"),
}


def _field_validator(info: FieldInfo) -> Callable[[Mapping[str, Any], list[FieldError]], None]:
    name, nullable = info.name, info.nullable
    if info.kind == "enum":
        symbols = frozenset(info.symbols)
        wanted = "one of " + ", ".join(info.symbols)
        type_ok: Callable[[Any], bool] = lambda v: v in symbols  # noqa: E731
    else:
        type_ok, wanted = _TYPE_CHECKS[info.kind]
    domain = _DOMAIN_CHECKS.get(name)

    def check(record: Mapping[str, Any], errors: list[FieldError]) -> None:
        value = record.get(name)
        if value is None:
            if not nullable:
                errors.append(FieldError(name, f"is required ({wanted})", None))
            return
        if not type_ok(value):
            errors.append(FieldError(name, f"expected {wanted}", value))
            return
        if domain is not None and (problem := domain(value)) is not None:
            errors.append(FieldError(name, problem, value))

    return check


@cache
def _validators(type_name: str) -> tuple[Callable[[Mapping[str, Any], list[FieldError]], None], ...]:
    return tuple(_field_validator(info) for info in fields_of(type_name))


def validate(record: Mapping[str, Any]) -> list[FieldError]:
    """Every problem of a decoded event (a dict with its `type`); empty when it is valid."""
    type_name = record.get("type")
    if type_name not in catalog().current:
        return [FieldError("type", "expected one of " + ", ".join(INPUT_TYPES), type_name)]
    errors: list[FieldError] = []
    for check in _validators(type_name):
        check(record, errors)
    return errors


def ensure_valid(record: Mapping[str, Any]) -> None:
    """Raise InvalidEvent listing every problem, or return quietly."""
    errors = validate(record)
    if errors:
        raise InvalidEvent(errors)
