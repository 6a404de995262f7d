"""The brokers the integration tests run on: the embedded Tansu broker and a 3-broker Apache Kafka cluster.

Every test that takes `broker_settings` (or one of the other broker fixtures in tests/conftest.py) runs once
per engine, its id ending in `[tansu]` or `[kafka]`. `BAYSTREAM_TEST_ENGINES=tansu` (or `kafka`) runs one
of them only; `BAYSTREAM_TEST_BOOTSTRAP=host:port,...` runs them on an existing cluster instead, which the
tests treat as disposable: isolated tests delete and recreate its topics.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, TopicMetadata

from baystream.infra.broker import EmbeddedBroker
from baystream.infra.kafka_config import admin_config
from baystream.infra.settings import Settings
from baystream.infra.topics import CATALOG, create_topics, wait_until_every_broker_lists

KAFKA_BROKERS = 3
"""The Apache Kafka cluster of the suite: replication factor 3, min.insync.replicas 2."""
KAFKA_SESSION_TIMEOUT_MS = 6000
"""A killed worker leaves its group after this; Kafka's 45 s default would stall every restart test."""


class Broker(Protocol):
    """What the tests need of a running broker, embedded or a cluster."""

    @property
    def bootstrap(self) -> str: ...

    def stop(self) -> None: ...

    def running(self) -> bool: ...


def engines() -> list[str]:
    """The engines this run covers: both by default, `external` when BAYSTREAM_TEST_BOOTSTRAP is set."""
    if os.environ.get("BAYSTREAM_TEST_BOOTSTRAP"):
        return ["external"]
    chosen = os.environ.get("BAYSTREAM_TEST_ENGINES", "tansu,kafka")
    names = [name.strip() for name in chosen.split(",") if name.strip()]
    unknown = set(names) - {"tansu", "kafka"}
    if unknown or not names:
        raise ValueError(f"BAYSTREAM_TEST_ENGINES={chosen!r}: expected tansu, kafka or both")
    return names


def settings_for(engine: str, bootstrap: str) -> Settings:
    """Settings the tests and their `baystream` children use on `engine` at `bootstrap`."""
    if engine == "tansu":
        return Settings().with_overrides(bootstrap=bootstrap, embedded=True, table_store="memory://", metrics_port=0)
    replication = int(os.environ.get("BAYSTREAM_TEST_REPLICATION_FACTOR", KAFKA_BROKERS))
    return Settings().with_overrides(
        bootstrap=bootstrap,
        replication_factor=replication,
        session_timeout_ms=KAFKA_SESSION_TIMEOUT_MS,
        table_store="memory://",
        metrics_port=0,
    )


def start_broker(engine: str, brokers: int = KAFKA_BROKERS) -> Broker:
    """A new broker of `engine`, running (tansu: memory only; kafka: `brokers` KRaft nodes)."""
    if engine == "tansu":
        return EmbeddedBroker().start()
    from baystream.infra.kafka_cluster import KafkaCluster

    return KafkaCluster(brokers=brokers).start()


@dataclass
class EngineUnderTest:
    """One engine for the whole session: its shared broker and the settings pointing at it."""

    name: str
    broker: Broker | None
    """None for an external cluster (BAYSTREAM_TEST_BOOTSTRAP): not ours to start or stop."""
    settings: Settings

    @contextmanager
    def isolated(self) -> Iterator[Settings]:
        """Settings on a broker whose catalog topics hold nothing of other tests.

        Tansu: a broker of the test's own (starts in ~0.1 s). Kafka: the shared cluster with every topic
        deleted and the catalog recreated (a 3-broker cluster takes ~10 s to start, topics ~1 s).
        """
        if self.name == "tansu":
            with EmbeddedBroker() as own:
                settings = settings_for("tansu", own.bootstrap)
                create_topics(settings)
                yield settings
            return
        reset_topics(self.settings)
        yield self.settings


def reset_topics(settings: Settings, timeout: float = 60.0) -> None:
    """Delete every topic but Kafka's internal ones and recreate the catalog, once every broker agrees.

    Brokers learn of deletions and creations a little after the controller: a broker with stale metadata
    would tell `create_topics` that a deleted topic still exists, or a reader that a new one does not.
    """
    admin = AdminClient(admin_config(settings))
    names = [name for name in admin.list_topics(timeout=15).topics if not name.startswith("_")]
    if names:
        for future in admin.delete_topics(names, operation_timeout=30).values():
            future.result()
    deadline = time.monotonic() + timeout
    _wait_on_every_broker(settings, lambda listed: not set(names) & set(listed), deadline, f"{names} deleted")
    catalog = [spec.name for spec in CATALOG]
    while True:
        try:
            create_topics(settings)
            wait_until_every_broker_lists(settings, catalog, timeout=max(0.0, min(5.0, deadline - time.monotonic())))
            return
        except (KafkaException, TimeoutError):  # created too early, or told "exists" by a stale broker
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _wait_on_every_broker(
    settings: Settings, condition: Callable[[Mapping[str, TopicMetadata]], bool], deadline: float, what: str
) -> None:
    """Until the metadata of each broker (asked one by one) meets `condition`."""
    for address in str(settings.kafka.bootstrap).split(","):
        admin = AdminClient(admin_config(settings.with_overrides(bootstrap=address)))
        while not condition(admin.list_topics(timeout=15).topics):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{address}: not yet {what}")
            time.sleep(0.2)
