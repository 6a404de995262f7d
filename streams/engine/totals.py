"""Totals of one scope as of a watermark: partial aggregates summed, windows applied, then the indicators.

Facility totals add up to port totals and the complex's, so every scope's means are means over all its
samples (not means of means).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from baystream.streams.config import IndicatorConfig
from baystream.streams.engine.air import AIR_INDICATORS, AirTotals
from baystream.streams.engine.facility import (
    COUNTERS,
    DISCHARGE_BUCKET_MS,
    LONG,
    RAIL_IN_DAYS,
    RAIL_LONG,
    RAIL_OLD,
    SERIES,
    SHORT,
    TRUCK,
    FacilityAggregates,
    oldest_bucket,
)
from baystream.streams.engine.series import DAY_MS, HOUR_MS, MINUTE_MS, pairs, triples

INDUSTRY_INDICATORS = (
    "import_dwell_truck_days",
    "import_dwell_rail_days",
    "long_dwell_truck_share",
    "long_dwell_rail_share",
    "rail_backlog_9d",
    "truck_visit_minutes",
    "vessels_held_offshore",
    "dry_runs_per_day",
)
"""The figures as the industry reports them (issue 12), added beside the first set."""
INDICATORS = (
    "vessels_waiting",
    "anchor_wait_hours",
    "berth_utilization",
    "truck_turn_minutes",
    "truck_turn_p90_minutes",
    "trucks_on_terminal",
    "gate_moves_per_hour",
    "import_dwell_days",
    "imports_on_terminal",
    "long_dwell_share",
    "chassis_on_hand",
    "chassis_out",
    "chassis_street_dwell_days",
    "rail_backlog",
    "rail_dwell_days",
    "congestion_index",
    *AIR_INDICATORS,
    *INDUSTRY_INDICATORS,
)
"""Every indicator of every scope: the congestion set, the air, trade and look-ahead set, then the figures
as the industry reports them (docs/indicators.md)."""


RAIL_ARRIVALS = frozenset({"rail_in", "rail_drayed"})
"""The series of rail-bound arrivals (the congestion index's rail backlog in days)."""


@dataclass(frozen=True)
class Limits:
    """The oldest bucket each window includes, and the newest discharge hour of a long dweller."""

    oldest: dict[str, int]
    short_oldest: int
    long_limit: int
    visit_limit: int
    """The newest gate-IN hour of a visit open too long to count (a lost OUT)."""
    truck_limit: int = 0
    """The newest discharge hour of a truck-bound long dweller (long_dwell_truck_share)."""
    rail_long_limit: int = 0
    """The newest discharge hour of a rail-bound long dweller (long_dwell_rail_share)."""
    rail_old_limit: int = 0
    """The newest discharge hour of a box in rail_backlog_9d."""

    @classmethod
    def at(cls, now_ms: int, config: IndicatorConfig) -> Limits:
        oldest = {name: oldest_bucket(now_ms, spec) for name, spec in SERIES.items()}
        hour = now_ms // DISCHARGE_BUCKET_MS
        return cls(
            oldest,
            oldest_bucket(now_ms, SHORT),
            hour - config.long_dwell_hours,
            now_ms // HOUR_MS - config.visit_timeout_whole_hours,
            hour - config.long_dwell_truck_hours,
            hour - config.long_dwell_rail_hours,
            hour - config.rail_backlog_old_hours,
        )


@dataclass
class Totals:
    """Additive figures of one scope."""

    berths: int = 0
    inventory: int = 0
    near_dock: bool = False
    """The near-dock yard's own totals: its boxes' ages are not known to it (rail_backlog_9d is null)."""
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    long: int = 0
    now_hour: int = 0
    rail_since: int | None = None
    """The oldest hour of a rail-bound arrival in the 7-day window (a window not yet full is not 7 days)."""
    long_truck: int = 0
    long_rail: int = 0
    rail_old: int = 0
    stale_visits: int = 0
    samples: dict[str, list[int]] = field(default_factory=lambda: {name: [0, 0] for name in SERIES})
    turn_bins: dict[int, int] = field(default_factory=dict)
    gate_moves: int = 0
    air: AirTotals = field(default_factory=AirTotals)

    def add_partial(self, part: Mapping[str, Any], limits: Limits) -> None:
        """Add one engine's partial of this facility, keeping only what the windows include."""
        for name in COUNTERS:
            self.counters[name] += part.get(name, 0)  # a partial of an engine before the newer counters: none
        self.long += part["long_base"] + sum([n for hour, n in pairs(part["disc"]) if hour <= limits.long_limit])
        truck = pairs(part.get("truck_disc", []))
        self.long_truck += part.get("truck_base", 0) + sum([n for hour, n in truck if hour <= limits.truck_limit])
        rail = list(pairs(part.get("rail_disc", [])))
        rail_base = part.get("rail_base", 0)
        self.long_rail += rail_base + sum([n for hour, n in rail if hour <= limits.rail_long_limit])
        self.rail_old += rail_base + sum([n for hour, n in rail if hour <= limits.rail_old_limit])
        self.stale_visits += part["stale_visits"] + sum(
            [n for hour, n in pairs(part["open_in"]) if hour <= limits.visit_limit]
        )
        for name, oldest in limits.oldest.items():
            cell = self.samples[name]
            for bucket, n, total in triples(part.get(name, [])):
                if bucket >= oldest:
                    cell[0] += n
                    cell[1] += total
                    if name in RAIL_ARRIVALS and (self.rail_since is None or bucket < self.rail_since):
                        self.rail_since = bucket
        self.now_hour = max(self.now_hour, limits.oldest["rail_in"] + 24 * RAIL_IN_DAYS - 1)
        oldest = limits.short_oldest
        for minute, rounded, n in triples(part["turn_bins"]):
            if minute >= oldest:
                self.turn_bins[rounded] = self.turn_bins.get(rounded, 0) + n
        self.gate_moves += sum([n for minute, n in pairs(part["gate_moves"]) if minute >= oldest])

    def add_live(self, agg: FacilityAggregates, limits: Limits) -> None:
        """`add_partial` of an engine's aggregates read in place, without the partial's copy into flat lists:
        the same sums, at a fifth of the cost (a replay's level checks; docs/benchmarks.md)."""
        counters = self.counters
        for name, value in agg.counters.items():
            counters[name] += value
        disc, rail = agg.disc, agg.rail_disc  # tallies: their sums up to each limit are kept (series.Tally)
        self.long += disc.upto(LONG, limits.long_limit)
        self.long_truck += disc.upto(TRUCK, limits.truck_limit) - rail.upto(TRUCK, limits.truck_limit)
        self.long_rail += rail.upto(RAIL_LONG, limits.rail_long_limit)
        self.rail_old += rail.upto(RAIL_OLD, limits.rail_old_limit)
        self.stale_visits += agg.open_in.upto(0, limits.visit_limit)
        for name, oldest in limits.oldest.items():
            series = agg.samples[name]
            count, total = series.window(oldest)
            cell = self.samples[name]
            cell[0] += count
            cell[1] += total
            if name in RAIL_ARRIVALS and count:
                cells = series.cells
                first = oldest if oldest in cells else min([bucket for bucket in cells if bucket >= oldest])
                if self.rail_since is None or first < self.rail_since:
                    self.rail_since = first
        self.now_hour = max(self.now_hour, limits.oldest["rail_in"] + 24 * RAIL_IN_DAYS - 1)
        oldest = limits.short_oldest
        turn_bins = self.turn_bins
        for rounded, n in agg.turn_bins.window(oldest).items():
            turn_bins[rounded] = turn_bins.get(rounded, 0) + n
        self.gate_moves += agg.gate_moves.since(0, oldest)

    def add(self, other: Totals) -> None:
        self.berths += other.berths
        self.inventory += other.inventory
        self.now_hour = max(self.now_hour, other.now_hour)
        if other.rail_since is not None and (self.rail_since is None or other.rail_since < self.rail_since):
            self.rail_since = other.rail_since
        for name, value in other.counters.items():
            self.counters[name] += value
        self.long += other.long
        self.long_truck += other.long_truck
        self.long_rail += other.long_rail
        self.rail_old += other.rail_old
        self.stale_visits += other.stale_visits
        for name, (n, total) in other.samples.items():
            self.samples[name][0] += n
            self.samples[name][1] += total
        for rounded, n in other.turn_bins.items():
            self.turn_bins[rounded] = self.turn_bins.get(rounded, 0) + n
        self.gate_moves += other.gate_moves
        self.air.add(other.air)

    def _mean(self, name: str, unit_ms: int) -> float | None:
        n, total = self.samples[name]
        return total / n / unit_ms if n else None

    def _p90_minutes(self) -> float | None:
        """Nearest rank: the smallest turn time (whole minutes) with at least 90% of visits at or below it."""
        n = sum(self.turn_bins.values())
        if not n:
            return None
        rank = (9 * n + 9) // 10
        seen = 0
        for rounded in sorted(self.turn_bins):
            seen += self.turn_bins[rounded]
            if seen >= rank:
                return float(rounded)
        raise AssertionError("unreachable")

    def values(self) -> dict[str, float | None]:
        """Every indicator of the congestion set but congestion_index (the air set: `AirTotals.values`)."""
        c = self.counters
        on_terminal = c["on_terminal"]
        return {
            "vessels_waiting": float(c["waiting"]),
            "anchor_wait_hours": self._mean("anchor_wait", HOUR_MS),
            "berth_utilization": c["at_berth"] / self.berths if self.berths else None,
            "truck_turn_minutes": self._mean("turn", MINUTE_MS),
            "truck_turn_p90_minutes": self._p90_minutes(),
            "trucks_on_terminal": float(c["trucks_in"] - self.stale_visits),
            "gate_moves_per_hour": float(self.gate_moves),
            "import_dwell_days": self._mean("import_dwell", DAY_MS),
            "imports_on_terminal": float(on_terminal),
            "long_dwell_share": self.long / on_terminal if on_terminal else None,
            "chassis_on_hand": float(self.inventory - c["checkouts"] + c["returns"]),
            "chassis_out": float(c["chassis_out"]),
            "chassis_street_dwell_days": self._mean("street_dwell", DAY_MS),
            "rail_backlog": float(max(0, c["rail_backlog"])),
            "rail_dwell_days": self._mean("rail_dwell", DAY_MS),
            **self._industry_values(),
        }

    def _industry_values(self) -> dict[str, float | None]:
        """The figures as the industry reports them: dwell by how the box left, long dwellers and the aged
        rail backlog by mode, the visit time from the outside queue, held ships, dry runs."""
        c = self.counters
        rail, truck = c["rail_on_terminal"], c["on_terminal"] - c["rail_on_terminal"]
        return {
            "import_dwell_truck_days": self._mean("import_dwell_truck", DAY_MS),
            "import_dwell_rail_days": self._mean("import_dwell_rail", DAY_MS),
            "long_dwell_truck_share": self.long_truck / truck if truck else None,
            "long_dwell_rail_share": self.long_rail / rail if rail else None,
            "rail_backlog_9d": None if self.near_dock else float(self.rail_old),
            "truck_visit_minutes": self._mean("visit", MINUTE_MS),
            "vessels_held_offshore": float(c["held"]),
            "dry_runs_per_day": float(self.samples["dry_runs"][0]),
        }

    def index_inputs(self) -> dict[str, float | None]:
        """Figures the congestion index takes that are not indicators, each scaled by what the scope itself
        handles: the share of its configured chassis not out on the street (checked out there, not yet
        returned); its rail backlog in days of its rail-bound arrivals (a mean over the last 7 days: rail-bound
        discharges at a terminal, a port and the complex; drays from the terminals at the near-dock yard, whose
        boxes a port and the complex already counted at their discharge)."""
        pool = 1 - self.counters["chassis_out"] / self.inventory if self.inventory > 0 else None
        # days the window covers: 7, or since the oldest arrival it holds (at least one day) after a start
        days = min(RAIL_IN_DAYS, max(1, (self.now_hour - (self.rail_since or 0) + 1) / 24))
        arrivals = self.samples["rail_drayed" if self.near_dock else "rail_in"][0] / days
        backlog = max(0, self.counters["rail_backlog"]) / arrivals if arrivals else None
        return {"chassis_in_pool_share": pool, "rail_backlog_days": backlog}
