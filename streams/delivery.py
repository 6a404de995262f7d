"""What both sides of the worker share: the output producer, and the checkpoint-then-ack rule.

At-least-once without transactions (docs/worker.md, Guarantees): a record taken from Kafka is acked to Faust,
and so may be committed, only once a checkpoint covers what it did and every output derived from it is on
the broker. `CheckpointGate` is that rule, for the input side (engine states) and the combiner side (the
board) alike.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import faust
from faust.types import TP, Message

from baystream.infra.kafka_config import producer_config
from baystream.infra.metrics import EVENTS_PUBLISH_FAILED
from baystream.infra.settings import Settings
from baystream.schemas.wire import Codec
from baystream.streams.faust_internals import ack_span

MAX_MESSAGE_BYTES = 8 * 1024 * 1024
"""Partials carry per-container rows (rail backlog): allow more than Kafka's 1 MB default."""


class OutputProducer:
    """Partials, indicators, alerts and dead letters go out through librdkafka, not Faust's producer: Faust
    sends its buffer one record at a time, and hundreds of indicator records or megabytes of checkpoint
    queued the partials behind them by seconds. Failures are counted, never dropped silently."""

    def __init__(self, settings: Settings):
        from confluent_kafka import Producer

        self._producer = Producer(
            producer_config(settings, **{"linger.ms": 10, "message.max.bytes": MAX_MESSAGE_BYTES})
        )
        self.failed = 0

    def _on_delivery(self, error: Any, message: Any) -> None:
        if error is not None:
            self.failed += 1
            EVENTS_PUBLISH_FAILED.labels(message.topic() or "?", "output").inc()

    def send(self, topic: str, key: bytes | None, value: bytes) -> None:
        while True:
            try:
                self._producer.produce(topic, value, key, on_delivery=self._on_delivery)
                break
            except BufferError:  # local queue full: serve delivery reports, then retry
                self._producer.poll(0.05)
        self._producer.poll(0)

    def flush(self, timeout: float = 30.0) -> None:
        remaining = self._producer.flush(timeout)
        if remaining:
            raise RuntimeError(f"{remaining} output record(s) not acknowledged in {timeout:g}s")

    async def drain(self, timeout: float = 30.0, step_s: float = 0.05) -> None:
        """`flush` in `step_s` slices that give the event loop back in between: a flush waiting on a broker that
        is gone must not hold up Ctrl-C (the stop deadline starts in the loop), heartbeats or /metrics."""
        deadline = time.monotonic() + timeout
        while (remaining := self._producer.flush(step_s)) and time.monotonic() < deadline:
            await asyncio.sleep(0)
        if remaining:
            raise RuntimeError(f"{remaining} output record(s) not acknowledged in {timeout:g}s")

    def close(self, timeout: float = 30.0) -> None:
        """Flush, then end the client now (its threads would otherwise retry the broker until collected). What
        the flush could not deliver is purged first, and counted as failed by its delivery report: librdkafka's
        close would otherwise wait for it as long as `message.timeout.ms` (5 minutes)."""
        try:
            self.flush(timeout)
        finally:
            self._producer.purge()
            self._producer.poll(0)
            self._producer.close()


class CheckpointGate:
    """The records one side took but no checkpoint covers yet, and when its next checkpoint is due.

    The side writes its checkpoint when `due`, then calls `saved`: outputs flushed (dead letters, alerts and
    values derived from these records are on the broker), then the held records acked. Faust flushes the
    changelog before it commits, so a committed offset is never ahead of the saved state.
    """

    def __init__(
        self,
        app: faust.App,
        output: OutputProducer,
        interval_s: float,
        bytes_per_s: float,
        most_held: int | None = None,
    ):
        self.app = app
        self.output = output
        self.interval_s = interval_s
        self.bytes_per_s = bytes_per_s
        """Checkpoints write whole states: a big one is saved less often (see `Tuning.checkpoint_bytes_per_s`)."""
        self.most_held = most_held
        """Save early when this many offsets are held (a crash replays them); None: no limit."""
        self.held: dict[TP, list[tuple[int, Message]]] = {}
        """Per partition, the spans held: (first offset, last message), contiguous spans merged."""
        self.offsets = 0
        """How many offsets the held spans cover."""
        self.due_at = time.monotonic() + interval_s

    def hold(self, last: Message, first: int) -> None:
        """Hold the records of `last`'s partition from offset `first` to `last`."""
        self.offsets += last.offset - first + 1
        spans = self.held.setdefault(last.tp, [])
        if spans and spans[-1][1].offset + 1 == first:
            first = spans.pop()[0]  # right after the span before: one span, acked at the cost of one record
        spans.append((first, last))

    def forget(self, tps: Collection[TP]) -> None:
        """Never ack these partitions' held records: revoked, or restored and replayed from their checkpoint."""
        for tp in tps:
            for first, last in self.held.pop(tp, ()):
                self.offsets -= last.offset - first + 1

    def clear(self) -> None:
        self.held = {}
        self.offsets = 0

    def due(self, now: float) -> bool:
        """Whether a checkpoint is due: records are held, and the interval passed or too many wait."""
        if not self.held:
            return False
        return now >= self.due_at or (self.most_held is not None and self.offsets >= self.most_held)

    async def saved(self, now: float, written: int) -> None:
        """A checkpoint of `written` bytes is in the table: schedule the next, flush the outputs, ack."""
        self.due_at = now + max(self.interval_s, written / self.bytes_per_s)
        await self.output.drain()
        held = self.held
        self.clear()
        consumer = self.app.consumer
        for spans in held.values():
            for first, last in spans:
                await ack_span(consumer, first, last)


class Positioning:
    """The consumer generation whose assignment `IndicatorWorker.start_offsets` restored and whose reading
    positions the consumer has moved there (`done` is called after the seeks, not before): records of both
    sides wait for it (taken earlier, they could skip what the restored state lacks)."""

    def __init__(self, app: faust.App):
        self.app = app
        self.generation = -1

    def ready(self) -> bool:
        return self.generation == self.app.consumer_generation_id

    def done(self) -> None:
        self.generation = self.app.consumer_generation_id


@dataclass(eq=False)
class Side:
    """What each side of the worker works with: its table and its gate, and the app, codec, output producer
    and positioning both share."""

    app: faust.App
    codec: Codec
    output: OutputProducer
    positioning: Positioning
    table: Any
    """The side's Faust table of raw bytes (`faust_internals.bytes_table`), its checkpoints."""
    gate: CheckpointGate
