"""AIS `!AIVDM` sentences -> VesselArrival milestones, by the geofences of `geofences.py`.

Sentences are parsed and decoded with pyais (position reports 1-3 and 18, static and voyage data 5);
multi-sentence messages are put together here, so that every sentence that cannot be used is seen and
returned as a `Rejected` with its reason (bad checksum, a payload that does not decode, a fragment without
its message) instead of being skipped: the command dead-letters it and counts it, and the stream goes on.

A ship is identified by its MMSI in position reports and by its IMO number only in type 5, so fixes of a
ship not yet named wait for its type 5 (at most `ArrivalRules.waiting_fixes` per ship). AIS does not carry
carrier or voyage: they come from the port calls expected (`Call`, `load_calls`), one after the other per
IMO number. When a ship has arrived or departed is `ArrivalRules` (docs/feeds.md).
"""

from __future__ import annotations

import json
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from baystream.producers.feeds.common import FeedError, finish
from baystream.producers.feeds.geofences import Zone, port_of, zone_of

POSITION_TYPES = frozenset({1, 2, 3, 18})
STATIC_TYPE = 5
MILESTONES = frozenset({("ANCHORAGE", "ARRIVED"), ("BERTH", "ARRIVED"), ("BERTH", "DEPARTED")})
"""The milestones published by default: those the simulator publishes too (docs/simulator.md)."""


@dataclass(frozen=True)
class ArrivalRules:
    """When a ship has arrived at or departed from an anchorage or a berth (docs/feeds.md)."""

    anchorage_max_knots: float = 1.0
    """At anchor: speed over ground at most this."""
    berth_max_knots: float = 0.5
    """Alongside: speed over ground at most this."""
    dwell: timedelta = timedelta(minutes=10)
    """Inside and that slow for this long = arrived; the arrival's time is the first such fix."""
    milestones: frozenset[tuple[str, str]] = MILESTONES
    """(location type, event type) pairs published; departures are the first fix outside after an arrival."""
    eta: bool = True
    """Publish a type 5 ETA as an ESTIMATED berth arrival (once per ETA value)."""
    waiting_fixes: int = 200
    """Fixes kept per ship seen before its type 5; older ones are dropped (and counted)."""
    ships: int = 20_000
    """Ships tracked at once; the longest unheard is forgotten first."""
    fragments: int = 1_000
    """Multi-sentence messages waiting for their next part at once."""


@dataclass(frozen=True)
class Call:
    """An expected port call: what AIS does not say (carrier, voyage) and where the ship is bound."""

    vessel_imo: str
    carrier: str
    voyage: str
    facility: str
    call_id: str = ""

    @property
    def id(self) -> str:
        return self.call_id or f"{self.facility}-{self.vessel_imo}-{self.voyage}"


def load_calls(lines: Iterable[str]) -> list[Call]:
    """Calls from JSON lines: {"vessel_imo", "carrier", "voyage", "facility", optional "call_id"}."""
    calls = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            calls.append(
                Call(str(obj["vessel_imo"]), obj["carrier"], obj["voyage"], obj["facility"], obj.get("call_id", ""))
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"calls line {number}: expected a JSON object with vessel_imo, carrier, voyage, facility ({exc})"
            ) from None
    return calls


@dataclass(frozen=True)
class Rejected:
    """A sentence that gave nothing, and why (the command dead-letters it)."""

    sentence: str
    reason: str


@dataclass
class _Ship:
    imo: str | None = None
    name: str | None = None
    waiting: deque[tuple[datetime, tuple[float, float], float]] = field(default_factory=deque)
    zone: Zone | None = None
    slow_since: datetime | None = None
    arrived: bool = False
    eta: datetime | None = None


@dataclass
class Counts:
    """What the feed did with its sentences (the command turns them into metrics)."""

    sentences: int = 0
    messages: int = 0
    ignored: int = 0
    """Valid AIS messages of other types (base stations, aids to navigation ...): not about arrivals."""
    rejected: int = 0
    dropped_fixes: int = 0
    unscheduled: int = 0
    """Milestones of ships with no expected call: not published (no carrier, no voyage)."""


