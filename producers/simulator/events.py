"""Raw events (see rendering.py) built from model objects: one method per event type.

The tuples list the values in the schema's field order (checked by the tests against `schemas.fields`);
times are integer epoch milliseconds, as the wire keeps them.
"""

from __future__ import annotations

from baystream.producers.simulator.identities import EventIds
from baystream.producers.simulator.rendering import Raw


class EventFactory:
    """Stamps each event with a fresh event id; the caller gives the simulated time."""

    def __init__(self, ids: EventIds):
        self._next_id = ids.next

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
        last_port: str | None = None,
        teu_capacity: int | None = None,
        fuel: str | None = None,
        shore_power: bool | None = None,
        classifier: str = "ACTUAL",
    ) -> Raw:
        return (
            "VesselArrival",
            self._next_id(),
            ms,
            classifier,
            carrier,
            port,
            facility,
            imo,
            name,
            carrier,
            voyage,
            call_id,
            event_type,
            location_type,
            berth,
            last_port,
            teu_capacity,
            fuel,
            shore_power,
        )

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
    ) -> Raw:
        return (
            "ContainerEvent",
            self._next_id(),
            ms,
            "ACTUAL",
            facility,
            port,
            facility,
            container_id,
            event_type,
            imo,
            call_id,
            iso_type,
            empty,
            inland_mode,
        )

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
        zero_emission: bool | None = None,
        queue_arrival_ms: int | None = None,
    ) -> Raw:
        return (
            "GateMove",
            self._next_id(),
            ms,
            "ACTUAL",
            facility,
            port,
            facility,
            visit_id,
            direction,
            move_type,
            truck_id,
            trucker,
            container_id,
            chassis_id,
            appointment_id,
            zero_emission,
            queue_arrival_ms,
        )

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
    ) -> Raw:
        return (
            "ChassisCheckout",
            self._next_id(),
            ms,
            "ACTUAL",
            source,
            port,
            location,
            chassis_id,
            action,
            provider,
            location,
            size,
            trucker,
            container_id,
            out_of_service,
        )

    def train(
        self,
        ms: int,
        port: str,
        facility: str,
        train_id: str,
        railroad: str,
        destination: str,
        container_ids: list[str],
    ) -> Raw:
        return (
            "RailDeparture",
            self._next_id(),
            ms,
            "ACTUAL",
            railroad,
            port,
            facility,
            train_id,
            railroad,
            destination,
            container_ids,
            max(1, (len(container_ids) + 1) // 2),
        )
