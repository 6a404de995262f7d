"""Faust's consumer with whole fetches delivered at once for the input topics: the worker's fast path.

Faust hands each record to the streams on its own (a task pair and a queue hop per record, ~100 us here);
the engine needs ~25 us per event. This consumer keeps Faust's group membership, assignment, offsets,
commits, recovery and every other topic (changelogs, partials) as they are, and only for the topics of
`InputBatches` passes each fetch, as Faust messages, to one coroutine. Acks stay the caller's business
(`Message.ack(consumer)` after a checkpoint), so Faust commits only offsets the saved state covers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, cast

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message

BatchHandler = Callable[[Sequence[Message]], Awaitable[None]]


class InputBatches:
    """Which topics go the fast way, and where their batches go (set by the app factory)."""

    def __init__(self, topics: Sequence[str], handler: BatchHandler):
        self.topics = frozenset(topics)
        self.handler = handler


FETCH_MAX_WAIT_MS = 100
"""Faust fixes aiokafka's fetch long-poll at 1.5 s; a broker that holds a fetch that long (Tansu does, when
some partitions have nothing new) adds it to the latency of every partial and indicator."""


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts its fetcher
        return consumer


class BatchingConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer; records of the batch topics skip the per-record stream machinery."""

    def _new_consumer_thread(self) -> Any:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _drain_messages(self, fetcher: Any) -> None:
        batches: InputBatches | None = getattr(self.app, "input_batches", None)
        if batches is None:
            await super()._drain_messages(fetcher)
            return
        while not (self._stopped.is_set() or fetcher._stopped.is_set()):
            records, active = await self._wait_next_records(1.0)
            if not records or self.should_stop:
                continue
            if not self.flow_active:  # a rebalance began after the fetch: Faust reseeks, so drop it
                continue
            generation = self.app.consumer_generation_id
            batch: list[Message] = []
            for tp, tp_records in records.items():
                if active is not None and tp not in active and tp not in self._buffered_partitions:
                    continue
                if tp.topic in batches.topics:
                    await self._collect(tp, tp_records, batch)
                else:
                    await self._deliver_one_by_one(tp, tp_records, generation)
            if batch and self.app.consumer_generation_id == generation:
                await batches.handler(batch)

    async def _collect(self, tp: TP, records: Sequence[Any], batch: list[Message]) -> None:
        """Messages at or after the read offset (what a seek asked for), gaps declared for commits."""
        start = self._read_offset[tp]
        previous = start
        for record in records:
            offset = record.offset
            if start is not None and offset < start:
                continue
            if previous is not None and offset > previous + 1:
                await self._add_gap(tp, previous + 1, offset - 1)
            batch.append(self._to_message(tp, record))
            previous = offset
        if previous is not None:
            self._read_offset[tp] = previous

    async def _deliver_one_by_one(self, tp: TP, records: Sequence[Any], generation: int) -> None:
        """Faust's own path (changelog recovery, the partials agent), one record at a time."""
        for record in records:
            if self.app.consumer_generation_id != generation or not self.flow_active:
                return
            start = self._read_offset[tp]
            if start is None or record.offset >= start:
                await self.callback(self._to_message(tp, record))
                self._read_offset[tp] = record.offset


class BatchingTransport(faust_aiokafka.Transport):
    Consumer: ClassVar[type[Any]] = BatchingConsumer


class App(faust.App):
    """A Faust app whose consumer may deliver the input topics in batches (see `InputBatches`)."""

    input_batches: InputBatches | None = None

    def _new_transport(self) -> Any:
        return cast(Any, BatchingTransport)(self.conf.broker_consumer, self)
