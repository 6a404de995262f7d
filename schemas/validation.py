"""Validation of decoded events: types from the Avro schema, then port identifiers and vocabularies.

A validator is compiled once per event type (straight-line source, `exec`'d: it runs for every event
published); `validate` returns every problem, not just the first, so a publisher sees all that is wrong
with an event in one go.

An enum's UNKNOWN (its default, schemas/catalog.py) is rejected with `STAND_IN_REASON`: a reader gets it
for a symbol of a newer version it does not know, so an event holding it says nothing the engine could
count. Publishers cannot send it, and the worker dead-letters a record read that way (stage `validate`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from baystream.schemas import identifiers as ids
from baystream.schemas.catalog import INPUT_TYPES, catalog
from baystream.schemas.errors import FieldError, InvalidEvent
from baystream.schemas.fields import fields_of
from baystream.schemas.timerange import TIME_MAX, TIME_MIN, TIME_RANGE

Check = Callable[[Any], "str | None"]
Validator = Callable[[Mapping[str, Any]], list[FieldError]]

_DOMAIN_CHECKS: dict[str, Check] = {
    "event_id": ids.uuid_problem,
    "port": ids.unlocode_problem,
    "last_port": ids.unlocode_problem,
    "facility": ids.facility_problem,
    "container_id": ids.container_number_problem,
    "vessel_imo": ids.imo_problem,
    "trucker": ids.scac_problem,
    "carrier": ids.scac_problem,
    "chassis_id": ids.chassis_problem,
    "size": lambda v: None if v in {"20", "40", "45"} else "expected a chassis size of 20, 40 or 45",
    "car_count": lambda v: None if v >= 1 else "expected at least one rail car",
    "teu_capacity": lambda v: None if 1 <= v <= 50_000 else "expected a capacity of 1 to 50000 TEU",
    "container_ids": lambda v: next(
        (f"item {i}: {p}" for i, c in enumerate(v) if (p := ids.container_number_problem(c))), None
    ),
    **dict.fromkeys(ids.IDENTIFIER_FIELDS, ids.identifier_problem),
    **dict.fromkeys(ids.TEXT_FIELDS, ids.text_problem),
}
"""Checks of a field's value beyond its type, by field name; every string of the input events has one (a
format or a maximum length and character set: docs/schemas.md)."""

_KINDS: dict[str, tuple[str, str]] = {
    # kind: (when a value that is not None gets "expected <wanted>", wanted); an exact Python type, never a
    # subclass (a bool is no int); only a str can be "" (`not v`); `symbols` is the enum's set of symbols.
    "string": ("type(v) is not str or not v", "a non-empty string"),
    "enum": ("type(v) is not str or v not in symbols or not v", ""),
    "timestamp": (
        "type(v) is not datetime or v.tzinfo is None or not time_min <= v < time_max",
        f"a UTC time from {TIME_RANGE}",
    ),
    "boolean": ("type(v) is not bool", "true or false"),
    "int": ("type(v) is not int or not -2147483648 <= v < 2147483648", "a 32-bit integer"),
    "long": ("type(v) is not int", "an integer"),
    "double": ("type(v) is not float and type(v) is not int", "a number"),
    "bytes": ("type(v) is not bytes", "bytes"),
    "string_array": ("type(v) is not list or not all(type(x) is str for x in v)", "a list of strings"),
}

_DECODED_KINDS: dict[str, str | None] = {
    "string": "not v",
    "enum": "v not in symbols",
    "timestamp": "not time_min <= v < time_max",
}
"""What is left to check of a value the Avro decoder gave (its Avro type, a time in UTC): an empty string, an
enum's stand-in, a time out of range; every other kind holds nothing its type allows but the contract not."""

STAND_IN_REASON = "{symbol} is the reader's stand-in for a symbol this version does not know; it cannot be published"
"""Why an enum's stand-in (UNKNOWN) is refused; the symbol is filled in."""

_REMEMBERED = frozenset(
    {"port", "facility", "trucker", "carrier", "vessel_imo", "size"}
    | {"source", "call_id", "iso_type", "location", "berth", "voyage", "vessel_name", "destination"}
)
"""Fields with few distinct values: their valid values are remembered, so each is checked once. Not event
ids (unique), containers (their check is cached in `identifiers`), chassis (a pool of many thousands) nor
the ids of visits, trucks and appointments (tens of thousands a month: the set would start afresh all the
time). A call's id, voyage and berth recur in every event of the call, the source and ISO type in most."""
_REMEMBER = 4096
"""Valid values remembered per field; the set starts afresh when full."""

_FIELD = """\
v = get({name!r})
if v is None:
    {if_none}
elif {wrong}:
    append(FieldError({name!r}, expected_{i}, v))
"""
_ENUM_WITH_STAND_IN = """\
v = get({name!r})
if v is None:
    {if_none}
elif {wrong}:
    append(FieldError({name!r}, stand_in_reason_{i} if type(v) is str and v == stand_in_{i} else expected_{i}, v))
"""
"""An enum with a stand-in: not one of the publishable symbols, and the stand-in gets its own reason (only
on the error path, so a valid event pays nothing for it)."""
_DOMAIN = """\
elif (p := domain_{i}(v)) is not None:
    append(FieldError({name!r}, p, v))
"""
_REMEMBERED_DOMAIN = """\
elif v not in known_{i}:
    p = domain_{i}(v)
    if p is None:
        remember(known_{i}, v)
    else:
        append(FieldError({name!r}, p, v))
"""


