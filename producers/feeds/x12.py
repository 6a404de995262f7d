"""ANSI X12 322 (terminal operations and intermodal ramp activity) -> GateMove, ContainerEvent, RailDeparture.

The envelope (ISA/GS/ST..SE/GE/IEA: separators, control numbers, declared counts) is read and checked by the
`ansi-x12` package; each 322 transaction set becomes one event by its Q5 status code. Its own 322 parser
is not used: it wants Q5 first and no N9 or V1, which the 322s terminals send have. An interchange is all or
nothing: `read_x12` returns every event or raises one FeedError naming the interchange, transaction set and
segment. The mapping, qualifiers included, is docs/feeds.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from baystream.producers.feeds.common import FeedError, finish
from baystream.schemas.identifiers import container_number_problem, iso6346_check_digit

STATUS_CODES = {
    "I": ("GateMove", "IN"),
    "OA": ("GateMove", "OUT"),
    "UV": ("ContainerEvent", "DISCHARGED"),
    "AE": ("ContainerEvent", "LOADED"),
    "RL": ("RailDeparture", None),
}
"""Q501 shipment status codes read: in-gate, out-gate, unloaded from vessel, loaded on vessel, rail departure."""
PACIFIC = ZoneInfo("America/Los_Angeles")
TIME_CODES = {"UT": UTC, "GM": UTC, "LT": PACIFIC, "PT": PACIFIC, "PS": PACIFIC, "PD": PACIFIC}
"""Q504 time codes read: universal time, or the port's local (Pacific) time."""
EQUIPMENT = {"CN": "container"}
"""N711 equipment description codes read."""
EMPTY_STATUS = {"E": True, "L": False}
"""W205 equipment status: empty, loaded."""
INLAND = frozenset({"TRUCK", "RAIL"})
MOVE_TYPES = frozenset({"IMPORT_PICKUP", "EXPORT_DELIVERY", "EMPTY_RETURN", "EMPTY_PICKUP", "BOBTAIL"})
PARTNER = "ZZ"
"""N9 qualifier (mutually defined) of the profile's references; N903 says which: the keys of REFERENCES."""
REFERENCES = ("VISIT", "TRUCK", "PURPOSE", "CHASSIS", "INLAND", "TRAIN", "CARS", "CALL")
APPOINTMENT = "AO"
"""N9 qualifier of the terminal appointment number."""
CARRIER = "CA"
"""N1 entity of the trucking company or railroad; N103 2 (SCAC), N104 the SCAC."""
ACTIVITY, DESTINATION = "5", "D"
"""R401: the activity location (UN/LOCODE in R403, SMDG code in R406); a train's destination (name in R404)."""


def implied_move_type(direction: str, empty: bool | None) -> str:
    """The visit purpose a 322 gate move implies when no N9*ZZ..*PURPOSE says it (docs/feeds.md)."""
    if empty is None:
        return "BOBTAIL"
    if empty:
        return "EMPTY_RETURN" if direction == "IN" else "EMPTY_PICKUP"
    return "EXPORT_DELIVERY" if direction == "IN" else "IMPORT_PICKUP"


@dataclass
class _Seg:
    tag: str
    elements: tuple[str, ...]
    number: int
    """Position in its transaction set, ST being 1 (as SE counts)."""

    def get(self, position: int) -> str:
        """Element `position` (1-based, as X12 numbers them); '' when absent."""
        return self.elements[position - 1] if position <= len(self.elements) else ""


@dataclass
class _Transaction:
    where: str
    sender: str
    segments: list[_Seg]

    def at(self, seg: _Seg) -> str:
        return f"{self.where}, segment {seg.number} ({seg.tag})"

    def first(self, tag: str, **positions: str) -> _Seg | None:
        for seg in self.segments:
            if seg.tag == tag and all(seg.get(int(k[1:])) == v for k, v in positions.items()):
                return seg
        return None

    def reference(self, name: str) -> str | None:
        seg = next((s for s in self.segments if s.tag == "N9" and s.get(1) == PARTNER and s.get(3) == name), None)
        return seg.get(2) if seg is not None else None


def _text(value: bytes) -> str:
    return value.decode("ascii", "replace").strip()


def _name(document: Any) -> str:
    """'interchange <ISA13> from <ISA06>', from the first segment (an error's where)."""
    isa = next(iter(document), None)
    if isa is None or isa.tag != "ISA":
        return "interchange"
    return f"interchange {_text(isa.element(13) or b'')} from {_text(isa.element(6) or b'')}"


