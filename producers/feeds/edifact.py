"""EDIFACT CODECO (gate-in/gate-out report) -> GateMove, COARRI (discharge/loading report) -> ContainerEvent.

Parsed with pydifact (UNA service string advice, release characters, CR/LF between segments); the envelope
is checked here: every UNH closed by a UNT whose segment count and reference match, every UNB by a UNZ with
its message count. The directories D.95B to D.00B are read (the segments used did not change between them).
An interchange is all or nothing: `read_edifact` returns every event of the text or raises one FeedError
naming the interchange, message and segment. The mapping is docs/feeds.md.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from baystream.producers.feeds.common import FeedError, finish
from baystream.schemas.identifiers import container_number_problem

DIRECTORIES = frozenset({"95B", "96A", "96B", "97A", "97B", "98A", "98B", "99A", "99B", "00A", "00B"})
"""UN/EDIFACT directories read (release of UNH 0054, version D)."""

GATE_DIRECTION = {"34": "IN", "36": "OUT"}
"""CODECO BGM 1001: gate-in report, gate-out report."""
CONTAINER_EVENT = {"44": "DISCHARGED", "98": "DISCHARGED", "46": "LOADED", "270": "LOADED"}
"""COARRI BGM 1001: discharge report (44; 98 in later user guides), loading report (46; 270)."""
FULL_EMPTY = {"4": True, "5": False}
"""EQD 8169 full/empty indicator -> `empty`."""
EQUIPMENT_STATUS = {"2": "EXPORT", "3": "IMPORT", "6": "TRANSHIPMENT"}
"""EQD 8249 equipment status."""
INLAND_MODE = {"2": "RAIL", "3": "TRUCK"}
"""TDT+30 (on-carriage) mode of transport C220 8067."""
TIME_FORMATS = {"203": "%Y%m%d%H%M", "204": "%Y%m%d%H%M%S"}
"""DTM 2379 formats read (UTC)."""
GATE_TIME, EXECUTION_TIME = "7", "203"
"""DTM 2005: effective date/time (CODECO), execution date/time (COARRI)."""
EVENT_PLACE = "165"
"""LOC 3227 of the terminal where the event happened: UN/LOCODE in C517, SMDG code in C519."""
PARTNER_REFERENCE = "ZZZ"
"""RFF 1153 (mutually defined): the appointment (CODECO, message level) or port call (COARRI, TDT group)."""
VISIT_PURPOSE = "AAI"
"""FTX 4451 whose coded text (C107 4441, list BSV) states the visit purpose when the equipment does not."""
MOVE_TYPES = frozenset({"IMPORT_PICKUP", "EXPORT_DELIVERY", "EMPTY_RETURN", "EMPTY_PICKUP", "BOBTAIL"})


def derived_move_type(direction: str, empty: bool | None, status: str | None) -> str | None:
    """The visit purpose a container gives: what a CODECO with no FTX+AAI means (docs/feeds.md)."""
    if empty is None:
        return None
    if empty:
        return "EMPTY_RETURN" if direction == "IN" else "EMPTY_PICKUP"
    if direction == "IN" and status == "EXPORT":
        return "EXPORT_DELIVERY"
    if direction == "OUT" and status == "IMPORT":
        return "IMPORT_PICKUP"
    return None


Element = str | list[str]


@dataclass
class Seg:
    """One segment of a message, with its position (UNH is 1, as UNT counts)."""

    tag: str
    elements: list[Element]
    number: int

    def get(self, index: int, component: int = 0) -> str:
        """Element `index` (0-based after the tag), component `component`; '' when absent."""
        if index >= len(self.elements):
            return ""
        value = self.elements[index]
        if isinstance(value, list):
            return value[component] if component < len(value) else ""
        return value if component == 0 else ""


@dataclass
class Msg:
    """One UNH..UNT message of an interchange."""

    interchange: str
    sender: str
    reference: str
    kind: str
    segments: list[Seg] = field(default_factory=list)

    def where(self, seg: Seg | None = None) -> str:
        text = f"interchange {self.interchange} from {self.sender}, message {self.reference} ({self.kind})"
        return text if seg is None else f"{text}, segment {seg.number} ({seg.tag})"


def _first(value: Element) -> str:
    return value[0] if isinstance(value, list) else value


_UNA_START = re.compile(r"(?<=['\r\n])\s*(?=UNA)")
"""Where a file's next interchange starts with its own service string advice."""


