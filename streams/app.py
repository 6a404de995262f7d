"""The Faust app of the indicator workers, built from Settings: agents, tables, timer. Thin around the engine.

- `inputs` agent on the five input topics (raw bytes): a batch at a time (`take_events`), decode, validate
  and apply in `InputProcessor` (partition p of every topic feeds one engine), dead-letter the rest,
  checkpoint each touched partition's state and offsets into the `checkpoints` table, and send its
  partial to the internal `<app_id>-partials` topic (one partition, so one combiner).
- `combiner` agent on the partials topic: the newest partial per source, indicators from the engine's
  `Combiner`, changed values to `congestion-indicators` and `congestion-latest`, level changes to
  `congestion-alerts`, its own state into the `combiner` table.
- a timer republishes every value at `publish_interval_s`.

Why batches: Faust's per-event machinery and a changelog write per table update cost ~98% of the time
(DESIGN.md, Broker). Tables are written per batch, not per event. At-least-once: see docs/worker.md.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import faust
from faust import Stream
from faust.types import TP, EventT, Message, StreamT

from baystream.infra.kafka_config import faust_broker_url, faust_security, producer_config, session_timeout_ms
from baystream.infra.metrics import (
    CONSUMER_LAG,
    EVENTS_PUBLISH_FAILED,
    PROCESSING_LAG_SECONDS,
    STATE_ENTRIES,
    set_indicator,
)
from baystream.infra.settings import Settings
from baystream.infra.topics import (
    CONGESTION_ALERTS,
    CONGESTION_INDICATORS,
    CONGESTION_LATEST,
    DEAD_LETTER,
    INPUT_TOPICS,
)
from baystream.schemas.wire import Codec, codec_for
from baystream.streams import checkpoint, fast_path
from baystream.streams.combining import Board, Combiner
from baystream.streams.model import IndicatorValue, PartitionEngineAPI
from baystream.streams.processing import InputProcessor, RawRecord

BOARD_KEY = "board"
PARTIAL_KEY = "partial/"
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
"""Partials carry per-container rows (rail backlog): allow more than Kafka's 1 MB default."""


@dataclass(frozen=True)
class EngineKit:
    """How the worker makes and restores the engine's two halves (the real engine, or a test's stand-in)."""

    new_engine: Callable[[], PartitionEngineAPI]
    restore_engine: Callable[[Mapping[str, Any]], PartitionEngineAPI]
    new_combiner: Callable[[], Combiner]
    restore_combiner: Callable[[Mapping[str, Any]], Combiner]


def engine_kit(settings: Settings) -> EngineKit:
    """The engine of streams/engine with the indicator configuration the settings name."""
    from baystream.streams.config import config_from_settings
    from baystream.streams.engine import Combiner, PartitionEngine

    config = config_from_settings(settings)
    return EngineKit(
        new_engine=lambda: PartitionEngine(config),
        restore_engine=lambda state: PartitionEngine.from_state(state, config),
        new_combiner=lambda: Combiner(config),
        restore_combiner=lambda state: Combiner.from_state(state, config),
    )


@dataclass(frozen=True)
class Tuning:
    """Batching of the input agent: bigger batches cost less per event, smaller ones answer sooner."""

    batch_size: int = 5000
    batch_within_s: float = 0.1
    partial_interval_s: float = 0.25
    """Shortest time between two partials of an input partition (the combiner's work scales with them)."""
    checkpoint_interval_s: float = 5.0
    checkpoint_bytes_per_s: float = 128 * 1024
    """Checkpoints write whole states: a big state is saved less often, so the changelog grows by at most
    about this much per second (Tansu does not compact; real Kafka has to compact it)."""
    max_unsaved_records: int = 100_000
    """Records held for the next checkpoint (memory; replay after a crash): save early when there are more."""
    """Shortest time between two checkpoints; a restart replays at most about this much (deduplicated)."""
    combiner_within_s: float = 0.05
    fast_path: bool = True
    """Input fetches handed over whole (streams/fast_path.py) instead of Faust's per-event streams."""


def partials_topic(settings: Settings) -> str:
    """The internal topic from the input partitions to the combiner (one partition), per app id."""
    return f"{settings.app_id}-partials"


