"""Compiled JSON object -> decoded record converters, one per event type: the quick path of `parse_line`.

A file of a simulated year is 18.6 M JSON lines; the general conversion (`json_form._convert`) loops over
the fields with a call per value. A converter here is straight-line source built from the schema's fields
(`exec`'d at first use, as the validators and the Avro encoder are) and copies the values across. It is
sure of the ordinary case only: every key a field of the type, every value of its field's JSON type (no
nested object, so no depth check is needed), times in UTC with at most millisecond precision. For anything
else it returns None and the caller takes the general path, so every message and error stays that path's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from baystream.schemas.catalog import catalog
from baystream.schemas.fields import NO_DEFAULT, FieldInfo, fields_of
from baystream.schemas.timerange import MAX_TIME_TEXT, TIME_MAX, TIME_MIN

Converter = Callable[[dict[str, Any]], "dict[str, Any] | None"]

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


def _field_code(i: int, info: FieldInfo, namespace: dict[str, Any]) -> str | None:
    """Source that leaves field `i`'s decoded value in `v{i}` or returns None; None if it has no quick path."""
    if info.kind == "timestamp":
        check = _TIME
    elif info.kind in _TYPES:
        check = f"if not {_TYPES[info.kind]}:\n    return None\n"
    else:
        return None
    namespace[f"default_{i}"] = None if info.default is NO_DEFAULT else info.default
    body = "".join("    " + line + "\n" for line in check.splitlines())
    return f"v = get({info.name!r})\nif v is None:\n    v = default_{i}\nelse:\n{body}v{i} = v\n"


def compile_converter(type_name: str) -> Converter | None:
    """The quick converter of `type_name`, or None when one of its fields has no quick path."""
    infos = fields_of(type_name)
    namespace: dict[str, Any] = {"fromisoformat": datetime.fromisoformat, "utc": UTC}
    namespace |= {"time_min": TIME_MIN, "time_max": TIME_MAX, "max_time": MAX_TIME_TEXT}
    namespace["known"] = frozenset(info.name for info in infos) | {"type"}
    code = ["if not obj.keys() <= known:", "    return None", "get = obj.get"]
    for i, info in enumerate(infos):
        field = _field_code(i, info, namespace)
        if field is None:
            return None
        code += field.splitlines()
    items = ", ".join(f"{info.name!r}: v{i}" for i, info in enumerate(infos))
    code.append(f"return {{'type': {type_name!r}, {items}}}")
    source = "def convert(obj):\n" + "".join(f"    {line}\n" for line in code)
    exec(compile(source, f"<JSON converter of {type_name}>", "exec"), namespace)
    converter: Converter = namespace["convert"]
    return converter


_CONVERTERS: dict[str, Converter | None] = {}


def converter_of(type_name: str) -> Converter | None:
    """The quick converter of a catalog type (built at first use), None for other names and for types
    that have none."""
    try:
        return _CONVERTERS[type_name]
    except KeyError:
        if type_name not in catalog().current:
            return None  # not remembered: hostile input must not grow this table
    converter = _CONVERTERS[type_name] = compile_converter(type_name)
    return converter
