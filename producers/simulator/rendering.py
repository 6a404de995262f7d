"""Simulated events in their raw form (a tuple) and its two renderings: the decoded record and the JSON line.

The model emits `Raw` tuples, `(type, *values)` with the values in schema field order and `event_time` as
integer epoch milliseconds: the cheapest thing to build a million times. A file run renders each one
straight to its JSON line (no dict, no datetime), Kafka and tests render it to the decoded record. Both
renderers are compiled once per event type from the schema (`schemas.fields`), so a schema change
reaches them without an edit here; tests check that the line is exactly `json_form.dumps(record)`.

The line renderer writes string values without JSON escaping: every string the simulator makes comes from
a fixed alphabet (codes, ids, digits, capitals, spaces and dashes), which is what makes it cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from baystream.schemas.fields import FieldInfo, field_names, fields_of

Raw = tuple[Any, ...]
"""(type name, *field values in schema order), event_time in epoch milliseconds."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS_PER_MINUTE = 60_000

_SECONDS = tuple(
    f"{ms // 1000:02d}.{ms % 1000:03d}Z" if ms % 1000 else f"{ms // 1000:02d}Z" for ms in range(_MS_PER_MINUTE)
)
"""The text after the minute for each millisecond of a minute, as `json_form.format_time` writes it."""


class _MinuteTexts(dict[int, str]):
    """'2024-05-01T12:34:' per epoch minute, made on first use (events come in time order: mostly hits)."""

    def __missing__(self, minute: int) -> str:
        if len(self) > 100_000:  # a long run: keep the memory flat
            self.clear()
        text = (EPOCH + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:")
        self[minute] = text
        return text


_MINUTES = _MinuteTexts()


def time_text(ms: int) -> str:
    """Epoch milliseconds as ISO-8601 UTC text, exactly as `json_form.format_time` writes the datetime."""
    return _MINUTES[ms // _MS_PER_MINUTE] + _SECONDS[ms % _MS_PER_MINUTE]


def _string_list(values: list[str]) -> str:
    return '["' + '","'.join(values) + '"]' if values else "[]"


def _line_part(info: FieldInfo, value: str, key: str) -> str:
    """The f-string text of one field: literal key and quotes, `value` (a local name) in replacement fields.

    A nullable field is one replacement field that is empty for None; `key` names its `,"name":` constant.
    """
    if info.kind in ("string", "enum"):
        text, joined = f'"{{{value}}}"', f"QUOTE+{value}+QUOTE"
    elif info.kind == "timestamp":
        text = f'"{{MINUTES[{value}//60000]}}{{SECONDS[{value}%60000]}}"'
        joined = f"QUOTE+MINUTES[{value}//60000]+SECONDS[{value}%60000]+QUOTE"
    elif info.kind == "boolean":
        text, joined = f"{{TRUE if {value} else FALSE}}", f"(TRUE if {value} else FALSE)"
    elif info.kind in ("int", "long"):
        text, joined = f"{{{value}}}", f"str({value})"
    elif info.kind == "string_array":
        text, joined = f"{{STRING_LIST({value})}}", f"STRING_LIST({value})"
    else:  # the simulator emits no bytes or doubles
        raise ValueError(f"no line rendering for {info.kind} fields ({info.name})")
    if info.nullable:
        return f"{{EMPTY if {value} is None else {key}+{joined}}}"
    return f',"{info.name}":{text}'


@cache
def line_renderer(type_name: str) -> Callable[[Raw], str]:
    """A function Raw -> the JSON line `json_form.dumps` writes for the same record (no trailing newline)."""
    infos = fields_of(type_name)
    names = [f"v{i}" for i in range(len(infos))]
    scope: dict[str, Any] = {
        "QUOTE": '"',
        "EMPTY": "",
        "TRUE": "true",
        "FALSE": "false",
        "MINUTES": _MINUTES,
        "SECONDS": _SECONDS,
        "STRING_LIST": _string_list,
        "OPEN": '{"type":"' + type_name + '"',
        "CLOSE": "}",
    }
    parts = []
    for i, info in enumerate(infos):
        scope[f"K{i}"] = f',"{info.name}":'
        parts.append(_line_part(info, names[i], f"K{i}"))
    source = f"def render(raw):\n    _, {', '.join(names)} = raw\n    return f'{{OPEN}}{''.join(parts)}{{CLOSE}}'\n"
    exec(compile(source, f"<line renderer of {type_name}>", "exec"), scope)
    render: Callable[[Raw], str] = scope["render"]
    return render


@cache
def _time_fields(type_name: str) -> tuple[str, ...]:
    return tuple(info.name for info in fields_of(type_name) if info.kind == "timestamp")


def to_record(raw: Raw) -> dict[str, Any]:
    """The decoded record of a raw event: what the contract's reader gives back for it."""
    type_name = raw[0]
    record: dict[str, Any] = {"type": type_name}
    record.update(zip(field_names(type_name), raw[1:], strict=True))
    for name in _time_fields(type_name):
        ms = record[name]
        if ms is not None:  # an optional time (a gate IN's queue arrival) may be absent
            record[name] = EPOCH + timedelta(milliseconds=ms)
    return record


def to_line(raw: Raw) -> str:
    """The JSON line of a raw event."""
    return line_renderer(raw[0])(raw)
