"""The local Apache Kafka cluster (infra/kafka_cluster.py) and `baystream broker --engine kafka`.

One 3-node cluster serves the module's fault-injection tests (a start costs ~10 s on 2 cores); the
command test runs first, before that cluster exists, so no more than three JVMs of this module run at once.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from baystream.infra.broker import BrokerError, free_port
from baystream.infra.kafka_cluster import KAFKA_VERSION, KafkaCluster, cluster_defaults, kafka_libs, start_engine
from baystream.infra.settings import Settings
from baystream.infra.topics import CATALOG
from tests import polling
from tests.cli import cli_env

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def eventually(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """The first truthy result of `check`; metadata requests fail while a node is down: keep asking."""
    return polling.eventually(check, timeout, what, retry_on=(Exception,))


def admin(bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap})


def create_topic(bootstrap: str, name: str, partitions: int = 1) -> None:
    topic = NewTopic(name, num_partitions=partitions, replication_factor=3, config={"min.insync.replicas": "2"})
    client = admin(bootstrap)  # kept until the result is in: a collected client cancels its requests
    client.create_topics([topic], request_timeout=30)[name].result(timeout=60)
    eventually(lambda: in_sync(bootstrap, name) == [3] * partitions, 30, f"{name} fully replicated")


def in_sync(bootstrap: str, topic: str) -> list[int]:
    """Replicas in sync, per partition."""
    partitions = admin(bootstrap).list_topics(topic, timeout=5).topics[topic].partitions
    return [len(partitions[p].isrs) for p in sorted(partitions)]


def produce(bootstrap: str, topic: str, values: list[str], timeout: float = 60) -> None:
    """Send with acks=all (idempotent, as the Publisher does); fails on any delivery error."""
    errors: list[str] = []
    producer = Producer(
        {"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True, "message.timeout.ms": 60000}
    )
    for value in values:
        producer.produce(
            topic, value.encode(), key=value.encode(), on_delivery=lambda err, _msg: err and errors.append(str(err))
        )
    assert producer.flush(timeout) == 0, "messages still unacknowledged"
    assert errors == [], errors


def read_all(bootstrap: str, topic: str, partitions: int, count: int, timeout: float = 60) -> list[str]:
    """`count` values from the beginning of every partition (no group: assigned by hand)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    values: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while len(values) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                values.append(message.value().decode())
    finally:
        consumer.close()
    return values