def _segments(text: str) -> Iterator[Any]:
    from pydifact.exceptions import EDISyntaxError
    from pydifact.parser import Parser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydifact warns per segment that it has no directory to validate with
        try:
            for chunk in _UNA_START.split(text):  # pydifact reads one UNA per parse: one interchange at a time
                if chunk.strip():
                    yield from Parser().parse(chunk.lstrip())
        except EDISyntaxError as exc:
            raise _Malformed(str(exc)) from None


class _Malformed(ValueError):
    """pydifact could not read on: the caller says where it was."""


def messages(text: str) -> list[Msg]:
    """The messages of every interchange in `text`, the envelope checked (FeedError otherwise)."""
    out: list[Msg] = []
    interchange: str | None = None
    sender = ""
    count = 0
    msg: Msg | None = None
    seen_any = False
    segments = _segments(text)
    while True:
        try:
            raw = next(segments, None)
        except _Malformed as exc:
            where = msg.where() if msg else f"interchange {interchange}" if interchange else "interchange"
            after = f"after segment {len(msg.segments)} " if msg else ""
            raise FeedError(where, f"cut or malformed {after}({exc})") from None
        if raw is None:
            break
        seen_any = True
        tag = raw.tag
        if tag == "UNA":
            continue
        if tag == "UNB":
            if interchange is not None:
                raise FeedError(f"interchange {interchange}", "a new UNB before its UNZ: the interchange is cut")
            interchange, sender, count = _first(raw.elements[4]) if len(raw.elements) > 4 else "?", "", 0
            sender = _first(raw.elements[1]) if len(raw.elements) > 1 else ""
            continue
        if interchange is None:
            raise FeedError("interchange", f"segment {tag} before any UNB")
        if tag == "UNZ":
            if msg is not None:
                raise FeedError(msg.where(), "UNZ before the message's UNT: the message is cut")
            declared, ref = _first(raw.elements[0]), _first(raw.elements[1]) if len(raw.elements) > 1 else ""
            if ref != interchange:
                raise FeedError(f"interchange {interchange}", f"UNZ reference {ref!r} is not the UNB's {interchange!r}")
            if declared != str(count):
                raise FeedError(f"interchange {interchange}", f"UNZ counts {declared} message(s), it holds {count}")
            interchange = None
            continue
        if tag == "UNH":
            if msg is not None:
                raise FeedError(msg.where(), "a new UNH before this message's UNT: the message is cut")
            identifier = raw.elements[1] if len(raw.elements) > 1 and isinstance(raw.elements[1], list) else ["?"]
            kind = identifier[0]
            msg = Msg(interchange, sender, _first(raw.elements[0]), kind)
            if kind not in ("CODECO", "COARRI"):
                raise FeedError(msg.where(), f"message type {kind!r} is not read; expected CODECO or COARRI")
            release = identifier[2] if len(identifier) > 2 else ""
            if identifier[1:2] != ["D"] or release not in DIRECTORIES:
                directory = ":".join(identifier[1:3])
                raise FeedError(msg.where(), f"directory {directory} is not read; expected D:95B to D:00B")
            msg.segments.append(Seg(tag, list(raw.elements), 1))
            continue
        if msg is None:
            raise FeedError(f"interchange {interchange}", f"segment {tag} outside a UNH..UNT message")
        msg.segments.append(Seg(tag, list(raw.elements), len(msg.segments) + 1))
        if tag == "UNT":
            declared, ref = _first(raw.elements[0]), _first(raw.elements[1]) if len(raw.elements) > 1 else ""
            if ref != msg.reference:
                raise FeedError(
                    msg.where(msg.segments[-1]), f"UNT reference {ref!r} is not the UNH's {msg.reference!r}"
                )
            if declared != str(len(msg.segments)):
                raise FeedError(
                    msg.where(msg.segments[-1]),
                    f"UNT counts {declared} segment(s), the message has {len(msg.segments)} (UNH to UNT)",
                )
            out.append(msg)
            count += 1
            msg = None
    if msg is not None:
        raise FeedError(msg.where(), "the text ends inside the message (no UNT): the interchange is cut")
    if interchange is not None:
        raise FeedError(f"interchange {interchange}", "the text ends before its UNZ: the interchange is cut")
    if not seen_any:
        raise FeedError("interchange", "no EDIFACT segments in the input")
    return out


