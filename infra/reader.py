"""Read a topic without a consumer group: all partitions, from the start or the end, stop at the end.

Serves `tail`, the dashboard's warm-up from the compacted latest topic, and the tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError, KafkaException, Message, TopicPartition

from baystream.infra.kafka_config import consumer_config
from baystream.infra.settings import Settings


def read_topic(
    settings: Settings,
    topic: str,
    from_beginning: bool = True,
    follow: bool = False,
    max_messages: int | None = None,
    idle_timeout: float = 10.0,
    on_caught_up: Callable[[], None] | None = None,
) -> Iterator[Message]:
    """Yield the records of `topic`; without `follow`, stop once every partition is at its end.

    `idle_timeout` bounds the wait for a partition end that never comes (a broker gone quiet).
    `on_caught_up` is called once, when every partition has first been read to its end: from then on a
    follower sees every new record.
    """
    consumer = Consumer(consumer_config(settings, None, **{"enable.partition.eof": True}))
    try:
        metadata = consumer.list_topics(topic, timeout=10.0).topics.get(topic)
        if metadata is None or metadata.error is not None:
            raise KeyError(f"topic {topic!r} does not exist on {settings.kafka.bootstrap}")
        start = OFFSET_BEGINNING if from_beginning else OFFSET_END
        partitions = [TopicPartition(topic, p, start) for p in metadata.partitions]
        consumer.assign(partitions)
        open_partitions = {p.partition for p in partitions}
        seen = 0
        last_activity = time.monotonic()
        while follow or open_partitions:
            message = consumer.poll(0.5)
            if message is None:
                if not follow and time.monotonic() - last_activity > idle_timeout:
                    return
                continue
            last_activity = time.monotonic()
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    open_partitions.discard(message.partition() or 0)
                    if not open_partitions and on_caught_up is not None:
                        on_caught_up()
                        on_caught_up = None
                    continue
                raise RuntimeError(f"reading {topic}: {error}")
            yield message
            seen += 1
            if max_messages is not None and seen >= max_messages:
                return
    finally:
        consumer.close()


def read_until_stopped(
    read: Callable[[], None], stopping: threading.Event, on_failure: Callable[[KafkaException], None]
) -> None:
    """Run a background reader's `read` until it returns; after a Kafka error (a broker restarting, a
    coordinator moving), report it and read again 2 s later, until `stopping` is set."""
    while not stopping.is_set():
        try:
            read()
            return
        except KafkaException as exc:
            on_failure(exc)
            stopping.wait(2.0)
