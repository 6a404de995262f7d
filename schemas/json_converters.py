"""Compiled JSON object -> validated record converters, one per event type: the quick path of `parse_line`.

A file of a simulated year is 26.8 M JSON lines; the general conversion (`json_form._convert`) loops over
the fields with a call per value, and validation reads every value back. A converter here is straight-line
source built from the schema's fields that converts each value and checks it with the validator's rules
(`validation.checks`: the same source, so one statement of every rule) in one pass. It is sure of the
ordinary case only: every key a field of the type and no null, every value of its field's JSON type (no
nested object, so no depth check is needed), times in UTC with at most millisecond precision, and the event valid. For
anything else it returns None and the caller takes the general path, so every message and error stays that
path's.

The source is `exec`'d at first use, as the validators' and the Avro encoder's is; `make compiled` compiles
the converters of the catalog with mypyc beside the validators (schemas/native_checks.py), and a fresh build's
are taken instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from orjson import JSONDecodeError, loads

from baystream.schemas import validation
from baystream.schemas.catalog import catalog
from baystream.schemas.fields import NO_DEFAULT, FieldInfo, fields_of
from baystream.schemas.timerange import MAX_TIME_TEXT

Converter = Callable[[dict[str, Any]], "dict[str, Any] | None"]
"""A JSON object (a dict) to its validated record, or None: not sure, or not valid."""

_TYPES = {
    "string": "type(v) is str",
    "enum": "type(v) is str",
    "boolean": "type(v) is bool",
    "int": "type(v) is int",
    "long": "type(v) is int",
    "double": "(type(v) is float or type(v) is int)",
    "string_array": "(type(v) is list and all([type(x) is str for x in v]))",
}
"""The JSON values a field's quick path takes as they are: what `json_form._convert_in` passes through
unchanged (a chassis `size` given as a number is no str: it takes the general path). Bytes have none."""

_TIME = """\
if type(v) is not str or len(v) > max_time:
    return None
try:
    v = fromisoformat(v)
except ValueError:
    return None
if v.tzinfo is not utc or v.microsecond % 1000 or not time_min <= v < time_max:
    return None
"""
"""A time the general path (`timerange.parse_time`) would give unchanged: UTC, whole milliseconds, in range."""


SHARED: dict[str, Any] = {**validation.SHARED, "fromisoformat": datetime.fromisoformat, "utc": UTC}
SHARED |= {"max_time": MAX_TIME_TEXT}
"""The names a converter's source uses besides those it binds (the compiled module defines the same)."""


def _field_code(index: int, key: str, info: FieldInfo, bind: validation.Bind) -> str | None:
    """Source that leaves field `index`'s decoded value in `v`, and in the object where it differs from the
    JSON value (a time; the default of an absent field), or returns None; None if it has no quick path."""
    if info.kind == "timestamp":
        check = _TIME + f"obj[{info.name!r}] = v\n"
    elif info.kind in _TYPES:
        check = f"if not {_TYPES[info.kind]}:\n    return None\n"
    else:
        return None
    default = None if info.default is NO_DEFAULT else info.default
    bind(f"default_{key}{index}", default, None)
    body = "".join("    " + line + "\n" for line in check.splitlines())
    absent = f"    v = default_{key}{index}\n    obj[{info.name!r}] = v\n"
    return f"v = get({info.name!r})\nif v is None:\n{absent}else:\n    n += 1\n{body}"


def _or_none(code: str) -> list[str]:
    """The rules' statements with every problem a `return None`: the quick path is sure of valid events only."""
    return [re.sub(r"append\(FieldError\(.*\)\)", "return None", line) for line in code.splitlines()]


def converter_source(type_name: str, bind: validation.Bind, native: str | None = None, key: str = "") -> str | None:
    """The source of `def convert(obj)`, the quick converter of `type_name`: per field its conversion, then the
    field's rules from `validation.checks` (the same source the validators run); the checks between fields
    on the record. None when a field has no quick path.

    The record is the parsed object itself, its times converted and its absent fields given their defaults
    in place (a new dict per event cost more than the few stores); it is the caller's to drop when the
    converter returns None.

    `native`: the name of a typed function of the compiled module instead (schemas/native_checks.py), its
    constants named with `key` (those of the validator of the same type and key are the same ones)."""
    infos = fields_of(type_name)
    rules, cross = validation.checks(type_name, bind, key=key)
    # n: the keys that are fields with a value, and the type; every key of the object as parsed (`size`) when
    # there is no other key and no null (the general path's default)
    fields = ["size = len(obj)", "n = 1"]
    for index, (info, rule) in enumerate(zip(infos, rules, strict=True)):
        field = _field_code(index, key, info, bind)
        if field is None:
            return None
        fields += [*field.splitlines(), *_or_none(rule)]
    fields += ["if n != size:", "    return None"]
    result = ["record = obj", *_or_none(cross), "return record"]
    if native is None:
        return "def convert(obj):\n" + validation.indented(["get = obj.get", *fields, *result])
    declared = ["record: dict[str, Any]", "n: int", "size: int", *(f"{name}: Any" for name in "vpqt")]
    head = f"def {native}(obj: dict[str, Any]) -> dict[str, Any] | None:\n"
    return head + validation.indented(declared + validation.typed(fields, "obj") + validation.typed(result, "record"))


def compile_converter(type_name: str) -> Converter | None:
    """The exec'd quick converter of `type_name` (`converter_source`), or None when one of its fields has no
    quick path."""
    namespace = dict(SHARED)
    source = converter_source(type_name, lambda name, value, source: namespace.__setitem__(name, value))
    if source is None:
        return None
    exec(compile(source, f"<JSON converter of {type_name}>", "exec"), namespace)
    converter: Converter = namespace["convert"]
    return converter


def quick_parse(line: Any, converters: dict[str, Any]) -> dict[str, Any] | None:
    """The quick path of `json_form.parse_line` through the converters built so far: the validated record of
    a JSON line, or None (not sure, not valid, or a type whose converter is not built yet). The compiled
    module holds a copy (schemas/native_checks.py)."""
    try:
        obj = loads(line)
    except JSONDecodeError:
        return None
    if type(obj) is not dict:
        return None
    type_name = obj.get("type")
    converter = converters.get(type_name) if type(type_name) is str else None
    return None if converter is None else converter(obj)


@functools.cache
def quick_parser() -> Callable[[Any, dict[str, Any]], dict[str, Any] | None]:
    """`quick_parse`, compiled when a fresh build has it."""
    from baystream.schemas.native_checks import native_build

    built = native_build()
    return quick_parse if built is None else built.quick_parse


CONVERTERS: dict[str, Converter | None] = {}


def converter_of(type_name: str) -> Converter | None:
    """The quick converter of a catalog type (built at first use), None for other names and for types
    that have none."""
    try:
        return CONVERTERS[type_name]
    except KeyError:
        if type_name not in catalog().current:
            return None  # not remembered: hostile input must not grow this table
    from baystream.schemas.native_checks import native_function

    compiled = native_function("CONVERTERS", type_name)
    converter = CONVERTERS[type_name] = compiled or compile_converter(type_name)
    return converter
