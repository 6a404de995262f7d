"""Decoded events for the engine tests, timed in minutes after T0, and a one-engine run to indicator values."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from baystream.schemas.identifiers import with_check_digit
from baystream.schemas.json_form import format_time, parse_event
from baystream.streams.config import IndicatorConfig
from baystream.streams.engine import Combiner, PartitionEngine
from tests.events import event

T0 = datetime(2024, 5, 1, tzinfo=UTC)
HOUR = 60
DAY = 24 * 60
PORT = {"APMT": "USLAX", "ETS": "USLAX", "TTI": "USLGB", "LBCT": "USLGB", "ICTF": "USLGB", "DEPOT1": "USLGB"}


def when(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def box(n: int) -> str:
    """A valid ISO 6346 container number."""
    return with_check_digit(f"MSCU{n:06d}")


def make(type_name: str, minute: float, facility: str = "APMT", **fields: Any) -> dict[str, Any]:
    """A validated, decoded event at T0 + `minute`."""
    fields.setdefault("event_id", str(uuid.uuid4()))
    return parse_event(
        event(
            type_name,
            event_time=format_time(when(minute)),
            facility=facility,
            port=fields.pop("port", PORT.get(facility, "USLAX")),
            source=facility,
            **fields,
        )
    )


def vessel(minute: float, call: str, what: str, where: str, facility: str = "APMT") -> dict[str, Any]:
    return make("VesselArrival", minute, facility, call_id=call, event_type=what, location_type=where)


def gate(minute: float, visit: str, direction: str, facility: str = "APMT", **fields: Any) -> dict[str, Any]:
    fields.setdefault("container_id", None)
    fields.setdefault("move_type", "IMPORT_PICKUP")
    return make("GateMove", minute, facility, visit_id=visit, direction=direction, **fields)


def discharge(minute: float, container: str, facility: str = "APMT", mode: str | None = "TRUCK") -> dict[str, Any]:
    return make("ContainerEvent", minute, facility, container_id=container, inland_mode=mode)


def train(minute: float, containers: list[str], facility: str = "APMT") -> dict[str, Any]:
    return make("RailDeparture", minute, facility, container_ids=containers, car_count=len(containers))


def chassis(minute: float, chassis_id: str, action: str, location: str = "APMT") -> dict[str, Any]:
    port = PORT.get(location, "USLAX")
    return make("ChassisCheckout", minute, location, chassis_id=chassis_id, action=action, location=location, port=port)


def combine(engines: Iterable[PartitionEngine], config: IndicatorConfig | None = None) -> Combiner:
    combiner = Combiner(config or IndicatorConfig())
    for number, engine in enumerate(engines):
        combiner.update(f"p{number}", engine.partial())
    return combiner


def values(events: Iterable[Mapping[str, Any]], config: IndicatorConfig | None = None) -> dict[tuple[str, str], Any]:
    """(scope, indicator) -> value after one engine applied `events` in order."""
    config = config or IndicatorConfig()
    engine = PartitionEngine(config)
    for item in events:
        engine.apply(item)
    return {(v.scope, v.indicator): v.value for v in combine([engine], config).indicators()}
