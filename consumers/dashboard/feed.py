"""The dashboard's readers: each a group-less confluent-kafka consumer in a background thread.

`IndicatorFeed` assigns `congestion-latest` and `congestion-alerts` from the beginning (the compacted latest
topic fills an empty dashboard at once) and `congestion-indicators` from `history_hours` back (the charts).
`PartyFeed` assigns `container-status` from the beginning (compacted: the latest status of every box) and
`gate-moves` from `visit_hours` back (the truckers' visits). Both then follow their topics. Decoded records
go to the event loop in batches through `deliver` (the service passes `loop.call_soon_threadsafe`); the
stores are only ever touched there. `TopicFeed` is what both share.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Message, TopicPartition

from baystream.infra.kafka_config import consumer_config
from baystream.infra.metrics import CONSUMER_DECODE_ERRORS, EVENTS_CONSUMED
from baystream.infra.reader import read_until_stopped
from baystream.infra.settings import Settings
from baystream.infra.topics import (
    CONGESTION_ALERTS,
    CONGESTION_INDICATORS,
    CONGESTION_LATEST,
    CONTAINER_STATUS,
    GATE_MOVES,
)
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
    container_status: str = CONTAINER_STATUS
    gate_moves: str = GATE_MOVES


@dataclass
class FeedBatch:
    """What one poll brought: indicator records, alerts (with whether they are new), readiness."""

    indicators: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[tuple[dict[str, Any], bool]] = field(default_factory=list)
    """(alert, new): new alerts were written after the reader started; only those go to webhooks."""
    warmed_up: bool = False
    """True once every record the latest and alerts topics held at start has been read."""


@dataclass
class PartyBatch:
    """What one poll of the party topics brought: container statuses (a None record is a tombstone of the
    key's box), gate moves, readiness."""

    statuses: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)
    gate_moves: list[dict[str, Any]] = field(default_factory=list)
    warmed_up: bool = False
    """True once every status the topic held at start has been read."""


@dataclass(frozen=True)
class Source:
    """A topic to read: from the beginning and to its start-time end before warm (`since_hours` None), or from
    `since_hours` ago."""

    topic: str
    since_hours: float | None = None


class TopicFeed:
    """Reads some topics in a thread until `stop()`; survives a broker that is not there yet. A subclass turns
    polled messages into its batch (`_decode`) and says whether a batch is worth handing over (`_worth`)."""

    name = "dashboard reader"

    def __init__(
        self,
        settings: Settings,
        sources: list[Source],
        deliver: Callable[[Any], None],
        batch_type: Callable[..., Any],
        batch_size: int = 500,
    ):
        self._deliver = deliver
        self._batch_type = batch_type
        self._settings = settings
        self._sources = sources
        self._batch_size = batch_size
        self._codec = codec_for(settings.kafka.schema_registry)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name.replace(" ", "-"), daemon=True)
        self.status = "starting"
        """starting, waiting for topics, warming up, live, or failed: <reason>."""
        self.broker_trouble: str | None = None
        """The last connection error, until records arrive again."""

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        read_until_stopped(self._consume, self._stopping, self._failed)

    def _failed(self, exc: KafkaException) -> None:
        self.status = f"failed: {exc}; retrying"
        log.warning("%s: %s; retrying in 2 s", self.name, exc)

    def _decode(
        self, messages: list[Message], pending: dict[tuple[str, int], int], starts: dict[TopicPartition, int]
    ) -> Any:
        raise NotImplementedError

    def _ready(self) -> Any:
        """The batch that says: warm, nothing else."""
        return self._batch_type(warmed_up=True)

    def _consume(self) -> None:
        # A short fetch wait bounds the delay to the browsers on brokers that hold fetches to the maximum (Tansu).
        overrides = {"fetch.wait.max.ms": FETCH_WAIT_MS, "error_cb": self._on_client_error}
        consumer = Consumer(consumer_config(self._settings, None, **overrides))
        try:
            partitions = self._wait_for_partitions(consumer)
            if partitions is None:
                return
            pending, starts = self._start_positions(consumer, partitions)
            consumer.assign([tp for tps in partitions.values() for tp in tps])
            self.status = "warming up" if pending else "live"
            if not pending:
                self._deliver(self._ready())
            while not self._stopping.is_set():
                # consume() waits for a full batch or the timeout: wait for one record, then take what is there
                messages = consumer.consume(1, timeout=0.5)
                if messages:
                    messages += consumer.consume(self._batch_size - 1, timeout=0)
                batch = self._decode(messages, pending, starts)
                if pending and not messages:
                    batch.warmed_up = self._caught_up(consumer, pending)
                if messages or batch.warmed_up:
                    self._deliver(batch)
        finally:
            consumer.close()

    def _on_client_error(self, error: KafkaError) -> None:
        """librdkafka's client-level errors (it reconnects by itself): shown in /healthz until records flow."""
        log.warning("%s: %s", self.name, error)
        if error.code() in (KafkaError._ALL_BROKERS_DOWN, KafkaError._TRANSPORT):
            self.broker_trouble = str(error)

    def _wait_for_partitions(self, consumer: Consumer) -> dict[str, list[TopicPartition]] | None:
        """Partitions of the topics, waiting (and saying so) until they all exist."""
        names = [source.topic for source in self._sources]
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
    ) -> tuple[dict[tuple[str, int], int], dict[TopicPartition, int]]:
        """Set start offsets; return the end offsets to read before being warm, and the ends at start of the
        topics read from the beginning (what was written before the reader started)."""
        pending: dict[tuple[str, int], int] = {}
        starts: dict[TopicPartition, int] = {}
        for source in self._sources:
            tps = partitions[source.topic]
            if source.since_hours is None:
                for tp in tps:
                    low, high = consumer.get_watermark_offsets(tp, timeout=10.0)
                    tp.offset = OFFSET_BEGINNING
                    if high > low:
                        pending[(tp.topic, tp.partition)] = high
                    starts[TopicPartition(tp.topic, tp.partition)] = high
                continue
            since_ms = int((time.time() - source.since_hours * 3600) * 1000)
            wanted = [TopicPartition(tp.topic, tp.partition, since_ms) for tp in tps]
            found = consumer.offsets_for_times(wanted, timeout=10.0)
            for tp, at in zip(tps, found, strict=True):
                tp.offset = at.offset if at.offset >= 0 else consumer.get_watermark_offsets(tp, timeout=10.0)[1]
        return pending, starts

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

    def _records(
        self, messages: list[Message], pending: dict[tuple[str, int], int]
    ) -> Iterator[tuple[Message, dict[str, Any] | None]]:
        """Each good message with its decoded record (None: a tombstone); errors and undecodable records are
        logged, counted and skipped; `pending` loses each partition read to its start-time end."""
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    log.warning("%s: %s", self.name, error)
                continue
            self.broker_trouble = None
            topic = message.topic() or ""
            partition = message.partition() or 0
            offset = message.offset() or 0
            EVENTS_CONSUMED.labels(topic).inc()
            if offset + 1 >= pending.get((topic, partition), offset + 2):
                del pending[(topic, partition)]
            value = message.value()
            if value is None:
                yield message, None
                continue
            try:
                yield message, self._codec.decode(value)
            except DecodeError as exc:
                self._skip(message, str(exc))

    def _skip(self, message: Message, why: str) -> None:
        topic = message.topic() or ""
        CONSUMER_DECODE_ERRORS.labels("dashboard", topic).inc()
        log.warning("%s: %s[%d]@%d skipped: %s", self.name, topic, message.partition() or 0, message.offset() or 0, why)

    def _warm_now(self, batch: Any, was_pending: bool, pending: dict[tuple[str, int], int]) -> Any:
        if was_pending and not pending:
            batch.warmed_up = True
            self.status = "live"
        return batch