class AisFeed:
    """Sentences in, VesselArrival events and rejections out; state across calls (a stream)."""

    def __init__(self, calls: Iterable[Call] = (), rules: ArrivalRules | None = None):
        self.rules = rules or ArrivalRules()
        self._calls: dict[str, deque[Call]] = {}
        for call in calls:
            self._calls.setdefault(call.vessel_imo, deque()).append(call)
        self._ships: OrderedDict[int, _Ship] = OrderedDict()
        self._fragments: OrderedDict[tuple[Any, ...], list[Any]] = OrderedDict()
        self.counts = Counts()

    def feed(self, line: str | bytes, received: datetime | None = None) -> tuple[list[dict[str, Any]], list[Rejected]]:
        """One sentence (with its NMEA 4 tag block, if any): the events it completes and what was rejected."""
        from pyais.exceptions import AISBaseException
        from pyais.messages import AISSentence, NMEASentenceFactory

        raw = line.strip() if isinstance(line, bytes) else line.strip().encode("ascii", "replace")
        text = raw.decode("ascii", "replace")
        if not raw:
            return [], []
        self.counts.sentences += 1
        try:
            sentence = NMEASentenceFactory.produce(raw)
        except (AISBaseException, ValueError, IndexError) as exc:
            return self._reject(text, f"not an NMEA sentence: {exc}")
        if not sentence.is_valid:
            return self._reject(
                text, f"bad checksum: the sentence says {sentence.checksum:02X}, its content gives another"
            )
        if not isinstance(sentence, AISSentence):
            self.counts.ignored += 1
            return [], []
        when = self._time(sentence, received)
        if sentence.frag_cnt > 1:
            assembled = self._assemble(sentence, text)
            if isinstance(assembled, Rejected):
                return [], self._count([assembled])
            if assembled is None:
                return [], []
            sentence, text = assembled
        try:
            message = sentence.decode()
        except (AISBaseException, ValueError, IndexError, KeyError) as exc:
            return self._reject(text, f"AIS payload does not decode: {type(exc).__name__}: {exc}")
        self.counts.messages += 1
        try:
            if message.msg_type in POSITION_TYPES:
                return self._position(message, when), []
            if message.msg_type == STATIC_TYPE:
                return self._static(message, when), []
        except FeedError as exc:
            return self._reject(text, str(exc))
        self.counts.ignored += 1
        return [], []

    def _reject(self, text: str, reason: str) -> tuple[list[dict[str, Any]], list[Rejected]]:
        return [], self._count([Rejected(text, reason)])

    def _count(self, rejected: list[Rejected]) -> list[Rejected]:
        self.counts.rejected += len(rejected)
        return rejected

    @staticmethod
    def _time(sentence: Any, received: datetime | None) -> datetime:
        block = sentence.tag_block
        if block is not None:
            block.init()
            stamp = block.receiver_timestamp
            if stamp:
                seconds = int(stamp)
                return datetime.fromtimestamp(seconds / 1000 if seconds > 10**11 else seconds, UTC)
        return received or datetime.now(UTC)

    def _assemble(self, sentence: Any, text: str) -> tuple[Any, str] | Rejected | None:
        """The whole message when this is its last part; None while waiting; Rejected for a stray part."""
        from pyais.messages import AISSentence

        key = (sentence.seq_id, sentence.channel, sentence.frag_cnt)
        if sentence.frag_num == 1:
            self._fragments[key] = [(sentence, text)]
            while len(self._fragments) > self.rules.fragments:
                self._fragments.popitem(last=False)
            return None
        parts = self._fragments.get(key)
        if parts is None or len(parts) != sentence.frag_num - 1:
            return Rejected(text, f"part {sentence.frag_num} of {sentence.frag_cnt} without the parts before it")
        parts.append((sentence, text))
        if len(parts) < sentence.frag_cnt:
            return None
        del self._fragments[key]
        whole = AISSentence.assemble_from_iterable([p for p, _ in parts])
        return whole, "\n".join(t for _, t in parts)

    def _ship(self, mmsi: int) -> _Ship:
        ship = self._ships.get(mmsi)
        if ship is None:
            ship = self._ships[mmsi] = _Ship()
            while len(self._ships) > self.rules.ships:
                self._ships.popitem(last=False)
        else:
            self._ships.move_to_end(mmsi)
        return ship

    def _position(self, message: Any, when: datetime) -> list[dict[str, Any]]:
        lat, lon = message.lat, message.lon
        if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
            return []  # 91/181: position not available
        speed = message.speed if message.speed is not None and message.speed < 102.3 else 0.0
        ship = self._ship(message.mmsi)
        if ship.imo is None:
            ship.waiting.append((when, (lat, lon), speed))
            if len(ship.waiting) > self.rules.waiting_fixes:
                ship.waiting.popleft()
                self.counts.dropped_fixes += 1
            return []
        return self._fix(ship, when, (lat, lon), speed, message.mmsi)

    def _static(self, message: Any, when: datetime) -> list[dict[str, Any]]:
        ship = self._ship(message.mmsi)
        if not message.imo:
            raise FeedError(f"AIS ship {message.mmsi}", "type 5 without an IMO number")
        ship.imo = f"{message.imo:07d}"
        ship.name = (message.shipname or "").strip() or None
        out = []
        while ship.waiting:
            fix_when, point, speed = ship.waiting.popleft()
            out += self._fix(ship, fix_when, point, speed, message.mmsi)
        eta = _eta(message, when)
        if self.rules.eta and eta is not None and eta != ship.eta:
            ship.eta = eta
            call = self._call(ship)
            if call is not None:
                out.append(
                    self._event(ship, call, eta, "ARRIVED", ("BERTH", call.facility, None), "ESTIMATED", message.mmsi)
                )
        return out

    def _call(self, ship: _Ship) -> Call | None:
        calls = self._calls.get(ship.imo or "")
        if not calls:
            self.counts.unscheduled += 1
            return None
        return calls[0]

    def _fix(
        self, ship: _Ship, when: datetime, point: tuple[float, float], speed: float, mmsi: int
    ) -> list[dict[str, Any]]:
        rules, out = self.rules, []
        zone = zone_of(point)
        if ship.zone is not None and zone != ship.zone:
            if ship.arrived:
                out += self._milestone(ship, when, "DEPARTED", ship.zone, mmsi)
                if ship.zone[0] == "BERTH" and self._calls.get(ship.imo or ""):
                    self._calls[ship.imo or ""].popleft()  # the call is over: the next one is expected
            ship.zone, ship.arrived, ship.slow_since = None, False, None
        if zone is None:
            return out
        if ship.zone != zone:
            ship.zone, ship.arrived, ship.slow_since = zone, False, None
        if ship.arrived:
            return out
        limit = rules.anchorage_max_knots if zone[0] == "ANCHORAGE" else rules.berth_max_knots
        if speed > limit:
            ship.slow_since = None
            return out
        ship.slow_since = ship.slow_since or when
        if when - ship.slow_since >= rules.dwell:
            ship.arrived = True
            out += self._milestone(ship, ship.slow_since, "ARRIVED", zone, mmsi)
        return out

    def _milestone(self, ship: _Ship, when: datetime, event_type: str, zone: Zone, mmsi: int) -> list[dict[str, Any]]:
        if (zone[0], event_type) not in self.rules.milestones:
            return []
        call = self._call(ship)
        if call is None:
            return []
        return [self._event(ship, call, when, event_type, zone, "ACTUAL", mmsi)]

    def _event(
        self, ship: _Ship, call: Call, when: datetime, event_type: str, zone: Zone, classifier: str, mmsi: int
    ) -> dict[str, Any]:
        location, place, berth = zone
        facility = place if location == "BERTH" else call.facility
        record: dict[str, Any] = {
            "type": "VesselArrival",
            "event_id": None,
            "event_time": when,
            "classifier": classifier,
            "source": call.carrier,
            "port": port_of(facility),
            "facility": facility,
            "vessel_imo": ship.imo,
            "vessel_name": ship.name,
            "carrier": call.carrier,
            "voyage": call.voyage,
            "call_id": call.id,
            "event_type": event_type,
            "location_type": location,
            "berth": berth,
        }
        return finish(record, f"AIS ship {mmsi} (IMO {ship.imo})")