def ensure_topics(settings: Settings) -> None:
    """The catalog topics and the partials topic, created explicitly (Tansu would give 4 partitions)."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    from baystream.infra.kafka_config import admin_config
    from baystream.infra.topics import create_topics

    create_topics(settings)
    admin = AdminClient(admin_config(settings))
    name = partials_topic(settings)
    if name in admin.list_topics(timeout=15.0).topics:
        return
    config = {"max.message.bytes": str(MAX_MESSAGE_BYTES)}
    future = admin.create_topics([NewTopic(name, 1, settings.replication_factor, config=config)])[name]
    try:
        future.result()
    except KafkaException as exc:
        if "TOPIC_ALREADY_EXISTS" not in str(exc):
            raise


class _Current:
    """What Faust's tables read of the current event: its message (partition, topic, timestamp)."""

    def __init__(self, message: Message | PartitionContext):
        self.message = message


@dataclass(frozen=True)
class PartitionContext:
    """What Faust's tables read of a message (its topic and partition), for an input partition that has not
    delivered a record yet: a partition restored on assignment is read from the table before any fetch."""

    topic: str
    partition: int


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


def _bytes_table(app: faust.App, name: str, partitions: int) -> Any:
    """A table of str keys and raw bytes values (checkpoints are already encoded)."""
    table: Any = app.Table(name, partitions=partitions, key_type=str, value_type=bytes)
    # Faust derives "json" for both from the types; raw bytes must stay raw in the changelog and recovery.
    table.value_serializer = "raw"
    return table


def _record(m: Message) -> RawRecord:
    return RawRecord(m.topic, m.partition, m.offset, m.key, m.value, int((m.timestamp or time.time()) * 1000))


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


