"""The JSON form of docs/architecture.md: `{"type": "GateMove", ...fields}`, times as ISO-8601 UTC strings.

Used by files, the HTTP gateway and `tail`. Absent optional fields are omitted on output and filled with
their schema defaults on input; unknown fields are an error (a typo must not vanish silently).

Every entry point reads JSON through `loads` and times through `parse_time` (gateway bodies, `publish`,
`indicators replay`, the dashboard's query parameters), so hostile input meets the same limits
everywhere: UTF-8 only, no nesting deeper than `MAX_DEPTH`, lines split on `\n` only (a U+2028 inside a
string is text, not a line break), and times within the contract's range (schemas/timerange.py, docs/schemas.md).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from json.encoder import encode_basestring_ascii as _quote  # what json.dumps quotes strings with (ensure_ascii)
from typing import Any

import orjson

from baystream.schemas.catalog import INPUT_TYPES, catalog
from baystream.schemas.errors import FieldError, InvalidEvent
from baystream.schemas.fields import NO_DEFAULT, field_names, fields_of
from baystream.schemas.json_converters import CONVERTERS, converter_of, quick_parser
from baystream.schemas.timerange import BadTime, parse_time
from baystream.schemas.validation import validate


def format_time(value: datetime) -> str:
    """ISO-8601 UTC with a Z, milliseconds only when there are some."""
    if value.tzinfo is UTC and value.year >= 1000:  # fast path (files of millions of events), same text
        micro = value.microsecond
        text = value.isoformat()[:19]
        return f"{text}.{micro // 1000:03d}Z" if micro else text + "Z"
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"


MAX_DEPTH = 16
"""Deepest nesting of arrays and objects accepted (an event is 2 deep, a batch of them 3): deeper input is
refused before anything walks it (a RecursionError otherwise, in `repr` or an encoder)."""


class JsonInputError(ValueError):
    """Bytes or text that are not usable JSON; the message says why and where, in one line."""


def _too_deep(value: Any) -> bool:
    """Whether `value` nests arrays/objects deeper than MAX_DEPTH (iterative: no recursion of our own)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        for child in node.values() if type(node) is dict else node:
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1))
    return False


def decode_utf8(data: bytes | bytearray | memoryview) -> str:
    """UTF-8 bytes to text; JsonInputError naming the first bad byte and its position (from 1)."""
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonInputError(f"not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at byte {exc.start + 1}") from None


def loads(data: str | bytes | bytearray | memoryview) -> Any:
    """The one JSON reader of every entry point: UTF-8 (bytes are checked), strict JSON (no NaN, no lone
    surrogates), at most MAX_DEPTH deep; JsonInputError with a one-line reason otherwise."""
    text = data if isinstance(data, str) else decode_utf8(data)
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if "depth" in exc.msg or "recursion" in exc.msg:
            raise JsonInputError(f"not JSON: nested deeper than {MAX_DEPTH} levels") from None
        raise JsonInputError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if (type(value) is dict or type(value) is list) and _too_deep(value):
        raise JsonInputError(f"not JSON: nested deeper than {MAX_DEPTH} levels")
    return value


def split_lines(data: bytes) -> list[bytes]:
    """JSON lines (NDJSON) split on `\n` only, as the format says: never on U+2028 or other separators
    that `str.splitlines` breaks at (they are valid inside JSON strings). A `\r` before it is whitespace."""
    return data.split(b"\n")


def _convert_in(kind: str, name: str, value: Any) -> Any:
    if kind == "timestamp":
        if not isinstance(value, str):
            raise InvalidEvent([FieldError(name, "expected an ISO-8601 time string with a timezone", value)])
        try:
            return parse_time(value)
        except BadTime as exc:
            raise InvalidEvent([FieldError(name, str(exc), value)]) from None
    if kind == "bytes" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            raise InvalidEvent([FieldError(name, "expected base64 text", value)]) from None
    if name == "size" and type(value) is int:
        return str(value)
    return value


