"""Every use of faust-streaming's and aiokafka's private internals, in one place.

The worker needs four things Faust does not offer publicly:

- the fast path (streams/fast_path.py): whole fetches of the input topics handed to one coroutine, and a
  shorter fetch long-poll; done by subclassing Faust's aiokafka consumer, its consumer thread and transport;
- repositioning after a table recovery (docs/worker.md, Guarantees 3): a hook after Faust's own seek
  (`perform_seek`), gaps declared to Faust's commit logic, and every fetch stamped with a seek epoch;
- table reads and writes outside a stream's iteration (`on_behalf_of`): Faust picks the changelog partition
  and the RocksDB instance from the current event, held in a private context variable;
- tables of raw bytes (`bytes_table`);
- a stop deadline (`DeadlineWorker`): mode's worker waits without end for a commit the cluster cannot take.

`RELIES_ON` lists each private attribute and function used here, with the parameters it is called or
overridden with; tests/streams/test_faust_internals.py checks them against the installed faust-streaming and
aiokafka, so an upgrade that removes or reshapes one fails there, not in a worker under load.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import faust
from aiokafka.consumer import fetcher as aiokafka_fetcher
from faust.transport.consumer import ConsumerMessage
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message

from baystream.streams.fast_path import (
    FETCH_MAX_WAIT_MS,
    EpochRecords,
    Fetched,
    InputBatches,
    StartOffsets,
    from_offset,
)
from baystream.streams.processing import RawRecord


@dataclass(frozen=True)
class Reliance:
    """One private thing this module uses: `name` on `owner` (a dotted path), a callable taking `parameters`
    (names in order, `self` included), or an attribute (`parameters` None) set on instances when
    `on_instance`. `read_in`: a method of the owner whose source must mention the attribute (it has effect)."""

    owner: str
    name: str
    parameters: tuple[str, ...] | None = None
    on_instance: bool = False
    read_in: str | None = None


_CONSUMER = "faust.transport.drivers.aiokafka.Consumer"
_THREAD = "faust.transport.drivers.aiokafka.AIOKafkaConsumerThread"

RELIES_ON: tuple[Reliance, ...] = (
    # on_behalf_of: the context variable Faust's tables and stores read the current event from
    Reliance("faust.streams", "_current_event"),
    Reliance("faust.streams", "current_event", ()),
    # bytes_table: the serializer a table reads when it writes and recovers
    Reliance("faust.tables.table.Table", "value_serializer", on_instance=True),
    # App: the transport whose consumer is BatchingConsumer
    Reliance("faust.app.base.App", "_new_transport", ("self",)),
    Reliance("faust.transport.drivers.aiokafka.Transport", "Consumer"),
    # _ConsumerThread
    Reliance(_THREAD, "_create_worker_consumer", ("self", "transport")),
    Reliance(_THREAD, "_fetch_records", ("self", "consumer", "active_partitions", "timeout", "max_records")),
    Reliance(_THREAD, "_ensure_consumer", ("self",)),
    Reliance(_THREAD, "call_thread", ("self", "fun", "args", "kwargs")),
    Reliance("aiokafka.AIOKafkaConsumer", "_fetch_max_wait_ms", on_instance=True, read_in="start"),
    Reliance("aiokafka.AIOKafkaConsumer", "seek", ("self", "partition", "offset")),
    # keep_records_raw: aiokafka's record wrapper, skipped for the batch topics
    Reliance(
        "aiokafka.consumer.fetcher.PartitionRecords",
        "_consumer_record",
        ("self", "tp", "record"),
        read_in="_unpack_records",
    ),
    Reliance(
        "aiokafka.consumer.fetcher.PartitionRecords", "_key_deserializer", on_instance=True, read_in="_consumer_record"
    ),
    Reliance(
        "aiokafka.consumer.fetcher.PartitionRecords",
        "_value_deserializer",
        on_instance=True,
        read_in="_consumer_record",
    ),
    # BatchingConsumer: overridden hooks, then the private state it reads and writes
    Reliance(_CONSUMER, "_new_consumer_thread", ("self",)),
    Reliance(_CONSUMER, "perform_seek", ("self",)),
    Reliance(_CONSUMER, "_wait_next_records", ("self", "timeout")),
    Reliance(_CONSUMER, "_to_message", ("self", "tp", "record")),
    Reliance(_CONSUMER, "_drain_messages", ("self", "fetcher")),
    Reliance(_CONSUMER, "_add_gap", ("self", "tp", "offset_from", "offset_to")),
    Reliance(_CONSUMER, "consumer_stopped_errors"),
    Reliance(_CONSUMER, "_read_offset", on_instance=True),
    Reliance(_CONSUMER, "_committed_offset", on_instance=True),
    Reliance(_CONSUMER, "_buffered_partitions", on_instance=True),
    Reliance(_CONSUMER, "_thread", on_instance=True),
    Reliance(_CONSUMER, "_stopped", on_instance=True),
    Reliance(_CONSUMER, "flow_active", on_instance=True),
    Reliance(_CONSUMER, "callback", on_instance=True),
    Reliance("mode.Service", "_stopped", on_instance=True),  # the fetcher's (a mode Service)
    # DeadlineWorker: where mode's worker turns SIGINT and SIGTERM into a stop
    Reliance("mode.worker.Worker", "_schedule_shutdown", ("self", "signal")),
    # _to_message: Faust's message, built positionally as Faust's own driver does
    Reliance(
        "faust.transport.consumer.ConsumerMessage",
        "__init__",
        (
            "self",
            "topic",
            "partition",
            "offset",
            "timestamp",
            "timestamp_type",
            "headers",
            "key",
            "value",
            "checksum",
            "serialized_key_size",
            "serialized_value_size",
            "tp",
            "time_in",
            "time_out",
            "time_total",
            "generation_id",
        ),
    ),
)


# -- tables outside a stream ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PartitionContext:
    """What Faust's tables read of a message (its topic and partition), for an input partition that has not
    delivered a record yet: a partition restored on assignment is read from the table before any fetch."""

    topic: str
    partition: int


class _Current:
    """What Faust's tables read of the current event: its message (partition, topic, timestamp)."""

    def __init__(self, message: Message | PartitionContext):
        self.message = message