class IndicatorWorker:
    """The agents' bodies and the state they share in one worker process."""

    def __init__(self, app: faust.App, settings: Settings, kit: EngineKit, codec: Codec, tuning: Tuning):
        self.app = app
        self.kit = kit
        self.codec = codec
        self.tuning = tuning
        self.processor = InputProcessor(codec, kit.new_engine, kit.restore_engine)
        self.board: Board | None = None
        self.partials_name = partials_topic(settings)
        raw: dict[str, Any] = {
            "key_type": bytes,
            "value_type": bytes,
            "key_serializer": "raw",
            "value_serializer": "raw",
        }
        self.inputs = app.topic(*INPUT_TOPICS, **raw)
        self.partials = app.topic(self.partials_name, partitions=1, **raw)
        self.output = OutputProducer(settings)
        self.checkpoints = _bytes_table(app, "checkpoints", settings.partitions)
        self.combiner_table = _bytes_table(app, "combiner", 1)
        self.held: list[Message] = []
        """Records applied but not yet covered by a checkpoint: acked (committable) after the next one."""
        self.positioned_generation = -1
        """The consumer generation whose assignment `start_offsets` restored: input records wait for it."""
        self.context: dict[int, Message | PartitionContext] = {}
        """A record of each input partition: Faust's tables pick partition and store from it."""
        self.unreported: set[int] = set()
        self.unsaved: set[int] = set()
        self.reported_at = time.monotonic()
        self.checkpoint_due = self.reported_at + tuning.checkpoint_interval_s
        self.entries: dict[int, dict[str, int]] = {}
        self.board_held: list[Message] = []
        self.board_unsaved: dict[str, bytes] = {}
        self.board_context: Message | None = None
        self.board_due = self.checkpoint_due

    # -- input partitions -------------------------------------------------------------------------------

    async def consume_inputs(self, stream: StreamT[Any]) -> None:
        """Faust's standard path: events one by one into a buffer, a batch at a time out (`--no-fast-path`)."""
        async for events in cast(Stream, stream).noack_take(self.tuning.batch_size, self.tuning.batch_within_s):
            self.handle_inputs([event.message for event in cast(Sequence[EventT], events)])
            await self.flush()

    async def consume_fetches(self, stream: StreamT[Any]) -> None:
        """The fast path: each value is one fetch of input records, handed over by `BatchingConsumer`."""
        async for messages in stream:
            self.handle_inputs(messages)
            await self.flush()

    def handle_inputs(self, messages: Sequence[Message]) -> None:
        """One batch: apply, dead-letter; the records stay unacked until a checkpoint covers them."""
        assignment = self.app.consumer.assignment()
        generation = self.app.consumer_generation_id
        epoch = cast(fast_path.BatchingConsumer, self.app.consumer).seek_epoch
        if self.positioned_generation != generation:
            return  # not yet restored and repositioned for this assignment: fetched again once it is
        records = []
        for m in messages:
            # Fetched before a rebalance or a repositioning (`start_offsets`): applying these on top of the
            # restored state would skip the records between its end and theirs. They are fetched again.
            if m.tp not in assignment or getattr(m, "generation_id", generation) != generation:
                continue
            if not fast_path.current(m, epoch):
                continue
            records.append(_record(m))
            self.held.append(m)
            self.context[m.partition] = m
        outcome = self.processor.process(records)
        for letter in outcome.dead_letters:
            self._send(DEAD_LETTER, letter["key"], self.codec.encode(letter, DEAD_LETTER))
        self.unreported |= outcome.touched
        self.unsaved |= outcome.touched
        self._report_lag(messages)

    def restore(self, number: int) -> None:
        """Take input partition `number` over from its checkpoint, and report it: the combiner may hold an
        older partial of it than the checkpoint (the last partial before a crash), and replayed records below
        the checkpoint change nothing, so without this report the combiner would keep the stale one."""
        context = self.context.setdefault(number, PartitionContext(INPUT_TOPICS[0], number))
        with on_behalf_of(context):
            data = checkpoint.read_whole(self.checkpoints, f"p{number}")
            self.processor.load(number, None if data is None else checkpoint.decode(data))
        self.unreported.add(number)

    async def start_offsets(self, assignment: set[TP]) -> dict[TP, int]:
        """Tables recovered, the consumer at the committed offsets: restore what was assigned and read on from
        where each restored state ends, not from the committed offset.

        Usually the same or earlier (offsets are committed only once a checkpoint covers them). But a table
        recovery can come back with an older checkpoint than the newest (the embedded broker understates a
        partition's end offset when its last batch holds several records, so Faust stops reading early), and
        reading on from the committed offset would then skip the records in between. Also restores the input
        partitions that have nothing new to read, so they are reported.

        Every assigned partition is restored again, even one this worker held before: state and position are
        reset together, so they agree whenever Faust seeks (held records are replayed, then acked again)."""
        starts: dict[TP, int] = {}
        restored: dict[int, int | None] = {}
        for number in sorted({tp.partition for tp in assignment if tp.topic in INPUT_TOPICS}):
            self.restore(number)
            partition = self.processor.partitions[number]
            restored[number] = partition.position if partition.offsets else None
        for tp in assignment:
            if tp.topic in INPUT_TOPICS:
                starts[tp] = self.processor.partitions[tp.partition].offsets.get(tp.topic, 0)
            elif tp.topic == self.partials_name:
                self.board, self.board_held, self.board_unsaved = None, [], {}
                with on_behalf_of(PartitionContext(tp.topic, tp.partition)):
                    starts[tp] = self._board().covered
        self.held = [message for message in self.held if message.tp not in starts]
        self.positioned_generation = self.app.consumer_generation_id
        if restored:
            shown = ", ".join(f"p{n} at {'the start' if at is None else at}" for n, at in restored.items())
            print(f"restored input partitions from their checkpoints: {shown}", flush=True)
        return starts

    async def flush(self) -> None:
        """Partials at most every `partial_interval_s`; checkpoints, then acks, every `checkpoint_interval_s`
        (longer for big states, see `checkpoint_bytes_per_s`; sooner when `max_unsaved_records` are waiting).

        Called after each batch and by a timer, so the last events of a burst are reported and committed.
        Acks only after the checkpoint: Faust then commits no offset the saved state does not cover.
        """
        now = time.monotonic()
        self.save_board()
        if self.unreported and now - self.reported_at >= self.tuning.partial_interval_s:
            self.reported_at = now
            for number in sorted(self.unreported & self.processor.partitions.keys()):
                partition = self.processor.partitions[number]
                message = checkpoint.encode(partition.partial_message())
                self.output.send(self.partials_name, partition.source.encode(), message)
            self.unreported = set()
        if self.held and (now >= self.checkpoint_due or len(self.held) >= self.tuning.max_unsaved_records):
            written = 0
            for number in sorted(self.unsaved & self.processor.partitions.keys()):
                payload = self.processor.partitions[number].checkpoint()
                with on_behalf_of(self.context[number]):
                    written += checkpoint.write(self.checkpoints, f"p{number}", payload)
                self.entries[number] = {k: len(v) for k, v in payload["state"].items() if isinstance(v, dict)}
            self.unsaved = set()
            self.checkpoint_due = now + max(
                self.tuning.checkpoint_interval_s, written / self.tuning.checkpoint_bytes_per_s
            )
            self._report_entries()
            self.output.flush()  # dead letters of these records are on the broker before their offsets commit
            held, self.held = self.held, []
            consumer = self.app.consumer
            for record in held:
                record.ack(consumer)

    def _report_entries(self) -> None:
        """STATE_ENTRIES per kind (the engine state's tables: open visits, containers on terminal, ids...)."""
        totals: dict[str, int] = {}
        for number, counts in self.entries.items():
            if number in self.processor.partitions:
                for kind, n in counts.items():
                    totals[kind] = totals.get(kind, 0) + n
        for kind, n in totals.items():
            STATE_ENTRIES.labels(kind).set(n)

    def _report_lag(self, messages: Sequence[Message]) -> None:
        last: dict[TP, int] = {}
        for m in messages:
            last[m.tp] = m.offset
        for tp, offset in last.items():
            try:
                highwater = self.app.consumer.highwater(tp)
            except Exception:  # not known yet (fetch metadata pending): report next time
                continue
            if highwater is not None:
                CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(0, highwater - offset - 1))

    # -- combiner ---------------------------------------------------------------------------------------

    async def combine(self, stream: StreamT[Any]) -> None:
        async for events in cast(Stream, stream).noack_take(1000, self.tuning.combiner_within_s):
            self.handle_partials(cast(Sequence[EventT], events))
            self.save_board()

    def handle_partials(self, events: Sequence[EventT]) -> None:
        """Newest partials in, changed values and alerts out; acked once a board checkpoint covers them."""
        if not events or self.positioned_generation != self.app.consumer_generation_id:
            return  # the board is restored and the partials repositioned first (`start_offsets`)
        epoch = cast(fast_path.BatchingConsumer, self.app.consumer).seek_epoch
        events = [event for event in events if fast_path.current(event.message, epoch)]
        if not events:
            return
        self.board_context = events[-1].message
        with on_behalf_of(self.board_context):
            board = self._board()
        for event in events:
            self.board_held.append(event.message)
            board.covered = event.message.offset + 1
            data = event.message.value
            if data is None:
                continue
            message = checkpoint.decode(data)
            if board.offer(message):
                self.board_unsaved[message["source"]] = data
        self._publish(board.changes())
        for alert in board.alerts():
            record = alert.as_record()
            self._send(CONGESTION_ALERTS, alert.scope.encode(), self.codec.encode(record, CONGESTION_ALERTS))
        self._observe_lag(board)

    def save_board(self, force: bool = False) -> None:
        """The board and the partials it took since the last time, then the acks (same cadence as inputs)."""
        now = time.monotonic()
        if not self.board_held or self.board is None or self.board_context is None:
            return
        if not force and now < self.board_due:
            return
        written = 0
        with on_behalf_of(self.board_context):
            for source, data in self.board_unsaved.items():
                written += checkpoint.write_bytes(self.combiner_table, f"{PARTIAL_KEY}{source}", data)
            written += checkpoint.write(self.combiner_table, BOARD_KEY, self.board.to_state())
        self.board_unsaved = {}
        self.board_due = now + max(self.tuning.checkpoint_interval_s, written / self.tuning.checkpoint_bytes_per_s)
        self.output.flush()  # alerts and values derived from these partials are out before their offsets commit
        held, self.board_held = self.board_held, []
        consumer = self.app.consumer
        for message in held:
            message.ack(consumer)

    def _board(self) -> Board:
        """The board, restored from the combiner table when this worker has just taken the combiner over."""
        if self.board is None:
            board = checkpoint.read_whole(self.combiner_table, BOARD_KEY)
            state = None if board is None else checkpoint.decode(board)
            if state is None:
                self.board = Board(self.kit.new_combiner())
            else:
                self.board = Board.from_state(state, self.kit.restore_combiner)
                for source in state["positions"]:
                    data = checkpoint.read_whole(self.combiner_table, f"{PARTIAL_KEY}{source}")
                    if data is not None:
                        self.board.offer(checkpoint.decode(data))
                self.board.take_arrivals()
        return self.board

    async def publish_all(self) -> None:
        """The steady cadence: every value, whether it changed or not (only where the combiner lives)."""
        if self.board is not None:
            self._publish(self.board.everything())

    def _publish(self, values: Sequence[IndicatorValue]) -> None:
        now = datetime.now(UTC)
        for value in values:
            record = value.as_record(now)
            self._send(CONGESTION_INDICATORS, value.scope.encode(), self.codec.encode(record, CONGESTION_INDICATORS))
            key = f"{value.scope}|{value.indicator}".encode()
            self._send(CONGESTION_LATEST, key, self.codec.encode(record, CONGESTION_LATEST))
            set_indicator(value.scope, value.indicator, value.value, value.level)

    def _observe_lag(self, board: Board) -> None:
        now_ms = time.time() * 1000
        for timestamp_ms, count in board.take_arrivals().items():
            lag = max(0.0, (now_ms - timestamp_ms) / 1000)
            for _ in range(count):
                PROCESSING_LAG_SECONDS.observe(lag)

    def _send(self, topic: str, key: bytes | None, value: bytes) -> None:
        self.output.send(topic, key, value)

    # -- rebalancing ------------------------------------------------------------------------------------

    async def on_assigned(self, sender: Any, assigned: set[TP], **_: Any) -> None:
        """Say which input partitions this worker holds now (operators and tests read it)."""
        mine = sorted({tp.partition for tp in assigned if tp.topic in INPUT_TOPICS})
        combiner = any(tp.topic == self.partials_name for tp in assigned)
        print(f"assigned input partitions {mine}{' and the combiner' if combiner else ''}", flush=True)

    async def on_revoked(self, sender: Any, revoked: set[TP], **_: Any) -> None:
        """Forget revoked partitions: whoever gets them next restores them from the tables and replays what
        the last checkpoint does not cover, so their unsaved events must never be acked (committed)."""
        self.held = [message for message in self.held if message.tp not in revoked]
        for tp in revoked:
            if tp.topic in INPUT_TOPICS:
                self.processor.drop(tp.partition)
                self.context.pop(tp.partition, None)
            elif tp.topic == self.partials_name:
                self.board = None
                self.board_held, self.board_unsaved, self.board_context = [], {}, None


