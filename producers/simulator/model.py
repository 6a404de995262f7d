"""The port-complex model: vessels, yards, gates, chassis and trains of San Pedro Bay as one event simulation.

Every action runs at the scheduler's `now` and only emits events stamped `now`, so the output is in
event-time order. Flows (docs/domain.md calibration, see docs/simulator.md):
- a vessel goes straight to a free berth of its terminal, or waits at anchor (or, with the offshore
  queuing system, in the holding area) for one; it discharges then loads one container at a time at the
  berth productivity, and departs; long queues make carriers blank sailings;
- each import gets an inland mode: on-dock rail (waits for a train at its terminal), near-dock rail (drayed
  to the ICTF by truck, leaves there by UP train), off-dock rail (drayed out to Hobart) or truck;
- exports come through the gate or by inbound rail (on-dock, or drayed from the ICTF); none is invented;
- truck pickups and drop-offs are gate visits (IN then OUT) in the gates' Pacific-time shifts; a drop-off
  may also pick up (dual move); turn times grow with the terminal's yard fill;
- pool chassis leave with pickups and come back with drop-offs (30% elsewhere, where stock is short), some
  out of service for days; no chassis means a dry run and a retry.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate
from typing import Final
from zoneinfo import ZoneInfo

from baystream.producers.simulator.chassis import Chassis, ChassisPool
from baystream.producers.simulator.events import EventFactory
from baystream.producers.simulator.facilities import (
    CORRIDOR_FUELS,
    DESTINATIONS,
    FUELS,
    ICTF,
    ICTF_CHASSIS,
    ICTF_PORT,
    ICTF_RAILROAD,
    ISO_TYPES,
    LAST_PORTS,
    RAILROADS,
    TERMINALS,
    TerminalSpec,
)
from baystream.producers.simulator.identities import EventIds, Identities, Vessel, digits
from baystream.producers.simulator.rail import RailQueue
from baystream.producers.simulator.rendering import Raw
from baystream.producers.simulator.scenarios import NORMAL, Scenario
from baystream.producers.simulator.scheduler import Scheduler

MINUTE: Final = 60_000
HOUR: Final = 3_600_000
DAY: Final = 86_400_000
WEEK: Final = 7 * DAY
PACIFIC: Final = ZoneInfo("America/Los_Angeles")
GATE_WEEKDAY: Final = (0.5, 0.45, 0.35, 0, 0, 0, 0, 0.6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5, 0.7, 0.7, 0.7, 0.7, 0.65, 0.55)
"""Gate activity by Pacific local hour, Tuesday to Friday (1: the busiest): closed 03:00-07:00 between the night
shift and the day shift, a day shift 08:00-17:00, a break at the change, a night shift 18:00-03:00. Monday's
first hours are Sunday night's: closed."""
GATE_SATURDAY: Final = (
    0.5,
    0.4,
    0.3,
    0,
    0,
    0,
    0,
    0.3,
    0.6,
    0.6,
    0.6,
    0.6,
    0.6,
    0.6,
    0.6,
    0.6,
    0.5,
    0.2,
    0.15,
    0.15,
    0.15,
    0.15,
    0.1,
    0.1,
)
GATE_SUNDAY: Final = (
    0.1,
    0.1,
    0.1,
    0,
    0,
    0,
    0,
    0.1,
    0.25,
    0.25,
    0.25,
    0.25,
    0.25,
    0.25,
    0.25,
    0.2,
    0.1,
    0.05,
    0,
    0,
    0,
    0,
    0,
    0,
)
"""Weekends are quieter: a Saturday day shift at part strength, little on Sunday, no Sunday night shift."""
DEST_TRUCK: Final = 0
DEST_NEAR_DOCK: Final = 1
DEST_OFF_DOCK: Final = 2
HOLDING_AREA: Final = "HOLDING_AREA"
"""The location type of ships held offshore by the queuing system."""
TWO_PI: Final = 2.0 * math.pi
TRUCKS: Final = 12_000
EMPTY_IMPORT_SHARE: Final = 0.03
EMPTY_RETURN_SHARE: Final = 0.7
"""Of local import pickups: the empty comes back (the rest is reused for an export: a street turn)."""
SAME_TERMINAL_RETURN: Final = 0.7
EMPTY_PICKUP_SHARE: Final = 0.35
"""Of empties returned to a terminal: picked up again for an export (the rest sail back empty)."""
YARD_DAYS: Final = 6.0
"""A terminal's yard holds this many days of its imports (imports, exports and empties together)."""
EVACUATE: Final = 1.25
"""A call loads up to this many times its load target when the yard holds a surplus of empties."""

_ISO_CUM: Final = list(accumulate(share for _, _, share in ISO_TYPES))
_ISO: Final = [(iso, size) for iso, size, _ in ISO_TYPES]
_LAST_PORT_CUM: Final = list(accumulate(share for _, share in LAST_PORTS))
_FUEL_CUM: Final = list(accumulate(share for _, share in FUELS))
CORRIDOR_PORT: Final = "CNSHA"
ESTIMATE_AHEAD_H: Final = 72.0
"""A service's first estimated berth arrival is issued this long (plus up to a day) before its arrival."""


