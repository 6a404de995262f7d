"""Who sees which container and which gate visit: the parties' own views, kept in memory from the topics.

Pure Python, no Kafka, no I/O (the reader feeds it; tests feed it directly). The rule (docs/dashboard.md,
"Parties"; docs/domain.md, who shares what): a container's details go to the carrier of the call that
brought it, the trucker who holds or last held it, and the terminal where it is now; nobody else learns
that it exists. A gate visit goes to its trucker and to the terminal whose gate it passed.

Memory is bounded: at most `capacity` containers (the ones updated longest ago go first) and at most
`visit_capacity` visits, of which those that ended more than `visit_hours` before the newest gate move are
dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from baystream.producers.gateway.identities import Identity, Role
from baystream.schemas.json_form import format_time

ON_TERMINAL = "ON_TERMINAL"
_END = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Box:
    """The parts of a ContainerStatus record (schemas/avro/ContainerStatus.avsc) the views need."""

    container_id: str
    where: str
    terminal: str | None
    """The terminal it is on; None unless `where` is ON_TERMINAL."""
    port: str | None
    carrier: str | None
    """The carrier of the call that brought it."""
    trucker: str | None
    """The trucker who holds it, or held it last."""
    since: datetime | None
    """On terminal since, while it is on terminal."""
    dwell_hours: float | None
    last_free_day: str | None
    """YYYY-MM-DD: sorts as a date."""
    as_of: datetime
    updated_at: datetime
    """Event time of the box's latest move: it only grows along the topic, while `as_of` may step back (a
    refresh of the dwell at a later event time, then a move that happened before that time)."""
    names: tuple[str, ...]
    """The record's field names: one tuple shared by every box of a schema version (memory)."""
    values: tuple[Any, ...]

    @property
    def record(self) -> dict[str, Any]:
        """The ContainerStatus as decoded."""
        return dict(zip(self.names, self.values, strict=True))

    @property
    def on_terminal(self) -> bool:
        return self.where == ON_TERMINAL

    def dwell_days(self, now: datetime) -> float | None:
        """Days of the latest stay: to `now` while it is on terminal (the status may be older), else as recorded."""
        if self.on_terminal and self.since is not None:
            return round(max(0.0, (max(now, self.as_of) - self.since).total_seconds() / 86400), 2)
        return None if self.dwell_hours is None else round(self.dwell_hours / 24, 2)

    def public(self, now: datetime) -> dict[str, Any]:
        """The API's form: the status as the topic says, and the dwell up to `now`."""
        shown = {k: _json(v) for k, v in self.record.items() if k != "type"}
        return {**shown, "dwell_days": self.dwell_days(now)}


def box_from_record(record: Mapping[str, Any]) -> Box:
    """A decoded ContainerStatus to a Box."""
    return Box(
        container_id=str(record["container_id"]),
        where=str(record["where"]),
        terminal=record.get("terminal"),
        port=record.get("port"),
        carrier=record.get("carrier"),
        trucker=record.get("trucker_scac"),
        since=record.get("on_terminal_since"),
        dwell_hours=record.get("dwell_hours"),
        last_free_day=record.get("last_free_day"),
        as_of=record["as_of"],
        updated_at=record["updated_at"],
        names=_SHAPES.setdefault(names := tuple(record), names),
        values=tuple(record.values()),
    )


_SHAPES: dict[tuple[str, ...], tuple[str, ...]] = {}
"""Field-name tuples seen (one per schema version the reader met)."""


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def may_see(identity: Identity, box: Box) -> bool:
    """The one rule for a container's details: its carrier, its trucker (now or last), its terminal (now)."""
    if identity.role is Role.CARRIER:
        return box.carrier == identity.code
    if identity.role is Role.TRUCKER:
        return box.trucker == identity.code
    if identity.role is Role.TERMINAL:
        return box.on_terminal and box.terminal == identity.code and identity.port in (None, box.port)
    return False


def _urgency(box: Box, now: datetime) -> tuple[float, str, str]:
    """Longest dwell first, then the earliest last free day (none: last), then the number (a stable order)."""
    return -(box.dwell_days(now) or 0.0), box.last_free_day or "9999-12-31", box.container_id