def create_app(
    settings: Settings, kit: EngineKit | None = None, tuning: Tuning | None = None, codec: Codec | None = None
) -> faust.App:
    """The worker's Faust app, configured from the settings only (Faust's own env and argv are not read)."""
    session_s = session_timeout_ms(settings) / 1000
    tuning = tuning or Tuning()
    app = fast_path.App(
        settings.app_id,
        broker=faust_broker_url(settings),
        broker_credentials=_credentials(settings),
        store=settings.table_store,
        datadir=settings.state_dir,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        broker_session_timeout=session_s,
        # A join waits for every member to rejoin, up to this; Faust's 60 s default is a minute of standstill
        # whenever a member dies mid-rebalance, which the embedded broker's 6 s sessions are meant to avoid.
        broker_rebalance_timeout=max(20.0, 3 * session_s) if settings.embedded else 60.0,
        broker_heartbeat_interval=max(1.0, session_s / 3),
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        table_standby_replicas=0,
        stream_wait_empty=False,  # unacked events wait for a checkpoint; a new owner replays them (dedup)
        producer_max_request_size=MAX_MESSAGE_BYTES,
        web_enabled=bool(settings.worker_web_port),
        web_port=settings.worker_web_port or 6066,
        web_bind="127.0.0.1",
        autodiscover=False,
    )
    kit = kit or engine_kit(settings)
    worker = IndicatorWorker(app, settings, kit, codec or codec_for(settings.schema_registry), tuning)
    if tuning.fast_path:
        fetches = app.channel(maxsize=2)

        async def hand_over(batch: Sequence[Message]) -> None:
            await fetches.send(value=batch)

        app.input_batches = fast_path.InputBatches(INPUT_TOPICS, hand_over)
        app.topics.add(worker.inputs)  # subscribed, but read by BatchingConsumer
        app.agent(fetches, name="inputs")(worker.consume_fetches)
    else:
        app.agent(worker.inputs, name="inputs")(worker.consume_inputs)
    app.agent(worker.partials, name="combiner")(worker.combine)
    app.timer(settings.publish_interval_s, on_leader=False)(worker.publish_all)
    app.timer(min(tuning.partial_interval_s, tuning.checkpoint_interval_s) / 2, on_leader=False)(worker.flush)
    app.on_partitions_revoked.connect(cast(Any, worker.on_revoked))
    app.on_partitions_assigned.connect(cast(Any, worker.on_assigned))
    app.start_offsets = worker.start_offsets
    app.indicator_worker = worker  # type: ignore[attr-defined]
    return app


def _credentials(settings: Settings) -> Any:
    """SASL/SSL for Faust from the pass-through Kafka properties (None on a plain listener)."""
    security = faust_security(settings)
    mechanism = security.get("sasl_mechanism")
    if not mechanism:
        return None
    ssl = security.get("security_protocol", "").upper().endswith("SSL")
    context = None
    if ssl:
        import ssl as ssl_module

        context = ssl_module.create_default_context()
    return faust.SASLCredentials(
        username=security.get("sasl_plain_username"),
        password=security.get("sasl_plain_password"),
        mechanism=mechanism,
        ssl_context=context,
    )
