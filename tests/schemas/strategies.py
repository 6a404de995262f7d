"""Hypothesis strategies for valid decoded events of every input type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from baystream.schemas.identifiers import IDENTIFIER_PATTERN, MAX_TEXT, imo_check_digit, with_check_digit

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

identifier = st.from_regex(IDENTIFIER_PATTERN, fullmatch=True)
"""A party's own reference: the contract's character set and length (schemas/identifiers.py)."""
name_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp")),
    min_size=1,
    max_size=MAX_TEXT,
).filter(lambda t: t.isprintable() and t.strip() == t)
"""A name in words: any printable Unicode up to the contract's maximum."""
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
unlocode = st.builds(
    lambda country, place: country + place,
    st.text(alphabet=UPPER, min_size=2, max_size=2),
    st.text(alphabet=UPPER + "23456789", min_size=3, max_size=3),
)
FUELS = ["VLSFO", "MGO", "HFO_SCRUBBER", "LNG", "METHANOL", "AMMONIA", "BIOFUEL", "OTHER"]
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


def _queue_before_gate(move: dict[str, Any]) -> dict[str, Any]:
    """A queue arrival, drawn as millis before the gate, only on a gate IN (the contract's cross-field rule)."""
    before = move["queue_arrival_time"]
    if before is None or move["direction"] != "IN":
        return {**move, "queue_arrival_time": None}
    return {**move, "queue_arrival_time": move["event_time"] - timedelta(milliseconds=before)}


EVENTS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "VesselArrival": st.fixed_dictionaries(
        {
            **_common("VesselArrival"),
            "vessel_imo": imo,
            "vessel_name": name_text,
            "carrier": scac,
            "voyage": identifier,
            "call_id": identifier,
            "event_type": st.sampled_from(["ARRIVED", "DEPARTED"]),
            "location_type": st.sampled_from(["ANCHORAGE", "BERTH", "HOLDING_AREA"]),
            "berth": _optional(identifier),
            "last_port": _optional(unlocode),
            "teu_capacity": _optional(st.integers(1, 50_000)),
            "fuel": _optional(st.sampled_from(FUELS)),
            "shore_power": _optional(st.booleans()),
        }
    ),
    "GateMove": st.fixed_dictionaries(
        {
            **_common("GateMove"),
            "visit_id": identifier,
            "direction": st.sampled_from(["IN", "OUT"]),
            "move_type": st.sampled_from(
                ["IMPORT_PICKUP", "EXPORT_DELIVERY", "EMPTY_RETURN", "EMPTY_PICKUP", "BOBTAIL"]
            ),
            "truck_id": identifier,
            "trucker": scac,
            "container_id": _optional(container),
            "chassis_id": _optional(chassis),
            "appointment_id": _optional(identifier),
            "zero_emission": _optional(st.booleans()),
            "queue_arrival_time": _optional(st.integers(0, 8 * 3600 * 1000)),
        }
    ).map(_queue_before_gate),
    "ContainerEvent": st.fixed_dictionaries(
        {
            **_common("ContainerEvent"),
            "container_id": container,
            "event_type": st.sampled_from(["DISCHARGED", "LOADED"]),
            "vessel_imo": imo,
            "call_id": identifier,
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
            "train_id": identifier,
            "railroad": st.sampled_from(["UP", "BNSF"]),
            "destination": name_text,
            "container_ids": st.lists(container, max_size=30),
            "car_count": st.integers(1, 300),
        }
    ),
}

any_event = st.one_of(*EVENTS.values())


# --- any record of an Avro schema (not only valid events): for the encoder against fastavro ---------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LONGS = st.integers(-(2**63), 2**63 - 1)
INTS = st.integers(-(2**31), 2**31 - 1)
FAST_MAX_BYTES = 16383
"""Strings and bytes up to this length take the compiled encoder's table path; longer ones go to fastavro."""

any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
long_text = st.builds(
    lambda piece, n: (piece * n)[: FAST_MAX_BYTES // 4], st.sampled_from(["a", "é", "日", "🚢"]), st.integers(0, 9000)
)
"""Multi-byte varint lengths: up to 4095 characters, so at most 16380 UTF-8 bytes."""
aware_times = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31, 23, 59, 59, 999999), timezones=st.just(UTC)
) | st.datetimes(
    min_value=datetime(2, 1, 1),
    max_value=datetime(9998, 12, 31),
    timezones=st.integers(-23 * 60, 23 * 60).map(lambda m: timezone(timedelta(minutes=m))),
)
"""Aware datetimes from year 2 to 9998 (so UTC stays in datetime's range), microseconds and offsets."""
near_epoch = st.integers(-(2**43), 2**43).map(lambda us: EPOCH + timedelta(microseconds=us))
"""Around 1970, either side of it, across the zig-zag varint's byte boundaries."""


def _named_types(schema: Any, into: dict[str, Any], namespace: str = "") -> dict[str, Any]:
    """Every named type definition in a schema's JSON, by short and full name."""
    if isinstance(schema, list):
        for branch in schema:
            _named_types(branch, into, namespace)
    elif isinstance(schema, dict):
        namespace = schema.get("namespace", namespace)
        if schema.get("type") in ("record", "enum", "fixed"):
            into[schema["name"]] = schema
            into[f"{namespace}.{schema['name']}" if "." not in schema["name"] else schema["name"]] = schema
        for field in schema.get("fields", []):
            _named_types(field["type"], into, namespace)
        for key in ("items", "values"):
            if key in schema:
                _named_types(schema[key], into, namespace)
    return into


def _values(avro_type: Any, named: dict[str, Any]) -> st.SearchStrategy[Any]:
    if isinstance(avro_type, list):
        return st.one_of(*(_values(branch, named) for branch in avro_type))
    if isinstance(avro_type, str) and avro_type in named:
        return _values(named[avro_type], named)
    if isinstance(avro_type, dict):
        kind = avro_type["type"]
        if avro_type.get("logicalType") == "timestamp-millis":
            return aware_times | near_epoch | LONGS
        if kind == "enum":
            return st.sampled_from(avro_type["symbols"])
        if kind == "array":
            return st.lists(_values(avro_type["items"], named), max_size=8)
        return _values(kind, named)
    return {
        "null": st.none(),
        "string": any_text | long_text,
        "bytes": st.binary(max_size=40) | st.integers(0, FAST_MAX_BYTES).map(lambda n: bytes(range(256)) * (n // 256)),
        "boolean": st.booleans(),
        "int": INTS,
        "long": LONGS,
        "double": st.floats(allow_nan=True, allow_infinity=True),
    }[avro_type]


def records_of(schema_json: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Any record of a record schema (its JSON form), with its `type`; fields with a default may be absent.

    A plain `int` field also gets 64-bit values: fastavro writes those without complaint.
    """
    named = _named_types(schema_json, {})
    required: dict[str, st.SearchStrategy[Any]] = {"type": st.just(schema_json["name"])}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for field in schema_json["fields"]:
        values = LONGS if field["type"] == "int" else _values(field["type"], named)
        (optional if "default" in field else required)[field["name"]] = values
    return st.fixed_dictionaries(required, optional=optional)
