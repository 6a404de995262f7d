"""Events -> ANSI X12 322, one transaction set per event, one interchange per sender: what `x12.py` reads.

The simulator's `--format x12` and the round-trip tests use it; the segments are docs/feeds.md's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from baystream.producers.feeds.x12 import (
    ACTIVITY,
    APPOINTMENT,
    CARRIER,
    DESTINATION,
    PARTNER,
    STATUS_CODES,
    implied_move_type,
)

_STATUS_OF = {(type_name, kind): code for code, (type_name, kind) in STATUS_CODES.items()}
_EMPTY_MOVES = frozenset({"EMPTY_RETURN", "EMPTY_PICKUP"})


def _n7(container: str, iso_type: str = "") -> list[list[str]]:
    """The N7 loop of a container: N7 (initial, number with check digit, CN, size-type) and, by the caller, W2."""
    n7 = ["N7", container[:4], container[4:], *[""] * 8, "CN", *[""] * 9, iso_type]
    while n7[-1] == "":
        n7.pop()
    return [n7]


def _w2(container: str, empty: bool) -> list[str]:
    return ["W2", container[:4], container[4:], "", "CN", "E" if empty else "L"]


def _ref(value: str, name: str) -> list[str]:
    return ["N9", PARTNER, value, name]


def _body(event: Mapping[str, Any]) -> list[list[str]]:
    type_name = event["type"]
    when = event["event_time"].astimezone(UTC)
    kind = event.get("direction") or event.get("event_type")
    segments = [
        [
            "Q5",
            _STATUS_OF[type_name, kind if type_name != "RailDeparture" else None],
            f"{when:%Y%m%d}",
            f"{when:%H%M%S}",
            "UT",
        ]
    ]
    place = ["R4", ACTIVITY, "UN", event["port"], "", "US", event["facility"]]
    if type_name == "GateMove":
        container, move = event.get("container_id"), event["move_type"]
        empty = move in _EMPTY_MOVES
        segments += [_ref(event["visit_id"], "VISIT"), _ref(event["truck_id"], "TRUCK")]
        if implied_move_type(event["direction"], empty if container else None) != move:
            segments.append(_ref(move, "PURPOSE"))
        if event.get("chassis_id"):
            segments.append(_ref(event["chassis_id"], "CHASSIS"))
        if event.get("appointment_id"):
            segments.append(["N9", APPOINTMENT, event["appointment_id"]])
        if container:
            segments += [*_n7(container), _w2(container, empty)]
        segments += [place, ["N1", CARRIER, "", "2", event["trucker"]]]
    elif type_name == "ContainerEvent":
        voyage = event["call_id"].rsplit("-", 1)[-1]
        if event["call_id"] != f"{event['facility']}-{event['vessel_imo']}-{voyage}":
            segments.append(_ref(event["call_id"], "CALL"))
        if event.get("inland_mode"):
            segments.append(_ref(event["inland_mode"], "INLAND"))
        container = event["container_id"]
        segments += [*_n7(container, event["iso_type"]), _w2(container, event["empty"])]
        segments += [["V1", event["vessel_imo"], "", "", voyage, "", "", "", "L"], place]
    else:
        segments += [_ref(event["train_id"], "TRAIN"), _ref(str(event["car_count"]), "CARS")]
        for container in event["container_ids"]:
            segments += _n7(container)
        segments += [
            place,
            ["R4", DESTINATION, "", "", event["destination"]],
            ["N1", CARRIER, "", "2", event["railroad"]],
        ]
    return segments


def write_x12(
    events: Iterable[Mapping[str, Any]],
    sender: str,
    control: int = 1,
    receiver: str = "BAYSTREAM",
    prepared: datetime | None = None,
    break_lines: bool = True,
) -> str:
    """One interchange (ISA..IEA, one GS of 322s) from `sender` with a transaction set per event."""
    when = prepared or datetime(2000, 1, 1)
    end = "~\n" if break_lines else "~"
    lines = [
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{sender:15}*ZZ*{receiver:15}*{when:%y%m%d}*{when:%H%M}*U*00401*{control:09d}*0*P*>",
        f"GS*SO*{sender}*{receiver}*{when:%Y%m%d}*{when:%H%M}*{control}*X*004010",
    ]
    count = 0
    for count, event in enumerate(events, start=1):
        body = _body(event)
        lines.append(f"ST*322*{count:04d}")
        lines.extend("*".join(segment) for segment in body)
        lines.append(f"SE*{len(body) + 2}*{count:04d}")
    lines += [f"GE*{count}*{control}", f"IEA*1*{control:09d}"]
    return end.join(lines) + end
