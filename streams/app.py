"""The Faust app of the indicator workers, built from Settings: agents, tables, timers. Thin around the engine.

- `inputs` agent on the five input topics (raw bytes), a batch at a time: the input side
  (streams/input_side.py) applies it to one engine per input partition, dead-letters the rest, checkpoints
  each touched partition's state and offsets into the `checkpoints` table, and sends its partial to the
  internal `<app_id>-partials` topic (one partition, so one combiner).
- `combiner` agent on the partials topic: the combiner side (streams/combiner_side.py) keeps the newest
  partial per source, publishes changed indicators to `congestion-indicators` and `congestion-latest`,
  level changes to `congestion-alerts`, and checkpoints its board into the `combiner` table.
- timers: every value republished at `publish_interval_s`; partials and checkpoints of a quiet stream.

Both sides ack what they took only after a checkpoint covers it (`CheckpointGate`, streams/delivery.py).
Faust's private internals (fast path, repositioning, tables outside a stream) are in
streams/faust_internals.py. Why batches: Faust's per-event machinery and a changelog write per table update
cost ~98% of the time (docs/benchmarks.md). At-least-once and restarts: docs/worker.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import faust
from faust import Stream
from faust.types import TP, AgentT, EventT, StreamT

from baystream.infra.kafka_config import faust_broker_url, faust_security, session_timeout_ms
from baystream.infra.settings import Settings, WorkerSettings
from baystream.infra.topics import INPUT_TOPICS
from baystream.schemas.wire import Codec, codec_for
from baystream.streams import fast_path, faust_internals
from baystream.streams.combiner_side import CombinerSide
from baystream.streams.combining import Combiner
from baystream.streams.delivery import MAX_MESSAGE_BYTES, CheckpointGate, OutputProducer, Positioning
from baystream.streams.input_side import InputSide
from baystream.streams.model import PartitionEngineAPI
from baystream.streams.processing import InputProcessor


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

    batch_size: int = WorkerSettings.batch_size
    batch_within_s: float = WorkerSettings.batch_within_s
    partial_interval_s: float = WorkerSettings.partial_interval_s
    """Shortest time between two partials of an input partition (the combiner's work scales with them)."""
    checkpoint_interval_s: float = WorkerSettings.checkpoint_interval_s
    """Shortest time between two checkpoints; a restart replays at most about this much (deduplicated)."""
    checkpoint_bytes_per_s: float = 128 * 1024
    """Checkpoints write whole states: a big state is saved less often, so the changelog grows by at most
    about this much per second (Tansu does not compact; real Kafka has to compact it)."""
    max_unsaved_records: int = 100_000
    """Records held for the next checkpoint (a crash replays them; held as spans, they cost no memory): save
    early when there are more."""
    combiner_within_s: float = 0.05
    fast_path: bool = True
    """Input fetches handed over whole (streams/fast_path.py) instead of Faust's per-event streams."""


def partials_topic(settings: Settings) -> str:
    """The internal topic from the input partitions to the combiner (one partition), per app id."""
    return f"{settings.worker.app_id}-partials"


def changelog_topics(settings: Settings) -> dict[str, int]:
    """The tables' changelog topics, named as Faust names them (`<app_id>-<table>-changelog`), and their partitions."""
    app_id = settings.worker.app_id
    return {f"{app_id}-checkpoints-changelog": settings.kafka.partitions, f"{app_id}-combiner-changelog": 1}


def ensure_topics(settings: Settings) -> None:
    """Every topic the worker uses, created before Faust starts and listed by every broker.

    The catalog and the partials topic are explicit (Tansu would give 4 partitions). So are the changelogs: left
    to Faust, they were created as the app started, and a worker whose metadata predated them counted 0
    partitions and crashed with `PartitionsMismatch` on its first checkpoint (two workers starting together
    on a 3-broker cluster; docs/reliability.md).
    """
    from confluent_kafka.admin import AdminClient, NewTopic

    from baystream.infra.kafka_config import admin_config
    from baystream.infra.topics import create_new_topics, create_topics, wait_until_every_broker_lists

    create_topics(settings)
    size = {"max.message.bytes": str(MAX_MESSAGE_BYTES)}
    wanted = {partials_topic(settings): (1, size)}
    wanted |= {name: (n, {**size, "cleanup.policy": "compact"}) for name, n in changelog_topics(settings).items()}
    admin = AdminClient(admin_config(settings))
    present = admin.list_topics(timeout=15.0).topics
    rf = settings.kafka.replication_factor
    missing = [NewTopic(name, n, rf, config=config) for name, (n, config) in wanted.items() if name not in present]
    create_new_topics(admin, missing)
    wait_until_every_broker_lists(settings, list(wanted))


class IndicatorWorker:
    """The agents' bodies and the rebalance hooks: which side gets what, and when both are positioned."""

    def __init__(
        self, app: faust.App, inputs: InputSide, combiner: CombinerSide, positioning: Positioning, tuning: Tuning
    ):
        self.app = app
        self.inputs = inputs
        self.combiner = combiner
        self.positioning = positioning
        self.tuning = tuning

    async def consume_inputs(self, stream: StreamT[Any]) -> None:
        """Faust's standard path: events one by one into a buffer, a batch at a time out (`--no-fast-path`)."""
        async for events in cast(Stream, stream).noack_take(self.tuning.batch_size, self.tuning.batch_within_s):
            self.inputs.handle(fast_path.by_partition(event.message for event in cast(Sequence[EventT], events)))
            await self.flush()

    async def consume_fetches(self, stream: StreamT[Any]) -> None:
        """The fast path: each value is one fetch of input records, handed over by `BatchingConsumer`."""
        async for fetched in stream:
            self.inputs.handle(fetched)
            await self.flush()

    async def combine(self, stream: StreamT[Any]) -> None:
        async for events in cast(Stream, stream).noack_take(1000, self.tuning.combiner_within_s):
            self.combiner.handle(cast(Sequence[EventT], events))
            await self.combiner.save()

    async def flush(self) -> None:
        """Partials at most every `partial_interval_s`; checkpoints, then acks, every `checkpoint_interval_s`
        (longer for big states, see `checkpoint_bytes_per_s`; sooner when `max_unsaved_records` are waiting).

        Called after each batch and by a timer, so the last events of a burst are reported and committed.
        Acks only after the checkpoint: Faust then commits no offset the saved state does not cover.
        """
        now = time.monotonic()
        await self.combiner.save()
        await self.inputs.flush(now)

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
        starts = self.inputs.restore_assigned(assignment)
        for tp in assignment:
            if tp.topic == self.combiner.topic:
                starts[tp] = self.combiner.restore(tp)
        return starts  # records apply again once the consumer has sought there (`repositioned`)

    async def on_assigned(self, sender: Any, assigned: set[TP], **_: Any) -> None:
        """Say which input partitions this worker holds now (operators and tests read it)."""
        mine = sorted({tp.partition for tp in assigned if tp.topic in INPUT_TOPICS})
        combiner = any(tp.topic == self.combiner.topic for tp in assigned)
        print(f"assigned input partitions {mine}{' and the combiner' if combiner else ''}", flush=True)

    async def on_revoked(self, sender: Any, revoked: set[TP], **_: Any) -> None:
        """Forget revoked partitions: whoever gets them next restores them from the tables and replays what
        the last checkpoint does not cover, so their unsaved records must never be acked (committed)."""
        self.inputs.revoke(revoked)
        if any(tp.topic == self.combiner.topic for tp in revoked):
            self.combiner.revoke()


@dataclass(frozen=True)
class WorkerApp:
    """What `create_app` builds: the Faust app and the parts a caller (the CLI, a test) may reach."""

    app: faust_internals.App
    worker: IndicatorWorker
    inputs: InputSide
    combiner: CombinerSide
    output: OutputProducer
    tables: dict[str, Any]
    """`checkpoints` (input partitions) and `combiner` (the board), Faust tables of raw bytes."""
    agents: dict[str, AgentT]


def create_app(
    settings: Settings, kit: EngineKit | None = None, tuning: Tuning | None = None, codec: Codec | None = None
) -> WorkerApp:
    """The worker's Faust app, configured from the settings only (Faust's own env and argv are not read)."""
    session_s = session_timeout_ms(settings) / 1000
    tuning = tuning or Tuning()
    app = faust_internals.App(
        settings.worker.app_id,
        broker=faust_broker_url(settings),
        broker_credentials=_credentials(settings),
        store=settings.worker.table_store,
        datadir=settings.worker.state_dir,
        topic_partitions=settings.kafka.partitions,
        topic_replication_factor=settings.kafka.replication_factor,
        broker_session_timeout=session_s,
        # A join waits for every member to rejoin, up to this; Faust's 60 s default is a minute of standstill
        # whenever a member dies mid-rebalance, which the embedded broker's 6 s sessions are meant to avoid.
        broker_rebalance_timeout=max(20.0, 3 * session_s) if settings.kafka.embedded else 60.0,
        broker_heartbeat_interval=max(1.0, session_s / 3),
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        table_standby_replicas=0,
        stream_wait_empty=False,  # unacked events wait for a checkpoint; a new owner replays them (dedup)
        producer_max_request_size=MAX_MESSAGE_BYTES,
        web_enabled=bool(settings.worker.web_port),
        web_port=settings.worker.web_port or 6066,
        web_bind="127.0.0.1",
        autodiscover=False,
    )
    kit = kit or engine_kit(settings)
    codec = codec or codec_for(settings.kafka.schema_registry)
    raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
    inputs_topic = app.topic(*INPUT_TOPICS, **raw)
    partials_name = partials_topic(settings)
    partials = app.topic(partials_name, partitions=1, **raw)
    output = OutputProducer(settings)
    tables = {
        "checkpoints": faust_internals.bytes_table(app, "checkpoints", settings.kafka.partitions),
        "combiner": faust_internals.bytes_table(app, "combiner", 1),
    }
    positioning = Positioning(app)

    def gate(most_held: int | None) -> CheckpointGate:
        return CheckpointGate(
            app, output, tuning.checkpoint_interval_s, tuning.checkpoint_bytes_per_s, most_held=most_held
        )

    inputs = InputSide(
        app,
        codec,
        output,
        positioning,
        tables["checkpoints"],
        gate(tuning.max_unsaved_records),
        processor=InputProcessor(codec, kit.new_engine, kit.restore_engine),
        partials_topic=partials_name,
        partial_interval_s=tuning.partial_interval_s,
    )
    combiner = CombinerSide(
        app,
        codec,
        output,
        positioning,
        tables["combiner"],
        gate(None),
        new_combiner=kit.new_combiner,
        restore_combiner=kit.restore_combiner,
        topic=partials_name,
    )
    worker = IndicatorWorker(app, inputs, combiner, positioning, tuning)
    agents: dict[str, AgentT] = {}
    if tuning.fast_path:
        fetches = app.channel(maxsize=2)

        async def hand_over(batch: Sequence[fast_path.Fetched]) -> None:
            await fetches.send(value=batch)

        app.input_batches = fast_path.InputBatches(INPUT_TOPICS, hand_over)
        faust_internals.keep_records_raw(INPUT_TOPICS)
        app.topics.add(inputs_topic)  # subscribed, but read by BatchingConsumer
        agents["inputs"] = app.agent(fetches, name="inputs")(worker.consume_fetches)
    else:
        agents["inputs"] = app.agent(inputs_topic, name="inputs")(worker.consume_inputs)
    agents["combiner"] = app.agent(partials, name="combiner")(worker.combine)
    app.timer(settings.worker.publish_interval_s, on_leader=False)(combiner.publish_all)
    app.timer(min(tuning.partial_interval_s, tuning.checkpoint_interval_s) / 2, on_leader=False)(worker.flush)
    app.on_partitions_revoked.connect(cast(Any, worker.on_revoked))
    app.on_partitions_assigned.connect(cast(Any, worker.on_assigned))
    app.start_offsets = worker.start_offsets
    app.repositioned = positioning.done
    return WorkerApp(app, worker, inputs, combiner, output, tables, agents)


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
