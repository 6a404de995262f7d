"""Run `baystream worker` as a real process against a broker, and read what it published."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from baystream.infra.reader import read_topic
from baystream.infra.settings import Settings
from baystream.producers.publisher import Publisher
from baystream.schemas.wire import Codec
from baystream.streams.model import IndicatorValue
from tests.cli import cli_env
from tests.polling import eventually

_PREFIX = os.environ.get("WORKER_PREFIX", "").split()
"""Profiling aid: e.g. WORKER_PREFIX="py-spy record -o prof.txt -f raw --" runs each worker under py-spy."""

Values = dict[tuple[str, str], tuple[float | None, str | None]]


class WorkerProcess:
    """One `baystream worker` child; its output goes to a temporary log the test can read."""

    def __init__(self, settings: Settings, app_id: str, *extra_args: str, metrics_port: int = 0):
        self.log: IO[bytes] = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log")  # noqa: SIM115
        env = cli_env(
            settings,
            BAYSTREAM_TABLE_STORE="memory://",
            BAYSTREAM_METRICS_PORT=str(metrics_port),
            BAYSTREAM_WORKER_WEB_PORT="0",
            BAYSTREAM_APP_ID=app_id,
            BAYSTREAM_PUBLISH_INTERVAL_S="1",
        )
        self.process = subprocess.Popen(
            [*_PREFIX, sys.executable, "-m", "baystream", "worker", *extra_args],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )

    def counter(self, port: int, name: str) -> float:
        """The sum of a counter's samples on the worker's /metrics (all labels)."""
        import re
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
        return sum(float(v) for v in re.findall(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M))

    def metrics(self, port: int) -> str:
        """The worker's own `baystream_*` samples, for a failure message: how far it got, and where it stopped."""
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
                text = response.read().decode()
        except OSError as exc:
            return f"(no metrics: {exc})"
        return "\n".join(line for line in text.splitlines() if line.startswith("baystream_") and "_bucket" not in line)

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Signal the worker and wait for it; SIGKILL if it does not end in time."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return int(self.process.returncode)

    def close(self) -> None:
        """Kill it if still running; its log is kept in $WORKER_LOGS (if set) for a post-mortem."""
        self.stop(signal.SIGKILL)
        keep = os.environ.get("WORKER_LOGS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            Path(keep, f"{time.strftime('%H%M%S')}-{self.process.pid}.log").write_text(self.output())
        self.log.close()


COORDINATOR_LOST = ("GroupCoordinatorNotAvailable", "marking coordinator dead", "NotCoordinatorForGroup")
"""What aiokafka logs when the group coordinator stops answering (a broker fenced or restarting)."""


def coordinator_lost(output: str) -> bool:
    """Whether a worker's log says its group coordinator went away: the one excuse for an overdue stop."""
    return any(sign in output for sign in COORDINATOR_LOST)


def publish(settings: Settings, events: Iterable[Mapping[str, Any]]) -> int:
    with Publisher(settings) as publisher:
        return publisher.publish_all(events)


def latest(settings: Settings, topic: str = "congestion-latest") -> Values:
    """The last value per (scope, indicator) on `topic`."""
    codec = Codec()
    values: Values = {}
    for message in read_topic(settings, topic, idle_timeout=3.0):
        record = codec.decode(message.value())
        values[(record["scope"], record["indicator"])] = (record["value"], record["level"])
    return values


def as_values(indicators: Iterable[IndicatorValue]) -> Values:
    return {(v.scope, v.indicator): (v.value, v.level) for v in indicators}


def same(a: Values, b: Values, rel: float = 1e-9) -> bool:
    """Equal keys, levels, and values up to float summation order."""
    if a.keys() != b.keys():
        return False
    for key, (value, level) in a.items():
        other, other_level = b[key]
        if level != other_level or (value is None) != (other is None):
            return False
        if value is not None and other is not None and abs(value - other) > rel * max(1.0, abs(value), abs(other)):
            return False
    return True


def wait_for_values(settings: Settings, expected: Values, timeout: float = 180.0) -> Values:
    """Poll congestion-latest until it equals `expected` (or the time is up: returns what is there)."""
    deadline = time.monotonic() + timeout
    seen: Values = {}
    while time.monotonic() < deadline:
        seen = latest(settings)
        if same(seen, expected):
            return seen
        time.sleep(1.0)
    return seen


def input_fully_committed(settings: Settings, group: str) -> bool:
    """True when the worker group's committed offsets of every input partition are at its end."""
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    from baystream.infra.kafka_config import consumer_config
    from baystream.infra.topics import INPUT_TOPICS

    consumer = Consumer(consumer_config(settings, group, **{"enable.auto.commit": False}))
    try:
        wanted = [TopicPartition(t, p) for t in INPUT_TOPICS for p in range(settings.kafka.partitions)]
        for tp in consumer.committed(wanted, timeout=10.0):
            _, high = consumer.get_watermark_offsets(tp, timeout=10.0)
            if high > 0 and tp.offset < high:
                return False
        return True
    except KafkaException:  # e.g. NOT_COORDINATOR while the group coordinator moves: ask again
        return False
    finally:
        consumer.close()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` every 0.5 s; fail with `what` when it is not true within `timeout` seconds."""
    eventually(condition, timeout, what, every=0.5)


def differences(a: Values, b: Values) -> list[str]:
    """A readable list of what differs (for assertion messages)."""
    out = [f"missing {k}" for k in b.keys() - a.keys()] + [f"extra {k}" for k in a.keys() - b.keys()]
    out += [f"{k}: {a[k]} != {b[k]}" for k in a.keys() & b.keys() if not same({k: a[k]}, {k: b[k]})]
    return sorted(out)[:20]