def child_pids(parent: int) -> list[int]:
    """PIDs whose parent is `parent` (from /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                children.append(int(entry.name))
    return children


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_kafka_libs_absent_says_to_run_make_kafka(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("baystream.infra.kafka_cluster.KAFKA_VERSION", "0.0.0-absent")
    with pytest.raises(BrokerError, match=r"make kafka") as raised:
        kafka_libs()
    assert "\n" not in str(raised.value)


def test_cluster_defaults_follow_the_node_count() -> None:
    one, three = cluster_defaults(1), cluster_defaults(3)
    assert (one["default.replication.factor"], one["min.insync.replicas"]) == ("1", "1")
    assert (three["default.replication.factor"], three["min.insync.replicas"]) == ("3", "2")
    assert three["offsets.topic.replication.factor"] == three["transaction.state.log.replication.factor"] == "3"
    assert (one["transaction.state.log.min.isr"], three["transaction.state.log.min.isr"]) == ("1", "2")
    assert cluster_defaults(5)["default.replication.factor"] == "3"


def test_broker_command_runs_a_kafka_cluster_and_stops_every_jvm_on_sigterm() -> None:
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "baystream", "broker", "--engine", "kafka", "--brokers", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(Settings()),
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        bootstrap = process.stdout.readline().strip()
        print(f"baystream broker --engine kafka --brokers 3: address after {time.monotonic() - started:.1f}s")
        addresses = bootstrap.split(",")
        assert len(addresses) == 3 and all(re.fullmatch(r"127\.0\.0\.1:\d+", a) for a in addresses), bootstrap
        topics = admin(bootstrap).list_topics(timeout=10).topics
        for spec in CATALOG:
            assert spec.name in topics, spec.name
            assert {len(p.replicas) for p in topics[spec.name].partitions.values()} == {3}, spec.name
        children = child_pids(process.pid)  # the JVMs, and the watchdog that would end them if we died
        jvms = [pid for pid in children if "kafka.Kafka" in Path(f"/proc/{pid}/cmdline").read_text()]
        assert len(jvms) == 3, children
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert not [pid for pid in jvms if alive(pid)]
        eventually(lambda: not [pid for pid in children if alive(pid)], 5, "the watchdog gone too")
        err = process.stderr.read()
        assert f"Apache Kafka {KAFKA_VERSION}, 3 brokers" in err
        assert f"export BAYSTREAM_BOOTSTRAP={bootstrap} BAYSTREAM_REPLICATION_FACTOR=3" in err
        workdir = re.search(r"data and logs in (\S+), deleted on exit", err)
        assert workdir and not Path(workdir.group(1)).exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_one_node_cluster_from_start_engine_on_a_chosen_port() -> None:
    port = free_port()
    started = time.monotonic()
    cluster = start_engine("kafka", port=port)
    try:
        print(f"1-node cluster up in {time.monotonic() - started:.1f}s")
        assert isinstance(cluster, KafkaCluster) and cluster.node_ids == [1]
        assert cluster.bootstrap == f"127.0.0.1:{port}" and cluster.running()
        produce(cluster.bootstrap, "auto-created", ["a", "b"])  # auto-created, replication factor 1
        assert sorted(read_all(cluster.bootstrap, "auto-created", 3, 2)) == ["a", "b"]
        pids = list(cluster.pids().values())
        assert len(pids) == 1
    finally:
        cluster.stop()
    assert not cluster.running() and not cluster.workdir.exists()
    assert not [pid for pid in pids if alive(pid)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    """Three nodes for the module; each test starts with all three up (see `up`)."""
    logs = tmp_path_factory.mktemp("kafka-logs")
    print(f"Kafka node logs in {logs}")
    started = time.monotonic()
    with KafkaCluster(3, log_dir=logs) as running:
        print(f"3-node cluster up in {time.monotonic() - started:.1f}s")
        yield running


@pytest.fixture
def up(cluster: KafkaCluster) -> KafkaCluster:
    for node_id in cluster.node_ids:
        if node_id not in cluster.pids():
            cluster.start_broker(node_id)
    return cluster


def test_three_nodes_take_acks_all_writes_on_replication_factor_3(up: KafkaCluster, fresh_name: str) -> None:
    metadata = admin(up.bootstrap).list_topics(timeout=10)
    assert sorted(metadata.brokers) == [1, 2, 3] == up.node_ids
    create_topic(up.bootstrap, fresh_name, partitions=3)
    values = [f"v{i}" for i in range(300)]
    produce(up.bootstrap, fresh_name, values)
    assert sorted(read_all(up.bootstrap, fresh_name, 3, len(values))) == sorted(values)


def test_killing_a_partition_leader_moves_leadership_and_the_node_rejoins(up: KafkaCluster, fresh_name: str) -> None:
    create_topic(up.bootstrap, fresh_name)
    produce(up.bootstrap, fresh_name, ["before"])
    leader = up.leader(fresh_name, 0)
    assert leader in up.node_ids

    killed = time.monotonic()
    up.kill_broker(leader)
    assert leader not in up.pids() and up.running()
    new_leader = eventually(
        lambda: (lambda now: now if now not in (leader, -1) else None)(up.leader(fresh_name, 0)),
        30,
        f"a new leader after killing node {leader}",
    )
    print(f"node {leader} killed: node {new_leader} leads after {time.monotonic() - killed:.1f}s")
    produce(up.bootstrap, fresh_name, ["during"])  # 2 in sync = min.insync.replicas: acks=all still succeeds

    restarted = time.monotonic()
    up.start_broker(leader)
    assert leader in up.pids()
    assert leader in admin(up.bootstrap).list_topics(timeout=10).brokers
    eventually(lambda: in_sync(up.bootstrap, fresh_name) == [3], 60, f"node {leader} back in sync")
    print(f"node {leader} restarted and in sync after {time.monotonic() - restarted:.1f}s")
    assert read_all(up.bootstrap, fresh_name, 1, 2) == ["before", "during"]


def test_a_stopped_node_hands_over_and_comes_back(up: KafkaCluster, fresh_name: str) -> None:
    create_topic(up.bootstrap, fresh_name)
    leader = up.leader(fresh_name, 0)
    up.stop_broker(leader)  # controlled shutdown: leadership moves before the node exits
    assert leader not in up.pids()
    eventually(lambda: up.leader(fresh_name, 0) not in (leader, -1), 10, "a new leader")
    produce(up.bootstrap, fresh_name, ["x"])
    up.start_broker(leader)
    eventually(lambda: in_sync(up.bootstrap, fresh_name) == [3], 60, f"node {leader} back in sync")


def test_a_full_restart_keeps_the_data_ports_and_topics(up: KafkaCluster, fresh_name: str) -> None:
    create_topic(up.bootstrap, fresh_name, partitions=3)
    values = [f"kept-{i}" for i in range(100)]
    produce(up.bootstrap, fresh_name, values)
    bootstrap, before = up.bootstrap, up.pids()

    started = time.monotonic()
    up.restart()
    print(f"full restart of 3 nodes: {time.monotonic() - started:.1f}s")
    after = up.pids()
    assert up.bootstrap == bootstrap and sorted(after) == [1, 2, 3]
    assert not set(before.values()) & set(after.values())  # new JVMs
    assert sorted(read_all(up.bootstrap, fresh_name, 3, len(values))) == sorted(values)
    produce(up.bootstrap, fresh_name, ["after"])
