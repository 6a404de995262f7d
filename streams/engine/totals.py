"""Totals of one scope as of a watermark: partial aggregates summed, windows applied, then the indicators.

Facility totals add up to port totals and the complex's, so every scope's means are means over all its
samples (not means of means).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from baystream.streams.engine.air import AIR_INDICATORS, AirTotals
from baystream.streams.engine.facility import COUNTERS, DISCHARGE_BUCKET_MS, SERIES, SHORT, oldest_bucket
from baystream.streams.engine.series import DAY_MS, HOUR_MS, MINUTE_MS, pairs, triples

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
)
"""Every indicator of every scope: the congestion set, then the air, trade and look-ahead set."""


@dataclass(frozen=True)
class Limits:
    """The oldest bucket each window includes, and the newest discharge hour of a long dweller."""

    oldest: dict[str, int]
    short_oldest: int
    long_limit: int
    visit_limit: int
    """The newest gate-IN hour of a visit open too long to count (a lost OUT)."""

    @classmethod
    def at(cls, now_ms: int, long_hours: int, visit_hours: int) -> Limits:
        oldest = {name: oldest_bucket(now_ms, spec) for name, spec in SERIES.items()}
        return cls(
            oldest,
            oldest_bucket(now_ms, SHORT),
            now_ms // DISCHARGE_BUCKET_MS - long_hours,
            now_ms // HOUR_MS - visit_hours,
        )


@dataclass
class Totals:
    """Additive figures of one scope."""

    berths: int = 0
    inventory: int = 0
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    long: int = 0
    stale_visits: int = 0
    samples: dict[str, list[int]] = field(default_factory=lambda: {name: [0, 0] for name in SERIES})
    turn_bins: dict[int, int] = field(default_factory=dict)
    gate_moves: int = 0
    air: AirTotals = field(default_factory=AirTotals)

    def add_partial(self, part: Mapping[str, Any], limits: Limits) -> None:
        """Add one engine's partial of this facility, keeping only what the windows include."""
        for name in COUNTERS:
            self.counters[name] += part[name]
        self.long += part["long_base"] + sum([n for hour, n in pairs(part["disc"]) if hour <= limits.long_limit])
        self.stale_visits += part["stale_visits"] + sum(
            [n for hour, n in pairs(part["open_in"]) if hour <= limits.visit_limit]
        )
        for name, oldest in limits.oldest.items():
            cell = self.samples[name]
            for bucket, n, total in triples(part[name]):
                if bucket >= oldest:
                    cell[0] += n
                    cell[1] += total
        oldest = limits.short_oldest
        for minute, rounded, n in triples(part["turn_bins"]):
            if minute >= oldest:
                self.turn_bins[rounded] = self.turn_bins.get(rounded, 0) + n
        self.gate_moves += sum([n for minute, n in pairs(part["gate_moves"]) if minute >= oldest])

    def add(self, other: Totals) -> None:
        self.berths += other.berths
        self.inventory += other.inventory
        for name, value in other.counters.items():
            self.counters[name] += value
        self.long += other.long
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
        }
