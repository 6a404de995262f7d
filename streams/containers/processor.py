"""`baystream containers`: keeps the compacted topic `container-status` from the input topics (docs/containers.md).

Why a plain confluent-kafka process and not a Faust agent beside the indicator workers: the input topics are
keyed by facility, and one container's events are on several partitions (its discharge and gate out under
its terminal, its train under the near-dock yard, an empty return under another terminal). No split of the
partitions between workers keeps a container's events together, so one process reads every partition of
`container-events`, `gate-moves`, `rail-departures` and `vessel-arrivals` (no group membership, hence no
rebalances) and applies them to the order-free model of `streams/containers/status.py`.

How it survives a crash without losing or doubling anything:
1. After each batch it sends the changed statuses to `container-status` (key: container number) and the
   changed moves and calls to its state topic `<group_id>-state` (compacted; key `c|<container>` or
   `k|<facility>|<call_id>`, orjson values).
2. At most every `checkpoint_interval_s` it flushes the producer and only then commits the input offsets
   under `group_id`: a committed offset is never ahead of the saved state.
3. On start it reads the state topic to its end (the moves and calls), then `container-status` to its end
   (what was published), publishes every status that differs (a status lost in a crash), and reads the
   inputs on from the committed offsets (from the beginning without). Moves replayed from there are ones
   the state holds already: duplicates by event id, which change nothing.
So the statuses are always a function of the set of events applied, whatever the crashes.

Bad input (undecodable, of the wrong type, invalid, or making the model raise) goes to `dead-letter` with
the reason, producer `containers`, and is counted; the process goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

import orjson
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, Producer, TopicPartition

from baystream.infra.kafka_config import consumer_config, producer_config
from baystream.infra.metrics import (
    CONTAINER_MOVES,
    CONTAINER_STATUSES_PUBLISHED,
    CONTAINERS_ON_TERMINAL,
    EVENTS_CONSUMED,
    EVENTS_PUBLISH_FAILED,
)
from baystream.infra.reader import read_topic
from baystream.infra.settings import Settings
from baystream.infra.topics import (
    CONTAINER_EVENTS,
    CONTAINER_STATUS,
    DEAD_LETTER,
    GATE_MOVES,
    RAIL_DEPARTURES,
    VESSEL_ARRIVALS,
)
from baystream.schemas.errors import DecodeError
from baystream.schemas.wire import Codec, codec_for
from baystream.streams.containers.status import HOUR_MS, CallInfo, FreeDays, Move, StatusBook, call_of, moves_of
from baystream.streams.dead_letter import dead_letter
from baystream.streams.processing import Rejected, checked_event

log = logging.getLogger(__name__)

INPUTS = (VESSEL_ARRIVALS, CONTAINER_EVENTS, GATE_MOVES, RAIL_DEPARTURES)
"""The topics the status is made of (chassis events say nothing of where a box is)."""
PRODUCER = "containers"
BATCH = 2000
CONTAINER_KEY, CALL_KEY = "c|", "k|"


def state_topic(settings: Settings) -> str:
    return f"{settings.containers.group_id}-state"


def book_for(settings: Settings) -> StatusBook:
    """The model as the settings configure it (free days, refresh interval); a clear error for bad values."""
    c = settings.containers
    free_days = FreeDays.parse(c.free_days, c.free_days_by_terminal)
    return StatusBook(free_days, int(c.dwell_refresh_hours * HOUR_MS))


def ensure_topics(settings: Settings) -> None:
    """The catalog's topics and the state topic (compacted, the input partition count)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    from baystream.infra.kafka_config import admin_config
    from baystream.infra.topics import create_new_topics, create_topics, wait_until_every_broker_lists

    create_topics(settings)
    admin = AdminClient(admin_config(settings))
    name = state_topic(settings)
    if name not in admin.list_topics(timeout=15.0).topics:
        k = settings.kafka
        config = {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01"}
        create_new_topics(admin, [NewTopic(name, k.partitions, k.replication_factor, config=config)])
    wait_until_every_broker_lists(settings, [name, CONTAINER_STATUS])


class ContainerStatusProcessor:
    """The process's state and its loop; `stop()` (from a signal handler) ends it after a last checkpoint."""

    def __init__(self, settings: Settings, codec: Codec | None = None):
        self.settings = settings
        self.codec = codec or codec_for(settings.kafka.schema_registry)
        self.book = book_for(settings)
        self.published: dict[str, dict[str, Any]] = {}
        """The newest status sent (or read back at start) per container: only a changed status is sent."""
        self.stopping = threading.Event()
        self.producer = Producer(producer_config(settings))
        self._positions: dict[tuple[str, int], int] = {}
        self._resend_status: set[str] = set()
        self._resend_state = False
        self._last_checkpoint = time.monotonic()

    def stop(self) -> None:
        self.stopping.set()

    # ------------------------------------------------------------------------------------------ restore
    def restore(self) -> int:
        """Moves, calls and published statuses from the topics; resend what differs. Statuses sent."""
        for message in read_topic(self.settings, state_topic(self.settings), idle_timeout=30.0):
            self._restore_state(message)
        for message in read_topic(self.settings, CONTAINER_STATUS, idle_timeout=30.0):
            key = (message.key() or b"").decode()
            value = message.value()
            if value is None:
                self.published.pop(key, None)
                continue
            try:
                self.published[key] = self.codec.decode(value)
            except DecodeError as exc:  # ours, so unexpected: it is simply sent again below
                log.warning("container-status %s: cannot decode the status of %s: %s", message.offset(), key, exc)
        self.book.take_changes()
        sent = self._send_statuses(self.book.moves)
        self._checkpoint(commit=None)
        return sent

    def _restore_state(self, message: Message) -> None:
        key, value = (message.key() or b"").decode(), message.value()
        if value is None:
            return
        data = orjson.loads(value)
        if key.startswith(CONTAINER_KEY):
            self.book.restore(key[len(CONTAINER_KEY) :], [Move.from_json(m) for m in data])
        elif key.startswith(CALL_KEY):
            facility, _, call_id = key[len(CALL_KEY) :].partition("|")
            self.book.add_call((facility, call_id), CallInfo.from_json(data))

    # ------------------------------------------------------------------------------------------ the loop
    def run(self) -> None:
        """Restore, then apply the inputs until stopped."""
        restored = self.restore()
        consumer = Consumer(
            consumer_config(
                self.settings,
                self.settings.containers.group_id,
                **{"enable.auto.commit": False, "enable.auto.offset.store": False},
            )
        )
        try:
            start = self._assign(consumer)
            log.info(
                "container status: %d containers restored, %d statuses sent again; inputs from %s",
                len(self.book.moves),
                restored,
                start,
            )
            print(f"baystream containers: {len(self.book.moves)} containers restored, reading on", flush=True)
            while not self.stopping.is_set():
                messages = consumer.consume(BATCH, 0.5)
                self.apply_messages(messages)
                if time.monotonic() - self._last_checkpoint >= self.settings.containers.checkpoint_interval_s:
                    self._checkpoint(consumer)
            self._checkpoint(consumer)
        finally:
            consumer.close()
            self.producer.flush(30.0)

    def _assign(self, consumer: Consumer) -> str:
        metadata = consumer.list_topics(timeout=30.0).topics
        wanted = []
        for topic in INPUTS:
            if topic not in metadata:
                raise RuntimeError(f"input topic {topic} does not exist")
            wanted += [TopicPartition(topic, p) for p in sorted(metadata[topic].partitions)]
        committed = consumer.committed(wanted, timeout=30.0)
        for tp in committed:
            if tp.offset < 0:
                tp.offset = OFFSET_BEGINNING
        consumer.assign(committed)
        return ", ".join(f"{tp.topic}[{tp.partition}]@{tp.offset}" for tp in committed if tp.offset >= 0) or (
            "the beginning"
        )

    def apply_messages(self, messages: Iterable[Message]) -> None:
        """Apply a batch, then send the changed statuses and state."""
        changed: set[str] = set()
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    log.warning("reading %s: %s", message.topic(), error)
                continue
            topic, partition, offset = message.topic() or "?", message.partition() or 0, message.offset() or 0
            EVENTS_CONSUMED.labels(topic).inc()
            changed |= self._apply(message, topic)
            self._positions[(topic, partition)] = offset + 1
        self._send_statuses(changed | self._resend_status)
        self._send_state()
        self.producer.poll(0)  # delivery reports

    def _apply(self, message: Message, topic: str) -> set[str]:
        event = checked_event(self.codec, topic, message.value())
        if isinstance(event, Rejected):
            self._dead(message, topic, event.reason, event.stage)
            return set()
        before = self.book.duplicates
        try:
            changed = self.book.apply(event)
        except Exception as exc:  # the model must not stop the stream: keep the record and the reason
            self._dead(message, topic, f"container status failed: {type(exc).__name__}: {exc}", "process")
            return set()
        if call_of(event) is not None:
            CONTAINER_MOVES.labels("call").inc()
        elif not moves_of(event):
            CONTAINER_MOVES.labels("not_a_move").inc()
        else:
            duplicates = self.book.duplicates - before
            CONTAINER_MOVES.labels("duplicate").inc(duplicates)
            CONTAINER_MOVES.labels("applied").inc(len(moves_of(event)) - duplicates)
        return changed

    def _dead(self, message: Message, topic: str, reason: str, stage: str) -> None:
        record = dead_letter(
            topic=topic,
            partition=message.partition() or 0,
            offset=message.offset() or 0,
            key=message.key(),
            value=message.value(),
            reason=reason,
            stage=stage,
            producer=PRODUCER,
        )
        self._produce(DEAD_LETTER, message.key(), self.codec.encode(record, DEAD_LETTER))

    # ------------------------------------------------------------------------------------------ output
    def _send_statuses(self, containers: Iterable[str]) -> int:
        self._resend_status = set()
        sent = 0
        for container_id in containers:
            if container_id not in self.book.moves:
                continue
            status = self.book.status(container_id)
            if self.published.get(container_id) == status:
                continue
            value = self.codec.encode(status, CONTAINER_STATUS)
            self._produce(CONTAINER_STATUS, container_id.encode(), value)
            self.published[container_id] = status
            sent += 1
        CONTAINER_STATUSES_PUBLISHED.inc(sent)
        CONTAINERS_ON_TERMINAL.set(len(self.book.on_terminal))
        return sent

    def _send_state(self) -> None:
        moves, calls = self.book.take_changes()
        if self._resend_state:  # a state record was refused: send all of it again
            self._resend_state = False
            moves, calls = set(self.book.moves), set(self.book.calls)
        topic = state_topic(self.settings)
        for container_id in moves:
            value = orjson.dumps([m.to_json() for m in self.book.moves[container_id]])
            self._produce(topic, (CONTAINER_KEY + container_id).encode(), value)
        for facility, call_id in calls:
            value = orjson.dumps(self.book.calls[(facility, call_id)].to_json())
            self._produce(topic, f"{CALL_KEY}{facility}|{call_id}".encode(), value)

    def _produce(self, topic: str, key: bytes | None, value: bytes) -> None:
        while True:
            try:
                self.producer.produce(topic, value, key, on_delivery=self._sent)
                return
            except BufferError:  # the local queue is full: let deliveries drain it
                self.producer.poll(0.5)

    def _sent(self, error: KafkaError | None, message: Message) -> None:
        if error is None:
            return
        topic = message.topic() or "?"
        EVENTS_PUBLISH_FAILED.labels(topic, "output").inc()
        log.error("%s: a record for %r was not written: %s", topic, message.key(), error)
        if topic == CONTAINER_STATUS:
            key = (message.key() or b"").decode()
            self.published.pop(key, None)
            self._resend_status.add(key)
        else:
            self._resend_state = True

    def _checkpoint(self, commit: Consumer | None) -> None:
        """Flush, then (when every record was written) commit the positions reached."""
        self._last_checkpoint = time.monotonic()
        if self.producer.flush(60.0) > 0:
            log.warning("records still unsent after 60 s: the input offsets are not committed this time")
            return
        if commit is None or not self._positions:
            return
        if self._resend_status or self._resend_state:  # sent again with the next batch, committed after it
            return
        offsets = [TopicPartition(t, p, o) for (t, p), o in self._positions.items()]
        try:
            commit.commit(offsets=offsets, asynchronous=False)
        except Exception as exc:  # a coordinator moving: the next checkpoint commits again
            log.warning("committing the input offsets failed: %s", exc)