class Box:
    """A container in the model. The hot classes here are plain classes with their own `__init__`: a
    dataclass's generated `__init__` stays interpreted Python in the compiled build (~1,600 instructions
    a call against ~100)."""

    __slots__ = ("empty", "id", "iso", "size")

    def __init__(self, id: str, iso: str, size: str, empty: bool):
        self.id = id
        self.iso = iso
        self.size = size
        self.empty = empty


@dataclass
class Call:
    terminal: Terminal
    vessel: Vessel
    voyage: str
    call_id: str
    berth: str | None = None
    discharge_left: int = 0
    load_target: int = 0
    load_list: list[Box] | None = None
    gap_ms: float = 0.0
    last_port: str | None = None
    fuel: str | None = None
    shore_power: bool | None = None
    held: bool = False
    """Waiting in the offshore holding area (not yet called in to anchor)."""
    anchor_at: int = 0
    """When a ship called in from the holding area reaches the anchorage (0: it is not on its way)."""
    anchored: bool = False
    """Counted among the ships at (or on their way to) the anchorage."""


class Pickup:
    """A box due to be picked up at a terminal; `dest`: DEST_TRUCK (to a customer), DEST_NEAR_DOCK (the ICTF)
    or DEST_OFF_DOCK (Hobart); `from_pool`: an empty returned earlier, void once loaded."""

    __slots__ = ("box", "dest", "due", "from_pool", "move", "taken")

    def __init__(self, box: Box, move: str, dest: int, due: int, from_pool: bool = False):
        self.box = box
        self.move = move
        self.dest = dest
        self.due = due
        self.taken = False
        self.from_pool = from_pool


class Leg:
    """A truck coming back to a terminal with a box (drop-off), maybe on a pool chassis."""

    __slots__ = ("box", "chassis", "move", "terminal", "trucker")

    def __init__(self, terminal: Terminal, box: Box, move: str, chassis: Chassis | None, trucker: str):
        self.terminal = terminal
        self.box = box
        self.move = move
        self.chassis = chassis
        self.trucker = trucker


class Visit:
    """A truck inside a terminal's gate: what it leaves with."""

    __slots__ = ("appointment", "box", "chassis", "move", "pickup", "terminal", "truck", "visit_id")

    def __init__(
        self,
        terminal: Terminal,
        visit_id: str,
        truck: int,
        appointment: str | None,
        move: str,
        box: Box | None,
        chassis: Chassis | None,
        pickup: Pickup | None,
    ):
        self.terminal = terminal
        self.visit_id = visit_id
        self.truck = truck
        self.appointment = appointment
        self.move = move
        self.box = box
        self.chassis = chassis
        self.pickup = pickup


@dataclass
class Service:
    terminal: Terminal
    carrier: str
    slot_ms: int
    vessels: list[Vessel]
    voyage_base: int


@dataclass
class Terminal:
    spec: TerminalSpec
    weight: float
    imports_per_day: float
    free_berths: list[str]
    capacity: float
    queue: deque[Call] = field(default_factory=deque)
    fulls: OrderedDict[str, Box] = field(default_factory=OrderedDict)
    """Export yard by box id, oldest first: an OrderedDict, whose popitem(last=False) is O(1) where a
    dict's pop(next(iter(d))) rescans the slots of every box taken before (quadratic per load list)."""
    empties: OrderedDict[str, Box] = field(default_factory=OrderedDict)
    pickups: list[tuple[int, int, Pickup]] = field(default_factory=list)
    inventory: int = 0
    rail: dict[str, RailQueue] = field(default_factory=dict)
    code: str = field(init=False)
    """The spec's SMDG code and port, copied: read for every event."""
    port: str = field(init=False)

    def __post_init__(self) -> None:
        self.code = self.spec.code
        self.port = self.spec.port


