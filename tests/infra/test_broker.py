"""The embedded broker: `baystream broker` in the foreground, and the catalog topics on it."""

from __future__ import annotations

import signal
import subprocess
import sys

from infra.broker import EmbeddedBroker
from infra.settings import Settings
from infra.topics import CATALOG, create_topics, describe_topics
from tests.cli import cli_env


def test_broker_command_prints_its_address_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.cli", "broker"],
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
        topics = describe_topics(Settings(bootstrap=address))
        assert {t[0] for t in topics} == {t.name for t in CATALOG}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_topics_are_created_once_with_the_configured_partitions() -> None:
    with EmbeddedBroker() as broker:
        settings = Settings(bootstrap=broker.bootstrap, partitions=2)
        assert set(create_topics(settings).values()) == {"created"}
        assert set(create_topics(settings).values()) == {"exists"}
        assert {partitions for _, partitions, _, _ in describe_topics(settings)} == {2}
    assert not broker.running()
