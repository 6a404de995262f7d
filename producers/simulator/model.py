"""The port-complex model: vessels, yards, gates, chassis and trains of San Pedro Bay as one event simulation.

Every action runs at the scheduler's `now` and only emits events stamped `now`, so the output is in
event-time order. Flows (docs/domain.md calibration, see docs/simulator.md):
- a vessel reaches the anchorage, waits for a free berth of its terminal, berths, discharges then loads
  one container at a time at the crane rate, and departs;
- each import gets an inland mode: on-dock rail (waits for a train at its terminal), near-dock rail (drayed
  to the ICTF by truck, leaves there by UP train) or truck (picked up after its dwell);
- truck pickups and drop-offs are gate visits (IN then OUT); a drop-off may also pick up (dual move);
  turn times grow with the terminal's yard fill;
- pool chassis leave with pickups and come back with drop-offs (30% at another terminal), some out of
  service; a nightly repositioning evens the stock out; no chassis means a dry run and a retry.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Final

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
from baystream.producers.simulator.scenarios import Scenario
from baystream.producers.simulator.scheduler import Scheduler

MINUTE: Final = 60_000
HOUR: Final = 3_600_000
DAY: Final = 86_400_000
WEEK: Final = 7 * DAY
PACIFIC_OFFSET_H: Final = -8
TWO_PI: Final = 2.0 * math.pi
TRUCKS: Final = 12_000
EMPTY_IMPORT_SHARE: Final = 0.03
EMPTY_RETURN_SHARE: Final = 0.7
"""Of local import pickups: the empty comes back (the rest is reused for an export: a street turn)."""
SAME_TERMINAL_RETURN: Final = 0.7
EMPTY_PICKUP_SHARE: Final = 0.35
"""Of empties returned to a terminal: picked up again for an export (the rest sail back empty)."""
POOL_LOAD_SHARE: Final = 0.9
"""At most this share of a call's load list comes from the gated-in pool; rail exports fill the rest."""

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


