"""The container status model, pure Python: input events -> moves per container -> a `ContainerStatus` record.

No Kafka here: `baystream containers` (streams/containers/processor.py) feeds it from the topics, the tests
feed it directly. The rules (docs/containers.md):

- **Moves.** An ACTUAL `ContainerEvent` (DISCHARGED, LOADED), an ACTUAL `GateMove` whose `container_id`
  passes the gate with the truck (GATE_IN of a drop-off, GATE_OUT of a pickup) and an ACTUAL `RailDeparture`
  (RAIL_DEPARTED, one move per container on the train) are moves of a container. ESTIMATED and PLANNED
  events say what may happen, not where a box is: they are not moves. `VesselArrival`s are not moves either;
  they name the carrier and voyage of a call.
- **Order-free.** A container's status is a function of the *set* of its moves (sorted by event time, then
  by kind, then by event id), not of the order they arrived in. The input topics are keyed by facility, so a
  box's discharge, its gate out and a near-dock yard's train are on different partitions and may be read in
  any order; a late or replayed event simply takes its place in the sorted set. A move whose `event_id` the
  container holds already is a duplicate and changes nothing, so replays after a restart are harmless.
- **Unknown containers.** A box first seen at a gate or on a train (its discharge never reported) gets a
  status from what was seen; its call, carrier and last free day stay null.
- **Last free day** of an import: the discharge day in port local time (America/Los_Angeles) plus the
  terminal's free days (`FreeDays`: 4 calendar days unless configured per terminal).
- **Dwell and `as_of`.** A status is computed at `as_of`: its newest move's time or, while the box is on a
  terminal, the newest hour of event time reached by all the events (`StatusBook.clock`), so that the dwell
  of a box that sits still keeps growing. `as_of` never goes back for a container.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from baystream.schemas import complex as reference

PORT_TIME: Final = ZoneInfo("America/Los_Angeles")
"""Port local time: the calendar the last free day is counted in."""
DEFAULT_FREE_DAYS: Final = 4
MAX_MOVES: Final = 32
"""Moves kept per container (the newest): a week's trip has fewer than ten."""
HOUR_MS: Final = 3_600_000

ON_VESSEL, ON_TERMINAL, GATED_OUT, ON_TRAIN, NEAR_DOCK_YARD = (
    "ON_VESSEL",
    "ON_TERMINAL",
    "GATED_OUT",
    "ON_TRAIN",
    "NEAR_DOCK_YARD",
)
DISCHARGED, LOADED, GATE_IN, GATE_OUT, RAIL_DEPARTED = "DISCHARGED", "LOADED", "GATE_IN", "GATE_OUT", "RAIL_DEPARTED"
TERMINAL, TRUCKER, RAILROAD = "TERMINAL", "TRUCKER", "RAILROAD"
TRUCK, RAIL, ON_DOCK_RAIL, NEAR_DOCK_RAIL = "TRUCK", "RAIL", "ON_DOCK_RAIL", "NEAR_DOCK_RAIL"

_RANK: Final = {DISCHARGED: 0, GATE_IN: 1, GATE_OUT: 2, RAIL_DEPARTED: 3, LOADED: 4}
"""Order of moves at the same millisecond (a tie-breaker only; then the event id)."""
_ON_DOCK: Final = frozenset(t.code for t in reference.TERMINALS if t.on_dock_rail)
_RAIL_YARDS: Final = frozenset(y.code for y in reference.RAIL_YARDS)
ACTUAL: Final = "ACTUAL"
_PASSES: Final = {GATE_IN: ("EXPORT_DELIVERY", "EMPTY_RETURN"), GATE_OUT: ("IMPORT_PICKUP", "EMPTY_PICKUP")}
"""Gate moves that take their container through the gate: in with a drop-off, out with a pickup. The other
half of a visit may name the box too (the truck coming for it, leaving after delivering it): no move."""


