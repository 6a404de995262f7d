"""The topic catalog of DESIGN.md: name, partitions, configs, key and value schema, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from infra.kafka_config import admin_config
from infra.settings import Settings

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """One topic of the backbone."""

    name: str
    schema: str
    key: str
    """What the key is, for people: 'facility', 'chassis_id', 'scope', 'scope|indicator', 'original'."""
    role: str
    """'input' (events from parties), 'output' (indicators), or 'dead-letter'."""
    configs: dict[str, str] = field(default_factory=dict)
    partitions: int | None = None
    """None: the settings' partition count, shared by all input topics."""


VESSEL_ARRIVALS = "vessel-arrivals"
GATE_MOVES = "gate-moves"
CONTAINER_EVENTS = "container-events"
CHASSIS_CHECKOUTS = "chassis-checkouts"
RAIL_DEPARTURES = "rail-departures"
CONGESTION_INDICATORS = "congestion-indicators"
CONGESTION_LATEST = "congestion-latest"
CONGESTION_ALERTS = "congestion-alerts"
DEAD_LETTER = "dead-letter"

CATALOG: tuple[TopicSpec, ...] = (
    TopicSpec(VESSEL_ARRIVALS, "VesselArrival", "facility", "input"),
    TopicSpec(GATE_MOVES, "GateMove", "facility", "input"),
    TopicSpec(CONTAINER_EVENTS, "ContainerEvent", "facility", "input"),
    TopicSpec(CHASSIS_CHECKOUTS, "ChassisCheckout", "chassis_id", "input"),
    TopicSpec(RAIL_DEPARTURES, "RailDeparture", "facility", "input"),
    TopicSpec(
        CONGESTION_INDICATORS,
        "CongestionIndicator",
        "scope",
        "output",
        {"retention.ms": str(14 * DAY_MS)},
    ),
    TopicSpec(
        CONGESTION_LATEST,
        "CongestionIndicator",
        "scope|indicator",
        "output",
        {"cleanup.policy": "compact"},
    ),
    TopicSpec(CONGESTION_ALERTS, "CongestionAlert", "scope", "output", {"retention.ms": str(30 * DAY_MS)}),
    TopicSpec(DEAD_LETTER, "DeadLetter", "original", "dead-letter", {"retention.ms": str(30 * DAY_MS)}),
)

BY_NAME = {spec.name: spec for spec in CATALOG}
INPUT_TOPICS = tuple(spec.name for spec in CATALOG if spec.role == "input")
TOPIC_FOR_SCHEMA = {spec.schema: spec.name for spec in CATALOG if spec.role == "input"}
KEY_FIELD_FOR_SCHEMA = {spec.schema: spec.key for spec in CATALOG if spec.role == "input"}


def spec(name: str) -> TopicSpec:
    """The catalog entry of a topic, or a clear error listing the known ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; known topics: {', '.join(BY_NAME)}") from None


def create_topics(settings: Settings, timeout: float = 15.0) -> dict[str, str]:
    """Create every catalog topic that does not exist yet; returns name -> 'created' | 'exists'."""
    admin = AdminClient(admin_config(settings))
    existing = set(admin.list_topics(timeout=timeout).topics)
    wanted = [
        NewTopic(
            t.name,
            num_partitions=t.partitions or settings.partitions,
            replication_factor=settings.replication_factor,
            config=dict(t.configs),
        )
        for t in CATALOG
        if t.name not in existing
    ]
    outcome = {t.name: "exists" for t in CATALOG if t.name in existing}
    if wanted:
        for name, future in admin.create_topics(wanted, request_timeout=timeout).items():
            try:
                future.result()
                outcome[name] = "created"
            except KafkaException as exc:
                if "TOPIC_ALREADY_EXISTS" not in str(exc):
                    raise
                outcome[name] = "exists"
    return outcome


def describe_topics(settings: Settings, timeout: float = 15.0) -> list[tuple[str, int, str, str]]:
    """(name, partitions, value schema, key) for the catalog topics present on the cluster."""
    admin = AdminClient(admin_config(settings))
    present = admin.list_topics(timeout=timeout).topics
    return [(t.name, len(present[t.name].partitions), t.schema, t.key) for t in CATALOG if t.name in present]
