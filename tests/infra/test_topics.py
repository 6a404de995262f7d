"""The topic catalog: which configs each topic gets, and `topics create` reconciling existing topics.

Unit tests (no broker): `topic_configs` under rf 1, 2, 3; the reconciliation against a stand-in admin client
whose broker answers what a test wants (also refusals). Integration: the embedded broker (Tansu).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

from baystream.infra import topics
from baystream.infra.settings import Settings
from baystream.infra.topics import (
    CATALOG,
    CONGESTION_LATEST,
    CONTAINER_STATUS,
    DAY_MS,
    GATE_MOVES,
    INPUT_RETENTION_MS,
    INPUT_TOPICS,
    LATEST_SEGMENT_MS,
    WEBHOOK_SUBSCRIPTIONS,
    config_differences,
    create_topics,
    min_insync_replicas,
    reconcile_topics,
    spec,
    topic_configs,
)
from tests.cli import baystream

WEEK = str(7 * DAY_MS)
OUTPUT_RETENTION = {
    "congestion-indicators": str(14 * DAY_MS),
    "congestion-alerts": str(30 * DAY_MS),
    "dead-letter": str(30 * DAY_MS),
}
LATEST = {"cleanup.policy": "compact", "segment.ms": "60000", "min.cleanable.dirty.ratio": "0.01"}


# --- which configs a topic gets -------------------------------------------------------------------------


def test_every_topic_on_one_replica() -> None:
    settings = Settings().with_overrides(replication_factor=1)
    expected = {
        **{name: {"retention.ms": WEEK} for name in INPUT_TOPICS},
        **{name: {"retention.ms": ms} for name, ms in OUTPUT_RETENTION.items()},
        CONGESTION_LATEST: LATEST,
        WEBHOOK_SUBSCRIPTIONS: {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01"},
        CONTAINER_STATUS: LATEST,
    }
    assert {t.name: topic_configs(t, settings) for t in CATALOG} == expected


def test_every_topic_on_three_replicas_needs_two_in_sync() -> None:
    one, three = Settings().with_overrides(replication_factor=1), Settings().with_overrides(replication_factor=3)
    for t in CATALOG:
        assert topic_configs(t, three) == {**topic_configs(t, one), "min.insync.replicas": "2"}


@pytest.mark.parametrize(("rf", "isr"), [(1, None), (2, 1), (3, 2), (4, 2), (5, 2)])
def test_min_insync_replicas_leaves_one_replica_to_lose(rf: int, isr: int | None) -> None:
    assert min_insync_replicas(rf) == isr
    configs = topic_configs(spec(GATE_MOVES), Settings().with_overrides(replication_factor=rf))
    assert configs.get("min.insync.replicas") == (None if isr is None else str(isr))


def test_an_existing_topics_own_replication_factor_wins() -> None:
    """A one-replica topic under rf=3 settings must not get min.insync.replicas=2: no write would succeed."""
    assert "min.insync.replicas" not in topic_configs(
        spec(GATE_MOVES), Settings().with_overrides(replication_factor=3), 1
    )
    assert topic_configs(spec(GATE_MOVES), Settings(), 3)["min.insync.replicas"] == "2"


def test_the_constants_say_what_the_catalog_sets() -> None:
    assert INPUT_RETENTION_MS == 7 * DAY_MS
    assert LATEST_SEGMENT_MS == 60_000
    assert spec(CONGESTION_LATEST).configs["segment.ms"] == str(LATEST_SEGMENT_MS)
    assert topic_configs(spec(CONGESTION_LATEST), Settings()) is not spec(CONGESTION_LATEST).configs  # a copy


def test_differences_are_only_the_catalogs_keys_and_numbers_compare_as_numbers() -> None:
    wanted = {"min.cleanable.dirty.ratio": "0.01", "segment.ms": "60000", "cleanup.policy": "compact"}
    actual = {"min.cleanable.dirty.ratio": "0.010", "segment.ms": "604800000", "retention.bytes": "5"}
    assert config_differences(wanted, actual) == {
        "segment.ms": ("604800000", "60000"),
        "cleanup.policy": (None, "compact"),
    }
    assert config_differences({"min.cleanable.dirty.ratio": "1"}, {"min.cleanable.dirty.ratio": "1.0"}) == {}
    assert config_differences({"cleanup.policy": "compact"}, {"cleanup.policy": "compact,delete"}) != {}


# --- reconciliation, against a stand-in broker -------------------------------------------------------------


def _done(value: Any = None, error: KafkaError | None = None) -> Future[Any]:
    future: Future[Any] = Future()
    if error is None:
        future.set_result(value)
    else:
        future.set_exception(KafkaException(error))
    return future


@dataclass
class _Partition:
    replicas: list[int]


@dataclass
class _Topic:
    partitions: dict[int, _Partition]
    configs: dict[str, str] = field(default_factory=dict)


@dataclass
class _Entry:
    value: str | None


@dataclass
class FakeBroker:
    """What a stand-in AdminClient sees and records; `describe_error` / `alter_error` make it refuse."""

    topics: dict[str, _Topic] = field(default_factory=dict)
    describe_error: KafkaError | None = None
    alter_error: KafkaError | None = None
    altered: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, name: str, partitions: int = 3, rf: int = 1, **configs: str) -> None:
        replicas = list(range(1, rf + 1))
        self.topics[name] = _Topic({p: _Partition(replicas) for p in range(partitions)}, dict(configs))

    def client(self, config: dict[str, Any]) -> Any:
        broker = self

        class Admin:
            def list_topics(self, timeout: float = -1) -> Any:
                return type("Metadata", (), {"topics": dict(broker.topics)})()

            def create_topics(self, new: list[Any], request_timeout: float = -1) -> dict[str, Future[Any]]:
                for t in new:
                    broker.add(t.topic, t.num_partitions, t.replication_factor, **t.config)
                return {t.topic: _done() for t in new}

            def describe_configs(self, resources: list[ConfigResource], request_timeout: float = -1) -> Any:
                return {
                    r: _done({k: _Entry(v) for k, v in broker.topics[r.name].configs.items()}, broker.describe_error)
                    for r in resources
                }

            def incremental_alter_configs(self, resources: list[ConfigResource], request_timeout: float = -1) -> Any:
                if broker.alter_error is None:
                    for r in resources:
                        for entry in r.incremental_configs:
                            assert entry.incremental_operation == AlterConfigOpType.SET
                            broker.topics[r.name].configs[entry.name] = entry.value
                            broker.altered.append((r.name, entry.name, entry.value))
                return {r: _done(None, broker.alter_error) for r in resources}

        return Admin()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBroker]:
    broker = FakeBroker()
    monkeypatch.setattr(topics, "AdminClient", broker.client)
    yield broker


SETTINGS = Settings().with_overrides(bootstrap="stand-in:9092", replication_factor=3)


def _reports(settings: Settings = SETTINGS) -> dict[str, topics.TopicReport]:
    return {r.name: r for r in reconcile_topics(settings)}


def test_missing_topics_are_created_with_their_configs(fake: FakeBroker) -> None:
    assert create_topics(SETTINGS) == {t.name: "created" for t in CATALOG}
    for t in CATALOG:
        assert fake.topics[t.name].configs == topic_configs(t, SETTINGS)
        assert {len(p.replicas) for p in fake.topics[t.name].partitions.values()} == {3}
    assert create_topics(SETTINGS) == {t.name: "exists" for t in CATALOG}
    assert fake.altered == []


def test_differing_configs_are_set_back_and_others_left_alone(fake: FakeBroker) -> None:
    create_topics(SETTINGS)
    fake.topics[GATE_MOVES].configs.update({"retention.ms": str(DAY_MS), "retention.bytes": "1000"})
    del fake.topics[CONGESTION_LATEST].configs["segment.ms"]
    fake.topics[CONGESTION_LATEST].configs["min.insync.replicas"] = "1"
    reports = _reports()
    assert reports[GATE_MOVES].outcome == "updated"
    assert reports[GATE_MOVES].changed == (("retention.ms", str(DAY_MS), WEEK),)
    assert reports[CONGESTION_LATEST].outcome == "updated"
    assert set(reports[CONGESTION_LATEST].changed) == {("segment.ms", None, "60000"), ("min.insync.replicas", "1", "2")}
    assert {r.outcome for name, r in reports.items() if name not in (GATE_MOVES, CONGESTION_LATEST)} == {"exists"}
    assert fake.topics[GATE_MOVES].configs["retention.bytes"] == "1000"  # not the catalog's: untouched
    assert all(not r.notes for r in reports.values())


def test_partitions_and_replication_factor_are_reported_never_changed(fake: FakeBroker) -> None:
    for t in CATALOG:
        fake.add(t.name, partitions=6, rf=1, **topic_configs(t, Settings()))
    reports = _reports()  # the settings: 3 partitions, rf 3
    for report in reports.values():
        assert report.outcome == "exists", report
        assert [n.split(":")[0] for n in report.notes] == ["partitions", "replication factor"]
        assert "6 on the cluster, 3 in the settings" in report.notes[0]
        assert "1 on the cluster, 3 in the settings" in report.notes[1]
    assert fake.altered == []  # in particular no min.insync.replicas=2 on one replica
    assert {len(p.replicas) for p in fake.topics[GATE_MOVES].partitions.values()} == {1}


def test_a_topic_without_partition_metadata_yet_is_not_reported_as_resized(fake: FakeBroker) -> None:
    create_topics(SETTINGS)
    fake.topics[GATE_MOVES].partitions.clear()  # metadata of a topic a broker is still creating
    report = _reports()[GATE_MOVES]
    assert (report.outcome, report.notes) == ("exists", ())


def test_a_broker_that_cannot_describe_configs_is_reported_and_skipped(fake: FakeBroker) -> None:
    create_topics(SETTINGS)
    fake.topics[GATE_MOVES].configs["retention.ms"] = "1"
    fake.describe_error = KafkaError(KafkaError._UNSUPPORTED_FEATURE, "DescribeConfigs not supported")
    reports = _reports()
    for report in reports.values():
        assert report.outcome == "exists"
        assert report.notes == ("configs not checked: _UNSUPPORTED_FEATURE: DescribeConfigs not supported",)
    assert fake.topics[GATE_MOVES].configs["retention.ms"] == "1"
    assert create_topics(SETTINGS) == {t.name: "exists" for t in CATALOG}  # warnings, no failure


def test_a_broker_that_refuses_a_config_is_reported_and_the_rest_goes_on(fake: FakeBroker) -> None:
    create_topics(SETTINGS)
    fake.topics[CONGESTION_LATEST].configs["min.cleanable.dirty.ratio"] = "0.5"
    fake.alter_error = KafkaError(KafkaError.INVALID_CONFIG, "Unknown topic config name: min.cleanable.dirty.ratio")
    report = _reports()[CONGESTION_LATEST]
    assert report.outcome == "exists" and report.changed == ()
    assert report.notes == (
        "configs not updated (min.cleanable.dirty.ratio): "
        "INVALID_CONFIG: Unknown topic config name: min.cleanable.dirty.ratio",
    )


def test_a_topic_created_meanwhile_by_someone_else_is_checked_like_the_others(
    fake: FakeBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_topics(SETTINGS)
    fake.topics[GATE_MOVES].configs["retention.ms"] = "1"
    real_client = fake.client

    def racing(config: dict[str, Any]) -> Any:
        admin = real_client(config)
        listing = admin.list_topics
        calls = iter(range(1_000))

        def list_topics(timeout: float = -1) -> Any:
            metadata = listing(timeout)
            if next(calls) == 0:  # the first listing misses gate-moves
                metadata.topics.pop(GATE_MOVES)
            return metadata

        def create(new: list[Any], request_timeout: float = -1) -> dict[str, Future[Any]]:
            error = KafkaError(KafkaError.TOPIC_ALREADY_EXISTS, "Topic 'gate-moves' already exists.")
            return {t.topic: _done(None, error) for t in new}

        admin.list_topics, admin.create_topics = list_topics, create
        return admin

    monkeypatch.setattr(topics, "AdminClient", racing)
    assert _reports()[GATE_MOVES].changed == (("retention.ms", "1", WEEK),)


# --- on a broker (the embedded one; with tests/brokers.py also the Apache Kafka cluster) ------------------
#
# These tests share the session's topics with others: what they change by hand is harmless meanwhile
# (longer retention, longer segments, a higher dirty ratio) and restored by the code under test.


def _described(settings: Settings, names: list[str] | None = None) -> dict[str, dict[str, str | None]]:
    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap})
    resources = [ConfigResource(ResourceType.TOPIC, name) for name in names or [t.name for t in CATALOG]]
    futures = admin.describe_configs(resources)
    return {r.name: {k: e.value for k, e in f.result(timeout=15).items()} for r, f in futures.items()}


def eventually_described(bootstrap: str, topic: str, configs: dict[str, str], timeout: float = 30) -> None:
    """Until every broker describes `topic` with `configs`: a cluster's brokers learn of a change a moment
    after the controller took it (a few hundred ms here), and a describe may go to any of them."""
    deadline = time.monotonic() + timeout
    for address in bootstrap.split(","):
        admin = AdminClient({"bootstrap.servers": address})  # its only connection: the describe goes there
        while True:
            try:
                future = admin.describe_configs([ConfigResource(ResourceType.TOPIC, topic)])
                entries = next(iter(future.values())).result(timeout=15)
                if not config_differences(configs, {k: e.value for k, e in entries.items()}):
                    break
            except KafkaException:
                pass  # a topic the broker does not know yet
            assert time.monotonic() < deadline, f"{address} never described {topic} with {configs}"
            time.sleep(0.1)


def _set_by_hand(settings: Settings, topic: str, configs: dict[str, str]) -> None:
    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap})
    entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in configs.items()]
    resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=entries)
    for future in admin.incremental_alter_configs([resource]).values():
        future.result(timeout=15)
    eventually_described(str(settings.kafka.bootstrap), topic, configs)


def _settled(settings: Settings) -> None:
    """Until every broker has every catalog topic with the catalog's configs (a test before may just have
    deleted and recreated them: tests/brokers.py `reset_topics`)."""
    for t in CATALOG:
        eventually_described(str(settings.kafka.bootstrap), t.name, topic_configs(t, settings))


def _other_replication_factor(settings: Settings) -> int:
    return 3 if settings.kafka.replication_factor == 1 else 1


@pytest.mark.integration
def test_create_again_is_idempotent_and_restores_hand_changes(broker_settings: Settings) -> None:
    _settled(broker_settings)  # the fixture created them, with the catalog's configs
    assert create_topics(broker_settings) == {t.name: "exists" for t in CATALOG}

    _set_by_hand(broker_settings, GATE_MOVES, {"retention.ms": str(14 * DAY_MS)})
    _set_by_hand(broker_settings, CONGESTION_LATEST, {"segment.ms": WEEK, "min.cleanable.dirty.ratio": "0.5"})
    outcome = create_topics(broker_settings)
    assert outcome == {t.name: "exists" for t in CATALOG} | {GATE_MOVES: "updated", CONGESTION_LATEST: "updated"}
    eventually_described(str(broker_settings.kafka.bootstrap), GATE_MOVES, {"retention.ms": WEEK})
    eventually_described(str(broker_settings.kafka.bootstrap), CONGESTION_LATEST, LATEST)
    assert create_topics(broker_settings) == {t.name: "exists" for t in CATALOG}


@pytest.mark.integration
def test_what_cannot_change_is_reported_not_changed(broker_settings: Settings) -> None:
    _settled(broker_settings)
    actual_rf, other_rf = broker_settings.kafka.replication_factor, _other_replication_factor(broker_settings)
    reports = reconcile_topics(broker_settings.with_overrides(partitions=5, replication_factor=other_rf))
    for report in reports:
        assert report.outcome == "exists", report
        assert f"partitions: {broker_settings.kafka.partitions} on the cluster, 5 in the settings" in report.notes[0]
        assert f"replication factor: {actual_rf} on the cluster, {other_rf} in the settings" in report.notes[1]
    assert (
        config_differences(topic_configs(spec(GATE_MOVES), broker_settings), _described(broker_settings)[GATE_MOVES])
        == {}
    )


@pytest.mark.integration
def test_topics_create_prints_what_it_changed(broker_settings: Settings) -> None:
    _settled(broker_settings)
    _set_by_hand(broker_settings, GATE_MOVES, {"retention.ms": str(14 * DAY_MS)})
    result = baystream(broker_settings, "topics", "create")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    at = lines.index(f"{GATE_MOVES}\tupdated")
    assert lines[at + 1] == f"  retention.ms: {14 * DAY_MS} -> {WEEK}"
    assert [line.split("\t")[0] for line in lines if "\t" in line] == [t.name for t in CATALOG]
    eventually_described(str(broker_settings.kafka.bootstrap), GATE_MOVES, {"retention.ms": WEEK})
    assert baystream(broker_settings, "topics", "create").stdout == "".join(f"{t.name}\texists\n" for t in CATALOG)