def to_ms(value: datetime | int) -> int:
    """Epoch milliseconds of a decoded `timestamp-millis` (a datetime) or of a number of them."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000) if value.tzinfo else int(value.replace(tzinfo=UTC).timestamp() * 1000)
    return int(value)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True, slots=True)
class Move:
    """One event about one container, with what the status needs of it."""

    event_id: str
    at: int
    """Event time, epoch milliseconds."""
    kind: str
    port: str
    facility: str
    party: str
    """Who moved it: the terminal (discharge, load), the trucker's SCAC (gate), the railroad (train)."""
    role: str
    call_id: str | None = None
    vessel_imo: str | None = None
    inland_mode: str | None = None
    empty: bool | None = None
    iso_type: str | None = None
    move_type: str | None = None
    train_id: str | None = None
    destination: str | None = None

    @property
    def order(self) -> tuple[int, int, str]:
        return self.at, _RANK[self.kind], self.event_id

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Move:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What the vessel-arrivals events say of a call (facility, call_id): the newest event wins."""

    carrier: str
    voyage: str
    vessel_imo: str
    at: int
    event_id: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CallInfo:
        return cls(**data)


CallKey = tuple[str, str]
"""(facility, call_id): a call's identity, as in the indicator engine."""


@dataclass(frozen=True)
class FreeDays:
    """Free days per terminal: calendar days after the discharge day an import may stay without demurrage."""

    default: int = DEFAULT_FREE_DAYS
    by_terminal: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, days in {"default": self.default, **self.by_terminal}.items():
            if not isinstance(days, int) or days < 0:
                raise ValueError(f"free days of {name}: expected a whole number of days >= 0, got {days!r}")

    @classmethod
    def parse(cls, default: int, text: str | None) -> FreeDays:
        """From the settings: `containers.free_days` and `containers.free_days_by_terminal` ("APMT=5,TTI=3")."""
        by_terminal: dict[str, int] = {}
        for item in (text or "").split(","):
            if not item.strip():
                continue
            code, sep, days = item.partition("=")
            if not sep or not code.strip() or not days.strip().isdigit():
                raise ValueError(f"free days by terminal: expected CODE=DAYS items separated by commas, got {item!r}")
            by_terminal[code.strip()] = int(days)
        return cls(default, by_terminal)

    def last_free_day(self, terminal: str, discharged_ms: int) -> date:
        local_day = from_ms(discharged_ms).astimezone(PORT_TIME).date()
        return local_day + timedelta(days=self.by_terminal.get(terminal, self.default))


def moves_of(event: Mapping[str, Any]) -> list[tuple[str, Move]]:
    """(container id, move) for each container the decoded, validated input event moves; [] for the others."""
    kind = event.get("type")
    if event.get("classifier", ACTUAL) != ACTUAL or kind not in ("ContainerEvent", "GateMove", "RailDeparture"):
        return []
    event_id, at, port, facility = event["event_id"], to_ms(event["event_time"]), event["port"], event["facility"]
    if kind == "ContainerEvent":
        move = Move(
            event_id,
            at,
            kind=DISCHARGED if event["event_type"] == "DISCHARGED" else LOADED,
            port=port,
            facility=facility,
            party=facility,
            role=TERMINAL,
            call_id=event["call_id"],
            vessel_imo=event["vessel_imo"],
            inland_mode=event.get("inland_mode"),
            empty=event["empty"],
            iso_type=event["iso_type"],
        )
        return [(event["container_id"], move)]
    if kind == "GateMove":
        gate = GATE_IN if event["direction"] == "IN" else GATE_OUT
        if not event.get("container_id") or event["move_type"] not in _PASSES[gate]:
            return []
        move = Move(event_id, at, gate, port, facility, event["trucker"], TRUCKER, move_type=event["move_type"])
        return [(event["container_id"], move)]
    move = Move(event_id, at, RAIL_DEPARTED, port, facility, event["railroad"], RAILROAD,
                train_id=event["train_id"], destination=event["destination"])  # fmt: skip
    return [(container_id, move) for container_id in dict.fromkeys(event["container_ids"])]


def call_of(event: Mapping[str, Any]) -> tuple[CallKey, CallInfo] | None:
    """The call a `VesselArrival` speaks of and what it says; None for any other event."""
    if event.get("type") != "VesselArrival":
        return None
    at = to_ms(event["event_time"])
    info = CallInfo(event["carrier"], event["voyage"], event["vessel_imo"], at, event["event_id"])
    return (event["facility"], event["call_id"]), info


def newer_call(current: CallInfo | None, info: CallInfo) -> bool:
    """Whether `info` replaces `current`: a later event, or the same time and a greater event id."""
    return current is None or (info.at, info.event_id) > (current.at, current.event_id)


def add_move(moves: list[Move], move: Move) -> bool:
    """Insert `move` in order (the newest MAX_MOVES kept); False for a duplicate event id or one pruned away."""
    if any(m.event_id == move.event_id for m in moves):
        return False
    bisect.insort(moves, move, key=lambda m: m.order)
    if len(moves) > MAX_MOVES:
        dropped = moves.pop(0)
        return dropped is not move
    return True


