"""Test helpers for the dashboard: private topics, indicator records on the real broker, a served dashboard."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from baystream.consumers.dashboard.app import RunningDashboard, start_dashboard
from baystream.consumers.dashboard.feed import FeedTopics
from baystream.consumers.dashboard.service import DashboardOptions
from baystream.infra.kafka_config import admin_config, producer_config
from baystream.infra.settings import Settings
from baystream.infra.topics import wait_until_every_broker_lists
from baystream.schemas.wire import Codec
from tests.polling import eventually

T = TypeVar("T")
BASE_TIME = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def private_topics(settings: Settings, prefix: str) -> FeedTopics:
    """Fresh topics shaped like the catalog's topics the dashboard reads, so tests never see each other's data."""
    topics = FeedTopics(
        f"{prefix}-latest", f"{prefix}-indicators", f"{prefix}-alerts", f"{prefix}-status", f"{prefix}-gate"
    )
    admin = AdminClient(admin_config(settings))
    futures = admin.create_topics(
        [
            NewTopic(name, num_partitions=3, replication_factor=settings.kafka.replication_factor)
            for name in topics.__dict__.values()
        ]
    )
    for future in futures.values():
        future.result(15)
    # brokers of a cluster learn of a new topic one after the other: produce only once each of them knows it
    wait_until_every_broker_lists(settings, list(topics.__dict__.values()), timeout=60)
    return topics


def indicator(
    scope: str, name: str, value: float | None, level: str | None = None, at: datetime = BASE_TIME
) -> dict[str, Any]:
    return {
        "type": "CongestionIndicator",
        "scope": scope,
        "indicator": name,
        "value": value,
        "level": level,
        "as_of": at,
        "computed_at": datetime.now(UTC).replace(microsecond=0),
    }


def alert(scope: str, level: str, previous: str | None, index: float, at: datetime) -> dict[str, Any]:
    return {
        "type": "CongestionAlert",
        "alert_id": f"{scope}|{level}|{int(at.timestamp() * 1000)}",
        "scope": scope,
        "previous_level": previous,
        "level": level,
        "congestion_index": index,
        "as_of": at,
        "message": f"congestion {previous or 'new'} → {level}, index {index:.0f}",
    }


class Publisher:
    """Puts indicator records where the worker would: both indicator topics, and alerts, keyed as the catalog says."""

    def __init__(self, settings: Settings, topics: FeedTopics):
        self.topics = topics
        self.codec = Codec()
        self.producer = Producer(producer_config(settings))

    def indicators(self, records: list[Mapping[str, Any]]) -> None:
        for record in records:
            value = self.codec.encode(record)
            self.producer.produce(self.topics.indicators, value, key=record["scope"])
            self.producer.produce(self.topics.latest, value, key=f"{record['scope']}|{record['indicator']}")
        self._flush()

    def alerts(self, records: list[Mapping[str, Any]]) -> None:
        for record in records:
            self.producer.produce(self.topics.alerts, self.codec.encode(record), key=record["scope"])
        self._flush()

    def raw(self, topic: str, value: bytes) -> None:
        self.producer.produce(topic, value, key=b"junk")
        self._flush()

    def _flush(self) -> None:
        assert self.producer.flush(15) == 0, "broker did not acknowledge every record"


class ServedDashboard:
    """A dashboard served on a free port by an event loop in a background thread."""

    def __init__(self, running: RunningDashboard, loop: asyncio.AbstractEventLoop):
        self.running = running
        self.loop = loop
        self.url = running.url

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the service's loop (the store is only touched there) and return its result."""
        future: Future[T] = Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except Exception as exc:
                future.set_exception(exc)

        self.loop.call_soon_threadsafe(run)
        return future.result(10)

    def get(self, path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def get_text(self, path: str) -> tuple[int, str, str]:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()

    def wait_ready(self, timeout: float = 30.0) -> dict[str, Any]:
        return wait_for(lambda: (lambda r: r[1] if r[0] == 200 else None)(self.get("/healthz")), timeout)


def wait_for(probe: Callable[[], T | None], timeout: float = 20.0, every: float = 0.1) -> T:
    """Poll until `probe` returns something truthy; fail with the last value after `timeout`."""
    return cast(T, eventually(probe, timeout, every=every))


@contextmanager
def background_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread until the block ends."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-loop", daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def served_dashboard(settings: Settings, options: DashboardOptions, port: int = 0) -> Iterator[ServedDashboard]:
    """Serve a dashboard in a thread for the duration of a test; stops it and its reader afterwards."""
    with background_loop() as loop:
        starting = start_dashboard(settings, options, "127.0.0.1", port)
        running = asyncio.run_coroutine_threadsafe(starting, loop).result(30)
        try:
            yield ServedDashboard(running, loop)
        finally:
            asyncio.run_coroutine_threadsafe(running.stop(), loop).result(30)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
