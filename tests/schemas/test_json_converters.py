"""The quick path of `parse_line` (schemas/json_converters.py) gives what the general path gives: the same
record for a valid line, the same InvalidEvent (fields and messages) for any other."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from baystream.schemas.catalog import catalog
from baystream.schemas.errors import InvalidEvent
from baystream.schemas.fields import fields_of
from baystream.schemas.json_converters import converter_of
from baystream.schemas.json_form import _parse_line, dumps, parse_line
from tests.events import ALL_TYPES, event
from tests.schemas.implementations import implemented
from tests.schemas.strategies import any_event

pytestmark = pytest.mark.usefixtures(implemented.__name__)
"""Every test on the interpreted and on the compiled converters and validators."""


def _outcome(parse: Any, line: str | bytes) -> tuple[str, Any]:
    try:
        return "record", parse(line)
    except InvalidEvent as exc:
        return "invalid", [(e.field, e.reason, repr(e.got)) for e in exc.errors]


def _same(line: str | bytes) -> tuple[str, Any]:
    quick, general = _outcome(parse_line, line), _outcome(_parse_line, line)
    assert quick == general
    return quick


@given(any_event)
def test_valid_events_give_the_general_paths_record(record: dict[str, Any]) -> None:
    line = dumps(record)
    assert _same(line.encode())[0] == "record"
    assert _same(line)[0] == "record"


def test_every_input_type_has_a_quick_converter_and_it_is_taken() -> None:
    for type_name in ALL_TYPES:
        converter = converter_of(type_name)
        assert converter is not None, type_name
        obj = orjson.loads(dumps(parse_line(dumps(event(type_name)))))
        assert converter(obj) == _parse_line(orjson.dumps(obj))


def test_other_names_have_no_converter_and_are_not_remembered() -> None:
    assert converter_of("NoSuchType") is None
    assert converter_of("NoSuchType") is None
    assert converter_of("GateMove") is converter_of("GateMove")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)
TIMES = st.sampled_from(
    [
        "2024-05-01T00:00:00Z",
        "2024-05-01T00:00:00.123Z",
        "2024-05-01T00:00:00.123456Z",
        "2024-05-01T02:00:00+02:00",
        "2024-05-01T00:00:00",
        "2024-05-01",
        "1969-12-31T23:59:59.999Z",
        "3000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-01:00",
        "2024-05-01T00:00:00,5Z",
        "x" * 80,
    ]
)


@given(
    st.sampled_from(ALL_TYPES),
    st.data(),
    JSON_VALUES | TIMES,
)
def test_any_value_in_any_field_gives_the_general_paths_outcome(type_name: str, data: Any, value: Any) -> None:
    name = data.draw(st.sampled_from([info.name for info in fields_of(type_name)] + ["type", "unknown_field"]))
    obj = orjson.loads(dumps(parse_line(dumps(event(type_name)))))
    obj[name] = value
    _same(json.dumps(obj).encode())


@pytest.mark.parametrize(
    "line",
    [
        b"",
        b"[]",
        b'"GateMove"',
        b'{"type": ["GateMove"]}',
        b'{"type": "CongestionAlert"}',
        b'{"type": "GateMove", "event_id": "\xed\xa0\x80"}',
        b"\xef\xbb\xbf{}",
        b'{"type": "GateMove", "event_id": "\\ud800"}',
        b"[" * 40 + b"]" * 40,
    ],
)
def test_lines_that_are_not_events_give_the_general_paths_errors(line: bytes) -> None:
    assert _same(line)[0] == "invalid"


def test_a_converter_exists_for_every_current_type_it_can_serve() -> None:
    """Output types may hold bytes or numeric chassis sizes: those have none, and take the general path."""
    for type_name in catalog().current:
        kinds = {info.kind for info in fields_of(type_name)}
        assert (converter_of(type_name) is None) == ("bytes" in kinds), type_name
