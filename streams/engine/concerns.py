"""State machines per concern: vessel calls, truck visits, import containers, chassis.

Each keeps the entities that are open (a call not yet departed, a truck in but not out, an import on
terminal, a chassis out) and moves the facility counters and completion buckets as events close them.
Either order of a pair (gate IN / OUT, checkout / return, discharge / leaving) closes it, so a late
event still updates the entity state; where the completion lands in a closed window, the window's
buckets (by the time of the completion) keep it out of the indicator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from baystream.streams.engine.facility import FacilityAggregates
from baystream.streams.engine.series import HOUR_MS, MINUTE_MS, QUARTER_MS, add_count, add_sample, remove_sample

AggregatesOf = Callable[[str, str], FacilityAggregates]
Row = tuple[Any, ...]
"""An immutable entity record: tuples of atoms are left alone by the garbage collector."""


def _drop_older(table: dict[str, Row], index: int, oldest_ms: int) -> None:
    stale = [key for key, row in table.items() if row[index] < oldest_ms]
    for key in stale:
        del table[key]


class Vessels:
    """Port calls: [anchorage arrival, anchorage departure, berth arrival, berth departure, last event]."""

    def __init__(self, aggregates: AggregatesOf):
        self._agg = aggregates
        self.calls: dict[str, list[Any]] = {}

    @staticmethod
    def _status(call: list[Any]) -> str | None:
        if call[3] is not None:
            return None
        if call[2] is not None:
            return "at_berth"
        if call[0] is not None and call[1] is None:
            return "waiting"
        return None

    @staticmethod
    def _wait(call: list[Any]) -> tuple[int, int] | None:
        anchored, berthed = call[0], call[2]
        if anchored is None or berthed is None or berthed < anchored:
            return None
        return berthed // QUARTER_MS, berthed - anchored

    def apply(self, event: Mapping[str, Any], ts: int) -> None:
        facility = event["facility"]
        agg = self._agg(facility, event["port"])
        key = facility + "|" + event["call_id"]
        call = self.calls.get(key)
        if call is None:
            call = self.calls[key] = [None, None, None, None, ts]
        status, wait = self._status(call), self._wait(call)
        slot = (0 if event["event_type"] == "ARRIVED" else 1) + (0 if event["location_type"] == "ANCHORAGE" else 2)
        if call[slot] is None or ts < call[slot]:
            call[slot] = ts
        if ts > call[4]:
            call[4] = ts
        new_status, new_wait = self._status(call), self._wait(call)
        if new_status != status:
            if status is not None:
                agg.counters[status] -= 1
            if new_status is not None:
                agg.counters[new_status] += 1
        if new_wait != wait:
            series = agg.samples["anchor_wait"]
            if wait is not None:
                remove_sample(series, *wait)
            if new_wait is not None:
                add_sample(series, *new_wait)

    def prune(self, oldest_ms: int) -> None:
        """Forget calls that are over (departed or never waiting) and quiet since before `oldest_ms`."""
        stale = [k for k, call in self.calls.items() if call[4] < oldest_ms and self._status(call) is None]
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

    def discharged(self, event: Mapping[str, Any], ts: int) -> bool:
        """A DISCHARGED laden import; False for loads and empties (not imports, not followed)."""
        if event["event_type"] != "DISCHARGED" or event["empty"]:
            return False
        facility, cid, port = event["facility"], event["container_id"], event["port"]
        agg = self._agg(facility, port)
        rail = event.get("inland_mode") == "RAIL"
        gate_out = self.unmatched_gate_outs.get(cid)
        if gate_out is not None and gate_out[0] == facility and gate_out[1] >= ts:
            del self.unmatched_gate_outs[cid]
            self._dwell(agg, ts, gate_out[1], by_rail=False)
            if rail:
                self._agg(self._near_dock, port).counters["rail_backlog"] += 1
            return True
        departure = self.unmatched_departures.get(cid)
        if departure is not None and departure[0] == facility and departure[1] >= ts:
            del self.unmatched_departures[cid]
            self._dwell(agg, ts, departure[1], by_rail=True)
            return True
        if cid in self.on_terminal:
            return True  # discharged twice without leaving: the first discharge stands
        self.on_terminal[cid] = (facility, ts, rail)
        agg.counters["on_terminal"] += 1
        add_count(agg.disc, ts // HOUR_MS)
        if rail:
            agg.counters["rail_backlog"] += 1
        return True

    def gated_out(self, cid: str, facility: str, port: str, ts: int, pickup: bool) -> None:
        """A truck left `facility` with `cid`: the import's stay ends if it was on terminal there."""
        held = self.on_terminal.get(cid)
        if held is not None:
            if held[0] == facility and ts >= held[1]:
                self._leave(cid, ts, by_rail=False)
                if held[2]:
                    self._agg(self._near_dock, port).counters["rail_backlog"] += 1
        elif pickup:
            self.unmatched_gate_outs.setdefault(cid, (facility, ts))

    def departed(self, event: Mapping[str, Any], ts: int) -> None:
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

    def _leave(self, cid: str, ts: int, by_rail: bool) -> None:
        facility, discharged, rail = self.on_terminal.pop(cid)
        agg = self._agg(facility, "")
        agg.counters["on_terminal"] -= 1
        add_count(agg.disc, discharged // HOUR_MS, -1)
        if rail:
            agg.counters["rail_backlog"] -= 1
        self._dwell(agg, discharged, ts, by_rail)

    @staticmethod
    def _dwell(agg: FacilityAggregates, start: int, end: int, by_rail: bool) -> None:
        bucket = end // QUARTER_MS
        add_sample(agg.samples["import_dwell"], bucket, end - start)
        if by_rail:
            add_sample(agg.samples["rail_dwell"], bucket, end - start)

    def prune(self, oldest_ms: int) -> None:
        _drop_older(self.unmatched_departures, 1, oldest_ms)
        _drop_older(self.unmatched_gate_outs, 1, oldest_ms)


class Gates:
    """Truck visits: facility|visit_id -> gate IN ms; a gate OUT ends the visit (and a picked-up import)."""

    def __init__(self, aggregates: AggregatesOf, containers: Containers):
        self._agg = aggregates
        self._containers = containers
        self.open: dict[str, int] = {}
        self.early_outs: dict[str, int] = {}
        """Gate OUTs whose IN has not arrived yet (late IN)."""

    def apply(self, event: Mapping[str, Any], ts: int) -> None:
        facility = event["facility"]
        agg = self._agg(facility, event["port"])
        add_count(agg.gate_moves, ts // MINUTE_MS)
        key = facility + "|" + event["visit_id"]
        if event["direction"] == "IN":
            out = self.early_outs.pop(key, None)
            if out is not None:
                self._turn(agg, ts, out)
            elif key not in self.open:
                self.open[key] = ts
                agg.counters["trucks_in"] += 1
                add_count(agg.open_in, ts // HOUR_MS)
            elif ts < self.open[key]:
                add_count(agg.open_in, self.open[key] // HOUR_MS, -1)
                add_count(agg.open_in, ts // HOUR_MS)
                self.open[key] = ts
            return
        start = self.open.pop(key, None)
        if start is not None:
            agg.counters["trucks_in"] -= 1
            add_count(agg.open_in, start // HOUR_MS, -1)
            self._turn(agg, start, ts)
        elif key not in self.early_outs:
            self.early_outs[key] = ts
        cid = event.get("container_id")
        if cid:
            self._containers.gated_out(cid, facility, event["port"], ts, event["move_type"] == "IMPORT_PICKUP")

    @staticmethod
    def _turn(agg: FacilityAggregates, start: int, end: int) -> None:
        if end < start:
            return
        minute, duration = end // MINUTE_MS, end - start
        add_sample(agg.samples["turn"], minute, duration)
        bins = agg.turn_bins.get(minute)
        if bins is None:
            bins = agg.turn_bins[minute] = {}
        rounded = (duration + MINUTE_MS // 2) // MINUTE_MS
        bins[rounded] = bins.get(rounded, 0) + 1

    def prune(self, oldest_ms: int) -> None:
        """Forget visits open since before `oldest_ms` (a lost gate OUT) and unmatched OUTs as old."""
        stale = [key for key, start in self.open.items() if start < oldest_ms]
        for key in stale:
            agg = self._agg(key.split("|", 1)[0], "")
            agg.counters["trucks_in"] -= 1
            add_count(agg.open_in, self.open.pop(key) // HOUR_MS, -1)
        for key in [key for key, out in self.early_outs.items() if out < oldest_ms]:
            del self.early_outs[key]


class Chassis:
    """Gray-pool chassis out: chassis_id -> (checkout location, checkout ms)."""

    def __init__(self, aggregates: AggregatesOf):
        self._agg = aggregates
        self.out: dict[str, Row] = {}
        self.early_returns: dict[str, Row] = {}
        """Returns whose checkout has not arrived yet: chassis_id -> (location, return ms)."""

    def apply(self, event: Mapping[str, Any], ts: int) -> None:
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