class IndicatorFeed(TopicFeed):
    """The indicator topics: latest values, chart history, alerts."""

    def __init__(
        self,
        settings: Settings,
        deliver: Callable[[FeedBatch], None],
        topics: FeedTopics = FeedTopics(),
        history_hours: float = 6.0,
        batch_size: int = 500,
    ):
        sources = [Source(topics.latest), Source(topics.indicators, history_hours), Source(topics.alerts)]
        super().__init__(settings, sources, deliver, FeedBatch, batch_size)
        self._topics = topics

    def _decode(
        self, messages: list[Message], pending: dict[tuple[str, int], int], starts: dict[TopicPartition, int]
    ) -> FeedBatch:
        batch = FeedBatch()
        was_pending = bool(pending)
        for message, record in self._records(messages, pending):
            topic = message.topic() or ""
            if record is None:
                self._skip(message, "a tombstone")
            elif topic == self._topics.alerts and record["type"] == "CongestionAlert":
                start = starts.get(TopicPartition(topic, message.partition() or 0), 0)
                batch.alerts.append((record, (message.offset() or 0) >= start))
            elif record["type"] == "CongestionIndicator":
                batch.indicators.append(record)
            else:
                self._skip(message, f"a {record['type']}")
        return self._warm_now(batch, was_pending, pending)


class PartyFeed(TopicFeed):
    """The topics behind the parties' own views: the latest status of every container, and recent gate moves."""

    name = "dashboard party reader"

    def __init__(
        self,
        settings: Settings,
        deliver: Callable[[PartyBatch], None],
        topics: FeedTopics = FeedTopics(),
        visit_hours: float = 24.0,
        batch_size: int = 2000,
    ):
        sources = [Source(topics.container_status), Source(topics.gate_moves, visit_hours)]
        super().__init__(settings, sources, deliver, PartyBatch, batch_size)
        self._topics = topics

    def _decode(
        self, messages: list[Message], pending: dict[tuple[str, int], int], starts: dict[TopicPartition, int]
    ) -> PartyBatch:
        batch = PartyBatch()
        was_pending = bool(pending)
        for message, record in self._records(messages, pending):
            topic = message.topic() or ""
            if topic == self._topics.container_status:
                key = (message.key() or b"").decode("utf-8", "replace")
                if record is None or record["type"] == "ContainerStatus":
                    batch.statuses.append((key, record))
                    continue
            elif record is not None and record["type"] == "GateMove":
                batch.gate_moves.append(record)
                continue
            self._skip(message, "a tombstone" if record is None else f"a {record['type']}")
        return self._warm_now(batch, was_pending, pending)
