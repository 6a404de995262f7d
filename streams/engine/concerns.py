"""State machines per concern: vessel calls, truck visits, import containers, chassis.

Each keeps the entities that are open (a call not yet departed, a truck in but not out, an import on
terminal, a chassis out) and moves the facility counters and completion buckets as events close them.
Either order of a pair (gate IN / OUT, checkout / return, discharge / leaving) closes it, so a late
event still updates the entity state; where the completion lands in a closed window, the window's
buckets (by the time of the completion) keep it out of the indicator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from baystream.streams.engine.facility import FacilityAggregates
from baystream.streams.engine.series import HOUR_MS, MINUTE_MS, QUARTER_MS, add_sample, epoch_ms, remove_sample

AggregatesOf = Callable[[str, str], FacilityAggregates]
Row = tuple[Any, ...]
"""An immutable entity record: tuples of atoms are left alone by the garbage collector."""


def _drop_older(table: dict[str, Row], index: int, oldest_ms: int) -> None:
    stale = [key for key, row in table.items() if row[index] < oldest_ms]
    for key in stale:
        del table[key]


CALL_SIZE: Final = 7
"""A call row: anchorage ARRIVED, DEPARTED, berth ARRIVED, DEPARTED, last event, holding area ARRIVED, DEPARTED."""
_SLOTS = {
    ("ARRIVED", "ANCHORAGE"): 0,
    ("DEPARTED", "ANCHORAGE"): 1,
    ("ARRIVED", "BERTH"): 2,
    ("DEPARTED", "BERTH"): 3,
    ("ARRIVED", "HOLDING_AREA"): 5,
    ("DEPARTED", "HOLDING_AREA"): 6,
}
STATUS_COUNTERS: dict[str | None, tuple[str, ...]] = {
    None: (),
    "at_berth": ("at_berth",),
    "waiting": ("waiting",),
    "held": ("waiting", "held"),
}
"""The facility counters a call's status counts in: a ship held offshore is waiting too."""


def call_status(call: list[Any]) -> str | None:
    """at_berth; waiting (at anchor); held (offshore, not yet at anchor); None (over or never waiting).

    A DEPARTED at the anchorage or the holding area without a berth arrival left the queue; a ship that
    moves from the holding area to an anchorage is waiting at anchor from then on.
    """
    if call[3] is not None:
        return None
    if call[2] is not None:
        return "at_berth"
    if call[0] is not None:
        return "waiting" if call[1] is None else None
    if call[5] is not None and call[6] is None:
        return "held"
    return None


def milestone_slot(event: dict[str, Any]) -> int:
    """The index in a call row of the milestone an ACTUAL VesselArrival reports (validated: known symbols)."""
    return _SLOTS[event["event_type"], event["location_type"]]


class Vessels:
    """Port calls: facility|call_id -> row (CALL_SIZE milestones, each its first time, and the last event)."""

    def __init__(self, aggregates: AggregatesOf):
        self._agg = aggregates
        self.calls: dict[str, list[Any]] = {}

    @staticmethod
    def _wait(call: list[Any]) -> tuple[int, int] | None:
        """(bucket of the berth arrival, ms waited): from the first anchorage or holding-area arrival; a call
        that reached its berth without either (or before it) waited 0 ms (docs/indicators.md)."""
        berthed = call[2]
        if berthed is None:
            return None
        arrivals = [t for t in (call[0], call[5]) if t is not None and t <= berthed]
        return berthed // QUARTER_MS, berthed - min(arrivals) if arrivals else 0

    def apply(self, event: dict[str, Any], ts: int) -> None:
        facility = event["facility"]
        agg = self._agg(facility, event["port"])
        key = facility + "|" + event["call_id"]
        call = self.calls.get(key)
        if call is None:
            call = self.calls[key] = [None, None, None, None, ts, None, None]
        status, wait = call_status(call), self._wait(call)
        slot = milestone_slot(event)
        if call[slot] is None or ts < call[slot]:
            call[slot] = ts
        if ts > call[4]:
            call[4] = ts
        new_status, new_wait = call_status(call), self._wait(call)
        if new_status != status:
            for name in STATUS_COUNTERS[status]:
                agg.counters[name] -= 1
            for name in STATUS_COUNTERS[new_status]:
                agg.counters[name] += 1
        if new_wait != wait:
            series = agg.samples["anchor_wait"]
            if wait is not None:
                remove_sample(series, *wait)
            if new_wait is not None:
                add_sample(series, *new_wait)

    def prune(self, oldest_ms: int) -> None:
        """Forget calls that are over (departed or never waiting) and quiet since before `oldest_ms`."""
        stale = [k for k, call in self.calls.items() if call[4] < oldest_ms and call_status(call) is None]
        for key in stale:
            del self.calls[key]