class PortModel:
    """The whole complex; `out` collects the events of the action just run."""

    def __init__(self, scenario: Scenario, seed: int, start_ms: int, origin_ms: int | None = None):
        """`origin_ms`: where the scenario's disruptions count their hours from (default: the start)."""
        self.s = scenario
        self.rng = rng = random.Random(seed)
        self.sched = Scheduler(start_ms)
        self.start_ms = start_ms
        self.origin_ms = start_ms if origin_ms is None else origin_ms
        self._gate_weight: dict[int, float] = {}
        self.waiting = 0
        """Ships waiting for a berth (at anchor or held offshore)."""
        self._anchored = 0
        self._held: deque[Call] = deque()
        self.blank_sailings = 0
        self.rail_inbound = 0
        """Boxes inbound trains brought to on-dock yards (no event: the contract has no train arrival)."""
        self.ictf_drays = 0
        """Boxes inbound trains brought to the ICTF, drayed to the terminals for export."""
        self.off_dock_drays = 0
        """Rail-bound imports drayed to Hobart (off-dock rail; the events say TRUCK)."""
        self.held_offshore = 0
        """Ships in the offshore holding area now."""
        self.ids = Identities(rng)
        self.ev = EventFactory(EventIds(scenario.name, seed, start_ms))
        self.out: list[Raw] = []
        self._emit = self.out.append
        self._mu: dict[tuple[float, float], float] = {}
        self._spare_normal: float | None = None
        self.dry_runs = 0
        total_calls = sum(t.weekly_calls for t in TERMINALS)
        self.terminals: list[Terminal] = []
        for spec in TERMINALS:
            imports = spec.weekly_calls / 7 * spec.moves_per_call / 2 * scenario.moves_factor
            self.terminals.append(
                Terminal(
                    spec, spec.weekly_calls / total_calls, imports, list(reversed(spec.berths)), imports * YARD_DAYS
                )
            )
        self._weights = list(accumulate(t.weight for t in self.terminals))
        self._trucks = [f"CA-{rng.randrange(1_000_000, 9_999_999)}" for _ in range(TRUCKS)]
        self._truckers = [rng.choice(self.ids.truckers) for _ in range(TRUCKS)]
        self._busy_until = [0] * TRUCKS
        self._appointment = 0
        self._pickups = 0
        # the air and trade facts draw from their own generator: every other draw, hence every other event,
        # is what it was before they existed
        self.air_rng = air_rng = random.Random(seed * 1_000_003 + 17)
        self._teu: dict[str, int] = {}
        self._fuel: dict[str, str] = {}
        self._zero_emission = [air_rng.random() < scenario.zero_emission_truck_share for _ in range(TRUCKS)]
        self._carriers = sorted({c for t in TERMINALS for c in t.carriers})
        self._setup_chassis()
        self._setup_rail()
        self._setup_vessels()
        self._setup_bobtails()

    # ---------------------------------------------------------------- helpers
    def _normal(self) -> float:
        """A standard normal draw (Box-Muller, two per pair of uniforms, as random.gauss does; here so the
        compiled build runs it natively instead of calling random.py's Python)."""
        spare = self._spare_normal
        if spare is not None:
            self._spare_normal = None
            return spare
        angle = self.rng.random() * TWO_PI
        radius = math.sqrt(-2.0 * math.log(1.0 - self.rng.random()))
        self._spare_normal = math.sin(angle) * radius
        return math.cos(angle) * radius

    def _lognormal_ms(self, mean_ms: float, sigma: float = 0.5) -> int:
        mu = self._mu.get((mean_ms, sigma))
        if mu is None:
            mu = self._mu[(mean_ms, sigma)] = math.log(mean_ms) - sigma * sigma / 2
        return int(math.exp(mu + sigma * self._normal()))

    def _terminal_by_weight(self) -> Terminal:
        return self.terminals[bisect(self._weights, self.rng.random() * self._weights[-1])]

    def _activity(self, hour: int) -> float:
        """Gate activity (0..1) in the UTC hour `hour` (epoch hours), by its Pacific local time: daylight
        saving included (zoneinfo), computed once an hour of the run."""
        weight = self._gate_weight.get(hour)
        if weight is None:
            local = datetime.fromtimestamp(hour * 3600, PACIFIC)
            day = local.weekday()
            table = GATE_WEEKDAY if day < 5 else (GATE_SATURDAY if day == 5 else GATE_SUNDAY)
            weight = self._gate_weight[hour] = 0.0 if day == 0 and local.hour < 3 else table[local.hour]
        return weight

    def _gate_open(self, ms: int) -> int:
        """When a truck wanting the gate at `ms` comes: at once in a busy hour, else (with the hour's
        activity as the chance of coming then) in a later one: closed hours, nights and weekends push work
        into the next shifts."""
        hour = ms // HOUR
        random = self.rng.random
        for _ in range(120):
            weight = self._activity(hour)
            if weight >= 1.0 or (weight > 0.0 and random() < weight):
                return ms if hour == ms // HOUR else hour * HOUR + int(random() * HOUR)
            hour += 1
        return hour * HOUR

    # ---------------------------------------------------------------- vessels
    def _setup_vessels(self) -> None:
        rng, s = self.rng, self.s
        for terminal in self.terminals:
            for i in range(terminal.spec.weekly_calls):
                carrier = terminal.spec.carriers[i % len(terminal.spec.carriers)]
                rotation = [self.ids.vessel(carrier) for _ in range(rng.randrange(5, 9))]
                service = Service(terminal, carrier, int(rng.random() * WEEK), rotation, rng.randrange(10, 90) * 10)
                self._schedule_service_call(service, 0)
        for _ in range(s.initial_queue):
            self.sched.after(rng.random() * 12 * HOUR, self._extra_call)
        if s.extra_calls_per_day > 0:
            self.sched.after(rng.expovariate(s.extra_calls_per_day) * DAY, self._extra_loader)

    def _schedule_service_call(self, service: Service, week: int) -> None:
        nominal = self.start_ms + service.slot_ms + week * WEEK
        when = max(nominal + int(self._normal() * self.s.schedule_sd_hours * HOUR), self.start_ms)
        self.sched.at(when, self._service_call, (service, week))
        if self.s.estimates:
            air = self.air_rng
            first = when - int((ESTIMATE_AHEAD_H + 24 * air.random()) * HOUR)
            self.sched.at(max(first, self.sched.now), self._estimate, (service, week, when, 8.0))
            self.sched.at(max(when - 24 * HOUR, self.sched.now), self._estimate, (service, week, when, 2.0))

    def _service_call_of(self, service: Service, week: int) -> Call:
        vessel = service.vessels[week % len(service.vessels)]
        voyage = f"{service.voyage_base + week // len(service.vessels):03d}E"
        return Call(service.terminal, vessel, voyage, f"{service.terminal.code}-{vessel.imo}-{voyage}")

    def _service_call(self, arg: tuple[Service, int]) -> None:
        service, week = arg
        if not self._blanked():
            self._arrive(self._service_call_of(service, week))
        self._schedule_service_call(service, week + 1)

    def _blanked(self) -> bool:
        """A carrier cancels the call (a blank sailing) the more ships already wait past the threshold."""
        s = self.s
        over = self.waiting - s.blank_sailing_from
        if s.blank_sailing_per_ship > 0 and over > 0 and self.rng.random() < min(0.6, over * s.blank_sailing_per_ship):
            self.blank_sailings += 1
            return True
        return False

    def _eased(self, value: float, normal: float) -> float:
        """`value` moved toward the normal scenario's `normal` as far as the scenario's recovery has come."""
        recovery = self.s.recovery
        if recovery is None:
            return value
        first_day, days = recovery
        done = ((self.sched.now - self.start_ms) / DAY - first_day) / days if days > 0 else 1.0
        return value + (normal - value) * min(1.0, max(0.0, done))

    def _estimate(self, arg: tuple[Service, int, int, float]) -> None:
        """The carrier's estimated berth arrival of a coming call (anchorage arrival + ~4 h, give or take
        `sd_hours`), stamped with the estimated time; revised once a day before the call."""
        service, week, when, sd_hours = arg
        call, air = self._service_call_of(service, week), self.air_rng
        t, v = call.terminal, call.vessel
        estimate = when + int((4.0 + air.gauss(0.0, sd_hours)) * HOUR)
        self._emit(
            self.ev.vessel(
                estimate, t.port, t.code, v.imo, v.name, v.carrier, call.voyage, call.call_id, "ARRIVED", "BERTH",
                None, classifier="ESTIMATED",
            )
        )  # fmt: skip

    def _call_facts(self, call: Call) -> None:
        """Where the call comes from, what it burns and whether it will plug in (the shares of docs/domain.md)."""
        air, s, imo = self.air_rng, self.s, call.vessel.imo
        if imo not in self._teu:
            self._teu[imo] = min(24_000, max(4_000, int(air.gauss(11_000.0, 4_500.0)) // 100 * 100))
            self._fuel[imo] = FUELS[bisect(_FUEL_CUM, air.random() * _FUEL_CUM[-1])][0]
        call.last_port = LAST_PORTS[bisect(_LAST_PORT_CUM, air.random() * _LAST_PORT_CUM[-1])][0]
        call.fuel = self._fuel[imo]
        days = (self.sched.now - self.start_ms) / DAY
        shore = min(1.0, s.shore_power_share + s.green_rise_per_day * days)
        call.shore_power = air.random() < shore
        green = min(1.0, s.corridor_green_share + s.green_rise_per_day * days)
        if call.last_port == CORRIDOR_PORT and air.random() < green:
            call.fuel = CORRIDOR_FUELS[int(air.random() * len(CORRIDOR_FUELS))]
            call.shore_power = True

    def _extra_call(self, _: object = None) -> None:
        terminal = self._terminal_by_weight()
        vessel = self.ids.vessel(self.rng.choice(terminal.spec.carriers))
        voyage = f"{self.rng.randrange(100, 999)}X"
        self._arrive(Call(terminal, vessel, voyage, f"{terminal.code}-{vessel.imo}-{voyage}"))

    def _extra_loader(self, _: object = None) -> None:
        s = self.s
        fading = s.surge_days > 0
        share = max(0.0, 1.0 - (self.sched.now - self.start_ms) / (s.surge_days * DAY)) if fading else 1.0
        if self.rng.random() < share and not self._blanked():  # the surge fades: fewer extra loaders
            self._extra_call()
        if share > 0:
            self.sched.after(self.rng.expovariate(s.extra_calls_per_day) * DAY, self._extra_loader)

    def _vessel_event(self, call: Call, event_type: str, location_type: str, berth: str | None) -> None:
        t, v = call.terminal, call.vessel
        shore = call.shore_power if location_type == "BERTH" else None
        self._emit(
            self.ev.vessel(
                self.sched.now, t.port, t.code, v.imo, v.name, v.carrier, call.voyage, call.call_id,
                event_type, location_type, berth, call.last_port, self._teu.get(v.imo), call.fuel, shore,
            )
        )  # fmt: skip

    def _arrive(self, call: Call) -> None:
        """A ship at the pilot station: straight to a free berth (it never anchors: no anchorage event), else
        to anchor, or to the offshore holding area when the queuing system is on and the anchorage is full."""
        self._call_facts(call)
        terminal = call.terminal
        if terminal.free_berths and not terminal.queue:
            call.berth = terminal.free_berths.pop()
            self.sched.after((1 + 2 * self.rng.random()) * HOUR, self._berth, call)
            return
        self.waiting += 1
        spots = self.s.anchorage_spots
        if spots and self._anchored >= spots:
            call.held = True
            self.held_offshore += 1
            self._held.append(call)
            self._vessel_event(call, "ARRIVED", HOLDING_AREA, None)
        else:
            call.anchored = True
            self._anchored += 1
            self._vessel_event(call, "ARRIVED", "ANCHORAGE", None)
        terminal.queue.append(call)

    def _assign_berth(self, call: Call) -> None:
        """A waiting ship gets its berth: 2-5 h from the anchorage, 10-14 h in from the holding area."""
        self.waiting -= 1
        call.berth = call.terminal.free_berths.pop()
        if call.anchored:
            call.anchored = False
            self._anchored -= 1
        transit = max(0, call.anchor_at - self.sched.now) if call.held else 0
        call.anchor_at = 0
        if call.held:
            self.held_offshore -= 1
            if transit == 0:
                transit = int((10 + 4 * self.rng.random()) * HOUR)
        call.held = False
        self.sched.after(transit + (2 + 3 * self.rng.random()) * HOUR, self._berth, call)
        self._call_in()

    def _call_in(self) -> None:
        """Call held ships in to the anchorage (oldest first) while it has room: ~10-14 h from 150 nm out."""
        while self._held and self._anchored < self.s.anchorage_spots:
            call = self._held.popleft()
            if not call.held:
                continue  # already given a berth
            call.anchored = True
            self._anchored += 1
            call.anchor_at = self.sched.now + int((10 + 4 * self.rng.random()) * HOUR)
            self.sched.at(call.anchor_at, self._anchor_from_hold, call)

    def _anchor_from_hold(self, call: Call) -> None:
        if call.held and call.anchor_at == self.sched.now:  # not sent to its berth on the way
            call.held = False
            self.held_offshore -= 1
            call.anchor_at = 0
            self._vessel_event(call, "ARRIVED", "ANCHORAGE", None)

    def _berth(self, call: Call) -> None:
        self._vessel_event(call, "ARRIVED", "BERTH", call.berth)
        rng, s = self.rng, self.s
        moves = call.terminal.spec.moves_per_call * s.moves_factor * (0.7 + 0.6 * rng.random())
        call.discharge_left = int(moves / 2)
        call.load_target = int(moves / 2)
        rate = self._eased(s.berth_moves_per_hour, NORMAL.berth_moves_per_hour)
        call.gap_ms = HOUR / (rate * (0.85 + 0.3 * rng.random()))
        self.sched.after(HOUR, self._work, call)

    def _work(self, call: Call) -> None:
        if call.discharge_left > 0:
            call.discharge_left -= 1
            self._discharge(call)
        else:
            if call.load_list is None:
                call.load_list = self._load_list(call)
            if not call.load_list:
                self.sched.after((1.5 + 1.5 * self.rng.random()) * HOUR, self._depart, call)
                return
            box = call.load_list.pop()
            t = call.terminal
            self._emit(
                self.ev.container(
                    self.sched.now, t.port, t.code, box.id, "LOADED", call.vessel.imo, call.call_id, box.iso,
                    box.empty, None,
                )
            )  # fmt: skip
        self.sched.after(call.gap_ms * (0.5 + self.rng.random()), self._work, call)

    def _load_list(self, call: Call) -> list[Box]:
        """What the terminal's export yard holds (through the gate or by inbound rail; fulls first, oldest
        first) up to the load target; a yard with more than two loads' worth of empties sends a quarter
        more (evacuating empties). A short yard loads less: no box is invented."""
        t = call.terminal
        boxes: list[Box] = []
        limit = call.load_target
        for pool in (t.fulls, t.empties):
            if pool is t.empties and len(pool) > 2 * call.load_target:
                limit = int(call.load_target * EVACUATE)
            while pool and len(boxes) < limit:
                boxes.append(pool.popitem(last=False)[1])
        t.inventory -= len(boxes)
        boxes.reverse()
        return boxes

    def _depart(self, call: Call) -> None:
        self._vessel_event(call, "DEPARTED", "BERTH", call.berth)
        terminal = call.terminal
        assert call.berth is not None
        terminal.free_berths.append(call.berth)
        if terminal.queue:
            self._assign_berth(terminal.queue.popleft())

    # ---------------------------------------------------------------- imports
    def _new_box(self, carrier: str | None, empty: bool) -> Box:
        iso, size = _ISO[bisect(_ISO_CUM, self.rng.random() * _ISO_CUM[-1])]
        return Box(self.ids.container(carrier), iso, size, empty)

    def _discharge(self, call: Call) -> None:
        rng, s, t, now = self.rng, self.s, call.terminal, self.sched.now
        box = self._new_box(call.vessel.carrier, empty=rng.random() < EMPTY_IMPORT_SHARE)
        t.inventory += 1
        available = now + int((8 + 8 * rng.random()) * HOUR)
        if box.empty:
            mode = "TRUCK"
            self._add_pickup(t, Pickup(box, "EMPTY_PICKUP", DEST_TRUCK, available + self._lognormal_ms(2 * DAY)))
        else:
            r = rng.random()
            if r < s.on_dock_share and t.rail:
                mode = "RAIL"
                queue = t.rail[RAILROADS[rng.random() < 0.5]]
                queue.add(box.id, now + self._lognormal_ms(s.rail_ready_days * DAY))
            elif r < s.on_dock_share + s.near_dock_share:
                mode = "RAIL"
                due = available + self._lognormal_ms(s.near_dock_dwell_days * DAY)
                self._add_pickup(t, Pickup(box, "IMPORT_PICKUP", DEST_NEAR_DOCK, due))
            elif r < s.on_dock_share + s.near_dock_share + s.off_dock_share:
                # rail-bound, but it leaves the terminal by truck for a yard outside the contract's
                # facilities: the terminal reports it as a truck import (its dwell is a truck dwell)
                mode = "TRUCK"
                self.off_dock_drays += 1
                due = available + self._lognormal_ms(s.off_dock_dwell_days * DAY)
                self._add_pickup(t, Pickup(box, "IMPORT_PICKUP", DEST_OFF_DOCK, due))
            else:
                mode = "TRUCK"
                dwell = self._eased(s.truck_dwell_days, NORMAL.truck_dwell_days)
                due = available + self._lognormal_ms(dwell * DAY)
                self._add_pickup(t, Pickup(box, "IMPORT_PICKUP", DEST_TRUCK, due))
        self._emit(
            self.ev.container(
                now, t.port, t.code, box.id, "DISCHARGED", call.vessel.imo, call.call_id, box.iso, box.empty, mode
            )
        )

    def _add_pickup(self, terminal: Terminal, pickup: Pickup) -> None:
        pickup.due = self._gate_open(pickup.due)
        self._pickups += 1  # the tie-breaker: a count, not id(), so equal due times keep one order every run
        heapq.heappush(terminal.pickups, (pickup.due, self._pickups, pickup))
        self.sched.at(pickup.due, self._pickup_due, (terminal, pickup))

    def _pickup_due(self, arg: tuple[Terminal, Pickup]) -> None:
        terminal, pickup = arg
        if pickup.taken or (pickup.from_pool and pickup.box.id not in terminal.empties):
            return
        pickup.taken = True
        self._visit(terminal, None, pickup)

    def _dual_partner(self, terminal: Terminal) -> Pickup | None:
        """The next pickup due within 12 hours at this terminal, taken now by a truck already inside."""
        heap = terminal.pickups
        while heap and (heap[0][2].taken or (heap[0][2].from_pool and heap[0][2].box.id not in terminal.empties)):
            heapq.heappop(heap)
        if heap and heap[0][0] <= self.sched.now + 12 * HOUR:
            pickup = heapq.heappop(heap)[2]
            pickup.taken = True
            return pickup
        return None

    # ---------------------------------------------------------------- gate
    def _truck(self) -> int:
        random, busy, now = self.rng.random, self._busy_until, self.sched.now
        index = int(random() * TRUCKS)
        for _ in range(8):
            if busy[index] <= now:
                break
            index = int(random() * TRUCKS)
        return index

    def _crowding(self, terminal: Terminal) -> float:
        """1 + how much a full yard slows trucks: `turn_fill_weight` x (fill - 0.6)^2 above 60% yard fill."""
        excess = min(0.5, max(0.0, terminal.inventory / terminal.capacity - 0.6))
        return 1 + self.s.turn_fill_weight * excess * excess

    def _queue_ms(self, terminal: Terminal) -> int:
        """The wait in the queue outside the gate (lognormal, longer when the yard is full)."""
        return self._lognormal_ms(self.s.gate_queue_minutes * self._crowding(terminal) * MINUTE, 0.6)

    def _turn_ms(self, terminal: Terminal, dual: bool) -> int:
        s, rng = self.s, self.rng
        mean = s.turn_base_minutes * self._crowding(terminal) + (10 if dual else 0)
        minutes = math.exp(math.log(mean) - 0.35 * 0.35 / 2 + 0.35 * self._normal())
        if rng.random() < s.turn_tail_share:
            minutes += s.turn_tail_hours * 60 * (0.5 + rng.random())
        return int(max(8.0, minutes) * MINUTE)

    def _visit(self, terminal: Terminal, leg: Leg | None, pickup: Pickup | None) -> None:
        rng, s, now, ev = self.rng, self.s, self.sched.now, self.ev
        truck = self._truck()
        trucker = leg.trucker if leg else self._truckers[truck]
        visit_id = self.ids.visit_id(terminal.code)
        self._appointment += 1
        appointment = "A" + digits(self._appointment, 9) if rng.random() < 0.9 else None
        in_move = leg.move if leg else (pickup.move if pickup else "BOBTAIL")
        in_chassis = leg.chassis if leg else None
        turn = self._turn_ms(terminal, leg is not None and pickup is not None) if in_move != "BOBTAIL" else 0
        if in_move == "BOBTAIL":
            turn = int((12 + 20 * rng.random()) * MINUTE)
        self._busy_until[truck] = now + turn
        self._emit(
            ev.gate(
                now, terminal.port, terminal.code, visit_id, "IN", in_move, self._trucks[truck], trucker,
                leg.box.id if leg else None, in_chassis.id if in_chassis else None, appointment,
                self._zero_emission[truck], now - self._queue_ms(terminal),
            )
        )  # fmt: skip
        if leg is not None:
            self._receive(terminal, leg)
        out_move, out_box, out_chassis = in_move, None, None
        if pickup is not None:
            out_move = pickup.move
            if pickup.dest == DEST_TRUCK and rng.random() >= s.private_chassis_share:
                out_chassis = self.pool.take(terminal.code, pickup.box.size)
                if s.chassis_search_minutes > 0:  # hunting for a pool chassis, found or not, slows the visit
                    turn += int(s.chassis_search_minutes * (0.5 + rng.random()) * MINUTE)
                    self._busy_until[truck] = now + turn
                if out_chassis is None:  # no pool chassis: a dry run, the box waits for another try
                    self.dry_runs += 1
                    out_move = "BOBTAIL"
                    retry_at = now + int((6 + 18 * rng.random()) * HOUR)
                    retry = Pickup(pickup.box, pickup.move, pickup.dest, retry_at, from_pool=pickup.from_pool)
                    self._add_pickup(terminal, retry)
                    pickup = None
            if pickup is not None:
                out_box = pickup.box
                terminal.empties.pop(out_box.id, None)
        visit = Visit(terminal, visit_id, truck, appointment, out_move, out_box, out_chassis, pickup)
        self.sched.after(turn, self._gate_out, visit)

    def _receive(self, terminal: Terminal, leg: Leg) -> None:
        """A drop-off inside the gate: the chassis goes back to the pool, the box into the export yard."""
        now, box = self.sched.now, leg.box
        if leg.chassis is not None:
            self._return_chassis(leg.chassis, terminal.code, terminal.port, leg.trucker, box.id)
        terminal.inventory += 1
        if leg.move == "EMPTY_RETURN":
            terminal.empties[box.id] = box
            if self.rng.random() < EMPTY_PICKUP_SHARE:
                due = now + self._lognormal_ms(1.5 * DAY)
                self._add_pickup(terminal, Pickup(box, "EMPTY_PICKUP", DEST_TRUCK, due, from_pool=True))
        else:
            terminal.fulls[box.id] = box

    def _gate_out(self, visit: Visit) -> None:
        t, now, box, chassis = visit.terminal, self.sched.now, visit.box, visit.chassis
        trucker = self._truckers[visit.truck]
        self._emit(
            self.ev.gate(
                now, t.port, t.code, visit.visit_id, "OUT", visit.move, self._trucks[visit.truck], trucker,
                box.id if box else None, chassis.id if chassis else None, visit.appointment,
                self._zero_emission[visit.truck],
            )
        )  # fmt: skip
        if box is None or visit.pickup is None:
            return
        if chassis is not None:
            self._emit(
                self.ev.chassis(
                    now, chassis.source, t.port, t.code, chassis.id, "CHECKOUT", chassis.provider, chassis.size,
                    trucker, box.id, False,
                )
            )  # fmt: skip
        t.inventory -= 1
        rng, s = self.rng, self.s
        dest = visit.pickup.dest
        if dest == DEST_NEAR_DOCK:
            self.sched.after((40 + 80 * rng.random()) * MINUTE, self._near_dock_arrive, (box, chassis, trucker))
            return
        if dest == DEST_OFF_DOCK:
            return  # to Hobart on the carrier's chassis: the box leaves the complex's terminals
        back = self._gate_open(now + self._lognormal_ms(s.street_dwell_days * DAY))
        target = t if rng.random() < SAME_TERMINAL_RETURN else self._short_terminal(chassis)
        if visit.move == "IMPORT_PICKUP" and rng.random() < EMPTY_RETURN_SHARE:
            box.empty, move = True, "EMPTY_RETURN"
        else:
            box.empty, move = False, "EXPORT_DELIVERY"
            if visit.move == "EMPTY_PICKUP":
                target = self._terminal_by_weight()
        self.sched.at(back, self._drop_off, Leg(target, box, move, chassis, trucker))

    def _drop_off(self, leg: Leg) -> None:
        pickup = self._dual_partner(leg.terminal) if self.rng.random() < self.s.dual_share else None
        self._visit(leg.terminal, leg, pickup)

    def _setup_bobtails(self) -> None:
        per_day = self.s.bobtail_share * sum(t.imports_per_day for t in self.terminals) * 1.1
        self._bobtail_rate = per_day
        self.sched.after(self.rng.expovariate(per_day) * DAY, self._bobtail)

    def _bobtail(self, _: object = None) -> None:
        if self.rng.random() < self._activity(self.sched.now // HOUR):
            self._visit(self._terminal_by_weight(), None, None)
        self.sched.after(self.rng.expovariate(self._bobtail_rate) * DAY, self._bobtail)

    # ---------------------------------------------------------------- chassis
    def _setup_chassis(self) -> None:
        counts = {t.code: t.spec.chassis for t in self.terminals} | {ICTF: ICTF_CHASSIS}
        self.pool = ChassisPool(self.rng, self.ids, counts, self.s.fleet_factor)
        out = self.s.out_of_service_share  # about the steady share of the fleet under repair
        for chassis, location in self.pool.fleet:
            if self.rng.random() < out:  # under repair at the start, back within the repair time
                self.pool.out_of_service += 1
                repair = self.rng.random() * 2 * self.s.repair_days * DAY
                self.sched.after(repair, self._repaired, (chassis, location))
            else:
                self.pool.put(location, chassis)

    def _return_chassis(self, chassis: Chassis, location: str, port: str, trucker: str, box: str | None) -> None:
        broken = self.rng.random() < self.s.out_of_service_share
        self._emit(
            self.ev.chassis(
                self.sched.now, chassis.source, port, location, chassis.id, "RETURN", chassis.provider,
                chassis.size, trucker, box, broken,
            )
        )  # fmt: skip
        if broken:
            repair = self.s.repair_days * (1 / 3 + 4 / 3 * self.rng.random())
            self.pool.out_of_service += 1
            self.sched.after(repair * DAY, self._repaired, (chassis, location))
        else:
            self.pool.put(location, chassis)

    def _repaired(self, arg: tuple[Chassis, str]) -> None:
        self.pool.out_of_service -= 1
        self.pool.put(arg[1], arg[0])

    def _short_terminal(self, chassis: Chassis | None) -> Terminal:
        """Where a truck returning elsewhere goes: of two terminals drawn by weight, the one with less of the
        chassis' size in stock for its share (the pools steer returns to where stock is short, instead of
        trucking chassis around at night)."""
        a, b = self._terminal_by_weight(), self._terminal_by_weight()
        if chassis is None or a is b:
            return a
        pool = self.pool
        return a if pool.stock_ratio(a.code, chassis.size) <= pool.stock_ratio(b.code, chassis.size) else b

    # ---------------------------------------------------------------- rail
    def _yard(self, code: str, port: str, railroad: str, per_day: float) -> RailQueue:
        """A yard's trains for `per_day` boxes: capacity `rail_capacity_factor` times the demand, in trains of
        at most `train_boxes`, as often as that takes (at least daily)."""
        s = self.s
        capacity = per_day * s.rail_capacity_factor
        trains = max(1, math.ceil(capacity / s.train_boxes))
        boxes = max(40, int(capacity / trains))
        return RailQueue(code, port, railroad, DAY // trains, boxes, min(boxes, s.train_boxes // 3))

    def _setup_rail(self) -> None:
        s, rng = self.s, self.rng
        near_dock_per_day = 0.0
        self._inbound: dict[str, tuple[Terminal, float]] = {}
        """Per on-dock yard (terminal + railroad): its terminal and the boxes its inbound trains bring per
        departure slot."""
        self._ictf_inbound = 0.0
        for t in self.terminals:
            loads = t.imports_per_day  # a call loads about what it discharges
            ictf_exports = loads * s.ictf_export_share if t.spec.on_dock_rail else loads * s.rail_export_share
            self._ictf_inbound += ictf_exports
            if t.spec.on_dock_rail:
                demand = t.imports_per_day * s.on_dock_share / len(RAILROADS)
                for railroad in RAILROADS:
                    queue = t.rail[railroad] = self._yard(t.code, t.port, railroad, demand)
                    per_slot = (loads * s.rail_export_share - ictf_exports) / len(RAILROADS) * queue.cadence_ms / DAY
                    self._inbound[queue.yard + railroad] = (t, per_slot)
                near_dock_per_day += t.imports_per_day * s.near_dock_share
            else:
                near_dock_per_day += t.imports_per_day * (s.near_dock_share + s.on_dock_share)
        self.ictf = self._yard(ICTF, ICTF_PORT, ICTF_RAILROAD, near_dock_per_day)
        self._ictf_inbound *= self.ictf.cadence_ms / DAY
        queues = [q for t in self.terminals for q in t.rail.values()] + [self.ictf]
        for queue in queues:
            self.sched.after(rng.random() * queue.cadence_ms, self._train_slot, queue)

    def _near_dock_arrive(self, arg: tuple[Box, Chassis | None, str]) -> None:
        box, chassis, trucker = arg
        if chassis is not None:
            self._return_chassis(chassis, ICTF, ICTF_PORT, trucker, box.id)
        self.ictf.add(box.id, self.sched.now + int((2 + 10 * self.rng.random()) * HOUR))

    def _capacity_factor(self) -> float:
        disruption = self.s.rail_disruption
        if disruption is None:
            return 1.0
        start_h, hours, factor = disruption
        elapsed_h = (self.sched.now - self.origin_ms) / HOUR
        return factor if start_h <= elapsed_h < start_h + hours else 1.0

    def _inbound_train(self, queue: RailQueue, factor: float) -> None:
        """An inbound train unloads before the outbound one leaves: exports from inland and the empties of
        rail imports going back (no event: the contract has none for a train arriving). At an on-dock yard
        they join the export yard; at the ICTF each is drayed to a terminal within a day."""
        rng, s = self.rng, self.s
        if queue.yard == ICTF:
            terminal, mean = None, self._ictf_inbound
        else:
            terminal, mean = self._inbound[queue.yard + queue.railroad]
        count = int(mean * factor * (0.8 + 0.4 * rng.random()) + rng.random())
        carriers = self._carriers
        for _ in range(count):
            box = self._new_box(carriers[int(rng.random() * len(carriers))], empty=rng.random() >= s.rail_export_laden)
            if terminal is None:
                self.ictf_drays += 1
                when = self._gate_open(self.sched.now + int((3 + 21 * rng.random()) * HOUR))
                self.sched.at(when, self._dray_from_ictf, box)
            else:
                (terminal.empties if box.empty else terminal.fulls)[box.id] = box
                terminal.inventory += 1
                self.rail_inbound += 1

    def _dray_from_ictf(self, box: Box) -> None:
        """A box off an inbound train at the ICTF, drayed to a terminal on the carrier's chassis for export."""
        move = "EMPTY_RETURN" if box.empty else "EXPORT_DELIVERY"
        self._drop_off(Leg(self._terminal_by_weight(), box, move, None, self._truckers[self._truck()]))

    def _train_slot(self, queue: RailQueue) -> None:
        now = self.sched.now
        factor = self._capacity_factor()
        self._inbound_train(queue, factor)
        capacity = int(queue.capacity * factor)
        boxes = queue.build_train(now, capacity, 2 * DAY)
        if boxes:
            train_id = self.ids.train_id(queue.railroad, queue.yard)
            destination = self.rng.choice(DESTINATIONS[queue.railroad])
            if queue.yard != ICTF:
                terminal = next(t for t in self.terminals if t.code == queue.yard)
                terminal.inventory -= len(boxes)
            self._emit(self.ev.train(now, queue.port, queue.yard, train_id, queue.railroad, destination, boxes))
        self.sched.after(queue.cadence_ms * (0.9 + 0.2 * self.rng.random()), self._train_slot, queue)
