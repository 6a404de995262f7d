"""Faust's consumer with whole fetches delivered at once for the input topics: the worker's fast path.

Faust hands each record to the streams on its own (a task pair and a queue hop per record, ~100 us here);
the engine needs ~25 us per event. This consumer keeps Faust's group membership, assignment, offsets,
commits, recovery and every other topic (changelogs, partials) as they are, and only for the topics of
`InputBatches` passes each fetch, as Faust messages, to one coroutine. Acks stay the caller's business
(`Message.ack(consumer)` after a checkpoint), so Faust commits only offsets the saved state covers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, cast

import faust
from faust.transport.consumer import ConsumerMessage
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message

BatchHandler = Callable[[Sequence[Message]], Awaitable[None]]
StartOffsets = Callable[[set[TP]], Awaitable[Mapping[TP, int]]]
"""Where reading starts for the partitions of an assignment (the worker: where its restored state ends)."""


class InputBatches:
    """Which topics go the fast way, and where their batches go (set by the app factory)."""

    def __init__(self, topics: Sequence[str], handler: BatchHandler):
        self.topics = frozenset(topics)
        self.handler = handler


FETCH_MAX_WAIT_MS = 100
"""Faust fixes aiokafka's fetch long-poll at 1.5 s; a broker that holds a fetch that long (Tansu does, when
some partitions have nothing new) adds it to the latency of every partial and indicator."""


class EpochRecords(dict[TP, list[Any]]):
    """The records of one fetch, with the consumer's seek epoch when the consumer thread returned them."""

    seek_epoch: int = 0


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts its fetcher
        return consumer

    async def _fetch_records(self, *args: Any, **kwargs: Any) -> Any:
        """Stamp each fetch, in the consumer thread, with the seek epoch: repositioning bumps it in this same
        thread right after its seeks, so a fetch stamped with the current epoch was taken at the new offsets."""
        records = EpochRecords(await super()._fetch_records(*args, **kwargs))
        records.seek_epoch = cast(BatchingConsumer, self.consumer).seek_epoch
        return records

    async def reposition(self, starts: Mapping[TP, int]) -> None:
        """Seek, then bump the epoch, in the consumer thread (aiokafka drops what it fetched before a seek)."""
        consumer = self._ensure_consumer()
        for tp, offset in starts.items():
            consumer.seek(tp, offset)
        cast(BatchingConsumer, self.consumer).seek_epoch += 1


class EpochMessage(ConsumerMessage):
    """A Faust message that knows the seek epoch of the fetch it came in."""

    __slots__ = ("seek_epoch",)
    seek_epoch: int


def current(message: Message, epoch: int) -> bool:
    """Whether `message` came in a fetch taken after the last repositioning (`BatchingConsumer.seek_epoch`);
    one taken before may lie beyond the new position, and applying it would skip the records in between."""
    return getattr(message, "seek_epoch", epoch) == epoch


class BatchingConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer; records of the batch topics skip the per-record stream machinery."""

    seek_epoch = 0
    """Bumped when the app starts repositioning its partitions and again once the seeks are done."""
    _fetch_epoch = 0
    _repositioned: frozenset[TP] = frozenset()

    def _new_consumer_thread(self) -> Any:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def perform_seek(self) -> None:
        """Faust seeks to the committed offsets once the tables are recovered; then the app may move the start
        of some partitions to where its restored state ends (`App.start_offsets`), so that state and reading
        position always agree, whatever the table recovery found.

        Records fetched before that (Faust resumes the partitions just before it seeks) are dropped: before
        the app restores its state (first bump), in `_wait_next_records` and by the app (`current`)."""
        await super().perform_seek()
        start_offsets: StartOffsets | None = getattr(self.app, "start_offsets", None)
        if start_offsets is None:
            return
        self.seek_epoch += 1
        starts = await start_offsets(self.assignment())
        for tp, offset in starts.items():
            committed = self._committed_offset[tp]
            if committed is not None and offset > committed + 1:
                # never delivered, so never acked: Faust commits only contiguous acks, declare them done
                await self._add_gap(tp, committed, offset - 1)
        self._repositioned = frozenset(starts)
        await self._thread.call_thread(cast(_ConsumerThread, self._thread).reposition, starts)
        for tp, offset in starts.items():
            self._read_offset[tp] = offset if offset else None

    async def _wait_next_records(self, timeout: float) -> Any:
        """Faust's fetch, without the records of repositioned partitions that were fetched before the seek."""
        records, active = await super()._wait_next_records(timeout)
        epoch = getattr(records, "seek_epoch", self.seek_epoch)
        self._fetch_epoch = epoch
        if records and epoch != self.seek_epoch:
            records = {tp: batch for tp, batch in records.items() if tp not in self._repositioned}
        return records, active

    def _to_message(self, tp: TP, record: Any) -> ConsumerMessage:
        """Faust's message, stamped with the seek epoch of its fetch."""
        timestamp = record.timestamp
        message = EpochMessage(
            record.topic,
            record.partition,
            record.offset,
            cast(float, None) if timestamp is None else timestamp / 1000.0,
            record.timestamp_type,
            record.headers,
            record.key,
            record.value,
            record.checksum,
            record.serialized_key_size,
            record.serialized_value_size,
            tp,
            generation_id=self.app.consumer_generation_id,
        )
        message.seek_epoch = self._fetch_epoch
        return message

    async def _drain_messages(self, fetcher: Any) -> None:
        batches: InputBatches | None = getattr(self.app, "input_batches", None)
        if batches is None:
            await super()._drain_messages(fetcher)
            return
        stopped: tuple[type[BaseException], ...] = (asyncio.CancelledError, *self.consumer_stopped_errors)
        try:
            await self._drain_batches(fetcher, batches)
        except stopped:
            # the consumer thread stops under a pending fetch on SIGINT/SIGTERM: a clean stop, as in Faust
            if self.transport.app.should_stop:
                return
            raise

    async def _drain_batches(self, fetcher: Any, batches: InputBatches) -> None:
        while not (self._stopped.is_set() or fetcher._stopped.is_set()):
            records, active = await self._wait_next_records(1.0)
            if not records or self.should_stop:
                continue
            if not self.flow_active:  # a rebalance began after the fetch: Faust reseeks, so drop it
                continue
            generation = self.app.consumer_generation_id
            epoch = self._fetch_epoch
            batch: list[Message] = []
            for tp, tp_records in records.items():
                if active is not None and tp not in active and tp not in self._buffered_partitions:
                    continue
                if tp.topic in batches.topics:
                    await self._collect(tp, tp_records, batch, epoch)
                else:
                    await self._deliver_one_by_one(tp, tp_records, generation, epoch)
            if batch and self.app.consumer_generation_id == generation:
                await batches.handler(batch)

    def _stale(self, tp: TP, epoch: int) -> bool:
        """Fetched before the partition was repositioned: its records may lie beyond the new position."""
        return epoch != self.seek_epoch and tp in self._repositioned

    async def _collect(self, tp: TP, records: Sequence[Any], batch: list[Message], epoch: int) -> None:
        """Messages at or after the read offset (what a seek asked for), gaps declared for commits."""
        start = self._read_offset[tp]
        previous = start
        taken: list[Message] = []
        gaps: list[tuple[int, int]] = []
        for record in records:
            offset = record.offset
            if start is not None and offset < start:
                continue
            if previous is not None and offset > previous + 1:
                gaps.append((previous + 1, offset - 1))
            taken.append(self._to_message(tp, record))
            previous = offset
        if self._stale(tp, epoch):
            return
        batch.extend(taken)
        if previous is not None:
            self._read_offset[tp] = previous
        for first, last in gaps:
            await self._add_gap(tp, first, last)

    async def _deliver_one_by_one(self, tp: TP, records: Sequence[Any], generation: int, epoch: int) -> None:
        """Faust's own path (changelog recovery, the partials agent), one record at a time."""
        for record in records:
            if self.app.consumer_generation_id != generation or not self.flow_active or self._stale(tp, epoch):
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
    start_offsets: StartOffsets | None = None

    def _new_transport(self) -> Any:
        return cast(Any, BatchingTransport)(self.conf.broker_consumer, self)
