"""The embedded broker: `baystream broker` in the foreground, and the catalog topics on it.

The Kafka engine of the same command: tests/infra/test_kafka_cluster.py.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from baystream.infra.broker import EmbeddedBroker
from baystream.infra.kafka_cluster import start_engine
from baystream.infra.settings import Settings
from baystream.infra.topics import CATALOG, create_topics, describe_topics
from tests.cli import baystream, cli_env


def test_broker_command_prints_its_address_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "baystream", "broker"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(Settings()),
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        host, port = address.split(":")
        assert host == "127.0.0.1" and int(port) > 0
        topics = describe_topics(Settings().with_overrides(bootstrap=address))
        assert {t[0] for t in topics} == {t.name for t in CATALOG}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_topics_are_created_once_with_the_configured_partitions() -> None:
    with EmbeddedBroker() as broker:
        settings = Settings().with_overrides(bootstrap=broker.bootstrap, partitions=2)
        assert set(create_topics(settings).values()) == {"created"}
        assert set(create_topics(settings).values()) == {"exists"}
        assert {partitions for _, partitions, _, _ in describe_topics(settings)} == {2}
    assert not broker.running()


def test_the_tansu_engine_is_the_default_and_runs_one_broker() -> None:
    done = baystream(Settings(), "broker", "--brokers", "2")
    assert done.returncode == 2 and "use --engine kafka" in done.stderr
    assert done.stdout == ""


def test_start_engine_tansu_is_the_embedded_broker() -> None:
    broker = start_engine("tansu")
    try:
        assert isinstance(broker, EmbeddedBroker) and broker.running()
        assert describe_topics(Settings().with_overrides(bootstrap=broker.bootstrap)) == []
    finally:
        broker.stop()
    assert not broker.running()
    with pytest.raises(ValueError, match="tansu or kafka"):
        start_engine("redpanda")
    with pytest.raises(ValueError, match="one broker"):
        start_engine("tansu", brokers=3)