def _convert(obj: Any) -> tuple[dict[str, Any], list[FieldError]]:
    """JSON object -> decoded form, with the structural problems found on the way."""
    if not isinstance(obj, Mapping):
        return {}, [FieldError("type", "expected a JSON object with a 'type'", obj)]
    type_name = obj.get("type")
    if not isinstance(type_name, str) or type_name not in catalog().current:
        return {}, [FieldError("type", "expected one of " + ", ".join(INPUT_TYPES), type_name)]
    infos = fields_of(type_name)
    known = {i.name for i in infos}
    errors = [FieldError(k, f"is not a field of {type_name}", obj[k]) for k in obj if k != "type" and k not in known]
    record: dict[str, Any] = {"type": type_name}
    for info in infos:
        if info.name in obj and obj[info.name] is not None:
            try:
                record[info.name] = _convert_in(info.kind, info.name, obj[info.name])
            except InvalidEvent as exc:
                errors.extend(exc.errors)
        elif info.default is not NO_DEFAULT:
            record[info.name] = info.default
        else:
            record[info.name] = None
    return record, errors


def from_json(obj: Any) -> dict[str, Any]:
    """A JSON object to the decoded form (no domain validation yet: see `parse_event`)."""
    record, errors = _convert(obj)
    if errors:
        raise InvalidEvent(errors)
    return record


def parse_event(obj: Any) -> dict[str, Any]:
    """JSON object -> validated decoded event, or InvalidEvent with every problem of every field."""
    record, errors = _convert(obj)
    if record:
        failed = {e.field for e in errors}
        errors.extend(e for e in validate(record) if e.field not in failed)
    if errors:
        raise InvalidEvent(errors)
    return record


def parse_line(line: str | bytes) -> dict[str, Any]:
    """One line of JSON-lines input (text, or bytes read from a file) to a validated event.

    First the quick path (orjson checks the UTF-8 of bytes itself; a converter per type that converts and
    validates in one pass, schemas/json_converters.py, compiled by mypyc where `make compiled` built it); a
    line it is not sure of, or an invalid event, takes the general path from the start, so the messages are
    that path's."""
    record = quick_parser()(line, CONVERTERS)
    if record is not None:
        return record
    try:  # the first line of its type (its converter is built), or one the quick path is not sure of
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        obj = None
    if type(obj) is dict and type(type_name := obj.get("type")) is str:
        converter = converter_of(type_name)
        record = converter(obj) if converter is not None else None
        if record is not None:
            return record
    return _parse_line(line)


def _parse_line(line: str | bytes) -> dict[str, Any]:
    try:
        obj = loads(line)
    except JsonInputError as exc:
        shown = line if isinstance(line, str) else line.decode("utf-8", "replace")
        raise InvalidEvent([FieldError("(line)", str(exc), shown.strip())]) from None
    return parse_event(obj)


def to_json(record: Mapping[str, Any]) -> dict[str, Any]:
    """The decoded form to a JSON-ready dict, `type` first, optional nulls omitted."""
    out: dict[str, Any] = {"type": record["type"]}
    get = record.get
    for name in field_names(record["type"]):
        value = get(name)
        if value is None:
            continue
        if type(value) is not str:
            if isinstance(value, datetime):
                value = format_time(value)
            elif isinstance(value, bytes):
                value = base64.b64encode(value).decode("ascii")
        out[name] = value
    return out


_COMPACT = json.JSONEncoder(separators=(",", ":"))
"""What json.dumps(..., separators=(",", ":")) builds on every call, built once."""


@cache
def _field_keys(type_name: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, f",{_quote(name)}:") for name in field_names(type_name))


def dumps(record: Mapping[str, Any]) -> str:
    """One JSON line (compact, no trailing newline).

    Fast path for the plain values events hold (str, bool, int, UTC times, lists of str): the text
    json.dumps(to_json(record), separators=(",", ":")) gives, built without the intermediate dict; any
    other value takes that general path.
    """
    type_name = record["type"]
    parts = ['{"type":' + _quote(type_name)]
    append = parts.append
    get = record.get
    for name, key in _field_keys(type_name):
        value = get(name)
        if value is None:
            continue
        kind = type(value)
        if kind is str:
            append(key + _quote(value))
        elif kind is datetime:
            append(key + _quote(format_time(value)))
        elif kind is bool:
            append(key + ("true" if value else "false"))
        elif kind is int:
            append(key + int.__repr__(value))
        elif kind is list and all(type(item) is str for item in value):
            append(key + "[" + ",".join(map(_quote, value)) + "]")
        else:
            return _COMPACT.encode(to_json(record))
    append("}")
    return "".join(parts)
