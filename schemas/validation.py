"""Validation of decoded events: types from the Avro schema, then port identifiers and vocabularies.

A validator is compiled once per event type (straight-line source, `exec`'d, or the same source compiled
by mypyc at `make compiled`, schemas/native_checks.py: it runs for every event published); `validate`
returns every problem, not just the first, so a publisher sees all that is wrong with an event in one go.

An enum's UNKNOWN (its default, schemas/catalog.py) is rejected with `STAND_IN_REASON`: a reader gets it
for a symbol of a newer version it does not know, so an event holding it says nothing the engine could
count. Publishers cannot send it, and the worker dead-letters a record read that way (stage `validate`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from baystream.infra.compiled import literal
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
if v is None:
    {if_none}
elif {wrong}:
    append(FieldError({name!r}, expected_{i}, v))
"""
_ENUM_WITH_STAND_IN = """\
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
        _remember(known_{i}, v)
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


SHARED: dict[str, Any] = {"FieldError": FieldError, "datetime": datetime, "_remember": _remember}
SHARED |= {"time_min": TIME_MIN, "time_max": TIME_MAX}
"""The names the rules' source uses besides those `checks` binds (the compiled module defines the same)."""

Bind = Callable[[str, Any, "str | None"], None]
"""`bind(name, value, source)`: makes `name` stand for `value` in generated code, in the namespace it is exec'd
in, or as a constant of the compiled module written as `source` (None: the value's literal)."""


def checks(type_name: str, bind: Bind, decoded: bool = False, key: str = "") -> tuple[list[str], str]:
    """The rules of one type as source: per field in order, statements checking its value `v` (required, then
    type, then its domain check), and the checks between fields, which read the record through `get`. A
    problem is `append(FieldError(...))`; the constants are bound through `bind`, named `<what>_<key><i>`.

    The domain checks are pure functions of the value, so a string that passed once passes again:
    remembering it skips the regex or check digit for the port, terminal and trucker of every event.
    `decoded`: only for records the Avro decoder gave, whose values have their fields' types; the checks a
    type makes true are left out (`_DECODED_KINDS`), the rest and their messages are the same.
    """
    blocks = []
    for index, info in enumerate(fields_of(type_name)):
        i = f"{key}{index}"
        code = []
        wrong, wanted = _KINDS[info.kind]
        if decoded:
            wrong = _DECODED_KINDS.get(info.kind) or "False"
        if info.kind == "enum":
            wrong = wrong.replace("symbols", f"symbols_{i}")
            wanted = "one of " + ", ".join(info.symbols)
            bind(f"symbols_{i}", frozenset(info.symbols), f"frozenset({literal(info.symbols)})")
        if_none = "pass" if info.nullable else f"append(FieldError({info.name!r}, required_{i}, None))"
        template = _FIELD
        if info.stand_in is not None:
            template = _ENUM_WITH_STAND_IN
            bind(f"stand_in_{i}", info.stand_in, None)
            bind(f"stand_in_reason_{i}", STAND_IN_REASON.format(symbol=info.stand_in), None)
        code.append(template.format(name=info.name, i=i, if_none=if_none, wrong=wrong))
        bind(f"required_{i}", f"is required ({wanted})", None)
        bind(f"expected_{i}", f"expected {wanted}", None)
        domain = _DOMAIN_CHECKS.get(info.name)
        if domain is not None:
            remembered = info.kind == "string" and info.name in _REMEMBERED
            code.append((_REMEMBERED_DOMAIN if remembered else _DOMAIN).format(name=info.name, i=i))
            bind(f"domain_{i}", domain, f"_DOMAIN_CHECKS[{info.name!r}]")
            if remembered:
                bind(f"known_{i}", set(), "set()")
        blocks.append("".join(code))
    return blocks, _CROSS_CHECKS.get(type_name, "")


def validator_source(
    type_name: str, bind: Bind, decoded: bool = False, native: str | None = None, key: str = ""
) -> str:
    """The source of `def validate(record)`, the validator of one type: every problem, in field order.

    `native`: the name of a typed function of the compiled module (`schemas/native_checks.py`) instead, taking
    any mapping (copied to a dict unless it is one); `key` names its constants (`checks`)."""
    blocks, cross = checks(type_name, bind, decoded, key)
    body = []
    for info, block in zip(fields_of(type_name), blocks, strict=True):
        body += [f"v = get({info.name!r})", *block.splitlines()]
    body += [*cross.splitlines(), "return errors"]
    if native is None:
        head = ["def validate(record):", "errors = []", "append = errors.append", "get = record.get"]
        return head[0] + "\n" + indented(head[1:] + body)
    head = [f"def {native}(arg: Any) -> list[Any]:"]
    declared = ["record: dict[str, Any] = arg if type(arg) is dict else dict(arg)", "errors: list[Any] = []"]
    declared += [f"{name}: Any" for name in "vpqt"]
    return head[0] + "\n" + indented(declared + typed(body, "record"))


def typed(lines: list[str], record: str) -> list[str]:
    """Rules' source for the compiled module: the record's `get` and the errors' `append` called as methods
    (which mypyc calls directly; the exec'd source binds them to locals once instead)."""
    return [re.sub(r"\bappend\(", "errors.append(", re.sub(r"\bget\(", f"{record}.get(", line)) for line in lines]


def indented(lines: list[str]) -> str:
    return "".join(f"    {line}\n" for line in lines)


def _compile(type_name: str, decoded: bool = False) -> Validator:
    """The exec'd validator of one type (`validator_source`)."""
    namespace = dict(SHARED)
    source = validator_source(type_name, lambda name, value, source: namespace.__setitem__(name, value), decoded)
    exec(compile(source, f"<validation of {type_name}>", "exec"), namespace)
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
    """The validator of the record's type: the compiled build's (`native_checks`), else exec'd; or refuse a
    type that is none of the catalog's."""
    type_name = record.get("type")
    if not isinstance(type_name, str) or type_name not in catalog().current:
        return [FieldError("type", "expected one of " + ", ".join(INPUT_TYPES), type_name)]
    from baystream.schemas.native_checks import native_function

    compiled = native_function("DECODED_VALIDATORS" if decoded else "VALIDATORS", type_name)
    validator = validators[type_name] = compiled or _compile(type_name, decoded)
    return validator(record)


def ensure_valid(record: Mapping[str, Any]) -> None:
    """Raise InvalidEvent listing every problem, or return quietly."""
    errors = validate(record)
    if errors:
        raise InvalidEvent(errors)