def _time(msg: Msg, seg: Seg) -> datetime:
    value, fmt = seg.get(0, 1), seg.get(0, 2) or "203"
    pattern = TIME_FORMATS.get(fmt)
    if pattern is None:
        raise FeedError(msg.where(seg), f"unknown DTM format {fmt!r}; expected one of {', '.join(TIME_FORMATS)}")
    try:
        return datetime.strptime(value, pattern).replace(tzinfo=UTC)
    except ValueError:
        raise FeedError(msg.where(seg), f"DTM value {value!r} does not match format {fmt} ({pattern})") from None


def _coded(msg: Msg, seg: Seg, value: str, table: dict[str, Any], what: str) -> Any:
    if value not in table:
        raise FeedError(msg.where(seg), f"unknown {what} {value!r}; expected one of {', '.join(table)}")
    return table[value]


@dataclass
class _Equipment:
    eqd: Seg
    times: dict[str, Seg] = field(default_factory=dict)
    on_carriage: Seg | None = None


def _split(msg: Msg) -> tuple[list[Seg], list[_Equipment]]:
    """The segments before the first EQD (message level) and the EQD groups (each to the next EQD or CNT)."""
    head: list[Seg] = []
    groups: list[_Equipment] = []
    for seg in msg.segments[1:-1]:
        if seg.tag == "EQD":
            groups.append(_Equipment(seg))
        elif seg.tag in ("CNT", "UNT"):
            continue
        elif not groups:
            head.append(seg)
        elif seg.tag == "DTM":
            groups[-1].times.setdefault(seg.get(0, 0), seg)
        elif seg.tag == "TDT" and seg.get(0) == "30":
            groups[-1].on_carriage = seg
    return head, groups


def _place(msg: Msg, head: Sequence[Seg]) -> tuple[str, str]:
    loc = next((s for s in head if s.tag == "LOC" and s.get(0) == EVENT_PLACE), None)
    if loc is None:
        raise FeedError(msg.where(), f"no LOC+{EVENT_PLACE} (the terminal: UN/LOCODE, SMDG code) before the first EQD")
    return loc.get(1, 0), loc.get(2, 0)


def _equipment_id(msg: Msg, seg: Seg) -> str:
    number = seg.get(1, 0)
    if seg.get(0) == "CN":
        problem = container_number_problem(number) if number else "no container number in C237"
        if problem:
            raise FeedError(msg.where(seg), f"container {number!r}: {problem}")
    return number


@dataclass
class _Header:
    """What both messages start with: the document code's meaning, the terminal and the means of transport."""

    head: list[Seg]
    groups: list[_Equipment]
    meaning: str
    port: str
    facility: str
    tdt: Seg


def _header(msg: Msg, codes: dict[str, str], stage: str, transport: str) -> _Header:
    head, groups = _split(msg)
    bgm = next((s for s in head if s.tag == "BGM"), None)
    if bgm is None:
        raise FeedError(msg.where(), "no BGM segment")
    meaning = _coded(msg, bgm, bgm.get(0, 0), codes, f"{msg.kind} document name code (BGM 1001)")
    port, facility = _place(msg, head)
    tdt = next((s for s in head if s.tag == "TDT" and s.get(0) == stage), None)
    if tdt is None:
        raise FeedError(msg.where(), f"no TDT+{stage} ({transport}) before the first EQD")
    return _Header(head, groups, meaning, port, facility, tdt)


