"""A tiny stand-in for the engine (counts per facility and event type), to test the worker's plumbing.

Same shape as streams.engine: partial() is additive, the Combiner sums partials, duplicates count once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from baystream.schemas.complex import COMPLEX_ID
from baystream.streams.app import EngineKit
from baystream.streams.model import Alert, IndicatorValue


class CountingEngine:
    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.counts: dict[str, dict[str, int]] = {}
        self.watermark = 0.0

    def apply(self, event: Mapping[str, Any]) -> bool:
        if event["event_id"] in self.seen:
            return False
        if event.get("vessel_name") == "EXPLODE":
            raise RuntimeError("stand-in engine asked to fail")
        self.seen.add(event["event_id"])
        by_type = self.counts.setdefault(event["facility"], {})
        by_type[event["type"]] = by_type.get(event["type"], 0) + 1
        self.watermark = max(self.watermark, event["event_time"].timestamp())
        return True

    def partial(self) -> dict[str, Any]:
        return {"counts": self.counts, "watermark": self.watermark}

    def to_state(self) -> dict[str, Any]:
        return {"seen": sorted(self.seen), "counts": self.counts, "watermark": self.watermark}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> CountingEngine:
        engine = cls()
        engine.seen = set(state["seen"])
        engine.counts = {f: dict(c) for f, c in state["counts"].items()}
        engine.watermark = state["watermark"]
        return engine


class SummingCombiner:
    """Sums the counts of every source; the complex's total sets a level (GREEN < 40 <= AMBER < 70 <= RED)."""

    def __init__(self) -> None:
        self.partials: dict[str, Mapping[str, Any]] = {}
        self.level: str | None = None
        self.alerts: list[Alert] = []

    def update(self, source: str, partial: Mapping[str, Any]) -> None:
        self.partials[source] = partial

    def indicators(self) -> list[IndicatorValue]:
        totals: dict[tuple[str, str], int] = {}
        watermark = max((p["watermark"] for p in self.partials.values()), default=0.0)
        for partial in self.partials.values():
            for facility, by_type in partial["counts"].items():
                for type_name, n in by_type.items():
                    totals[(facility, type_name)] = totals.get((facility, type_name), 0) + n
        as_of = datetime.fromtimestamp(watermark, UTC)
        values = [IndicatorValue(f, f"{t}_count", float(n), None, as_of) for (f, t), n in sorted(totals.items())]
        total = float(sum(totals.values()))
        level = "GREEN" if total < 40 else "AMBER" if total < 70 else "RED"
        values.append(IndicatorValue(COMPLEX_ID, "congestion_index", total, level, as_of))
        if level != self.level:
            if self.level is not None:  # as the engine's Combiner: a first level is no alert
                self.alerts.append(
                    Alert(f"{level}-{watermark}", COMPLEX_ID, self.level, level, total, as_of, f"now {level}")
                )
            self.level = level
        return values

    def take_alerts(self) -> list[Alert]:
        alerts, self.alerts = self.alerts, []
        return alerts

    def to_state(self) -> dict[str, Any]:
        return {"partials": self.partials, "level": self.level}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> SummingCombiner:
        combiner = cls()
        combiner.partials = dict(state["partials"])
        combiner.level = state["level"]
        return combiner


KIT = EngineKit(CountingEngine, CountingEngine.from_state, SummingCombiner, SummingCombiner.from_state)
