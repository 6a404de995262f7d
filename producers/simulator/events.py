"""Decoded events (dicts with `type` and every schema field) built from model objects.

One function per event type; times are aware UTC datetimes at millisecond precision, as the wire keeps them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from producers.simulator.identities import Identities

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Event = dict[str, Any]


class EventFactory:
    """Stamps each event with a fresh seeded event id and the current simulated time."""

    def __init__(self, ids: Identities):
        self._ids = ids
        self._ms = -1
        self._time = EPOCH

    def time(self, ms: int) -> datetime:
        if ms != self._ms:
            self._ms = ms
            self._time = EPOCH + timedelta(0, 0, 0, ms)  # (days, seconds, microseconds, milliseconds): faster
        return self._time

    def vessel(
        self,
        ms: int,
        port: str,
        facility: str,
        imo: str,
        name: str,
        carrier: str,
        voyage: str,
        call_id: str,
        event_type: str,
        location_type: str,
        berth: str | None,
    ) -> Event:
        return {
            "type": "VesselArrival",
            "event_id": self._ids.event_id(),
            "event_time": self.time(ms),
            "classifier": "ACTUAL",
            "source": carrier,
            "port": port,
            "facility": facility,
            "vessel_imo": imo,
            "vessel_name": name,
            "carrier": carrier,
            "voyage": voyage,
            "call_id": call_id,
            "event_type": event_type,
            "location_type": location_type,
            "berth": berth,
        }

    def container(
        self,
        ms: int,
        port: str,
        facility: str,
        container_id: str,
        event_type: str,
        imo: str,
        call_id: str,
        iso_type: str,
        empty: bool,
        inland_mode: str | None,
    ) -> Event:
        return {
            "type": "ContainerEvent",
            "event_id": self._ids.event_id(),
            "event_time": self.time(ms),
            "classifier": "ACTUAL",
            "source": facility,
            "port": port,
            "facility": facility,
            "container_id": container_id,
            "event_type": event_type,
            "vessel_imo": imo,
            "call_id": call_id,
            "iso_type": iso_type,
            "empty": empty,
            "inland_mode": inland_mode,
        }

    def gate(
        self,
        ms: int,
        port: str,
        facility: str,
        visit_id: str,
        direction: str,
        move_type: str,
        truck_id: str,
        trucker: str,
        container_id: str | None,
        chassis_id: str | None,
        appointment_id: str | None,
    ) -> Event:
        return {
            "type": "GateMove",
            "event_id": self._ids.event_id(),
            "event_time": self.time(ms),
            "classifier": "ACTUAL",
            "source": facility,
            "port": port,
            "facility": facility,
            "visit_id": visit_id,
            "direction": direction,
            "move_type": move_type,
            "truck_id": truck_id,
            "trucker": trucker,
            "container_id": container_id,
            "chassis_id": chassis_id,
            "appointment_id": appointment_id,
        }

    def chassis(
        self,
        ms: int,
        source: str,
        port: str,
        location: str,
        chassis_id: str,
        action: str,
        provider: str,
        size: str,
        trucker: str,
        container_id: str | None,
        out_of_service: bool,
    ) -> Event:
        return {
            "type": "ChassisCheckout",
            "event_id": self._ids.event_id(),
            "event_time": self.time(ms),
            "classifier": "ACTUAL",
            "source": source,
            "port": port,
            "facility": location,
            "chassis_id": chassis_id,
            "action": action,
            "provider": provider,
            "location": location,
            "size": size,
            "trucker": trucker,
            "container_id": container_id,
            "out_of_service": out_of_service,
        }

    def train(
        self,
        ms: int,
        port: str,
        facility: str,
        train_id: str,
        railroad: str,
        destination: str,
        container_ids: list[str],
    ) -> Event:
        return {
            "type": "RailDeparture",
            "event_id": self._ids.event_id(),
            "event_time": self.time(ms),
            "classifier": "ACTUAL",
            "source": railroad,
            "port": port,
            "facility": facility,
            "train_id": train_id,
            "railroad": railroad,
            "destination": destination,
            "container_ids": container_ids,
            "car_count": max(1, (len(container_ids) + 1) // 2),
        }
