"""Hand-made valid events of every input type, in the JSON form, for tests of every area."""

from __future__ import annotations

import uuid
from typing import Any


def event(type_name: str, **fields: Any) -> dict[str, Any]:
    """A valid JSON-form event of `type_name`; `fields` override the defaults."""
    base: dict[str, Any] = {
        "type": type_name,
        "event_id": str(uuid.uuid4()),
        "event_time": "2024-05-01T12:00:00Z",
        "source": "APMT",
        "port": "USLAX",
        "facility": "APMT",
    }
    base.update(_DEFAULTS[type_name])
    base.update(fields)
    return base


_DEFAULTS: dict[str, dict[str, Any]] = {
    "VesselArrival": {
        "vessel_imo": "9321483",
        "vessel_name": "EMMA MAERSK",
        "carrier": "MAEU",
        "voyage": "418E",
        "call_id": "APMT-9321483-418E",
        "event_type": "ARRIVED",
        "location_type": "ANCHORAGE",
    },
    "GateMove": {
        "visit_id": "V-1",
        "direction": "IN",
        "move_type": "IMPORT_PICKUP",
        "truck_id": "CA-1234567",
        "trucker": "ABCD",
        "container_id": "CSQU3054383",
    },
    "ContainerEvent": {
        "container_id": "APZU4812090",
        "event_type": "DISCHARGED",
        "vessel_imo": "9321483",
        "call_id": "APMT-9321483-418E",
        "iso_type": "45G1",
        "empty": False,
        "inland_mode": "RAIL",
    },
    "ChassisCheckout": {
        "chassis_id": "DCLZ400123",
        "action": "CHECKOUT",
        "provider": "DCLI",
        "location": "APMT",
        "size": "40",
        "trucker": "ABCD",
        "out_of_service": False,
    },
    "RailDeparture": {
        "train_id": "UP-MLAAP-01",
        "railroad": "UP",
        "destination": "Chicago",
        "container_ids": ["APZU4812090"],
        "car_count": 1,
    },
}

ALL_TYPES = tuple(_DEFAULTS)
