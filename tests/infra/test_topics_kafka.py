"""The catalog on a fresh 3-broker Apache Kafka cluster: created with min.insync.replicas=2, restored when changed.

Skipped only when `infra.kafka_cluster` cannot be imported (the cluster helper is not in the tree); a
machine without Kafka's jars or Java fails here, as everywhere else the suite needs the cluster.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ConfigSource,
    ResourceType,
)

from baystream.infra.settings import Settings
from baystream.infra.topics import CATALOG, CONGESTION_LATEST, GATE_MOVES, create_topics, spec, topic_configs
from tests.infra.test_topics import WEEK, eventually_described

try:
    from baystream.infra.kafka_cluster import KafkaCluster
except ImportError as exc:  # pragma: no cover - only before infra/kafka_cluster.py exists
    pytest.skip(
        f"infra.kafka_cluster cannot be imported ({exc}): no Apache Kafka cluster to create the topics on",
        allow_module_level=True,
    )

pytestmark = pytest.mark.integration


def _configs(admin: AdminClient, names: list[str], timeout: float = 30) -> tuple[dict[str, Any], dict[str, Any]]:
    """The metadata and every config of every topic, once the brokers asked know them (just created: a
    moment later)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            metadata = admin.list_topics(timeout=15).topics
            assert set(names) <= set(metadata)
            futures = admin.describe_configs([ConfigResource(ResourceType.TOPIC, name) for name in names])
            return metadata, {r.name: f.result(timeout=15) for r, f in futures.items()}
        except (AssertionError, KafkaException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_topics_on_three_brokers_need_two_in_sync_and_hand_changes_are_restored() -> None:
    with KafkaCluster(brokers=3) as cluster:
        settings = Settings().with_overrides(bootstrap=cluster.bootstrap, replication_factor=3)
        assert create_topics(settings) == {t.name: "created" for t in CATALOG}
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
        metadata, described = _configs(admin, [t.name for t in CATALOG])
        for t in CATALOG:
            assert {len(p.replicas) for p in metadata[t.name].partitions.values()} == {3}, t.name
            isr = described[t.name]["min.insync.replicas"]
            # the topic's own setting, not the cluster default (which is also 2 on this cluster)
            assert (isr.value, isr.source) == ("2", ConfigSource.DYNAMIC_TOPIC_CONFIG.value), t.name
            for key, value in topic_configs(t, settings).items():
                assert described[t.name][key].value == value, (t.name, key)

        by_hand = [
            ConfigResource(
                ResourceType.TOPIC,
                CONGESTION_LATEST,
                incremental_configs=[
                    ConfigEntry("min.insync.replicas", "1", incremental_operation=AlterConfigOpType.SET),
                    ConfigEntry("segment.ms", None, incremental_operation=AlterConfigOpType.DELETE),
                ],
            ),
            ConfigResource(
                ResourceType.TOPIC,
                GATE_MOVES,
                incremental_configs=[
                    ConfigEntry("min.insync.replicas", "3", incremental_operation=AlterConfigOpType.SET)
                ],
            ),
        ]
        for future in admin.incremental_alter_configs(by_hand).values():
            future.result(timeout=15)
        eventually_described(cluster.bootstrap, CONGESTION_LATEST, {"min.insync.replicas": "1", "segment.ms": WEEK})
        eventually_described(cluster.bootstrap, GATE_MOVES, {"min.insync.replicas": "3"})

        restored_by_create_topics(settings, {CONGESTION_LATEST, GATE_MOVES})
        for t in (CONGESTION_LATEST, GATE_MOVES):
            eventually_described(cluster.bootstrap, t, topic_configs(spec(t), settings))
        deadline = time.monotonic() + 30
        while (outcome := create_topics(settings)) != {t.name: "exists" for t in CATALOG}:
            assert set(outcome.values()) <= {"exists", "updated"} and time.monotonic() < deadline, outcome
            time.sleep(0.2)  # a broker that had not heard of the restore yet: it is altered again, harmlessly


def restored_by_create_topics(settings: Settings, changed: set[str], timeout: float = 30.0) -> None:
    """`create_topics` until it has reported each topic of `changed` updated, and no other. A topic's configs
    are described by whichever broker the client picks, and a broker hears of a change a moment after the
    controller took it: `eventually_described` cannot pin its describe to one broker either, so one call of
    `create_topics` may still read a broker that has not seen the hand change, and find nothing to restore
    (seen once in a full suite run on a loaded machine)."""
    deadline = time.monotonic() + timeout
    restored: set[str] = set()
    while restored != changed:
        outcome = create_topics(settings)
        assert {name for name, result in outcome.items() if result != "exists"} <= changed, outcome
        restored |= {name for name, result in outcome.items() if result == "updated"}
        assert restored == changed or time.monotonic() < deadline, f"restored {sorted(restored)} of {sorted(changed)}"
        time.sleep(0 if restored == changed else 0.2)
