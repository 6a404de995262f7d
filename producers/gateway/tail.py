"""The gateway's idempotency memory, kept in Kafka: every replica reads the accepted events back from the log.

What is remembered is what the gateway publishes: every accepted event lands on its input topic with its
`event_id` and its `source` (stamped from the caller's key). So a replica keeps its `IdempotencyWindow` by
tailing the five input topics, from the offsets of `now - window` (`offsets_for_times`) at start, then
continuously, remembering `(source, event_id)` of every record of a source its keys file knows, at the
record's timestamp. No second write exists that could be lost between "published" and "remembered": a
killed gateway forgets nothing, a restarted one and every other replica read the same log alike.

Linearizable lookups: before a request decides which of its events are duplicates, `sync()` takes the high
watermarks of the input partitions (one ListOffsets per leader, sent after the request arrived) and waits
until the tail has read up to them. A 202 is only ever sent after `acks=all`, i.e. once the event is below
the high watermark, so a retry of an answered batch finds every event of it, whichever replica it reaches.
Requests arriving while a watermark query is in flight share the next one (one query per round trip
however many requests wait). A replica that cannot catch up within the timeout raises `MemoryUnavailable`:
the gateway answers 503 with Retry-After, never publishes on a guess.

Why not a compacted topic of accepted ids, written after the acknowledgements? A gateway killed between
the broker's ack and that second write (or whose second write fails) has events on the backbone that no
replica remembers: the retry publishes them again, precisely in the crash this memory exists for. It also
needs compaction (the embedded Tansu broker has none) and doubles the writes; atomicity of the two writes
would need transactions, untrustworthy on Tansu. Reading the input topics needs none of that; its cost is
the read, kept small by peek.py (about 1-2 µs a record, the source checked before the id is decoded).

Records on the topic are remembered whoever wrote them (`baystream publish`, another replica, an ack the
gateway never saw before a timeout): with the same `(source, event_id)` they are the same event. Records
of other sources are skipped. The consumer reads uncommitted records (nobody writes the input topics in
transactions; a read-committed reader would stall below the high watermark behind an open transaction).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, Consumer, KafkaError, KafkaException, Message, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from baystream.infra.kafka_config import admin_config, consumer_config
from baystream.infra.metrics import CONSUMER_DECODE_ERRORS
from baystream.infra.settings import Settings
from baystream.infra.topics import INPUT_TOPICS
from baystream.producers.gateway.idempotency import IdempotencyWindow
from baystream.producers.gateway.peek import Peeker
from baystream.schemas.errors import DecodeError
from baystream.schemas.wire import ConfluentRegistry, codec_for

log = logging.getLogger(__name__)

Partition = tuple[str, int]
CONSUMER = "gateway"
"""The `consumer` label of baystream_consumer_decode_errors_total for records the memory cannot read."""
FETCH_WAIT_MS = {True: 10, False: 500}
"""How long the broker may hold the reader's fetch when there is nothing new, embedded (Tansu) or not.
Kafka answers a parked fetch as soon as a record arrives: librdkafka's default. Tansu holds it to the end,
so a sync waits about half of it for records acknowledged meanwhile (measured: 44 ms at 100, 2 ms at 10)."""
PREFETCH_KB = 8192
"""librdkafka's read-ahead (64 MB by default): a start on a full window needs no more to keep reading."""
BATCH = 1000
"""Records read per hand-over to the event loop, at most."""
IN_FLIGHT_BATCHES = 4
"""Batches read but not yet applied on the event loop: the reader never runs far ahead of the loop."""


class MemoryUnavailable(RuntimeError):
    """The memory could not be brought up to date in time; the request must not decide on a guess."""


