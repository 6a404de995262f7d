"""The JSON form of DESIGN.md: `{"type": "GateMove", ...fields}`, times as ISO-8601 UTC strings.

Used by files, the HTTP gateway and `tail`. Absent optional fields are omitted on output and filled with
their schema defaults on input; unknown fields are an error (a typo must not vanish silently).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from json.encoder import encode_basestring_ascii as _quote  # what json.dumps quotes strings with (ensure_ascii)
from typing import Any

from baystream.schemas.catalog import INPUT_TYPES, catalog
from baystream.schemas.errors import FieldError, InvalidEvent
from baystream.schemas.fields import NO_DEFAULT, field_names, fields_of
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


def parse_time(text: str) -> datetime:
    """ISO-8601 with a timezone, to an aware UTC datetime with millisecond precision."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("no timezone")
    parsed = parsed.astimezone(UTC)
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)


def _convert_in(kind: str, name: str, value: Any) -> Any:
    if kind == "timestamp":
        if not isinstance(value, str):
            raise InvalidEvent([FieldError(name, "expected an ISO-8601 time string with a timezone", value)])
        try:
            return parse_time(value)
        except ValueError:
            raise InvalidEvent(
                [FieldError(name, "expected an ISO-8601 UTC time like 2024-05-01T12:00:00Z", value)]
            ) from None
    if kind == "bytes" and isinstance(value, str):
        return base64.b64decode(value)
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


def parse_line(text: str) -> dict[str, Any]:
    """One line of JSON-lines input to a validated event."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEvent([FieldError("(line)", f"not JSON: {exc.msg} at column {exc.colno}", text.strip())]) from None
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
