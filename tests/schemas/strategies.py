"""Hypothesis strategies for valid decoded events of every input type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from schemas.identifiers import imo_check_digit, with_check_digit

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)
scac = st.text(alphabet=UPPER, min_size=2, max_size=4)
container = st.builds(
    lambda owner, cat, serial: with_check_digit(f"{owner}{cat}{serial:06d}"),
    st.text(alphabet=UPPER, min_size=3, max_size=3),
    st.sampled_from("UJZ"),
    st.integers(0, 999_999),
)
imo = st.integers(100_000, 999_999).map(lambda n: f"{n}{imo_check_digit(str(n))}")
event_time = st.integers(0, 20 * 365 * 24 * 3600 * 1000).map(
    lambda ms: datetime(2015, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
)
chassis = st.builds(
    lambda o, n: f"{o}Z{n:06d}", st.text(alphabet=UPPER, min_size=3, max_size=3), st.integers(0, 999_999)
)


def _common(type_name: str) -> dict[str, Any]:
    return {
        "type": st.just(type_name),
        "event_id": st.uuids(version=4).map(str),
        "event_time": event_time,
        "classifier": st.sampled_from(["ACTUAL", "ESTIMATED", "PLANNED"]),
        "source": scac,
        "port": st.sampled_from(["USLAX", "USLGB", "NLRTM", "DEHAM"]),
        "facility": st.sampled_from(["APMT", "ETS", "EAGLE", "LBCT", "TTI", "ICTF"]),
    }


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


EVENTS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "VesselArrival": st.fixed_dictionaries(
        {
            **_common("VesselArrival"),
            "vessel_imo": imo,
            "vessel_name": text,
            "carrier": scac,
            "voyage": text,
            "call_id": text,
            "event_type": st.sampled_from(["ARRIVED", "DEPARTED"]),
            "location_type": st.sampled_from(["ANCHORAGE", "BERTH"]),
            "berth": _optional(text),
        }
    ),
    "GateMove": st.fixed_dictionaries(
        {
            **_common("GateMove"),
            "visit_id": text,
            "direction": st.sampled_from(["IN", "OUT"]),
            "move_type": st.sampled_from(
                ["IMPORT_PICKUP", "EXPORT_DELIVERY", "EMPTY_RETURN", "EMPTY_PICKUP", "BOBTAIL"]
            ),
            "truck_id": text,
            "trucker": scac,
            "container_id": _optional(container),
            "chassis_id": _optional(chassis),
            "appointment_id": _optional(text),
        }
    ),
    "ContainerEvent": st.fixed_dictionaries(
        {
            **_common("ContainerEvent"),
            "container_id": container,
            "event_type": st.sampled_from(["DISCHARGED", "LOADED"]),
            "vessel_imo": imo,
            "call_id": text,
            "iso_type": st.sampled_from(["22G1", "42G1", "45G1", "45R1"]),
            "empty": st.booleans(),
            "inland_mode": _optional(st.sampled_from(["TRUCK", "RAIL"])),
        }
    ),
    "ChassisCheckout": st.fixed_dictionaries(
        {
            **_common("ChassisCheckout"),
            "chassis_id": chassis,
            "action": st.sampled_from(["CHECKOUT", "RETURN"]),
            "provider": st.sampled_from(["DCLI", "TRAC", "FLEXIVAN"]),
            "location": st.sampled_from(["APMT", "ITS", "DEPOT1"]),
            "size": st.sampled_from(["20", "40", "45"]),
            "trucker": scac,
            "container_id": _optional(container),
            "out_of_service": st.booleans(),
        }
    ),
    "RailDeparture": st.fixed_dictionaries(
        {
            **_common("RailDeparture"),
            "train_id": text,
            "railroad": st.sampled_from(["UP", "BNSF"]),
            "destination": text,
            "container_ids": st.lists(container, max_size=30),
            "car_count": st.integers(1, 300),
        }
    ),
}

any_event = st.one_of(*EVENTS.values())