class Catchup:
    """How far the reader has applied each partition, and the requests waiting for it to reach the ends.

    Loop side only, no Kafka in it: `end_offsets(partitions)` asks the broker for the high watermarks,
    `advance()` reports the reader's progress. A request's `sync()` joins the next round; a round's end
    offsets are asked for only after every request in it arrived, and one query is in flight at a time, so
    requests arriving meanwhile share the following one.
    """

    def __init__(
        self,
        end_offsets: Callable[[list[Partition]], Awaitable[dict[Partition, int]]],
        timeout_s: float,
        problem: Callable[[], str | None] = lambda: None,
    ):
        self._end_offsets = end_offsets
        self.timeout_s = timeout_s
        self._problem = problem
        self.positions: dict[Partition, int] = {}
        """Per partition: every record below this offset has been applied to the window."""
        self.queries = 0
        self._started = asyncio.Event()
        self._next_round: asyncio.Future[str | None] | None = None
        self._querying: asyncio.Task[None] | None = None
        self._waiting: list[tuple[dict[Partition, int], asyncio.Future[str | None], float]] = []

    def _why_not(self) -> str:
        return self._problem() or f"not caught up with the input topics within {self.timeout_s:g}s"

    async def sync(self) -> None:
        """Return once every record below the ends as they are now has been applied; else MemoryUnavailable."""
        round_ = self._next_round
        if round_ is None:
            round_ = self._next_round = asyncio.get_running_loop().create_future()
            if self._querying is None:
                self._querying = asyncio.get_running_loop().create_task(self._query())
        try:
            why_not = await asyncio.wait_for(asyncio.shield(round_), self.timeout_s)
        except TimeoutError:
            why_not = self._why_not()
        if why_not is not None:
            raise MemoryUnavailable(why_not)

    async def _query(self) -> None:
        """Serve the rounds one after the other: the ends as they are now, then wait for the reader."""
        try:
            await self._started.wait()
            while self._next_round is not None:
                round_, self._next_round = self._next_round, None
                self.queries += 1
                try:
                    targets = await self._end_offsets(list(self.positions))
                except Exception as exc:  # broker unreachable, leader moving: this round fails, never guesses
                    round_.set_result(f"could not read the input topics' end offsets: {exc}")
                    continue
                self._waiting.append((targets, round_, time.monotonic() + self.timeout_s))
                self._check()
        finally:
            self._querying = None

    def advance(self, positions: Mapping[Partition, int]) -> None:
        """The reader applied every record below these offsets (partitions it reads, first call: all)."""
        known = self.positions
        for tp, offset in positions.items():
            if offset > known.get(tp, -1):
                known[tp] = offset
        if known and not self._started.is_set():
            self._started.set()
        if self._waiting:
            self._check()

    def _check(self) -> None:
        """Answer the rounds whose ends the reader has reached (or whose time is up)."""
        now = time.monotonic()
        positions = self.positions
        waiting = []
        for targets, round_, deadline in self._waiting:
            if round_.done():
                continue
            if all(positions.get(tp, -1) >= offset for tp, offset in targets.items()):
                round_.set_result(None)
            elif now > deadline:
                round_.set_result(self._why_not())
            else:
                waiting.append((targets, round_, deadline))
        self._waiting = waiting


