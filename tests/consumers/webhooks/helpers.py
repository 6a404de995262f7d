"""Private topics, a deliverer in a thread, alerts on chosen partitions, and what the group has committed."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from baystream.consumers.webhooks.delivery import DeliveryTopics, WebhookDeliverer
from baystream.infra.kafka_config import admin_config, consumer_config, producer_config
from baystream.infra.reader import read_topic
from baystream.infra.settings import Settings
from baystream.schemas.wire import Codec
from tests.polling import eventually

PARTITIONS = 3


def private_webhook_topics(settings: Settings, prefix: str) -> DeliveryTopics:
    """Alerts (3 partitions), subscriptions (1, compacted), dead letters and container statuses (3) of the test's
    own."""
    topics = DeliveryTopics(f"{prefix}-alerts", f"{prefix}-subscriptions", f"{prefix}-dead", f"{prefix}-status")
    rf = settings.kafka.replication_factor
    admin = AdminClient(admin_config(settings))
    futures = admin.create_topics(
        [
            NewTopic(topics.alerts, num_partitions=PARTITIONS, replication_factor=rf),
            NewTopic(topics.subscriptions, 1, rf, config={"cleanup.policy": "compact"}),
            NewTopic(topics.dead_letter, num_partitions=1, replication_factor=rf),
            NewTopic(topics.container_status, num_partitions=PARTITIONS, replication_factor=rf),
        ]
    )
    for future in futures.values():
        future.result(15)
    return topics


class AlertWriter:
    """Writes alerts as the worker does, each to the partition the test chooses (replicas split partitions);
    `ends` holds the next offset of each partition, from the broker's acknowledgements."""

    def __init__(self, settings: Settings, topic: str, key: str = "scope"):
        self.topic = topic
        self.key = key
        self.codec = Codec()
        self.producer = Producer(producer_config(settings))
        self.ends: dict[int, int] = {}

    def write(self, alerts: list[Mapping[str, Any]], partition: int | None = None) -> None:
        for n, record in enumerate(alerts):
            where = n % PARTITIONS if partition is None else partition
            self.raw(self.codec.encode(record), str(record[self.key]).encode(), where)
        assert self.producer.flush(15) == 0, "broker did not acknowledge every alert"

    def raw(self, value: bytes, key: bytes, partition: int) -> None:
        self.producer.produce(self.topic, value, key=key, partition=partition, on_delivery=self._acked)

    def _acked(self, error: Any, message: Any) -> None:
        assert error is None, error
        self.ends[message.partition()] = max(self.ends.get(message.partition(), 0), message.offset() + 1)


@contextmanager
def delivering(settings: Settings, topics: DeliveryTopics) -> Iterator[WebhookDeliverer]:
    """A `baystream webhooks` member in a thread for the block; stopped (and its thread ended) after it."""
    deliverer = WebhookDeliverer(settings, topics)
    thread = threading.Thread(target=deliverer.run, name="test-webhooks", daemon=True)
    thread.start()
    try:
        yield deliverer
    finally:
        deliverer.stop()
        thread.join(60)
        assert not thread.is_alive(), "the deliverer did not stop"


def committed(settings: Settings, topics: DeliveryTopics, topic: str | None = None) -> dict[int, int]:
    """The group's committed offset of each partition of the alerts topic, or `topic` (negative: none yet)."""
    consumer = Consumer(consumer_config(settings, settings.webhooks.group_id, **{"enable.auto.commit": False}))
    try:
        name = topic or topics.alerts
        found = consumer.committed([TopicPartition(name, p) for p in range(PARTITIONS)], timeout=10)
        return {tp.partition: tp.offset for tp in found}
    finally:
        consumer.close()


def wait_all_committed(settings: Settings, topics: DeliveryTopics, writer: AlertWriter, timeout: float = 60) -> None:
    """Until the group has committed every alert `writer` wrote: nothing of them will be sent again."""

    def done() -> bool:
        now = committed(settings, topics, writer.topic)
        if any(now[p] < end for p, end in writer.ends.items()):
            raise LookupError(f"committed {now}, written up to {writer.ends}")
        return True

    eventually(done, timeout, "every alert committed by the group", retry_on=(LookupError,))


def dead_letters(settings: Settings, topics: DeliveryTopics) -> list[dict[str, Any]]:
    codec = Codec()
    return [codec.decode(m.value()) for m in read_topic(settings, topics.dead_letter, idle_timeout=5)]
