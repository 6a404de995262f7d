"""The dashboard's reader: one group-less confluent-kafka consumer in a background thread.

It assigns `congestion-latest` and `congestion-alerts` from the beginning (the compacted latest topic
fills an empty dashboard at once) and `congestion-indicators` from `history_hours` back (the charts), then
follows all three. Decoded records go to the event loop in batches through `deliver` (the service passes
`loop.call_soon_threadsafe`); the store is only ever touched there.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Message, TopicPartition

from baystream.infra.kafka_config import consumer_config
from baystream.infra.metrics import CONSUMER_DECODE_ERRORS, EVENTS_CONSUMED
from baystream.infra.reader import read_until_stopped
from baystream.infra.settings import Settings
from baystream.infra.topics import CONGESTION_ALERTS, CONGESTION_INDICATORS, CONGESTION_LATEST
from baystream.schemas.errors import DecodeError
from baystream.schemas.wire import codec_for

log = logging.getLogger(__name__)
FETCH_WAIT_MS = 50


@dataclass(frozen=True)
class FeedTopics:
    """Which topics to read (the catalog's by default; tests use private ones)."""

    latest: str = CONGESTION_LATEST
    indicators: str = CONGESTION_INDICATORS
    alerts: str = CONGESTION_ALERTS


@dataclass
class FeedBatch:
    """What one poll brought: indicator records, alerts (with whether they are new), readiness."""

    indicators: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[tuple[dict[str, Any], bool]] = field(default_factory=list)
    """(alert, new): new alerts were written after the reader started; only those go to webhooks."""
    warmed_up: bool = False
    """True once every record the latest and alerts topics held at start has been read."""


class IndicatorFeed:
    """Reads the output topics in a thread until `stop()`; survives a broker that is not there yet."""

    def __init__(
        self,
        settings: Settings,
        deliver: Callable[[FeedBatch], None],
        topics: FeedTopics = FeedTopics(),
        history_hours: float = 6.0,
        batch_size: int = 500,
    ):
        self._settings = settings
        self._deliver = deliver
        self._topics = topics
        self._history_hours = history_hours
        self._batch_size = batch_size
        self._codec = codec_for(settings.kafka.schema_registry)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dashboard-feed", daemon=True)
        self.status = "starting"
        """starting, waiting for topics, warming up, live, or failed: <reason>."""
        self.broker_trouble: str | None = None
        """The last connection error, until records arrive again."""

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        read_until_stopped(self._consume, self._stopping, self._failed)

    def _failed(self, exc: KafkaException) -> None:
        self.status = f"failed: {exc}; retrying"
        log.warning("dashboard reader: %s; retrying in 2 s", exc)

    def _consume(self) -> None:
        # A short fetch wait bounds the delay to the browsers on brokers that hold fetches to the maximum (Tansu).
        overrides = {"fetch.wait.max.ms": FETCH_WAIT_MS, "error_cb": self._on_client_error}
        consumer = Consumer(consumer_config(self._settings, None, **overrides))
        try:
            partitions = self._wait_for_partitions(consumer)
            if partitions is None:
                return
            pending, alert_starts = self._start_positions(consumer, partitions)
            consumer.assign([tp for tps in partitions.values() for tp in tps])
            self.status = "warming up" if pending else "live"
            if not pending:
                self._deliver(FeedBatch(warmed_up=True))
            while not self._stopping.is_set():
                # consume() waits for a full batch or the timeout: wait for one record, then take what is there
                messages = consumer.consume(1, timeout=0.5)
                if messages:
                    messages += consumer.consume(self._batch_size - 1, timeout=0)
                batch = self._decode(messages, pending, alert_starts)
                if pending and not messages:
                    batch.warmed_up = self._caught_up(consumer, pending)
                if batch.indicators or batch.alerts or batch.warmed_up:
                    self._deliver(batch)
        finally:
            consumer.close()

    def _on_client_error(self, error: KafkaError) -> None:
        """librdkafka's client-level errors (it reconnects by itself): shown in /healthz until records flow."""
        log.warning("dashboard reader: %s", error)
        if error.code() in (KafkaError._ALL_BROKERS_DOWN, KafkaError._TRANSPORT):
            self.broker_trouble = str(error)

    def _wait_for_partitions(self, consumer: Consumer) -> dict[str, list[TopicPartition]] | None:
        """Partitions of the three topics, waiting (and saying so) until they all exist."""
        names = (self._topics.latest, self._topics.indicators, self._topics.alerts)
        while not self._stopping.is_set():
            metadata = consumer.list_topics(timeout=10.0).topics
            missing = [n for n in names if n not in metadata or metadata[n].error is not None]
            if not missing:
                return {n: [TopicPartition(n, p) for p in metadata[n].partitions] for n in names}
            self.status = f"waiting for topics: {', '.join(missing)}"
            self._stopping.wait(2.0)
        return None

    def _start_positions(
        self, consumer: Consumer, partitions: dict[str, list[TopicPartition]]
    ) -> tuple[dict[tuple[str, int], int], dict[int, int]]:
        """Set start offsets; return the end offsets to read before being warm, and the alerts' (webhooks)."""
        pending: dict[tuple[str, int], int] = {}
        alert_starts = {}
        for tp in partitions[self._topics.latest] + partitions[self._topics.alerts]:
            low, high = consumer.get_watermark_offsets(tp, timeout=10.0)
            tp.offset = OFFSET_BEGINNING
            if high > low:
                pending[(tp.topic, tp.partition)] = high
            if tp.topic == self._topics.alerts:
                alert_starts[tp.partition] = high
        since_ms = int((time.time() - self._history_hours * 3600) * 1000)
        wanted = [TopicPartition(tp.topic, tp.partition, since_ms) for tp in partitions[self._topics.indicators]]
        found = consumer.offsets_for_times(wanted, timeout=10.0)
        for tp, at in zip(partitions[self._topics.indicators], found, strict=True):
            tp.offset = at.offset if at.offset >= 0 else consumer.get_watermark_offsets(tp, timeout=10.0)[1]
        return pending, alert_starts

    def _caught_up(self, consumer: Consumer, pending: dict[tuple[str, int], int]) -> bool:
        """Positions past the start-time ends (a trailing transaction marker is never delivered)."""
        positions = consumer.position([TopicPartition(topic, p) for topic, p in pending])
        for tp in positions:
            if tp.offset >= pending[(tp.topic, tp.partition)]:
                del pending[(tp.topic, tp.partition)]
        if pending:
            return False
        self.status = "live"
        return True

    def _decode(
        self, messages: list[Message], pending: dict[tuple[str, int], int], alert_starts: dict[int, int]
    ) -> FeedBatch:
        batch = FeedBatch()
        was_pending = bool(pending)
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    log.warning("dashboard reader: %s", error)
                continue
            self.broker_trouble = None
            topic = message.topic() or ""
            partition = message.partition() or 0
            offset = message.offset() or 0
            EVENTS_CONSUMED.labels(topic).inc()
            if offset + 1 >= pending.get((topic, partition), offset + 2):
                del pending[(topic, partition)]
            try:
                record = self._codec.decode(message.value())
            except DecodeError as exc:
                CONSUMER_DECODE_ERRORS.labels("dashboard", topic).inc()
                log.warning("dashboard reader: %s[%d]@%d skipped: %s", topic, partition, offset, exc)
                continue
            if topic == self._topics.alerts and record["type"] == "CongestionAlert":
                batch.alerts.append((record, offset >= alert_starts.get(partition, 0)))
            elif record["type"] == "CongestionIndicator":
                batch.indicators.append(record)
            else:
                CONSUMER_DECODE_ERRORS.labels("dashboard", topic).inc()
                log.warning("dashboard reader: %s[%d]@%d skipped: a %s", topic, partition, offset, record["type"])
        if was_pending and not pending:
            batch.warmed_up = True
            self.status = "live"
        return batch
