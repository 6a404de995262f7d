"""Daily figures of a simulated stream, to hold the model against docs/domain.md (calibration, volume tests).

A light recomputation from the events alone; the indicator engine (streams/) is the reference for the
published indicators.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean
from typing import Any

DAY_S = 86400.0


@dataclass
class DayFigures:
    """What happened on one simulated day (UTC), complex-wide."""

    day: str
    events: int = 0
    gate_moves: int = 0
    vessel_calls: int = 0
    """Berth arrivals."""
    discharged: int = 0
    loaded: int = 0
    rail_share: float = 0.0
    """Share of the day's discharged imports bound for rail."""
    turn_minutes: list[float] = field(default_factory=list)
    visit_minutes: list[float] = field(default_factory=list)
    """Queue arrival (outside the gate) -> gate OUT of visits whose gate IN carried `queue_arrival_time`."""
    anchor_wait_hours: list[float] = field(default_factory=list)
    """First arrival offshore (anchorage or holding area) -> berth, of ships that waited."""
    truck_dwell_days: list[float] = field(default_factory=list)
    """Discharge -> gate OUT of imports picked up that day (local and near-dock drays)."""
    rail_dwell_days: list[float] = field(default_factory=list)
    """Discharge -> on-dock train of imports that left that day."""
    street_dwell_days: list[float] = field(default_factory=list)
    vessels_waiting_max: int = 0
    """At anchor or held offshore."""
    imports_on_terminal_end: int = 0
    chassis_out_end: int = 0

    def means(self) -> dict[str, float | int | str]:
        def mean(values: list[float]) -> float:
            return round(fmean(values), 2) if values else float("nan")

        return {
            "day": self.day,
            "events": self.events,
            "gate_moves": self.gate_moves,
            "vessel_calls": self.vessel_calls,
            "discharged": self.discharged,
            "loaded": self.loaded,
            "rail_share": round(self.rail_share, 3),
            "turn_minutes": mean(self.turn_minutes),
            "visit_minutes": mean(self.visit_minutes),
            "anchor_wait_hours": mean(self.anchor_wait_hours),
            "truck_dwell_days": mean(self.truck_dwell_days),
            "rail_dwell_days": mean(self.rail_dwell_days),
            "street_dwell_days": mean(self.street_dwell_days),
            "vessels_waiting_max": self.vessels_waiting_max,
            "imports_on_terminal_end": self.imports_on_terminal_end,
            "chassis_out_end": self.chassis_out_end,
        }


class DailyFigures:
    """Collects DayFigures event by event (`add`), so one pass can also feed something else.

    A stream may begin in the middle of things (a file cut after its warm-up, a topic past its retention):
    the end of a visit, wait or trip whose start it never saw counts the move but gives no duration."""

    def __init__(self) -> None:
        self._days: dict[str, DayFigures] = {}
        self._gate_in: dict[str, datetime] = {}
        self._queued: dict[str, datetime] = {}
        self._anchored: dict[str, datetime] = {}
        self._discharged: dict[str, datetime] = {}
        self._chassis_out: dict[str, datetime] = {}
        self._rail: dict[str, int] = defaultdict(int)

    def add(self, e: Mapping[str, Any]) -> None:
        if e.get("classifier", "ACTUAL") != "ACTUAL":
            return  # an estimate of a coming call: stamped with the time it expects, nothing happened yet
        t: datetime = e["event_time"]
        key = t.date().isoformat()
        d = self._days.get(key)
        if d is None:
            d = self._days[key] = DayFigures(key)
        d.events += 1
        kind = e["type"]
        if kind == "GateMove":
            d.gate_moves += 1
            if e["direction"] == "IN":
                self._gate_in[e["visit_id"]] = t
                if e.get("queue_arrival_time") is not None:
                    self._queued[e["visit_id"]] = e["queue_arrival_time"]
            else:
                gate_in = self._gate_in.pop(e["visit_id"], None)
                if gate_in is not None:
                    d.turn_minutes.append((t - gate_in).total_seconds() / 60)
                queued = self._queued.pop(e["visit_id"], None)
                if queued is not None:
                    d.visit_minutes.append((t - queued).total_seconds() / 60)
                box = e["container_id"]
                if box in self._discharged and e["move_type"] in ("IMPORT_PICKUP", "EMPTY_PICKUP"):
                    d.truck_dwell_days.append((t - self._discharged.pop(box)).total_seconds() / DAY_S)
        elif kind == "ContainerEvent":
            if e["event_type"] == "DISCHARGED":
                d.discharged += 1
                self._discharged[e["container_id"]] = t
                if e["inland_mode"] == "RAIL":
                    self._rail[key] += 1
            else:
                d.loaded += 1
        elif kind == "RailDeparture":
            for box in e["container_ids"]:
                if box in self._discharged:
                    d.rail_dwell_days.append((t - self._discharged.pop(box)).total_seconds() / DAY_S)
        elif kind == "VesselArrival":
            if e["location_type"] != "BERTH":  # at anchor or held offshore: the wait runs from the first
                self._anchored.setdefault(e["call_id"], t)
            elif e["event_type"] == "ARRIVED":
                d.vessel_calls += 1
                anchored = self._anchored.pop(e["call_id"], None)
                if anchored is not None:
                    d.anchor_wait_hours.append((t - anchored).total_seconds() / 3600)
            d.vessels_waiting_max = max(d.vessels_waiting_max, len(self._anchored))
        elif kind == "ChassisCheckout":
            if e["action"] == "CHECKOUT":
                self._chassis_out[e["chassis_id"]] = t
            else:
                out = self._chassis_out.pop(e["chassis_id"], None)
                if out is not None:
                    d.street_dwell_days.append((t - out).total_seconds() / DAY_S)
        d.imports_on_terminal_end = len(self._discharged)
        d.chassis_out_end = len(self._chassis_out)

    @property
    def days(self) -> list[DayFigures]:
        for key, d in self._days.items():
            d.rail_share = self._rail[key] / d.discharged if d.discharged else 0.0
        return list(self._days.values())


def daily_figures(events: Iterable[Mapping[str, Any]]) -> list[DayFigures]:
    """One DayFigures per UTC day the stream touches, in order."""
    figures = DailyFigures()
    for event in events:
        figures.add(event)
    return figures.days