_CROSS_CHECKS: dict[str, str] = {
    "GateMove": """\
q = get('queue_arrival_time')
if type(q) is datetime and q.tzinfo is not None:
    if get('direction') != 'IN':
        append(FieldError('queue_arrival_time', 'only a gate IN has a queue arrival', q))
    elif type(t := get('event_time')) is datetime and t.tzinfo is not None and q > t:
        append(FieldError('queue_arrival_time', 'expected a time not after the gate IN (event_time)', q))
""",
}
"""Checks between fields, after every field's own (a wrong type there already has its error): the queue a
truck joined lies before its gate IN (docs/schemas.md)."""


def _remember(known: set[Any], value: Any) -> None:
    """Add a value whose domain check passed; start afresh when full (the working set moves on)."""
    if len(known) >= _REMEMBER:
        known.clear()
    known.add(value)


def _compile(type_name: str, decoded: bool = False) -> Validator:
    """The validator of one type: per field in order, required, then type, then its domain check.

    The domain checks are pure functions of the value, so a string that passed once passes again:
    remembering it skips the regex or check digit for the port, terminal and trucker of every event.
    `decoded`: only for records the Avro decoder gave, whose values have their fields' types; the checks a
    type makes true are left out (`_DECODED_KINDS`), the rest and their messages are the same.
    """
    namespace: dict[str, Any] = {
        **{"FieldError": FieldError, "datetime": datetime, "remember": _remember},
        **{"time_min": TIME_MIN, "time_max": TIME_MAX},
    }
    code = []
    for i, info in enumerate(fields_of(type_name)):
        wrong, wanted = _KINDS[info.kind]
        if decoded:
            wrong = _DECODED_KINDS.get(info.kind) or "False"
        if info.kind == "enum":
            wrong = wrong.replace("symbols", f"symbols_{i}")
            wanted = "one of " + ", ".join(info.symbols)
            namespace[f"symbols_{i}"] = frozenset(info.symbols)
        if_none = "pass" if info.nullable else f"append(FieldError({info.name!r}, required_{i}, None))"
        template = _FIELD
        if info.stand_in is not None:
            template = _ENUM_WITH_STAND_IN
            namespace[f"stand_in_{i}"] = info.stand_in
            namespace[f"stand_in_reason_{i}"] = STAND_IN_REASON.format(symbol=info.stand_in)
        code.append(template.format(name=info.name, i=i, if_none=if_none, wrong=wrong))
        namespace[f"required_{i}"] = f"is required ({wanted})"
        namespace[f"expected_{i}"] = f"expected {wanted}"
        domain = _DOMAIN_CHECKS.get(info.name)
        if domain is not None:
            remembered = info.kind == "string" and info.name in _REMEMBERED
            code.append((_REMEMBERED_DOMAIN if remembered else _DOMAIN).format(name=info.name, i=i))
            namespace[f"domain_{i}"] = domain
            namespace[f"known_{i}"] = set()
    code.append(_CROSS_CHECKS.get(type_name, ""))
    lines = ["def validate(record):", "    errors = []", "    append = errors.append", "    get = record.get"]
    lines += ["    " + line for line in "".join(code).splitlines()]
    lines.append("    return errors")
    exec(compile("\n".join(lines) + "\n", f"<validation of {type_name}>", "exec"), namespace)
    validator: Validator = namespace["validate"]
    return validator


_VALIDATORS: dict[str, Validator] = {}
_DECODED_VALIDATORS: dict[str, Validator] = {}


def validate(record: Mapping[str, Any]) -> list[FieldError]:
    """Every problem of an event (a dict with its `type`); empty when it is valid."""
    type_name = record.get("type")
    validator = _VALIDATORS.get(type_name) if type(type_name) is str else None
    return _first_time(record, _VALIDATORS, False) if validator is None else validator(record)


def validate_decoded(record: Mapping[str, Any]) -> list[FieldError]:
    """`validate` for an event the Avro decoder gave (`Codec.decode`): the same problems, fewer checks."""
    type_name = record.get("type")
    validator = _DECODED_VALIDATORS.get(type_name) if type(type_name) is str else None
    return _first_time(record, _DECODED_VALIDATORS, True) if validator is None else validator(record)


def _first_time(record: Mapping[str, Any], validators: dict[str, Validator], decoded: bool) -> list[FieldError]:
    """Compile the validator of the record's type (or refuse a type that is none of the catalog's)."""
    type_name = record.get("type")
    if not isinstance(type_name, str) or type_name not in catalog().current:
        return [FieldError("type", "expected one of " + ", ".join(INPUT_TYPES), type_name)]
    validator = validators[type_name] = _compile(type_name, decoded)
    return validator(record)


def ensure_valid(record: Mapping[str, Any]) -> None:
    """Raise InvalidEvent listing every problem, or return quietly."""
    errors = validate(record)
    if errors:
        raise InvalidEvent(errors)
