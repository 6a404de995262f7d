"""Consistency of a simulated stream, checked event by event: what any consumer may rely on.

- event ids are unique; events of one partition key (facility, or chassis id) come in event-time order;
- a gate visit is IN then OUT, once each, at one facility;
- a container leaves a terminal (gate OUT or train) once, only after it got there (discharged or gated
  in), and leaves the ICTF by train only after a truck brought it there;
- a chassis is checked out only when in the pool and returned only when out;
- a call goes [holding area ARRIVED ->] [anchorage ARRIVED ->] berth ARRIVED -> berth DEPARTED at one
  facility (a ship that finds a free berth never anchors), berths used by one vessel at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from baystream.producers.simulator.facilities import ICTF

_CALL_STEPS = (("ARRIVED", "HOLDING_AREA"), ("ARRIVED", "ANCHORAGE"), ("ARRIVED", "BERTH"), ("DEPARTED", "BERTH"))
_BERTHED = _CALL_STEPS.index(("ARRIVED", "BERTH"))
"""Steps before it are optional (each at most once, in order); the departure follows it."""


class Checker:
    """Feed events with `check`; `problems` lists what broke (empty when the stream is consistent)."""

    def __init__(self, max_problems: int = 50):
        self.problems: list[str] = []
        self._max = max_problems
        self._ids: set[str] = set()
        self._last_time: dict[str, datetime] = {}
        self._visits: dict[str, tuple[str, str]] = {}
        """visit id -> (facility, 'IN' or 'OUT')."""
        self._where: dict[str, str] = {}
        """container id -> facility it is at now ('' once it left by truck to a consignee, 'rail' when gone)."""
        self._to_ictf: set[str] = set()
        self._chassis_out: set[str] = set()
        self._calls: dict[str, tuple[str, int]] = {}
        self._berths: dict[tuple[str, str], str] = {}
        self.count = 0

    def _fail(self, event: Mapping[str, Any], message: str) -> None:
        if len(self.problems) < self._max:
            self.problems.append(f"{event['type']} {event['event_id']} at {event['event_time']}: {message}")

    def check(self, event: Mapping[str, Any]) -> None:
        self.count += 1
        kind = event["type"]
        if event["event_id"] in self._ids:
            self._fail(event, "duplicate event_id")
        self._ids.add(event["event_id"])
        if event.get("classifier", "ACTUAL") != "ACTUAL":
            return  # an estimate is stamped with the time it expects, ahead of the events around it
        key = event["chassis_id"] if kind == "ChassisCheckout" else event["facility"]
        last = self._last_time.get(key)
        if last is not None and event["event_time"] < last:
            self._fail(event, f"out of order for key {key}")
        self._last_time[key] = event["event_time"]
        getattr(self, "_" + kind)(event)

    def _GateMove(self, e: Mapping[str, Any]) -> None:
        visit, facility, box = e["visit_id"], e["facility"], e["container_id"]
        seen = self._visits.get(visit)
        if e["direction"] == "IN":
            if seen is not None:
                self._fail(e, f"visit {visit} entered twice")
            self._visits[visit] = (facility, "IN")
            if box is not None:
                if self._where.get(box) not in (None, ""):
                    self._fail(e, f"{box} brought in while still at {self._where[box]}")
                self._where[box] = facility
            return
        if seen != (facility, "IN"):
            self._fail(e, f"visit {visit} out without being in at {facility} (state {seen})")
        self._visits[visit] = (facility, "OUT")
        if box is not None:
            self._leave(e, box, facility)
            self._where[box] = ""
            if e["move_type"] == "IMPORT_PICKUP":
                self._to_ictf.add(box)

    def _leave(self, e: Mapping[str, Any], box: str, facility: str) -> None:
        where = self._where.get(box)
        if where != facility:
            self._fail(e, f"{box} leaves {facility} but is at {where or 'no terminal'}")

    def _ContainerEvent(self, e: Mapping[str, Any]) -> None:
        box, facility = e["container_id"], e["facility"]
        if e["event_type"] == "DISCHARGED":
            if self._where.get(box) not in (None, ""):
                self._fail(e, f"{box} discharged while at {self._where[box]}")
            if e["inland_mode"] is None:
                self._fail(e, "import without inland_mode")
            self._where[box] = facility
            self._to_ictf.discard(box)
        else:
            if box in self._where:
                self._leave(e, box, facility)
            self._where[box] = "vessel"

    def _RailDeparture(self, e: Mapping[str, Any]) -> None:
        facility = e["facility"]
        for box in e["container_ids"]:
            if facility == ICTF:
                if box not in self._to_ictf:
                    self._fail(e, f"{box} leaves the ICTF without being drayed there")
                self._to_ictf.discard(box)
            else:
                self._leave(e, box, facility)
            self._where[box] = "rail"

    def _ChassisCheckout(self, e: Mapping[str, Any]) -> None:
        chassis = e["chassis_id"]
        if e["action"] == "CHECKOUT":
            if chassis in self._chassis_out:
                self._fail(e, f"chassis {chassis} checked out while out")
            self._chassis_out.add(chassis)
        else:
            if chassis not in self._chassis_out:
                self._fail(e, f"chassis {chassis} returned while not out")
            self._chassis_out.discard(chassis)

    def _VesselArrival(self, e: Mapping[str, Any]) -> None:
        call, facility = e["call_id"], e["facility"]
        step = (e["event_type"], e["location_type"])
        expected_step = _CALL_STEPS.index(step) if step in _CALL_STEPS else -1
        at, done = self._calls.get(call, (facility, -1))
        in_order = expected_step > done if expected_step <= _BERTHED else done == _BERTHED
        if at != facility or expected_step < 0 or not in_order:
            self._fail(e, f"call {call}: {step} after step {done} at {at}")
        self._calls[call] = (facility, expected_step)
        if e["location_type"] == "BERTH":
            berth = (facility, e["berth"])
            if e["event_type"] == "ARRIVED":
                if berth in self._berths:
                    self._fail(e, f"berth {berth} taken by {self._berths[berth]}")
                self._berths[berth] = call
            elif self._berths.pop(berth, None) != call:
                self._fail(e, f"call {call} departs berth {berth} it did not hold")


def check_stream(events: Iterable[Mapping[str, Any]], max_problems: int = 50) -> list[str]:
    """Every consistency problem of a stream (empty when consistent)."""
    checker = Checker(max_problems)
    for event in events:
        checker.check(event)
    return checker.problems