class ContainerBook:
    """The latest status of every container read from `container-status` (the latest move wins, then the
    latest `as_of`: a replayed or late older record never replaces a newer one), bounded."""

    def __init__(self, capacity: int = 200_000):
        if capacity < 1:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self._boxes: OrderedDict[str, Box] = OrderedDict()
        self.evicted = 0

    def apply(self, key: str, record: Mapping[str, Any] | None) -> bool:
        """Take one record of the topic (None: a tombstone of `key`); True if it changed what is held."""
        if record is None:
            return self._boxes.pop(key, None) is not None
        box = box_from_record(record)
        current = self._boxes.get(box.container_id)
        if current is not None and (current.updated_at, current.as_of) > (box.updated_at, box.as_of):
            return False
        self._boxes[box.container_id] = box
        self._boxes.move_to_end(box.container_id)
        while len(self._boxes) > self.capacity:
            self._boxes.popitem(last=False)
            self.evicted += 1
        return True

    def get(self, container_id: str) -> Box | None:
        return self._boxes.get(container_id)

    def readable(self, identity: Identity, container_id: str) -> Box | None:
        """The box if `identity` may see it; None whether it does not exist or is not theirs (one answer)."""
        box = self._boxes.get(container_id)
        return box if box is not None and may_see(identity, box) else None

    def mine(self, identity: Identity, now: datetime) -> list[Box]:
        """The party's boxes on terminal (where dwell and the last free day matter), most urgent first."""
        chosen = [b for b in self._boxes.values() if b.on_terminal and may_see(identity, b)]
        return sorted(chosen, key=lambda b: _urgency(b, now))

    def newest_as_of(self) -> datetime | None:
        return max((b.as_of for b in self._boxes.values()), default=None)

    def __len__(self) -> int:
        return len(self._boxes)


@dataclass(slots=True)
class Visit:
    """One truck visit at one terminal's gate, from its gate moves."""

    facility: str
    port: str
    visit_id: str
    trucker: str
    truck_id: str
    gate_in: datetime | None = None
    gate_out: datetime | None = None
    moves: tuple[str, ...] = ()
    containers: tuple[str, ...] = ()

    @property
    def turn_minutes(self) -> float | None:
        if self.gate_in is None or self.gate_out is None:
            return None
        return round((self.gate_out - self.gate_in).total_seconds() / 60, 1)

    def public(self, now: datetime) -> dict[str, Any]:
        open_minutes = None
        if self.gate_in is not None and self.gate_out is None:
            open_minutes = round(max(0.0, (now - self.gate_in).total_seconds() / 60), 1)
        return {
            "visit_id": self.visit_id,
            "port": self.port,
            "facility": self.facility,
            "trucker": self.trucker,
            "truck_id": self.truck_id,
            "gate_in": _json(self.gate_in),
            "gate_out": _json(self.gate_out),
            "open": self.gate_out is None,
            "turn_minutes": self.turn_minutes,
            "minutes_on_terminal": open_minutes,
            "move_types": list(self.moves),
            "container_ids": list(self.containers),
        }


def may_see_visit(identity: Identity, visit: Visit) -> bool:
    if identity.role is Role.TRUCKER:
        return visit.trucker == identity.code
    if identity.role is Role.TERMINAL:
        return visit.facility == identity.code and identity.port in (None, visit.port)
    return False


class VisitBook:
    """Open and recent gate visits, from `gate-moves`; duplicates (same event_id) are harmless (idempotent)."""

    def __init__(self, visit_hours: float = 24.0, capacity: int = 100_000):
        if visit_hours <= 0 or capacity < 1:
            raise ValueError("visit_hours and capacity must be positive")
        self.keep = timedelta(hours=visit_hours)
        self.capacity = capacity
        self._visits: OrderedDict[tuple[str, str], Visit] = OrderedDict()
        self.newest: datetime | None = None

    def apply(self, moves: Iterable[Mapping[str, Any]]) -> None:
        for move in moves:
            self._apply(move)
        self._trim()

    def _apply(self, move: Mapping[str, Any]) -> None:
        key = (str(move["facility"]), str(move["visit_id"]))
        at: datetime = move["event_time"]
        visit = self._visits.get(key)
        if visit is None:
            visit = Visit(key[0], str(move["port"]), key[1], str(move["trucker"]), str(move["truck_id"]))
            self._visits[key] = visit
        if move["direction"] == "IN":
            visit.gate_in = at if visit.gate_in is None else min(visit.gate_in, at)
        elif move["direction"] == "OUT":
            visit.gate_out = at if visit.gate_out is None else max(visit.gate_out, at)
        if move.get("move_type") and move["move_type"] not in visit.moves:
            visit.moves += (str(move["move_type"]),)
        if move.get("container_id") and move["container_id"] not in visit.containers:
            visit.containers += (str(move["container_id"]),)
        self._visits.move_to_end(key)
        self.newest = at if self.newest is None else max(self.newest, at)

    def _trim(self) -> None:
        if self.newest is not None:
            horizon = self.newest - self.keep
            stale = [k for k, v in self._visits.items() if v.gate_out is not None and v.gate_out < horizon]
            for key in stale:
                del self._visits[key]
        while len(self._visits) > self.capacity:
            self._visits.popitem(last=False)

    def mine(self, identity: Identity) -> list[Visit]:
        """The party's visits: open ones first (longest on terminal first), then ended ones, newest first."""
        chosen = [v for v in self._visits.values() if may_see_visit(identity, v)]
        open_visits = sorted((v for v in chosen if v.gate_out is None), key=lambda v: (v.gate_in or _END, v.visit_id))
        ended = sorted(
            (v for v in chosen if v.gate_out is not None), key=lambda v: (v.gate_out, v.visit_id), reverse=True
        )
        return open_visits + ended

    def __len__(self) -> int:
        return len(self._visits)