@contextmanager
def on_behalf_of(message: Message | PartitionContext) -> Iterator[None]:
    """Table reads and writes for `message`'s partition (Faust picks the changelog partition and the
    RocksDB instance from the current event, which a batch's task does not have)."""
    from faust.streams import _current_event

    current = _Current(message)
    token = _current_event.set(cast(Any, weakref.ref(current)))
    try:
        yield
    finally:
        _current_event.reset(token)


async def ack_span(consumer: Any, first: int, last: Message) -> None:
    """Ack every record of `last`'s partition from offset `first` to `last` itself, at the cost of one: Faust
    commits past declared gaps, so the offsets below `last` are declared one, and `last` is acked."""
    if last.offset > first:
        await consumer._add_gap(last.tp, first, last.offset - 1)
    last.ack(consumer)


def bytes_table(app: faust.App, name: str, partitions: int) -> Any:
    """A table of str keys and raw bytes values (checkpoints are already encoded)."""
    table: Any = app.Table(name, partitions=partitions, key_type=str, value_type=bytes)
    # Faust derives "json" for both from the types; raw bytes must stay raw in the changelog and recovery.
    table.value_serializer = "raw"
    return table


# -- the fast path's consumer ---------------------------------------------------------------------------


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
        # Only now: a fetch stamped with the epoch of the restore but taken before these seeks is at the
        # committed offsets, and applying it would move the restored state past records it never read.
        repositioned: Callable[[], None] | None = getattr(self.app, "repositioned", None)
        if repositioned is not None:
            repositioned()

    async def _wait_next_records(self, timeout: float) -> Any:
        """Faust's fetch, without the records of repositioned partitions that were fetched before the seek."""
        records, active = await super()._wait_next_records(timeout)
        epoch = getattr(records, "seek_epoch", self.seek_epoch)
        self._fetch_epoch = epoch
        if records and epoch != self.seek_epoch:
            records = {tp: batch for tp, batch in records.items() if tp not in self._repositioned}
        return records, active

    def _to_message(self, tp: TP, record: Any) -> ConsumerMessage:
        """Faust's message, stamped with the seek epoch of its fetch; from aiokafka's `ConsumerRecord` or, for
        the batch topics, its raw record (`keep_records_raw`)."""
        timestamp, key, value = record.timestamp, record.key, record.value
        message = EpochMessage(
            tp.topic,
            tp.partition,
            record.offset,
            cast(float, None) if timestamp is None else timestamp / 1000.0,
            record.timestamp_type,
            record.headers,
            key,
            value,
            record.checksum,
            -1 if key is None else len(key),
            -1 if value is None else len(value),
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
            batch: list[Fetched] = []
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

    async def _collect(self, tp: TP, records: Sequence[Any], batch: list[Fetched], epoch: int) -> None:
        """The span of records at or after the read offset (what a seek asked for), gaps declared for commits."""
        taken, gaps, last = from_offset(records, self._read_offset[tp])
        if self._stale(tp, epoch):
            return
        if taken:
            topic, partition, now_ms = tp.topic, tp.partition, int(time.time() * 1000)
            raw = [RawRecord(topic, partition, r.offset, r.key, r.value, r.timestamp or now_ms) for r in taken]
            batch.append(Fetched(self._to_message(tp, taken[-1]), taken[0].offset, raw))
        if last is not None:
            self._read_offset[tp] = last
        for first, end in gaps:
            await self._add_gap(tp, first, end)

    async def _deliver_one_by_one(self, tp: TP, records: Sequence[Any], generation: int, epoch: int) -> None:
        """Faust's own path (changelog recovery, the partials agent), one record at a time."""
        for record in records:
            if self.app.consumer_generation_id != generation or not self.flow_active or self._stale(tp, epoch):
                return
            start = self._read_offset[tp]
            if start is None or record.offset >= start:
                await self.callback(self._to_message(tp, record))
                self._read_offset[tp] = record.offset


_RAW_TOPICS: set[str] = set()
_CONSUMER_RECORD = aiokafka_fetcher.PartitionRecords._consumer_record


def _consumer_record(self: Any, tp: TP, record: Any) -> Any:
    """aiokafka's record itself for the batch topics (offset, timestamp, key, value: all `_collect` reads),
    its `ConsumerRecord` for every other topic."""
    if tp.topic in _RAW_TOPICS and self._key_deserializer is None and self._value_deserializer is None:
        return record
    return _CONSUMER_RECORD(self, tp, record)


def keep_records_raw(topics: Iterable[str]) -> None:
    """Skip aiokafka's `ConsumerRecord` (a dataclass of eleven fields per record) for `topics`: their records
    become plain tuples at once (`BatchingConsumer._collect`). Process-wide: aiokafka builds its partition
    records in its fetcher, out of reach of one consumer; every other topic is left as it is."""
    _RAW_TOPICS.update(topics)
    aiokafka_fetcher.PartitionRecords._consumer_record = _consumer_record


class BatchingTransport(faust_aiokafka.Transport):
    Consumer: ClassVar[type[Any]] = BatchingConsumer


class App(faust.App):
    """A Faust app whose consumer may deliver the input topics in batches (see `InputBatches`)."""

    input_batches: InputBatches | None = None
    start_offsets: StartOffsets | None = None
    repositioned: Callable[[], None] | None = None
    """Called once the consumer reads from where `start_offsets` said: the app may apply records again."""

    def _new_transport(self) -> Any:
        return cast(Any, BatchingTransport)(self.conf.broker_consumer, self)


def seek_epoch(app: faust.App) -> int:
    """The consumer's current seek epoch (see `fast_path.current`)."""
    return cast(BatchingConsumer, app.consumer).seek_epoch


# -- a stop in bounded time ------------------------------------------------------------------------------

STOP_OVERDUE_EXIT = 3
"""The worker's exit status when its stop deadline ran out (docs/worker.md): it stopped as a crash would."""


class DeadlineWorker(faust.Worker):
    """A Faust worker that ends at most `stop_timeout_s` after SIGINT or SIGTERM.

    A clean stop commits the input offsets and leaves the group through the group coordinator, and aiokafka
    waits for a coordinator without end. When none answers (a broker fenced under load, a cluster restarting),
    the deadline ends the process with `STOP_OVERDUE_EXIT`, after `before_exit` (bounded: the output flush).
    That is safe for the same reason a crash is: a restart resumes from the checkpoints, not the commits.
    """

    def __init__(self, app: faust.App, *, stop_timeout_s: float, before_exit: Callable[[], None], **kwargs: Any):
        super().__init__(app, **kwargs)
        self._stop_timeout_s = stop_timeout_s
        self._before_exit = before_exit
        self._deadline: threading.Timer | None = None

    def _schedule_shutdown(self, signal: Any) -> None:
        if self._deadline is None:
            self._deadline = threading.Timer(self._stop_timeout_s, self._overdue)
            self._deadline.daemon = True
            self._deadline.start()
        super()._schedule_shutdown(signal)

    def _overdue(self) -> None:
        print(
            f"worker: stop overdue: not stopped {self._stop_timeout_s:g} s after the signal (the group "
            "coordinator did not answer the last commit or the leave); exiting without them, a restart "
            "resumes from the checkpoints",
            file=sys.stderr,
            flush=True,
        )
        try:
            self._before_exit()
        finally:
            os._exit(STOP_OVERDUE_EXIT)