class Pickup:
    """A box due to be picked up at a terminal; `from_pool`: an empty returned earlier, void once loaded."""

    __slots__ = ("box", "due", "from_pool", "move", "near_dock", "taken")

    def __init__(self, box: Box, move: str, near_dock: bool, due: int, from_pool: bool = False):
        self.box = box
        self.move = move
        self.near_dock = near_dock
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

    def __init__(self, scenario: Scenario, seed: int, start_ms: int):
        self.s = scenario
        self.rng = rng = random.Random(seed)
        self.sched = Scheduler(start_ms)
        self.start_ms = start_ms
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
                Terminal(spec, spec.weekly_calls / total_calls, imports, list(reversed(spec.berths)), imports * 4.5)
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
        self._setup_chassis()
        self._setup_rail()
        self._setup_vessels()
        self._setup_bobtails()
        self.sched.at(self._next_local_hour(start_ms, 1), self._reposition_chassis)

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

    def _next_local_hour(self, ms: int, hour: int) -> int:
        day_start = (ms + PACIFIC_OFFSET_H * HOUR) // DAY * DAY - PACIFIC_OFFSET_H * HOUR
        when = day_start + hour * HOUR
        return when if when > ms else when + DAY

    def _gate_open(self, ms: int) -> int:
        """Move a truck arrival out of the 03:00-07:00 shift change (gates closed)."""
        local_hour = (ms // HOUR + PACIFIC_OFFSET_H) % 24
        if 3 <= local_hour < 7:
            return ms + (7 - local_hour) * HOUR + int(self.rng.random() * 2 * HOUR)
        return ms

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
        self._arrive(self._service_call_of(service, week))
        self._schedule_service_call(service, week + 1)

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
        self._extra_call()
        self.sched.after(self.rng.expovariate(self.s.extra_calls_per_day) * DAY, self._extra_loader)

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
        self._call_facts(call)
        self._vessel_event(call, "ARRIVED", "ANCHORAGE", None)
        terminal = call.terminal
        if terminal.free_berths and not terminal.queue:
            self._assign_berth(call)
        else:
            terminal.queue.append(call)

    def _assign_berth(self, call: Call) -> None:
        call.berth = call.terminal.free_berths.pop()
        self.sched.after((2 + 3 * self.rng.random()) * HOUR, self._berth, call)

    def _berth(self, call: Call) -> None:
        self._vessel_event(call, "ARRIVED", "BERTH", call.berth)
        rng, s = self.rng, self.s
        moves = call.terminal.spec.moves_per_call * s.moves_factor * (0.7 + 0.6 * rng.random())
        call.discharge_left = int(moves / 2)
        call.load_target = int(moves / 2)
        call.gap_ms = HOUR / (s.berth_moves_per_hour * (0.85 + 0.3 * rng.random()))
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
        """Gated-in exports (fulls first, oldest first) up to the pool share, rail exports for the rest."""
        t = call.terminal
        boxes: list[Box] = []
        limit = int(call.load_target * POOL_LOAD_SHARE)
        for pool in (t.fulls, t.empties):
            while pool and len(boxes) < limit:
                boxes.append(pool.popitem(last=False)[1])
        t.inventory -= len(boxes)
        while len(boxes) < call.load_target:
            boxes.append(self._new_box(call.vessel.carrier, empty=self.rng.random() < 0.4))
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
            self._add_pickup(t, Pickup(box, "EMPTY_PICKUP", False, available + self._lognormal_ms(2 * DAY)))
        else:
            r = rng.random()
            if r < s.on_dock_share and t.rail:
                mode = "RAIL"
                queue = t.rail[RAILROADS[rng.random() < 0.5]]
                queue.add(box.id, now + self._lognormal_ms(s.rail_ready_days * DAY))
            elif r < s.on_dock_share + s.near_dock_share:
                mode = "RAIL"
                due = available + self._lognormal_ms(s.near_dock_dwell_days * DAY)
                self._add_pickup(t, Pickup(box, "IMPORT_PICKUP", True, due))
            else:
                mode = "TRUCK"
                due = available + self._lognormal_ms(s.truck_dwell_days * DAY)
                self._add_pickup(t, Pickup(box, "IMPORT_PICKUP", False, due))
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

    def _turn_ms(self, terminal: Terminal, dual: bool) -> int:
        s, rng = self.s, self.rng
        fill = terminal.inventory / terminal.capacity
        excess = min(0.5, max(0.0, fill - 0.6))
        mean = s.turn_base_minutes * (1 + s.turn_fill_weight * excess * excess) + (10 if dual else 0)
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
                self._zero_emission[truck],
            )
        )  # fmt: skip
        if leg is not None:
            self._receive(terminal, leg)
        out_move, out_box, out_chassis = in_move, None, None
        if pickup is not None:
            out_move = pickup.move
            if not pickup.near_dock and rng.random() >= s.private_chassis_share:
                out_chassis = self.pool.take(terminal.code, pickup.box.size)
                if out_chassis is None:  # no pool chassis: a dry run, the box waits for another try
                    self.dry_runs += 1
                    out_move = "BOBTAIL"
                    retry_at = now + int((6 + 18 * rng.random()) * HOUR)
                    retry = Pickup(pickup.box, pickup.move, pickup.near_dock, retry_at, from_pool=pickup.from_pool)
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
                self._add_pickup(terminal, Pickup(box, "EMPTY_PICKUP", False, due, from_pool=True))
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
        if visit.pickup.near_dock:
            self.sched.after((40 + 80 * rng.random()) * MINUTE, self._near_dock_arrive, (box, chassis, trucker))
            return
        back = self._gate_open(now + self._lognormal_ms(s.street_dwell_days * DAY))
        target = t if rng.random() < SAME_TERMINAL_RETURN else self._terminal_by_weight()
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
        now = self.sched.now
        if now == self._gate_open(now):
            self._visit(self._terminal_by_weight(), None, None)
        self.sched.after(self.rng.expovariate(self._bobtail_rate) * DAY, self._bobtail)

    # ---------------------------------------------------------------- chassis
    def _setup_chassis(self) -> None:
        counts = {t.code: t.spec.chassis for t in self.terminals} | {ICTF: ICTF_CHASSIS}
        self._ports = {t.code: t.port for t in self.terminals} | {ICTF: ICTF_PORT}
        self.pool = ChassisPool(self.rng, self.ids, counts, self.s.fleet_factor)
        for chassis, location in self.pool.fleet:
            if self.rng.random() < self.s.out_of_service_share:
                self.sched.after(self.rng.random() * 4 * DAY, self._repaired, (chassis, location))
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
            self.sched.after((1 + 4 * self.rng.random()) * DAY, self._repaired, (chassis, location))
        else:
            self.pool.put(location, chassis)

    def _repaired(self, arg: tuple[Chassis, str]) -> None:
        self.pool.put(arg[1], arg[0])

    def _reposition_chassis(self, _: object = None) -> None:
        """Nightly: the pool providers truck surplus chassis to the locations short of their share."""
        now = self.sched.now
        for source, target, size, count in self.pool.surplus_moves(limit=1500):
            for _i in range(count):
                chassis = self.pool.take(source, size)
                if chassis is None:
                    break
                trucker = self._truckers[self._truck()]
                self._emit(
                    self.ev.chassis(
                        now, chassis.source, self._ports[source], source, chassis.id, "CHECKOUT", chassis.provider,
                        chassis.size, trucker, None, False,
                    )
                )  # fmt: skip
                delay = (1 + 2 * self.rng.random()) * HOUR
                self.sched.after(delay, self._repositioned, (chassis, target, trucker))
        self.sched.at(self._next_local_hour(now + HOUR, 1), self._reposition_chassis)

    def _repositioned(self, arg: tuple[Chassis, str, str]) -> None:
        chassis, location, trucker = arg
        self._return_chassis(chassis, location, self._ports[location], trucker, None)

    # ---------------------------------------------------------------- rail
    def _setup_rail(self) -> None:
        s, rng = self.s, self.rng
        near_dock_per_day = 0.0
        for t in self.terminals:
            if t.spec.on_dock_rail:
                demand = t.imports_per_day * s.on_dock_share / len(RAILROADS)
                for railroad in RAILROADS:
                    capacity = max(60, int(demand * s.rail_capacity_factor))
                    t.rail[railroad] = RailQueue(t.code, t.port, railroad, DAY, capacity, min(capacity, 60))
                near_dock_per_day += t.imports_per_day * s.near_dock_share
            else:
                near_dock_per_day += t.imports_per_day * (s.near_dock_share + s.on_dock_share)
        slots = 8
        capacity = max(60, int(near_dock_per_day / slots * s.rail_capacity_factor))
        self.ictf = RailQueue(ICTF, ICTF_PORT, ICTF_RAILROAD, DAY // slots, capacity, min(capacity, 80))
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
        elapsed_h = (self.sched.now - self.start_ms) / HOUR
        return factor if start_h <= elapsed_h < start_h + hours else 1.0

    def _train_slot(self, queue: RailQueue) -> None:
        now = self.sched.now
        capacity = int(queue.capacity * self._capacity_factor())
        boxes = queue.build_train(now, capacity, 2 * DAY)
        if boxes:
            train_id = self.ids.train_id(queue.railroad, queue.yard)
            destination = self.rng.choice(DESTINATIONS[queue.railroad])
            if queue.yard != ICTF:
                terminal = next(t for t in self.terminals if t.code == queue.yard)
                terminal.inventory -= len(boxes)
            self._emit(self.ev.train(now, queue.port, queue.yard, train_id, queue.railroad, destination, boxes))
        self.sched.after(queue.cadence_ms * (0.9 + 0.2 * self.rng.random()), self._train_slot, queue)