def _eta(message: Any, when: datetime) -> datetime | None:
    """A type 5 ETA (month, day, hour, minute, no year) as the next such time from `when`; None if not given."""
    month, day, hour, minute = message.month, message.day, message.hour, message.minute
    if not month or not day or hour is None or hour > 23 or minute is None or minute > 59:
        return None
    try:
        eta = datetime(when.year, month, day, hour, minute, tzinfo=UTC)
        if eta < when - timedelta(days=180):
            eta = eta.replace(year=when.year + 1)
    except ValueError:
        return None
    return eta


def read_ais(
    lines: Iterable[str], calls: Iterable[Call] = (), rules: ArrivalRules | None = None
) -> tuple[list[dict[str, Any]], list[Rejected]]:
    """Every milestone of a recorded stream and every rejected sentence (a file: `ingest ais FILE`)."""
    feed = AisFeed(calls, rules)
    events: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for line in lines:
        got, bad = feed.feed(line)
        events += got
        rejected += bad
    return events, rejected


def calls_of(events: Iterable[Mapping[str, Any]]) -> list[Call]:
    """The calls of VesselArrival events, in order of first appearance (writers, tests)."""
    seen: dict[str, Call] = {}
    for e in events:
        if e["type"] == "VesselArrival" and e["call_id"] not in seen:
            seen[e["call_id"]] = Call(e["vessel_imo"], e["carrier"], e["voyage"], e["facility"], e["call_id"])
    return list(seen.values())