def _codeco(msg: Msg) -> list[dict[str, Any]]:
    h = _header(msg, GATE_DIRECTION, "1", "the truck: visit, carrier SCAC, licence plate")
    head, groups, direction, port, facility, tdt = h.head, h.groups, h.meaning, h.port, h.facility, h.tdt
    appointment = next((s.get(0, 1) for s in head if s.tag == "RFF" and s.get(0, 0) == PARTNER_REFERENCE), None)
    purpose = next((s for s in head if s.tag == "FTX" and s.get(0) == VISIT_PURPOSE), None)
    time_seg = next((s for s in head if s.tag == "DTM" and s.get(0, 0) == GATE_TIME), None)
    container: Seg | None = None
    chassis: Seg | None = None
    for group in groups:
        kind = group.eqd.get(0)
        if kind not in ("CN", "CH"):
            raise FeedError(msg.where(group.eqd), f"unknown equipment qualifier {kind!r}; expected CN or CH")
        if kind == "CN":
            if container is not None:
                raise FeedError(msg.where(group.eqd), "a second container: one CODECO message per truck transaction")
            container = group.eqd
            time_seg = group.times.get(GATE_TIME, time_seg)
        else:
            chassis = group.eqd
    if time_seg is None:
        raise FeedError(msg.where(), f"no DTM+{GATE_TIME} (gate time) in the message or its container's EQD group")
    empty = status = None
    if container is not None:
        if container.get(5):
            empty = _coded(msg, container, container.get(5), FULL_EMPTY, "full/empty indicator (EQD 8169)")
        if container.get(4):
            status = _coded(msg, container, container.get(4), EQUIPMENT_STATUS, "equipment status (EQD 8249)")
    move_type = derived_move_type(direction, empty, status)
    if purpose is not None:
        move_type = purpose.get(2, 0)
        if move_type not in MOVE_TYPES:
            expected = ", ".join(sorted(MOVE_TYPES))
            raise FeedError(msg.where(purpose), f"unknown visit purpose {move_type!r}; expected one of {expected}")
    if move_type is None:
        move_type = "BOBTAIL" if container is None else None
    if move_type is None:
        raise FeedError(msg.where(container), "the equipment does not say the visit's purpose and no FTX+AAI does")
    record: dict[str, Any] = {
        "type": "GateMove",
        "event_id": None,
        "event_time": _time(msg, time_seg),
        "classifier": "ACTUAL",
        "source": msg.sender,
        "port": port,
        "facility": facility,
        "visit_id": tdt.get(1),
        "direction": direction,
        "move_type": move_type,
        "truck_id": tdt.get(7, 0),
        "trucker": tdt.get(4, 0),
        "container_id": _equipment_id(msg, container) if container is not None else None,
        "chassis_id": _equipment_id(msg, chassis) if chassis is not None else None,
        "appointment_id": appointment or None,
    }
    return [finish(record, msg.where())]


def _coarri(msg: Msg) -> list[dict[str, Any]]:
    h = _header(msg, CONTAINER_EVENT, "20", "the vessel: voyage, IMO number")
    head, groups, event_type, port, facility, tdt = h.head, h.groups, h.meaning, h.port, h.facility, h.tdt
    imo = tdt.get(7, 0)
    if not imo:
        raise FeedError(msg.where(tdt), "no IMO number in C222 (8213, code list 146)")
    call_id = next((s.get(0, 1) for s in head if s.tag == "RFF" and s.get(0, 0) == PARTNER_REFERENCE), None)
    call_id = call_id or f"{facility}-{imo}-{tdt.get(1)}"
    events = []
    for group in groups:
        eqd = group.eqd
        if eqd.get(0) != "CN":
            raise FeedError(msg.where(eqd), f"unknown equipment qualifier {eqd.get(0)!r}; expected CN")
        time_seg = group.times.get(EXECUTION_TIME)
        if time_seg is None:
            raise FeedError(msg.where(eqd), f"no DTM+{EXECUTION_TIME} (execution time) in the EQD group")
        if not eqd.get(5):
            raise FeedError(msg.where(eqd), "no full/empty indicator (EQD 8169)")
        inland = None
        if group.on_carriage is not None and event_type == "DISCHARGED":
            mode = group.on_carriage.get(2, 0)
            inland = _coded(msg, group.on_carriage, mode, INLAND_MODE, "on-carriage mode (TDT+30 C220)")
        record: dict[str, Any] = {
            "type": "ContainerEvent",
            "event_id": None,
            "event_time": _time(msg, time_seg),
            "classifier": "ACTUAL",
            "source": msg.sender,
            "port": port,
            "facility": facility,
            "container_id": _equipment_id(msg, eqd),
            "event_type": event_type,
            "vessel_imo": imo,
            "call_id": call_id,
            "iso_type": eqd.get(2, 0),
            "empty": _coded(msg, eqd, eqd.get(5), FULL_EMPTY, "full/empty indicator (EQD 8169)"),
            "inland_mode": inland,
        }
        events.append(finish(record, msg.where(eqd)))
    if not events:
        raise FeedError(msg.where(), "no EQD+CN: a COARRI reports at least one container")
    return events


def read_edifact(text: str) -> list[dict[str, Any]]:
    """Every event of every message of every interchange in `text`, or FeedError: all or nothing."""
    events: list[dict[str, Any]] = []
    for msg in messages(text):
        events.extend(_codeco(msg) if msg.kind == "CODECO" else _coarri(msg))
    return events