@dataclass
class _Trip:
    """The fold's running state over one container's sorted moves."""

    where: str = ""
    terminal: str | None = None
    stay_start: Move | None = None
    left_at: int | None = None
    discharge: Move | None = None
    inland: str | None = None
    empty: bool | None = None
    iso_type: str | None = None
    trucker: str | None = None
    train: Move | None = None
    gated_in_since_discharge: bool = False

    def apply(self, m: Move) -> None:
        if m.kind == DISCHARGED:
            self.where, self.terminal, self.stay_start, self.left_at = ON_TERMINAL, m.facility, m, None
            self.discharge, self.trucker, self.train, self.gated_in_since_discharge = m, None, None, False
            self.inland = m.inland_mode
            if self.inland == RAIL and m.facility not in _ON_DOCK:
                self.inland = NEAR_DOCK_RAIL  # no on-dock yard there: rail-bound boxes go to the near-dock yard
            self.empty, self.iso_type = m.empty, m.iso_type
        elif m.kind == LOADED:
            self._leave(m)
            self.where, self.empty, self.iso_type = ON_VESSEL, m.empty, m.iso_type
        elif m.kind == GATE_IN:
            self.trucker, self.train, self.gated_in_since_discharge = m.party, None, True
            if m.facility in _RAIL_YARDS:
                self.where, self.terminal = NEAR_DOCK_YARD, None
            else:
                self.where, self.terminal, self.stay_start, self.left_at = ON_TERMINAL, m.facility, m, None
        elif m.kind == GATE_OUT:
            self._leave(m)
            self.trucker = m.party
            to_rail = self.inland in (RAIL, NEAR_DOCK_RAIL) and m.move_type == "IMPORT_PICKUP"
            if to_rail and self.discharge is not None and not self.gated_in_since_discharge:
                self.where, self.inland = NEAR_DOCK_YARD, NEAR_DOCK_RAIL  # drayed to the near-dock rail yard
            else:
                self.where = GATED_OUT
        else:  # RAIL_DEPARTED
            self._leave(m)
            self.where, self.train = ON_TRAIN, m
            if self.discharge is not None and self.inland in (RAIL, NEAR_DOCK_RAIL, ON_DOCK_RAIL):
                self.inland = ON_DOCK_RAIL if m.facility in _ON_DOCK else NEAR_DOCK_RAIL

    def _leave(self, m: Move) -> None:
        if self.where == ON_TERMINAL and self.left_at is None:
            self.left_at = m.at
        self.terminal = None


def compute_status(
    container_id: str,
    moves: Iterable[Move],
    calls: Mapping[CallKey, CallInfo],
    clock_ms: int | None,
    free_days: FreeDays,
) -> dict[str, Any]:
    """The `ContainerStatus` record (decoded form, with its `type`) of a container's moves, sorted by `order`.

    `clock_ms`: the event time reached by all events (`StatusBook.clock`); a box on terminal is computed at
    it when it is later than its newest move.
    """
    trip = _Trip()
    last: Move | None = None
    for move in moves:
        trip.apply(move)
        last = move
    if last is None:
        raise ValueError(f"container {container_id}: a status needs at least one move")
    on_terminal = trip.where == ON_TERMINAL
    as_of = max(last.at, clock_ms or 0) if on_terminal else last.at
    stay = trip.stay_start
    dwell = None if stay is None else round(((trip.left_at or as_of) - stay.at) / HOUR_MS, 3)
    import_stay = stay is not None and stay.kind == DISCHARGED
    discharge = trip.discharge
    call = calls.get((discharge.facility, discharge.call_id or "")) if discharge is not None else None
    lfd = free_days.last_free_day(stay.facility, stay.at).isoformat() if import_stay and stay else None
    by_truck = trip.inland in (TRUCK, NEAR_DOCK_RAIL) or bool(trip.empty)
    return {
        "type": "ContainerStatus",
        "container_id": container_id,
        "where": trip.where,
        "port": last.port,
        "terminal": trip.terminal if on_terminal else None,
        "last_facility": last.facility,
        "discharge_terminal": discharge.facility if discharge else None,
        "vessel_call": discharge.call_id if discharge else None,
        "vessel_imo": discharge.vessel_imo if discharge else None,
        "voyage": call.voyage if call else None,
        "carrier": call.carrier if call else None,
        "inland_mode": trip.inland if discharge else None,
        "empty": trip.empty,
        "iso_type": trip.iso_type,
        "discharged_at": from_ms(discharge.at) if discharge else None,
        "on_terminal_since": from_ms(stay.at) if on_terminal and stay else None,
        "left_terminal_at": from_ms(trip.left_at) if trip.left_at is not None else None,
        "dwell_hours": dwell,
        "last_free_day": lfd,
        "available_for_pickup": on_terminal and import_stay and by_truck,
        "last_move": last.kind,
        "last_mover": last.party,
        "last_mover_role": last.role,
        "trucker_scac": trip.trucker,
        "train_id": trip.train.train_id if trip.train else None,
        "rail_destination": trip.train.destination if trip.train else None,
        "updated_at": from_ms(last.at),
        "as_of": from_ms(as_of),
    }


