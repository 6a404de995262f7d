"""Events -> EDIFACT, written with pydifact's serializer: what a terminal's system would send for them.

GateMove -> one CODECO per gate transaction; ContainerEvent -> COARRI, one message per run of events of the
same call and kind. One interchange per sender (the events' `source`). The simulator's `--format edifact`
and the round-trip tests use it; the segments are those `edifact.py` reads (docs/feeds.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import groupby
from typing import Any

from baystream.producers.feeds.edifact import (
    CONTAINER_EVENT,
    EVENT_PLACE,
    EXECUTION_TIME,
    GATE_DIRECTION,
    GATE_TIME,
    PARTNER_REFERENCE,
    VISIT_PURPOSE,
    derived_move_type,
)

_DOC_OF_DIRECTION = {v: k for k, v in GATE_DIRECTION.items()}
_DOC_OF_EVENT = {"95B": {"DISCHARGED": "44", "LOADED": "46"}, "00B": {"DISCHARGED": "98", "LOADED": "270"}}
_EQUIPMENT_OF_MOVE = {
    # move type: (EQD 8249 equipment status, 8169 full/empty) of the container a truck carries
    "IMPORT_PICKUP": ("3", "5"),
    "EXPORT_DELIVERY": ("2", "5"),
    "EMPTY_RETURN": ("", "4"),
    "EMPTY_PICKUP": ("", "4"),
    "BOBTAIL": ("", "5"),
}
_MODE_OF_INLAND = {"RAIL": "2", "TRUCK": "3"}
assert set(_DOC_OF_EVENT["95B"].values()) | set(_DOC_OF_EVENT["00B"].values()) == set(CONTAINER_EVENT)


def _stamp(value: datetime) -> list[str]:
    return [value.strftime("%Y%m%d%H%M%S"), "204"]


def _place(event: Mapping[str, Any]) -> list[Any]:
    return [EVENT_PLACE, [event["port"], "139", "6"], [event["facility"], "TER", "ZZZ"]]


def _codeco(event: Mapping[str, Any], reference: str, directory: str) -> list[tuple[str, list[Any]]]:
    direction, move = event["direction"], event["move_type"]
    segments: list[tuple[str, list[Any]]] = [
        ("BGM", [_DOC_OF_DIRECTION[direction], reference, "9"]),
    ]
    status, full_empty = _EQUIPMENT_OF_MOVE[move]
    container = event.get("container_id")
    derived = derived_move_type(direction, full_empty == "4", status and {"2": "EXPORT", "3": "IMPORT"}[status])
    implied = derived if container else "BOBTAIL"
    if implied != move:
        segments.append(("FTX", [VISIT_PURPOSE, "", [move, "BSV", "ZZZ"]]))
    if event.get("appointment_id"):
        segments.append(("RFF", [[PARTNER_REFERENCE, event["appointment_id"]]]))
    segments.append(
        ("TDT", ["1", event["visit_id"], "3", "", [event["trucker"], "172", "182"], "", "", [event["truck_id"]]])
    )
    segments.append(("LOC", _place(event)))
    time = ("DTM", [[GATE_TIME, *_stamp(event["event_time"])]])
    if container:
        segments.append(("EQD", ["CN", [container], "", "", status, full_empty]))
    segments.append(time)
    if event.get("chassis_id"):
        segments.append(("EQD", ["CH", [event["chassis_id"]]]))
    return segments


def _coarri(events: list[Mapping[str, Any]], reference: str, directory: str) -> list[tuple[str, list[Any]]]:
    first = events[0]
    voyage = first["call_id"].rsplit("-", 1)[-1]
    segments: list[tuple[str, list[Any]]] = [
        ("BGM", [_DOC_OF_EVENT[directory][first["event_type"]], reference, "9"]),
        ("TDT", ["20", voyage, "1", "", "", "", "", [first["vessel_imo"], "146", "11"]]),
        ("RFF", [[PARTNER_REFERENCE, first["call_id"]]]),
        ("LOC", _place(first)),
    ]
    for event in events:
        segments.append(
            (
                "EQD",
                [
                    "CN",
                    [event["container_id"]],
                    [event["iso_type"], "102", "5"],
                    "",
                    "",
                    "4" if event["empty"] else "5",
                ],
            )
        )
        segments.append(("DTM", [[EXECUTION_TIME, *_stamp(event["event_time"])]]))
        if event.get("inland_mode"):
            segments.append(("TDT", ["30", "", _MODE_OF_INLAND[event["inland_mode"]]]))
    segments.append(("CNT", [["16", str(len(events))]]))
    return segments


def write_edifact(
    events: Iterable[Mapping[str, Any]],
    sender: str,
    reference: str = "1",
    directory: str = "95B",
    recipient: str = "BAYSTREAM",
    prepared: datetime | None = None,
    break_lines: bool = True,
) -> str:
    """One interchange from `sender` holding the GateMoves (CODECO) and ContainerEvents (COARRI) given."""
    from pydifact.control import Characters
    from pydifact.segments import Segment
    from pydifact.serializer import Serializer

    if directory not in _DOC_OF_EVENT:
        raise ValueError(f"directory {directory!r}: expected one of {', '.join(_DOC_OF_EVENT)}")
    bodies: list[tuple[str, list[tuple[str, list[Any]]]]] = []

    def key(event: Mapping[str, Any]) -> tuple[Any, ...]:
        if event["type"] == "GateMove":
            return ("CODECO", event["event_id"])
        return ("COARRI", event["port"], event["facility"], event["call_id"], event["vessel_imo"], event["event_type"])

    for number, (group_key, group) in enumerate(groupby(events, key), start=1):
        ref = f"{reference}{number:05d}"
        items = list(group)
        if group_key[0] == "CODECO":
            bodies.append(("CODECO", _codeco(items[0], ref, directory)))
        else:
            bodies.append(("COARRI", _coarri(items, ref, directory)))
    when = prepared or datetime(2000, 1, 1)
    segments = [
        Segment("UNB", ["UNOA", "2"], sender, recipient, [when.strftime("%y%m%d"), when.strftime("%H%M")], reference)
    ]
    for index, (kind, body) in enumerate(bodies, start=1):
        ref = str(index)
        segments.append(Segment("UNH", ref, [kind, "D", directory, "UN"]))
        segments.extend(Segment(tag, *elements) for tag, elements in body)
        segments.append(Segment("UNT", str(len(body) + 2), ref))
    segments.append(Segment("UNZ", str(len(bodies)), reference))
    return Serializer(Characters()).serialize(segments, with_una_header=True, break_lines=break_lines)