def _envelope_problem(document: Any) -> str | None:
    """Which ST..SE has a wrong SE01, for an error that names it (ansi-x12's does not)."""
    start = None
    for seg in document:
        if seg.tag == "ST":
            start = seg
        elif seg.tag == "SE" and start is not None:
            actual = seg.index - start.index + 1
            declared = _text(seg.element(1) or b"")
            if declared != str(actual):
                control = _text(start.element(2) or b"")
                return f"transaction set {control}, segment {actual} (SE): SE01 counts {declared}, the set has {actual}"
            start = None
    return None


def transactions(payload: bytes) -> list[_Transaction]:
    """The 322 transaction sets of an interchange, the envelope checked (FeedError otherwise)."""
    from x12 import parse_x12_interchange, tokenize_x12
    from x12.core.exceptions import X12Error

    try:
        document = tokenize_x12(payload)
    except X12Error as exc:
        raise FeedError("interchange", f"not X12: {exc} (is the interchange cut?)") from None
    try:
        interchange = parse_x12_interchange(document)
    except X12Error as exc:
        detail = _envelope_problem(document)
        raise FeedError(_name(document), detail or f"{exc} (is the interchange cut?)") from None
    sender = _text(interchange.sender_identifier or b"")
    control = _text(interchange.control_number or b"")
    out = []
    for group in interchange.groups:
        for transaction in group.transactions:
            where = f"interchange {control} from {sender}, transaction set {_text(transaction.control_number or b'')}"
            code = _text(transaction.transaction_set_code or b"")
            if code != "322":
                raise FeedError(where, f"transaction set {code!r} is not read; expected 322")
            segs = [
                _Seg(s.tag, tuple(_text(e) for e in s.elements), s.index - transaction.header.index + 1)
                for s in transaction.segments
            ]
            out.append(_Transaction(where, sender, segs))
    return out


def _time(t: _Transaction, q5: _Seg) -> datetime:
    date, clock, code = q5.get(2), q5.get(3), q5.get(4) or "LT"
    zone = TIME_CODES.get(code)
    if zone is None:
        raise FeedError(t.at(q5), f"unknown time code {code!r} (Q504); expected one of {', '.join(TIME_CODES)}")
    pattern = {4: "%Y%m%d%H%M", 6: "%Y%m%d%H%M%S"}.get(len(clock))
    try:
        if pattern is None:
            raise ValueError
        local = datetime.strptime(date + clock, pattern)
    except ValueError:
        raise FeedError(t.at(q5), f"date {date!r} and time {clock!r}: expected CCYYMMDD and HHMM or HHMMSS") from None
    return local.replace(tzinfo=zone).astimezone(UTC)


def _container(t: _Transaction, n7: _Seg) -> str:
    kind = n7.get(11)
    if kind not in EQUIPMENT:
        raise FeedError(t.at(n7), f"unknown equipment description code {kind!r} (N711); expected CN")
    number = n7.get(1) + n7.get(2)
    if len(number) == 10 and n7.get(17):
        number += n7.get(17)
    elif len(number) == 10 and number[4:].isdigit() and number[:4].isalpha():
        number += str(iso6346_check_digit(number))
    problem = container_number_problem(number)
    if problem:
        raise FeedError(t.at(n7), f"container {number!r}: {problem}")
    return number


def _equipment(t: _Transaction) -> list[tuple[_Seg, str, bool | None]]:
    """(N7, container number, empty from the W2 after it) of each N7 loop."""
    out: list[tuple[_Seg, str, bool | None]] = []
    for seg in t.segments:
        if seg.tag == "N7":
            out.append((seg, _container(t, seg), None))
        elif seg.tag == "W2" and out and seg.get(5):
            status = seg.get(5)
            if status not in EMPTY_STATUS:
                raise FeedError(t.at(seg), f"unknown equipment status {status!r} (W205); expected E or L")
            out[-1] = (out[-1][0], out[-1][1], EMPTY_STATUS[status])
    return out


def _need(t: _Transaction, value: str | None, what: str) -> str:
    if not value:
        raise FeedError(t.where, f"no {what}")
    return value