class StatusBook:
    """Every container's moves, every call's carrier, and the clock: the state behind `container-status`.

    `apply(event)` takes one decoded, validated input event and says which containers' statuses it may have
    changed; `status(container_id)` computes one. The processor and the offline replay use it alike.
    """

    def __init__(self, free_days: FreeDays | None = None, refresh_ms: int = HOUR_MS):
        if refresh_ms <= 0:
            raise ValueError("the dwell refresh interval must be positive")
        self.free_days = free_days or FreeDays()
        self.refresh_ms = refresh_ms
        self.moves: dict[str, list[Move]] = {}
        self.calls: dict[CallKey, CallInfo] = {}
        self._by_call: dict[CallKey, set[str]] = {}
        self.on_terminal: set[str] = set()
        """Containers whose status says ON_TERMINAL (refreshed when the clock moves on)."""
        self.watermark = 0
        """Newest move time applied, epoch ms."""
        self.duplicates = 0
        self.new_moves: set[str] = set()
        self.new_calls: set[CallKey] = set()
        """Containers and calls that changed since the caller last took them (`take_changes`): what a
        processor saves."""

    @property
    def clock(self) -> int:
        """The watermark rounded down to the refresh interval: the `as_of` of boxes on terminal."""
        return self.watermark - self.watermark % self.refresh_ms

    def apply(self, event: Mapping[str, Any]) -> set[str]:
        """Apply one event; the containers whose status may have changed (all those on terminal when the
        clock moved on to a new interval)."""
        changed: set[str] = set()
        before = self.clock
        found = call_of(event)
        if found is not None:
            key, info = found
            if self.add_call(key, info):
                self.new_calls.add(key)
                changed |= self._by_call.get(key, set())
            return changed
        for container_id, move in moves_of(event):
            if self.add(container_id, move):
                changed.add(container_id)
        if self.clock != before:
            changed |= self.on_terminal
        return changed

    def add(self, container_id: str, move: Move) -> bool:
        """Add one move; False for a duplicate."""
        moves = self.moves.setdefault(container_id, [])
        if not add_move(moves, move):
            self.duplicates += 1
            return False
        self._index(container_id, move)
        self.new_moves.add(container_id)
        return True

    def restore(self, container_id: str, moves: Iterable[Move]) -> None:
        """Put back a container's moves as a processor saved them."""
        kept = self.moves[container_id] = sorted(moves, key=lambda m: m.order)
        for move in kept:
            self._index(container_id, move)

    def _index(self, container_id: str, move: Move) -> None:
        if move.kind == DISCHARGED and move.call_id is not None:
            self._by_call.setdefault((move.facility, move.call_id), set()).add(container_id)
        self.watermark = max(self.watermark, move.at)

    def take_changes(self) -> tuple[set[str], set[CallKey]]:
        """The containers whose moves and the calls whose info changed since the last call."""
        changes = self.new_moves, self.new_calls
        self.new_moves, self.new_calls = set(), set()
        return changes

    def add_call(self, key: CallKey, info: CallInfo) -> bool:
        """Restore or apply a call's info (newest wins)."""
        if newer_call(self.calls.get(key), info):
            self.calls[key] = info
            return True
        return False

    def status(self, container_id: str) -> dict[str, Any]:
        record = compute_status(container_id, self.moves[container_id], self.calls, self.clock, self.free_days)
        if record["where"] == ON_TERMINAL:
            self.on_terminal.add(container_id)
        else:
            self.on_terminal.discard(container_id)
        return record

    def statuses(self) -> dict[str, dict[str, Any]]:
        """Every container's status (the offline replay's answer)."""
        return {container_id: self.status(container_id) for container_id in self.moves}
