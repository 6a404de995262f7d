"""The broker a benchmark runs on: `--engine {tansu,kafka}` and `--bootstrap`, the test suite's engines.

Each part of a benchmark runs on a broker of its own with empty catalog topics (`bench_broker`):
- `tansu` (default): the embedded Tansu broker (memory store).
- `kafka`: a local Apache Kafka cluster of 3 KRaft nodes (infra/kafka_cluster.py; `make kafka` fetches it),
  as the test suite runs it (tests/brokers.py): topics with replication factor 3 and `min.insync.replicas`
  2, idempotent `acks=all` producers (infra/kafka_config.py), 6 s group sessions. A new cluster for each part
  (10-20 s to start on 2 cores, not timed), as Tansu gets a new broker.
- `--bootstrap HOST:PORT,...`: an existing Kafka cluster instead, with the same settings (replication factor
  from `BAYSTREAM_TEST_REPLICATION_FACTOR`, default 3). Treated as disposable, as the tests treat
  `BAYSTREAM_TEST_BOOTSTRAP`: before each part every topic on it but Kafka's internal ones is deleted and the
  catalog recreated (tests/brokers.py `reset_topics`).

Child processes get their environment from tests/cli.py (`cli_env`). A benchmark script puts the
repository's root first on `sys.path` before importing this (tests/ is not an installed package).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from baystream.infra.kafka_cluster import KAFKA_VERSION
from baystream.infra.kafka_config import admin_config, producer_config
from baystream.infra.settings import Settings
from baystream.infra.topics import CATALOG, create_topics
from tests.brokers import KAFKA_BROKERS, reset_topics, settings_for, start_broker
from tests.cli import cli_env

ENGINES = ("tansu", "kafka")

child_env = cli_env
"""The environment of a `baystream` child process on these settings (tests/cli.py)."""


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="tansu",
        help=f"tansu: the embedded broker (memory store, default); kafka: a local {KAFKA_BROKERS}-broker Apache "
        f"Kafka {KAFKA_VERSION} KRaft cluster (replication factor 3, min.insync.replicas 2, acks=all)",
    )
    parser.add_argument(
        "--bootstrap",
        default=None,
        help="an existing Kafka cluster instead (host:port,...); DISPOSABLE: its topics are deleted and recreated",
    )


@dataclass(frozen=True)
class BenchBroker:
    """The broker of one part of a benchmark and the settings pointing at it."""

    engine: str
    """tansu, kafka (a local cluster started for this part) or external (`--bootstrap`)."""
    settings: Settings

    def describe(self) -> str:
        """What it is, read back from the broker: nodes, replicas, min.insync.replicas, acks."""
        if self.engine == "tansu":
            return f"Tansu (embedded, memory store) at {self.settings.kafka.bootstrap}"
        admin = AdminClient(admin_config(self.settings))
        metadata = admin.list_topics(timeout=15)
        topic = CATALOG[0].name
        replicas = min(len(p.replicas) for p in metadata.topics[topic].partitions.values())
        resource = ConfigResource(ResourceType.TOPIC, topic)
        isr = admin.describe_configs([resource], request_timeout=15)[resource].result()["min.insync.replicas"]
        what = f"Apache Kafka {KAFKA_VERSION} (local KRaft cluster)" if self.engine == "kafka" else "Kafka cluster"
        return (
            f"{what}, {len(metadata.brokers)} brokers at {self.settings.kafka.bootstrap}: {topic} has {replicas} "
            f"replicas, min.insync.replicas {isr.value}; producers acks={producer_config(self.settings)['acks']}"
        )


@contextmanager
def bench_broker(engine: str, bootstrap: str | None = None) -> Iterator[BenchBroker]:
    """A broker with the catalog topics, empty: new (stopped when the block ends), or `bootstrap`'s, reset.

    On Kafka, `reset_topics` (tests/brokers.py) also waits until every broker lists the catalog: a client
    asking a broker that has not heard of a new topic yet would be told it does not exist.
    """
    if bootstrap:
        settings = settings_for("kafka", bootstrap)
        reset_topics(settings)
        yield BenchBroker("external", settings)
        return
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: {' or '.join(ENGINES)}")
    broker = start_broker(engine)
    try:
        settings = settings_for(engine, broker.bootstrap)
        if engine == "kafka":
            reset_topics(settings)  # a new cluster: nothing to delete, the catalog created and listed everywhere
        else:
            create_topics(settings)
        yield BenchBroker(engine, settings)
    finally:
        broker.stop()


def machine() -> str:
    """Cores and load average now: figures on a shared machine mean little without them."""
    one, five, fifteen = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.2f} {five:.2f} {fifteen:.2f}"
