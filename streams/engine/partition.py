"""`PartitionEngine`: the entity state of the events of some input partitions, reported as additive partials.

"Now" is the watermark, the newest ACTUAL event time seen. `apply` costs a dict lookup for the event id,
one `.timestamp()` and the concern's dict updates; `partial()` copies the aggregates (milliseconds).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Final

from baystream.streams.config import IndicatorConfig
from baystream.streams.engine.air import Calls
from baystream.streams.engine.concerns import CALL_SIZE, Chassis, Containers, Gates, Vessels
from baystream.streams.engine.facility import RAIL_LIMITS, FacilityAggregates
from baystream.streams.engine.series import HOUR_MS, MINUTE_MS, Tally, epoch_ms

PRUNE_EVERY_MS: Final = 60 * MINUTE_MS
INPUT_TYPES: Final = frozenset({"GateMove", "ContainerEvent", "ChassisCheckout", "VesselArrival", "RailDeparture"})
"""The event types `apply` takes (the input topics' types)."""
STATE_VERSION: Final = 4


class PartitionEngine:
    """Indicator state of one group of input partitions (or, in a replay, of everything)."""

    def __init__(self, config: IndicatorConfig):
        self.config = config
        self.watermark: int | None = None
        """Newest ACTUAL event time applied, in ms since the epoch."""
        self.counts: dict[str, int] = {}
        self.facilities: dict[str, FacilityAggregates] = {}
        self._ids: dict[str, int] = {}
        self._id_hours: dict[int, list[str]] = {}
        self._horizon_ms = int(config.dedup_horizon_hours * HOUR_MS)
        self._future_ms = int(config.future_tolerance_hours * HOUR_MS)
        self._future_limit = 0
        self._long_hours = config.long_dwell_hours
        self._visit_hours = config.visit_timeout_whole_hours
        self._truck_hours = config.long_dwell_truck_hours
        self._rail_hours = max(config.long_dwell_rail_hours, config.rail_backlog_old_hours)
        self._next_prune = 0
        """Watermark (ms) at which `prune` runs next."""
        self._hour: int = -1
        self._hour_ids: list[str] = []
        """The id bucket of the last event's hour (most events fall in the same hour as the one before)."""
        self.vessels = Vessels(self._aggregates)
        self.containers = Containers(self._aggregates, config.near_dock_yard)
        self.gates = Gates(self._aggregates, self.containers)
        self.chassis = Chassis(self._aggregates)
        self.air = Calls(self._aggregates)

    def _aggregates(self, code: str, port: str) -> FacilityAggregates:
        agg = self.facilities.get(code)
        if agg is None:
            agg = self.facilities[code] = FacilityAggregates(self.config.port_of(code, port))
        return agg

    def _count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def _vessel(self, event: dict[str, Any], ts: int) -> None:
        self.vessels.apply(event, ts)
        self.air.vessel(event, ts)

    def _gate(self, event: dict[str, Any], ts: int) -> None:
        self.gates.apply(event, ts)
        self.air.gate(event, ts)

    def _container(self, event: dict[str, Any], ts: int) -> None:
        self.air.container(event, ts)
        if not self.containers.discharged(event, ts):
            self._count("not_import")

    def apply(self, event: Mapping[str, Any]) -> bool:
        """Apply one decoded, validated event; False if it was not applied (duplicate id, or too late).

        Too late: older than the dedup horizon before the watermark, where its id may have been forgotten.
        ESTIMATED and PLANNED events, and ACTUAL ones later than the wall clock (plus a tolerance), are
        remembered (for dedup) and counted in the partial's `counts` but change no state.
        """
        record = event if isinstance(event, dict) else dict(event)  # dicts: the compiled engine reads them fast
        kind = record["type"]
        if kind not in INPUT_TYPES:
            raise ValueError(f"not an input event type: {kind!r}")
        event_id = record["event_id"]
        ids = self._ids
        counts = self.counts
        if event_id in ids:
            counts["duplicate"] = counts.get("duplicate", 0) + 1
            return False
        ts = epoch_ms(record["event_time"])
        watermark = self.watermark
        if watermark is not None and ts < watermark - self._horizon_ms:
            counts["too_late"] = counts.get("too_late", 0) + 1
            return False
        hour = ts // HOUR_MS
        ids[event_id] = hour
        if hour == self._hour:
            self._hour_ids.append(event_id)
        else:
            bucket = self._id_hours.get(hour)
            if bucket is None:
                bucket = self._id_hours[hour] = []
            bucket.append(event_id)
            self._hour, self._hour_ids = hour, bucket
        if record.get("classifier", "ACTUAL") != "ACTUAL":
            counts["not_actual"] = counts.get("not_actual", 0) + 1
            if kind == "VesselArrival":
                self.air.expected(record, ts)
            return True
        if watermark is None or ts > watermark:
            if ts > self._future_limit and ts > self._renew_future_limit():
                # an ACTUAL event cannot lie in the future; as the watermark it would make every
                # later event "too late"
                counts["future"] = counts.get("future", 0) + 1
                return True
            self.watermark = ts
            if ts >= self._next_prune:
                self.prune()
        if kind == "GateMove":  # an if per type, not a table of bound methods: direct calls when compiled
            self._gate(record, ts)
        elif kind == "ContainerEvent":
            self._container(record, ts)
        elif kind == "ChassisCheckout":
            self.chassis.apply(record, ts)
        elif kind == "VesselArrival":
            self._vessel(record, ts)
        else:
            self.containers.departed(record, ts)
        counts[kind] = counts.get(kind, 0) + 1
        return True

    def _renew_future_limit(self) -> int:
        """The latest believable event time (wall clock + tolerance), read again only when exceeded."""
        self._future_limit = int(time.time() * 1000) + self._future_ms
        return self._future_limit

    def prune(self) -> None:
        """Forget what no indicator can need again (runs every hour of event time)."""
        if self.watermark is None:
            return
        self._next_prune = self.watermark + PRUNE_EVERY_MS
        self._hour, self._hour_ids = -1, []
        for agg in self.facilities.values():
            agg.prune(self.watermark)
        oldest = self.watermark - self._horizon_ms
        ids = self._ids
        for hour in [h for h in self._id_hours if h < oldest // HOUR_MS]:
            for event_id in self._id_hours.pop(hour):
                kept = ids.pop(event_id, hour)  # one lookup: ids are dropped in the hour they were kept for
                if kept != hour:
                    ids[event_id] = kept
        self.vessels.prune(oldest)
        self.gates.prune(oldest)
        self.containers.prune(oldest)
        self.chassis.prune(oldest)
        self.air.prune(self.watermark)

    def partial(self) -> dict[str, Any]:
        """Additive aggregates of this engine's events, windows left to the combiner (see Combiner)."""
        now = self.watermark if self.watermark is not None else 0
        facilities = {
            code: agg.partial(now, self._long_hours, self._visit_hours, self._truck_hours, self._rail_hours)
            for code, agg in self.facilities.items()
        }
        for code, part in self.air.partial(now).items():
            facilities[code]["air"] = part
        return {"watermark": self.watermark, "counts": dict(self.counts), "facilities": facilities}

    def live_partial(self) -> dict[str, Any]:
        """The partial's figures read in place, for a `Combiner` in the same process: the facilities' own
        aggregates, not copies, and no air part (enough for the congestion levels). A replay checks the levels
        with it every quarter hour of event time; it is valid until the next `apply`."""
        return {"watermark": self.watermark, "counts": self.counts, "facilities": self.facilities}

    def _rail_from_imports(self) -> None:
        """The rail-bound part of the imports on terminal, rebuilt from them (a state saved before it was kept)."""
        for agg in self.facilities.values():
            agg.rail_disc = Tally(limits=RAIL_LIMITS)
            agg.counters["rail_on_terminal"] = 0
        for facility, discharged, rail in self.containers.on_terminal.values():
            if rail:
                agg = self._aggregates(facility, "")
                agg.counters["rail_on_terminal"] += 1
                agg.rail_disc.add(discharged // HOUR_MS)

    def sizes(self) -> dict[str, int]:
        """Entities held, by kind (for the `baystream_state_entries` gauge)."""
        return {
            "event_ids": len(self._ids),
            "vessel_calls": len(self.vessels.calls),
            "truck_visits": len(self.gates.open) + len(self.gates.early_outs) + len(self.gates.queued),
            "imports": len(self.containers.on_terminal),
            "unmatched": len(self.containers.unmatched_departures) + len(self.containers.unmatched_gate_outs),
            "chassis": len(self.chassis.out) + len(self.chassis.early_returns),
            "air_calls": len(self.air.calls),
        }

    def to_state(self) -> dict[str, Any]:
        """Everything, JSON-able: ids per hour of event time (for pruning), joined by commas (UUIDs have none)."""
        return {
            "version": STATE_VERSION,
            "watermark": self.watermark,
            "next_prune": self._next_prune,
            "counts": dict(self.counts),
            "ids": {str(hour): ",".join(ids) for hour, ids in self._id_hours.items()},
            "facilities": {code: agg.to_state() for code, agg in self.facilities.items()},
            "calls": {key: list(call) for key, call in self.vessels.calls.items()},
            "visits": dict(self.gates.open),
            "early_outs": dict(self.gates.early_outs),
            "queued": dict(self.gates.queued),
            "pickups": dict(self.gates.pickups),
            "empty_outs": dict(self.gates.empty_outs),
            "on_terminal": _imports_out(self.containers.on_terminal),
            "unmatched_departures": {cid: list(r) for cid, r in self.containers.unmatched_departures.items()},
            "unmatched_gate_outs": {cid: list(r) for cid, r in self.containers.unmatched_gate_outs.items()},
            "chassis_out": {key: list(row) for key, row in self.chassis.out.items()},
            "early_returns": {key: list(row) for key, row in self.chassis.early_returns.items()},
            "air": self.air.to_state(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], config: IndicatorConfig) -> PartitionEngine:
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"engine state version {state.get('version')!r}; this engine reads {STATE_VERSION}")
        engine = cls(config)
        engine.watermark = state["watermark"]
        engine._next_prune = state["next_prune"]
        engine.counts = dict(state["counts"])
        for hour_text, joined in state["ids"].items():
            hour = int(hour_text)
            ids = joined.split(",") if joined else []
            engine._id_hours[hour] = ids
            engine._ids.update(dict.fromkeys(ids, hour))
        engine.facilities = {code: FacilityAggregates.from_state(s) for code, s in state["facilities"].items()}
        pad = [None] * CALL_SIZE  # calls saved before the holding area: none was held
        engine.vessels.calls = {key: [*call, *pad[len(call) :]] for key, call in state["calls"].items()}
        engine.gates.open = dict(state["visits"])
        engine.gates.early_outs = dict(state["early_outs"])
        engine.gates.queued = dict(state.get("queued", {}))
        engine.gates.pickups = dict(state.get("pickups", {}))
        engine.gates.empty_outs = dict(state.get("empty_outs", {}))
        containers = engine.containers
        containers.on_terminal = _imports_in(state["on_terminal"])
        if any("rail_disc" not in s for s in state["facilities"].values()):
            engine._rail_from_imports()
        containers.unmatched_departures = {cid: tuple(r) for cid, r in state["unmatched_departures"].items()}
        containers.unmatched_gate_outs = {cid: tuple(r) for cid, r in state["unmatched_gate_outs"].items()}
        engine.chassis.out = {key: tuple(row) for key, row in state["chassis_out"].items()}
        engine.chassis.early_returns = {key: tuple(row) for key, row in state["early_returns"].items()}
        engine.air.load(state.get("air", {}))  # absent from states written before the air indicators
        return engine


def _imports_out(table: Mapping[str, tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Imports on terminal, by facility, in columns: [ids joined by commas, discharge ms, "0"/"1" rail].

    Checkpoints hold tens of thousands of them; columns are several times smaller and faster to encode.
    """
    groups: dict[str, tuple[list[str], list[int], list[str]]] = {}
    for cid, (facility, ts, rail) in table.items():
        group = groups.get(facility)
        if group is None:
            group = groups[facility] = ([], [], [])
        group[0].append(cid)
        group[1].append(ts)
        group[2].append("1" if rail else "0")
    return {facility: [",".join(ids), times, "".join(rails)] for facility, (ids, times, rails) in groups.items()}


def _imports_in(columns: Mapping[str, list[Any]]) -> dict[str, tuple[Any, ...]]:
    table: dict[str, tuple[Any, ...]] = {}
    for facility, (joined, times, rails) in columns.items():
        for cid, ts, rail in zip(joined.split(",") if joined else [], times, rails, strict=True):
            table[cid] = (facility, ts, rail == "1")
    return table