def _event(t: _Transaction) -> dict[str, Any]:
    q5 = t.first("Q5")
    if q5 is None:
        raise FeedError(t.where, "no Q5 (status details) segment")
    if q5.get(1) not in STATUS_CODES:
        expected = ", ".join(STATUS_CODES)
        raise FeedError(t.at(q5), f"unknown shipment status code {q5.get(1)!r} (Q501); expected one of {expected}")
    type_name, kind = STATUS_CODES[q5.get(1)]
    place = t.first("R4", e1=ACTIVITY)
    if place is None:
        raise FeedError(t.where, f"no R4*{ACTIVITY} (activity location: UN/LOCODE in R403, SMDG code in R406)")
    carrier = t.first("N1", e1=CARRIER)
    equipment = _equipment(t)
    record: dict[str, Any] = {
        "type": type_name,
        "event_id": None,
        "event_time": _time(t, q5),
        "classifier": "ACTUAL",
        "source": t.sender,
        "port": place.get(3),
        "facility": place.get(6),
    }
    if type_name == "GateMove":
        if len(equipment) > 1:
            raise FeedError(t.at(equipment[1][0]), "a second container: one 322 per gate move")
        container, empty = (equipment[0][1], equipment[0][2]) if equipment else (None, None)
        purpose = t.reference("PURPOSE") or implied_move_type(kind or "", empty if container else None)
        if purpose not in MOVE_TYPES:
            raise FeedError(
                t.where, f"unknown visit purpose {purpose!r}; expected one of {', '.join(sorted(MOVE_TYPES))}"
            )
        appointment = t.first("N9", e1=APPOINTMENT)
        record |= {
            "visit_id": _need(t, t.reference("VISIT"), f"N9*{PARTNER}*..*VISIT (truck visit)"),
            "direction": kind,
            "move_type": purpose,
            "truck_id": _need(t, t.reference("TRUCK"), f"N9*{PARTNER}*..*TRUCK (truck licence plate)"),
            "trucker": _need(t, carrier.get(4) if carrier else None, f"N1*{CARRIER} (trucking company SCAC)"),
            "container_id": container,
            "chassis_id": t.reference("CHASSIS"),
            "appointment_id": appointment.get(2) if appointment else None,
        }
    elif type_name == "ContainerEvent":
        if len(equipment) != 1:
            raise FeedError(t.where, f"{len(equipment)} N7 loops: a vessel move reports one container")
        n7, container, empty = equipment[0]
        if empty is None:
            raise FeedError(t.at(n7), "no W2 with the equipment status (W205 E or L) after the N7")
        vessel = t.first("V1")
        if vessel is None or vessel.get(8) != "L":
            raise FeedError(t.where, "no V1 with the IMO number (V101, V108 L)")
        inland = t.reference("INLAND")
        if inland is not None and inland not in INLAND:
            raise FeedError(t.where, f"unknown inland mode {inland!r} (N9*{PARTNER}*..*INLAND); expected TRUCK or RAIL")
        record |= {
            "container_id": container,
            "event_type": kind,
            "vessel_imo": vessel.get(1),
            "call_id": t.reference("CALL") or f"{record['facility']}-{vessel.get(1)}-{vessel.get(4)}",
            "iso_type": _need(t, n7.get(21), "ISO size-type code (N721)"),
            "empty": empty,
            "inland_mode": inland,
        }
    else:
        destination = t.first("R4", e1=DESTINATION)
        cars = _need(t, t.reference("CARS"), f"N9*{PARTNER}*..*CARS (rail car count)")
        if not cars.isdigit():
            raise FeedError(t.where, f"car count {cars!r} (N9*{PARTNER}*..*CARS): expected a number")
        record |= {
            "train_id": _need(t, t.reference("TRAIN"), f"N9*{PARTNER}*..*TRAIN (train id)"),
            "railroad": _need(t, carrier.get(4) if carrier else None, f"N1*{CARRIER} (railroad SCAC)"),
            "destination": _need(t, destination.get(4) if destination else None, f"R4*{DESTINATION} (destination)"),
            "container_ids": [number for _, number, _ in equipment],
            "car_count": int(cars),
        }
    return finish(record, t.where)


def read_x12(payload: bytes | str) -> list[dict[str, Any]]:
    """Every event of every 322 of the interchanges in `payload`, or FeedError: all or nothing."""
    data = payload.encode("ascii", "replace") if isinstance(payload, str) else payload
    events: list[dict[str, Any]] = []
    for chunk in _interchanges(data):
        events.extend(_event(t) for t in transactions(chunk))
    return events


def _interchanges(data: bytes) -> Sequence[bytes]:
    """A file may hold several interchanges one after the other: each starts with ISA."""
    stripped = data.strip()
    if not stripped.startswith(b"ISA"):
        raise FeedError("interchange", "not X12: the input does not start with ISA")
    starts, at = [], 0
    while at != -1:
        if _is_header(stripped, at):
            starts.append(at)
        at = stripped.find(b"ISA", at + 3)
    return [stripped[a:b].strip() for a, b in zip(starts, [*starts[1:], len(stripped)], strict=True)]


def _is_header(data: bytes, i: int) -> bool:
    """An ISA that opens an interchange: at the start or right after a segment terminator (and white space)."""
    if i == 0:
        return True
    before = data[:i].rstrip()
    return bool(before) and before[-1:] == data[105:106]
