"""Hostile input to the JSON form (issue 18.1, 2, 6, 7): refused with a field error, never an exception.

Each case is what an adversarial probe sent: JSON nested thousands deep, times past year 9999 once in
UTC, strings of 900 KB or with a NUL, identifiers with a trailing newline or a Unicode digit.
"""

from __future__ import annotations

import json

import pytest

from baystream.schemas import identifiers as ids
from baystream.schemas.errors import MAX_GOT, FieldError, InvalidEvent
from baystream.schemas.json_form import MAX_DEPTH, JsonInputError, loads, parse_event, parse_line, split_lines
from baystream.schemas.timerange import BadTime, parse_time
from tests.events import event


def _fields(exc: pytest.ExceptionInfo[InvalidEvent]) -> set[str]:
    return {e.field for e in exc.value.errors}


@pytest.mark.parametrize(
    "text",
    ["[" * 5000 + "]" * 5000, '{"a":' * 50_000 + "1" + "}" * 50_000, "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)],
)
def test_deep_nesting_is_refused_with_one_line(text: str) -> None:
    with pytest.raises(JsonInputError, match=f"nested deeper than {MAX_DEPTH} levels"):
        loads(text)
    with pytest.raises(InvalidEvent) as exc:
        parse_line(text)
    assert _fields(exc) == {"(line)"} and "\n" not in str(exc.value)


def test_nesting_up_to_the_limit_is_json_and_an_invalid_event() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(text) is not None
    with pytest.raises(InvalidEvent) as exc:
        parse_line(text)
    assert _fields(exc) == {"type"}
    assert len(json.dumps(exc.value.errors[0].as_dict())) < 400  # the nested value is echoed bounded


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "1969-12-31T23:59:59Z", "3000-01-01T00:00:00Z"]
)
def test_times_outside_the_contract_are_field_errors(text: str) -> None:
    with pytest.raises(BadTime, match="1970-01-01T00:00:00Z to 2999"):
        parse_time(text)
    with pytest.raises(InvalidEvent) as exc:
        parse_event(event("GateMove", event_time=text))
    assert _fields(exc) == {"event_time"}


def test_times_at_the_edges_of_the_contract_are_read() -> None:
    assert parse_time("1970-01-01T00:00:00Z").year == 1970
    assert parse_time("2999-12-31T23:59:59.999Z").year == 2999
    assert parse_event(event("GateMove", event_time="2999-12-31T23:59:59.999+00:00"))["event_time"].year == 2999


def test_a_long_time_string_is_refused_unparsed() -> None:
    with pytest.raises(BadTime):
        parse_time("2024-05-01T00:00:00" + "0" * 1_000_000 + "Z")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("visit_id", "V" * 900_000),
        ("truck_id", "T" * 200_000),
        ("visit_id", "APMT-V1\u0000"),
        ("visit_id", "APMT-V1\n"),
        ("truck_id", "<script>"),
        ("appointment_id", ""),
        ("port", "USLAX\n"),
        ("facility", "APMT\n"),
        ("trucker", "ABCD\n"),
    ],
)
def test_strings_have_a_maximum_length_and_a_character_set(field: str, value: str) -> None:
    with pytest.raises(InvalidEvent) as exc:
        parse_event(event("GateMove", **{field: value}))
    assert _fields(exc) == {field}
    answer = json.dumps([e.as_dict() for e in exc.value.errors])
    assert len(answer) < MAX_GOT + 300  # a 900 KB value is not echoed back whole


@pytest.mark.parametrize(("field", "value"), [("vessel_name", "X" * 201), ("vessel_name", "MSC\u0007CLARA")])
def test_names_in_words_are_bounded_printable_text(field: str, value: str) -> None:
    with pytest.raises(InvalidEvent) as exc:
        parse_event(event("VesselArrival", **{field: value}))
    assert _fields(exc) == {field}


def test_names_may_be_any_printable_unicode() -> None:
    assert parse_event(event("VesselArrival", vessel_name="CMA CGM JACQUES SAADÉ"))["vessel_name"].endswith("É")


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (ids.imo_problem, "123456\u00b2"),  # a superscript two: isdigit() but not int()
        (ids.imo_problem, "931234\u0665"),  # an Arabic-Indic five
        (ids.container_number_problem, "MSCU123456\u0666"),
        (ids.chassis_problem, "DCLZ40012\u0663"),
    ],
)
def test_unicode_digits_are_not_digits_of_an_identifier(check: object, value: str) -> None:
    assert callable(check) and check(value) is not None


def test_ndjson_is_split_on_newlines_only() -> None:
    line = json.dumps(event("GateMove", visit_id="APMT-V1"), ensure_ascii=False)
    text = json.dumps({"note": "a\u2028b\u2029c\x85d\x1ce"}, ensure_ascii=False)
    data = (line + "\n" + text + "\r\n").encode()
    assert [loads(part) for part in split_lines(data) if part.strip()][1] == {"note": "a\u2028b\u2029c\x85d\x1ce"}


def test_invalid_utf8_names_the_byte() -> None:
    with pytest.raises(InvalidEvent, match="not UTF-8 text: byte 0xff at byte 7"):
        parse_line(b'{"a":"\xff"}\n')


def test_field_errors_stay_short_whatever_they_hold() -> None:
    deep: list[object] = []
    for _ in range(10_000):
        deep = [deep]
    for got in (deep, "x" * 10_000_000, 10**5000, {"k" * 1000: ["v" * 1000] * 1000}):
        error = FieldError("f", "r", got)
        assert len(str(error)) < 200 and len(json.dumps(error.as_dict())) < MAX_GOT + 100