class Containers:
    """Laden imports on terminal: container_id -> (facility, discharge ms, rail-bound).

    A rail departure ends the stay of imports on terminal at its own facility (on-dock rail). Rail-bound
    imports that leave a terminal by truck are drayed to the near-dock yard (ICTF): they join its
    rail_backlog, and leave it with its trains. Both are counts, so engines holding the terminal and the
    yard add up without ever seeing each other's containers.
    """

    def __init__(self, aggregates: AggregatesOf, near_dock: str):
        self._agg = aggregates
        self._near_dock = near_dock
        self.on_terminal: dict[str, Row] = {}
        self.unmatched_departures: dict[str, Row] = {}
        """On-dock departures of containers whose discharge has not arrived: container_id -> (facility, ms)."""
        self.unmatched_gate_outs: dict[str, Row] = {}
        """Import pickups gated out before their discharge arrived: container_id -> (facility, ms)."""

    def discharged(self, event: dict[str, Any], ts: int) -> bool:
        """A DISCHARGED laden import; False for loads and empties (not imports, not followed)."""
        if event["event_type"] != "DISCHARGED" or event["empty"]:
            return False
        facility, cid, port = event["facility"], event["container_id"], event["port"]
        agg = self._agg(facility, port)
        rail = event.get("inland_mode") == "RAIL"
        gate_out = self.unmatched_gate_outs.get(cid)
        if rail and cid not in self.on_terminal:  # a second discharge of a box on terminal is ignored below
            add_sample(agg.samples["rail_in"], ts // HOUR_MS, 0)
        if gate_out is not None and gate_out[0] == facility and gate_out[1] >= ts:
            del self.unmatched_gate_outs[cid]
            self._dwell(agg, ts, gate_out[1], by_rail=False, rail_bound=rail)
            if rail:
                self._drayed(port, gate_out[1])
            return True
        departure = self.unmatched_departures.get(cid)
        if departure is not None and departure[0] == facility and departure[1] >= ts:
            del self.unmatched_departures[cid]
            self._dwell(agg, ts, departure[1], by_rail=True, rail_bound=True)
            return True
        if cid in self.on_terminal:
            return True  # discharged twice without leaving: the first discharge stands
        self.on_terminal[cid] = (facility, ts, rail)
        agg.counters["on_terminal"] += 1
        agg.disc.add(ts // HOUR_MS)
        if rail:
            agg.counters["rail_backlog"] += 1
            agg.counters["rail_on_terminal"] += 1
            agg.rail_disc.add(ts // HOUR_MS)
        return True

    def gated_out(self, cid: str, facility: str, port: str, ts: int, pickup: bool) -> None:
        """A truck left `facility` with `cid`: the import's stay ends if it was on terminal there."""
        held = self.on_terminal.get(cid)
        if held is not None:
            if held[0] == facility and ts >= held[1]:
                self._leave(cid, ts, by_rail=False)
                if held[2]:
                    self._drayed(port, ts)
        elif pickup:
            self.unmatched_gate_outs.setdefault(cid, (facility, ts))

    def departed(self, event: dict[str, Any], ts: int) -> None:
        """A train left `facility`: on-dock, with imports discharged there; near-dock, with drayed ones."""
        facility = event["facility"]
        agg = self._agg(facility, event["port"])
        near_dock = facility == self._near_dock
        for cid in event["container_ids"]:
            held = self.on_terminal.get(cid)
            if held is not None and held[0] == facility and ts >= held[1]:
                self._leave(cid, ts, by_rail=True)
            elif near_dock:
                agg.counters["rail_backlog"] -= 1
            else:
                known = self.unmatched_departures.get(cid)
                if known is None or ts < known[1]:
                    self.unmatched_departures[cid] = (facility, ts)

    def _drayed(self, port: str, ts: int) -> None:
        """A rail-bound import left its terminal by truck: it waits at the near-dock yard from `ts`."""
        yard = self._agg(self._near_dock, port)
        yard.counters["rail_backlog"] += 1
        add_sample(yard.samples["rail_drayed"], ts // HOUR_MS, 0)

    def _leave(self, cid: str, ts: int, by_rail: bool) -> None:
        facility, discharged, rail = self.on_terminal.pop(cid)
        agg = self._agg(facility, "")
        agg.counters["on_terminal"] -= 1
        agg.disc.add(discharged // HOUR_MS, -1)
        if rail:
            agg.counters["rail_backlog"] -= 1
            agg.counters["rail_on_terminal"] -= 1
            agg.rail_disc.add(discharged // HOUR_MS, -1)
        self._dwell(agg, discharged, ts, by_rail, rail or by_rail)

    @staticmethod
    def _dwell(agg: FacilityAggregates, start: int, end: int, by_rail: bool, rail_bound: bool) -> None:
        """One import left: pooled dwell; truck dwell (left by truck, not rail-bound) or rail dwell (an on-dock
        train, or rail-bound and drayed to the near-dock yard); on-dock rail dwell."""
        bucket = end // QUARTER_MS
        add_sample(agg.samples["import_dwell"], bucket, end - start)
        add_sample(agg.samples["import_dwell_rail" if rail_bound else "import_dwell_truck"], bucket, end - start)
        if by_rail:
            add_sample(agg.samples["rail_dwell"], bucket, end - start)

    def prune(self, oldest_ms: int) -> None:
        _drop_older(self.unmatched_departures, 1, oldest_ms)
        _drop_older(self.unmatched_gate_outs, 1, oldest_ms)


PICKUPS: Final = frozenset({"IMPORT_PICKUP", "EMPTY_PICKUP"})
"""Gate-IN move types of a truck that came to take a box away: leaving without one is a dry run."""


class Gates:
    """Truck visits: facility|visit_id -> gate IN ms; a gate OUT ends the visit (and a picked-up import).

    Beside it, for open visits only: the queue arrival of a gate IN that reported one (truck visit time)
    and whether the IN came to pick a box up (a dry run when its OUT carries none).
    """

    def __init__(self, aggregates: AggregatesOf, containers: Containers):
        self._agg = aggregates
        self._containers = containers
        self.open: dict[str, int] = {}
        self.early_outs: dict[str, int] = {}
        """Gate OUTs whose IN has not arrived yet (late IN)."""
        self.queued: dict[str, int] = {}
        """Open visits (or early OUTs' visits) whose gate IN reported a queue arrival: key -> queue ms."""
        self.pickups: dict[str, int] = {}
        """Open visits whose gate IN came for a pickup: key -> gate IN ms."""
        self.empty_outs: dict[str, int] = {}
        """Early gate OUTs without a container: key -> OUT ms (a dry run if the late IN was a pickup)."""

    def apply(self, event: dict[str, Any], ts: int) -> None:
        facility = event["facility"]
        agg = self._agg(facility, event["port"])
        agg.gate_moves.add(ts // MINUTE_MS)
        key = facility + "|" + event["visit_id"]
        if event["direction"] == "IN":
            queued = event.get("queue_arrival_time")
            out = self.early_outs.pop(key, None)
            if out is not None:
                self._turn(agg, ts, out)
                empty_out = self.empty_outs.pop(key, None)
                if queued is not None:
                    self._visit(agg, epoch_ms(queued), out)
                if empty_out is not None and event["move_type"] in PICKUPS:
                    add_sample(agg.samples["dry_runs"], empty_out // QUARTER_MS, 0)
                return
            if queued is not None:
                self.queued[key] = epoch_ms(queued)
            if event["move_type"] in PICKUPS:
                self.pickups[key] = ts
            if key not in self.open:
                self.open[key] = ts
                agg.counters["trucks_in"] += 1
                agg.open_in.add(ts // HOUR_MS)
            elif ts < self.open[key]:
                agg.open_in.add(self.open[key] // HOUR_MS, -1)
                agg.open_in.add(ts // HOUR_MS)
                self.open[key] = ts
            return
        start = self.open.pop(key, None)
        cid = event.get("container_id")
        if start is not None:
            agg.counters["trucks_in"] -= 1
            agg.open_in.add(start // HOUR_MS, -1)
            self._turn(agg, start, ts)
            queued = self.queued.pop(key, None)
            if queued is not None:
                self._visit(agg, queued, ts)
            if self.pickups.pop(key, None) is not None and not cid:
                add_sample(agg.samples["dry_runs"], ts // QUARTER_MS, 0)
        elif key not in self.early_outs:
            self.early_outs[key] = ts
            if not cid:
                self.empty_outs[key] = ts
        if cid:
            self._containers.gated_out(cid, facility, event["port"], ts, event["move_type"] == "IMPORT_PICKUP")

    @staticmethod
    def _visit(agg: FacilityAggregates, queued: int, end: int) -> None:
        """Truck visit time: queue arrival -> gate OUT, in the minute of the OUT (as the turn time)."""
        if end >= queued:
            add_sample(agg.samples["visit"], end // MINUTE_MS, end - queued)

    @staticmethod
    def _turn(agg: FacilityAggregates, start: int, end: int) -> None:
        if end < start:
            return
        minute, duration = end // MINUTE_MS, end - start
        add_sample(agg.samples["turn"], minute, duration)
        agg.turn_bins.add(minute, (duration + MINUTE_MS // 2) // MINUTE_MS)

    def prune(self, oldest_ms: int) -> None:
        """Forget visits open since before `oldest_ms` (a lost gate OUT) and unmatched OUTs as old."""
        stale = [key for key, start in self.open.items() if start < oldest_ms]
        for key in stale:
            agg = self._agg(key.split("|", 1)[0], "")
            agg.counters["trucks_in"] -= 1
            agg.open_in.add(self.open.pop(key) // HOUR_MS, -1)
            self.queued.pop(key, None)
            self.pickups.pop(key, None)
        for key in [key for key, out in self.early_outs.items() if out < oldest_ms]:
            del self.early_outs[key]
            self.empty_outs.pop(key, None)
        for table in (self.queued, self.pickups):  # a second IN of a visit already closed
            for key in [key for key in table if key not in self.open and key not in self.early_outs]:
                del table[key]


class Chassis:
    """Gray-pool chassis out: chassis_id -> (checkout location, checkout ms)."""

    def __init__(self, aggregates: AggregatesOf):
        self._agg = aggregates
        self.out: dict[str, Row] = {}
        self.early_returns: dict[str, Row] = {}
        """Returns whose checkout has not arrived yet: chassis_id -> (location, return ms)."""

    def apply(self, event: dict[str, Any], ts: int) -> None:
        location, chassis = event["location"], event["chassis_id"]
        agg = self._agg(location, event["port"])
        if event["action"] == "CHECKOUT":
            agg.counters["checkouts"] += 1
            early = self.early_returns.get(chassis)
            if early is not None and early[1] >= ts:
                del self.early_returns[chassis]
                add_sample(agg.samples["street_dwell"], early[1] // QUARTER_MS, early[1] - ts)
                return
            held = self.out.get(chassis)
            if held is not None:
                if held[1] >= ts:
                    return  # a late checkout of an earlier trip: counted at its location, no pairing
                self._agg(held[0], "").counters["chassis_out"] -= 1
            self.out[chassis] = (location, ts)
            agg.counters["chassis_out"] += 1
            return
        agg.counters["returns"] += 1
        held = self.out.get(chassis)
        if held is not None and ts >= held[1]:
            del self.out[chassis]
            home = self._agg(held[0], "")
            home.counters["chassis_out"] -= 1
            add_sample(home.samples["street_dwell"], ts // QUARTER_MS, ts - held[1])
        elif held is None and chassis not in self.early_returns:
            self.early_returns[chassis] = (location, ts)

    def prune(self, oldest_ms: int) -> None:
        _drop_older(self.early_returns, 1, oldest_ms)
