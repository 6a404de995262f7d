"""Fuzz targets: one function per entry point of hostile input, bytes in, no exception out but the ones
the entry point documents (its refusal). Shared by the hypothesis tests (tests/fuzz) and the long run
(`bench/fuzz.py`), so both exercise the same code.

A target returns normally or raises `Refused` (an expected, documented refusal); anything else is a crash.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

from baystream.consumers.dashboard.api import _hours
from baystream.producers.gateway.batch import BadBody, check_batch, split_body
from baystream.producers.gateway.identities import Identity, Role, hash_key
from baystream.schemas.errors import DecodeError, InvalidEvent
from baystream.schemas.json_form import parse_line, to_json
from baystream.schemas.timerange import BadTime, parse_time
from baystream.schemas.validation import validate
from baystream.schemas.wire import Codec
from tests.events import ALL_TYPES, event

TRUCKER = Identity("abcd-trucking", Role.TRUCKER, "ABCD", hash_key("fuzz"))
_CODEC = Codec()


def json_line(data: bytes) -> None:
    """`publish` / `indicators replay`: one line of a file."""
    try:
        record = parse_line(data)
    except InvalidEvent as exc:
        assert exc.errors and all(len(str(e)) < 1000 for e in exc.errors)
        json.dumps([e.as_dict() for e in exc.errors])  # what the gateway would answer must be JSON
        return
    assert validate(record) == []
    to_json(record)


def gateway_body(data: bytes) -> None:
    """The gateway's body handling up to publishing: split (JSON or NDJSON by the first byte), check."""
    content_type = "application/x-ndjson" if data[:1] == b"n" else "application/json"
    try:
        items = split_body(data[1:], content_type)
    except BadBody as exc:
        assert "\n" not in str(exc)
        return
    checked = check_batch(items, TRUCKER)
    json.dumps([p.as_dict() for p in checked.invalid + checked.forbidden])
    assert not (checked.invalid and len(checked.records) == len(items))


def validator(data: bytes) -> None:
    """The validators over a decoded record with fields replaced by JSON values from the input."""
    try:
        values = json.loads(data)
    except ValueError:
        return
    if not isinstance(values, dict):
        return
    base = event(ALL_TYPES[len(data) % len(ALL_TYPES)])
    from baystream.schemas.json_form import parse_event

    record = {**parse_event(base), **values}
    for error in validate(record):
        str(error)
        json.dumps(error.as_dict())


def avro_decode(data: bytes) -> None:
    """The wire format's public decode (single-object and Confluent headers, then the Avro body)."""
    try:
        record = _CODEC.decode(data)
    except DecodeError:
        return
    assert isinstance(record, dict) and "type" in record


def dashboard_parameters(data: bytes) -> None:
    """`/api/history`'s `hours` and `since` (and `indicators replay --at`): the one time parser."""
    text = data.decode("utf-8", "replace")
    hours = _hours(text)
    assert hours is None or 0 < hours <= 8784
    with contextlib.suppress(BadTime):
        parse_time(text)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "json_line": json_line,
    "gateway_body": gateway_body,
    "validator": validator,
    "avro_decode": avro_decode,
    "dashboard_parameters": dashboard_parameters,
}


def seeds(target: str) -> list[bytes]:
    """Valid inputs to mutate from: every event type in the JSON form, encoded events, times."""
    events = [event(t) for t in ALL_TYPES]
    lines = [json.dumps(e).encode() for e in events]
    if target == "gateway_body":
        return [b"j" + json.dumps(events).encode(), b"n" + b"\n".join(lines)] + [b"j" + line for line in lines]
    if target == "avro_decode":
        from baystream.schemas.json_form import parse_event

        return [_CODEC.encode(parse_event(e)) for e in events]
    if target == "dashboard_parameters":
        return [b"2024-05-01T12:00:00Z", b"6", b"0.5", b"9999-12-31T23:59:59-01:00", b"1e300"]
    if target == "validator":
        return [json.dumps({k: v for k, v in e.items() if k != "type"}).encode() for e in events]
    return lines