class AcceptedTail:
    """Feeds `window` with `(source, event_id)` of the input topics; `sync()` makes it current.

    The reader runs in a thread; what it reads is applied to the window on the event loop, so the window
    and the read positions only ever change on the loop, together.
    """

    def __init__(
        self,
        settings: Settings,
        window: IdempotencyWindow,
        sources: Iterable[str],
        loop: asyncio.AbstractEventLoop,
        timeout_s: float,
        clock: Callable[[], float] = time.time,
        topics: Iterable[str] = INPUT_TOPICS,
    ):
        self._settings = settings
        self._window = window
        self._loop = loop
        self._clock = clock
        self._topics = tuple(topics)
        registry = ConfluentRegistry(settings.kafka.schema_registry) if settings.kafka.schema_registry else None
        self._peeker = Peeker(codec_for(settings.kafka.schema_registry), registry, wanted=sources)
        self._admin: AdminClient | None = AdminClient(admin_config(settings))
        self.problem: str | None = "the reader has not started"
        """Why the memory is not reading right now (said in the 503), or None."""
        self.catchup = Catchup(self._high_watermarks, timeout_s, lambda: self.problem)
        self.records_read = 0
        self.remembered = 0
        self._stop = threading.Event()
        self._slots = threading.Semaphore(IN_FLIGHT_BATCHES)
        self._thread = threading.Thread(target=self._run, name="gateway-memory", daemon=True)

    def start(self) -> AcceptedTail:
        self._thread.start()
        return self

    async def sync(self) -> None:
        """Return once every event acknowledged before this call is in the window; else MemoryUnavailable."""
        await self.catchup.sync()

    async def _high_watermarks(self, partitions: list[Partition]) -> dict[Partition, int]:
        wanted = {TopicPartition(t, p): OffsetSpec.latest() for t, p in partitions}
        if self._admin is None:
            raise MemoryUnavailable("the gateway is stopping")
        futures = self._admin.list_offsets(wanted, request_timeout=max(1.0, self.catchup.timeout_s))
        results = await asyncio.gather(*(asyncio.wrap_future(f) for f in futures.values()))
        return {(tp.topic, tp.partition): r.offset for tp, r in zip(futures, results, strict=True)}

    def _apply(self, entries: list[tuple[tuple[str, str], float]], positions: dict[Partition, int]) -> None:
        """On the loop: what the reader read, then how far it has read."""
        self._slots.release()
        add = self._window.add
        for key, at in entries:
            add(key, at)
        self.remembered += len(entries)
        self.catchup.advance(positions)

    def close(self, timeout: float = 3.0) -> None:
        """Stop the reader (blocking: call it from an executor, not on the loop); a reader stuck in a call to a
        broker that does not answer is left to end with it (a daemon thread)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if not self._thread.is_alive():
            self._admin = None  # its librdkafka handle ends now, not at the next garbage collection

    # --- the reader thread ---------------------------------------------------------------------------

    def _hand_over(self, entries: list[tuple[tuple[str, str], float]], positions: dict[Partition, int]) -> bool:
        while not self._slots.acquire(timeout=0.2):
            if self._stop.is_set():
                return False
        try:
            self._loop.call_soon_threadsafe(self._apply, entries, positions)
        except RuntimeError:  # the loop is closed: nobody asks any more
            self._stop.set()
            return False
        return True

    def _set_problem(self, problem: str | None) -> None:
        if problem != self.problem and problem is not None:
            log.warning("gateway idempotency memory: %s", problem)
        self.problem = problem

    def _run(self) -> None:
        overrides: dict[str, Any] = {
            "enable.partition.eof": True,
            "isolation.level": "read_uncommitted",
            "fetch.wait.max.ms": FETCH_WAIT_MS[self._settings.kafka.embedded],
            "auto.offset.reset": "earliest",
            "queued.max.messages.kbytes": PREFETCH_KB,
        }
        consumer = Consumer(consumer_config(self._settings, None, **overrides))
        try:
            backoff = 0.1
            while not self._stop.is_set():
                try:
                    starts = self._assign(consumer)
                    break
                except (KafkaException, LookupError) as exc:  # no broker, no topics, a leader election
                    self._set_problem(f"cannot read the input topics: {exc}")
                    self._stop.wait(backoff)
                    backoff = min(2.0, backoff * 2)
            else:
                return
            self._set_problem(None)
            self._hand_over([], starts)
            while not self._stop.is_set():
                # poll() returns as soon as one record is there; consume(n, timeout) would wait for n or the
                # timeout, adding its timeout to every sync. Then whatever else is there already, at once.
                first = consumer.poll(0.1)
                if first is None:
                    continue
                if not self._hand_over(*self._read([first, *consumer.consume(BATCH - 1, 0)])):
                    return
        except Exception as exc:  # a bug: say so in every answer rather than answer on a stale memory
            log.exception("gateway idempotency memory: the reader stopped")
            self._set_problem(f"the reader of the input topics stopped: {exc!r}")
        finally:
            consumer.close()

    def _assign(self, consumer: Consumer) -> dict[Partition, int]:
        """Assign every input partition from the first offset of `now - window`; the start offsets."""
        metadata = consumer.list_topics(timeout=2.0)
        partitions: list[Partition] = []
        for topic in self._topics:
            found = metadata.topics.get(topic)
            if found is None or found.error is not None or not found.partitions:
                raise LookupError(f"input topic {topic!r} does not exist (baystream topics create)")
            partitions += [(topic, p) for p in sorted(found.partitions)]
        # The ends first: a partition with no record since `since` starts at its end as it was *before* the
        # time lookup, so a record appended in between is read, not skipped.
        ends = self._offsets(partitions, OffsetSpec.latest())
        since_ms = int((self._clock() - self._window.window_s) * 1000)
        found = self._offsets(partitions, OffsetSpec.for_timestamp(since_ms))
        starts = {tp: offset if offset >= 0 else ends[tp] for tp, offset in found.items()}
        consumer.assign([TopicPartition(t, p, offset) for (t, p), offset in starts.items()])
        log.info("gateway idempotency memory: reading %d input partitions from %d ms", len(starts), since_ms)
        return starts

    def _offsets(self, partitions: list[Partition], spec: OffsetSpec) -> dict[Partition, int]:
        """One ListOffsets per leader for all `partitions` (blocking: the reader thread's)."""
        wanted = {TopicPartition(t, p): spec for t, p in partitions}
        assert self._admin is not None  # dropped only once this thread has ended
        futures = self._admin.list_offsets(wanted, request_timeout=5.0)
        return {(tp.topic, tp.partition): future.result(timeout=6.0).offset for tp, future in futures.items()}

    def _read(self, messages: list[Message]) -> tuple[list[tuple[tuple[str, str], float]], dict[Partition, int]]:
        """(key, acceptance time) of the wanted records, and the next offset of each partition touched."""
        now = self._clock()
        cutoff_ms = (now - self._window.window_s) * 1000
        entries: list[tuple[tuple[str, str], float]] = []
        positions: dict[Partition, int] = {}
        read = self._peeker.read
        failed = False
        eofs = 0
        for message in messages:
            tp = (message.topic() or "", message.partition() or 0)
            offset = message.offset() or 0
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    eofs += 1
                    positions[tp] = max(positions.get(tp, 0), offset)
                else:
                    failed = True
                    self._set_problem(f"reading {tp[0]}[{tp[1]}]: {error}")
                continue
            positions[tp] = offset + 1
            kind, stamp = message.timestamp()
            if kind != TIMESTAMP_NOT_AVAILABLE and stamp < cutoff_ms:
                continue  # older than the window (a broker that answers a time lookup from the start)
            try:
                key = read(message.value())
            except DecodeError as exc:
                CONSUMER_DECODE_ERRORS.labels(CONSUMER, tp[0]).inc()
                log.warning("gateway idempotency memory: %s[%d]@%d skipped: %s", tp[0], tp[1], offset, exc)
                continue
            if key is not None:
                entries.append((key, now if kind == TIMESTAMP_NOT_AVAILABLE else stamp / 1000))
        self.records_read += len(messages) - eofs
        if len(messages) >= BATCH:
            # Cut at BATCH, the rest of the last partition's record batch may still be queued: its position
            # waits for the next hand-over. Tansu's end offset is the first offset of the last record batch
            # plus one, so reaching it must mean the whole batch is applied. (librdkafka queues a fetched
            # record batch whole: compressed, it cannot do otherwise.)
            last = messages[-1]
            positions.pop((last.topic() or "", last.partition() or 0), None)
        if not failed and self.problem is not None:
            self._set_problem(None)
        return entries, positions
