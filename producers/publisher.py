"""The Publisher: validated Avro events onto their topics, keyed per the catalog, acknowledged by all.

Follows confluent-kafka's producer pattern: produce with a delivery callback, poll in the loop so
callbacks run, flush on close. Delivery failures are collected and raised to the caller, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from baystream.infra.errors import BrokerError
from baystream.infra.kafka_config import producer_config
from baystream.infra.metrics import DELIVERY_SECONDS, EVENTS_PUBLISH_FAILED, EVENTS_PUBLISHED
from baystream.infra.settings import Settings
from baystream.infra.topics import KEY_FIELD_FOR_SCHEMA, TOPIC_FOR_SCHEMA
from baystream.schemas.validation import ensure_valid
from baystream.schemas.wire import Codec, codec_for

DeliveryCallback = Callable[[KafkaError | None, Message], None]


@dataclass(frozen=True)
class DeliveryFailure:
    """One event the broker did not acknowledge."""

    topic: str
    key: str | None
    error: str


class PublishError(BrokerError):
    """Some events were not acknowledged; `failures` says which and why."""

    def __init__(self, failures: list[DeliveryFailure]):
        self.failures = failures
        first = failures[0]
        super().__init__(f"{len(failures)} event(s) not delivered; first: {first.topic} key={first.key}: {first.error}")


def route(record: Mapping[str, Any]) -> tuple[str, str]:
    """(topic, key) of an input event, from the catalog: facility-keyed except chassis (chassis id)."""
    type_name = record["type"]
    return TOPIC_FOR_SCHEMA[type_name], str(record[KEY_FIELD_FOR_SCHEMA[type_name]])


class Publisher:
    """Publish input events; `flush()` raises PublishError if any were not acknowledged."""

    def __init__(
        self,
        settings: Settings,
        codec: Codec | None = None,
        validate: bool = True,
        **producer_overrides: Any,
    ):
        self._codec = codec or codec_for(settings.kafka.schema_registry)
        self._validate = validate
        self._producer = Producer(producer_config(settings, **producer_overrides))
        self._failures: list[DeliveryFailure] = []
        self.delivered = 0
        self._unpolled = 0
        self._acked: list[tuple[str, float | None]] = []
        """(topic, delivery latency) of acknowledgements not yet in the metrics: the callback stays cheap."""

    def _on_delivery(self, error: KafkaError | None, message: Message) -> None:
        topic = message.topic() or "?"
        if error is not None:
            key = message.key()
            self._failures.append(DeliveryFailure(topic, key.decode() if key else None, str(error)))
            (_TOPIC_METRICS.get(topic) or _topic_metrics(topic)).failed.inc()
            return
        self.delivered += 1
        self._acked.append((topic, message.latency()))

    def publish(self, record: Mapping[str, Any], on_delivery: DeliveryCallback | None = None) -> None:
        """Queue one event (validated unless the publisher was made with validate=False)."""
        if self._validate:
            ensure_valid(record)
        topic, key = route(record)
        value = self._codec.encode(record, topic)
        callback = self._on_delivery
        if on_delivery is not None:

            def callback(error: KafkaError | None, message: Message) -> None:
                self._on_delivery(error, message)
                on_delivery(error, message)

        while True:
            try:
                self._producer.produce(topic, value, key.encode(), on_delivery=callback)
                break
            except BufferError:  # local queue full: serve callbacks, then retry
                self._producer.poll(0.1)
        self._unpolled += 1
        if self._unpolled >= 1000:
            self.poll(0)
            self._unpolled = 0

    def publish_all(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Publish many events and wait for every acknowledgement; returns how many were delivered."""
        before = self.delivered
        for record in records:
            self.publish(record)
        self.flush()
        return self.delivered - before

    def poll(self, timeout: float = 0.0) -> None:
        """Serve delivery callbacks (call it in your loop)."""
        self._producer.poll(timeout)
        self._record_acks()

    def _record_acks(self) -> None:
        """Move the acknowledgements seen since the last call into the metrics, in one go per topic."""
        acked, self._acked = self._acked, []
        per_topic: dict[str, list[float | None]] = {}
        for topic, latency in acked:
            latencies = per_topic.get(topic)
            if latencies is None:
                latencies = per_topic[topic] = []
            latencies.append(latency)
        for topic, latencies in per_topic.items():
            metrics = _TOPIC_METRICS.get(topic) or _topic_metrics(topic)
            metrics.published.inc(len(latencies))
            metrics.delivery.observe_many([x for x in latencies if x is not None])

    def flush(self, timeout: float = 30.0) -> None:
        """Wait for every queued event; raise PublishError for any not acknowledged."""
        remaining = self._producer.flush(timeout)
        self._record_acks()
        if remaining:
            self._failures.append(DeliveryFailure("*", None, f"{remaining} event(s) still queued after {timeout}s"))
        if self._failures:
            failures, self._failures = self._failures, []
            raise PublishError(failures)

    def close(self, timeout: float = 30.0) -> None:
        """Flush (PublishError for anything not acknowledged), then end the client's connections and threads
        now, not whenever the garbage collector gets to it (they would retry a stopped broker until then)."""
        try:
            self.flush(timeout)
        finally:
            self._release()

    def _release(self) -> None:
        self._producer.purge()  # nothing is left after a good flush; after a failed one, do not wait to send it
        self._producer.close()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._producer.flush(5.0)
            self._release()


_EVENT_TYPE_OF_TOPIC = {topic: type_name for type_name, topic in TOPIC_FOR_SCHEMA.items()}


@dataclass(frozen=True)
class _TopicMetrics:
    """The labelled metric children of one topic, looked up once (labels() costs microseconds per call)."""

    published: Any
    failed: Any
    delivery: Any


_TOPIC_METRICS: dict[str, _TopicMetrics] = {}


def _topic_metrics(topic: str) -> _TopicMetrics:
    event_type = _EVENT_TYPE_OF_TOPIC.get(topic, "unknown")
    metrics = _TopicMetrics(
        EVENTS_PUBLISHED.labels(topic, event_type),
        EVENTS_PUBLISH_FAILED.labels(topic, event_type),
        DELIVERY_SECONDS.labels(topic),
    )
    _TOPIC_METRICS[topic] = metrics
    return metrics
