"""Raw input records to engine state, a batch at a time: decode, validate, apply, dead-letter the rest.

No Kafka here: the Faust worker and the plain-loop benchmark both feed `InputProcessor.process` with
`RawRecord`s, so they run the same code. Partition p of every input topic shares one engine (all input
topics have one partition count and are keyed alike), and the engine of p remembers the next offset of
each topic it has applied, so a replay after a restart skips what the state already holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from baystream.infra.metrics import EVENTS_CONSUMED, EVENTS_DEDUPLICATED, EVENTS_PROCESSED
from baystream.infra.topics import TOPIC_FOR_SCHEMA
from baystream.schemas.errors import DecodeError
from baystream.schemas.validation import validate_decoded
from baystream.schemas.wire import Codec
from baystream.streams.dead_letter import dead_letter, field_errors_reason
from baystream.streams.model import PartitionEngineAPI

EngineFactory = Callable[[], PartitionEngineAPI]
EngineRestorer = Callable[[Mapping[str, Any]], PartitionEngineAPI]


class RawRecord(NamedTuple):
    """One record as read from an input topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int
    """Broker (or producer create) timestamp: where processing lag is measured from."""


def runs(records: Iterable[RawRecord]) -> list[list[RawRecord]]:
    """Records cut into runs of one partition of one topic with rising offsets (`process_runs`)."""
    out: list[list[RawRecord]] = []
    run: list[RawRecord] = []
    for record in records:
        if run and (
            record.partition != run[-1].partition or record.topic != run[-1].topic or record.offset <= run[-1].offset
        ):
            out.append(run)
            run = []
        run.append(record)
    if run:
        out.append(run)
    return out


@dataclass
class InputPartition:
    """The engine of one input partition number and how far into each input topic it has applied."""

    number: int
    engine: PartitionEngineAPI
    offsets: dict[str, int] = field(default_factory=dict)
    """Next offset to apply, per input topic."""
    arrivals: Counter[int] = field(default_factory=Counter)
    """Broker timestamps (ms) of the events applied since the last partial, for the lag metric."""

    @property
    def source(self) -> str:
        """This partition's name towards the combiner."""
        return f"p{self.number}"

    @property
    def position(self) -> int:
        """Grows with every record consumed: tells a newer partial of this source from a staler one."""
        return sum(self.offsets.values())

    def checkpoint(self) -> dict[str, Any]:
        """State and offsets together: restoring one restores the other."""
        return {"offsets": dict(self.offsets), "state": self.engine.to_state()}

    def partial_message(self) -> dict[str, Any]:
        """What goes to the combiner: the engine's partial, its position, and the arrival times since last."""
        arrivals = sorted(self.arrivals.items())
        self.arrivals.clear()
        return {
            "source": self.source,
            "position": self.position,
            "partial": self.engine.partial(),
            "arrivals": arrivals,
        }


@dataclass
class BatchOutcome:
    """What one batch did: the dead letters to publish and the partitions whose state changed."""

    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)
    applied: int = 0
    duplicates: int = 0
    skipped: int = 0
    """Records at offsets the restored state already holds (a replay after a restart)."""


_EXPECTED_TYPE = {topic: type_name for type_name, topic in TOPIC_FOR_SCHEMA.items()}


class Rejected(NamedTuple):
    """Why an input record cannot be used: the dead letter's reason and stage."""

    reason: str
    stage: str


def checked_event(codec: Codec, topic: str, value: bytes | None) -> dict[str, Any] | Rejected:
    """The decoded, validated event of an input record, or why not (every reader of the input topics: the
    worker here, `baystream containers`)."""
    try:
        event = codec.decode(value)
    except DecodeError as exc:
        return Rejected(f"cannot decode: {exc}", "decode")
    expected = _EXPECTED_TYPE.get(topic)
    if event["type"] != expected:
        return Rejected(f"a {event['type']} record on {topic}, which carries {expected}", "validate")
    errors = validate_decoded(event)
    if errors:
        return Rejected(f"invalid {event['type']}: {field_errors_reason(errors)}", "validate")
    return event


class InputProcessor:
    """The engines of the input partitions this process owns, fed with raw records."""

    def __init__(
        self,
        codec: Codec,
        new_engine: EngineFactory,
        restore_engine: EngineRestorer,
        producer: str = "worker",
    ):
        self._codec = codec
        self._new_engine = new_engine
        self._restore_engine = restore_engine
        self._producer = producer
        self.partitions: dict[int, InputPartition] = {}
        self._consumed = {t: EVENTS_CONSUMED.labels(t) for t in _EXPECTED_TYPE}
        self._processed = {t: EVENTS_PROCESSED.labels(t) for t in _EXPECTED_TYPE}
        self._deduplicated = {t: EVENTS_DEDUPLICATED.labels(t) for t in _EXPECTED_TYPE}

    def load(self, number: int, checkpoint: Mapping[str, Any] | None) -> InputPartition:
        """Take over partition `number`, from its checkpoint or from nothing."""
        if checkpoint is None:
            partition = InputPartition(number, self._new_engine())
        else:
            partition = InputPartition(number, self._restore_engine(checkpoint["state"]), dict(checkpoint["offsets"]))
        self.partitions[number] = partition
        return partition

    def drop(self, number: int) -> None:
        """Forget partition `number` (revoked): its next owner restores it from the checkpoint."""
        self.partitions.pop(number, None)

    def process(self, records: Iterable[RawRecord]) -> BatchOutcome:
        """Apply a batch; every record ends applied, deduplicated, skipped or dead-lettered."""
        return self.process_runs(runs(records))

    def process_runs(self, batch: Iterable[Sequence[RawRecord]]) -> BatchOutcome:
        """`process` for a batch already cut into runs: each run one partition of one topic, offsets rising
        (a fetch's span, `runs`): the partition, its offsets and counters are looked up once per run."""
        outcome = BatchOutcome()
        consumed: Counter[str] = Counter()
        applied: Counter[str] = Counter()
        duplicates: Counter[str] = Counter()
        for run in batch:
            if run:
                self._apply_run(run, outcome, consumed, applied, duplicates)
        for topic, n in consumed.items():
            self._consumed[topic].inc(n)
        for topic, n in applied.items():
            self._processed[topic].inc(n)
        for topic, n in duplicates.items():
            self._deduplicated[topic].inc(n)
        outcome.applied = sum(applied.values())
        outcome.duplicates = sum(duplicates.values())
        return outcome

    def _apply_run(
        self,
        run: Sequence[RawRecord],
        outcome: BatchOutcome,
        consumed: Counter[str],
        applied: Counter[str],
        duplicates: Counter[str],
    ) -> None:
        topic, number = run[0].topic, run[0].partition
        partition = self.partitions.get(number)
        if partition is None:
            raise KeyError(f"partition {number} not loaded: call load() when it is assigned")
        if topic not in self._consumed:
            raise KeyError(f"{topic} is not an input topic")
        floor = partition.offsets.get(topic, 0)
        if run[-1].offset < floor:
            outcome.skipped += len(run)  # all below the restored state's offsets: replayed, already in it
            return
        decode, apply, expected = self._codec.decode, partition.engine.apply, _EXPECTED_TYPE[topic]
        arrivals, dead_letters = partition.arrivals, outcome.dead_letters
        skipped = fresh_ones = 0
        for record in run:
            if record.offset < floor:
                skipped += 1
                continue
            try:
                event = decode(record.value)
            except DecodeError as exc:
                dead_letters.append(self._dead(record, f"cannot decode: {exc}", "decode"))
                continue
            if event["type"] != expected or validate_decoded(event):
                dead_letters.append(self._rejected(record, event))
                continue
            try:
                fresh = apply(event)
            except Exception as exc:  # the engine must not stop the stream: keep the record and the reason
                reason = f"engine failed on {event['type']}: {type(exc).__name__}: {exc}"
                dead_letters.append(self._dead(record, reason, "process"))
                continue
            if fresh:
                fresh_ones += 1
                arrivals[record.timestamp_ms] += 1
            else:
                duplicates[topic] += 1
        partition.offsets[topic] = run[-1].offset + 1
        outcome.touched.add(number)
        outcome.skipped += skipped
        consumed[topic] += len(run) - skipped
        applied[topic] += fresh_ones

    def _rejected(self, record: RawRecord, event: dict[str, Any]) -> dict[str, Any]:
        """The dead letter of a decoded event of the wrong type or an invalid one (`checked_event`'s reasons)."""
        checked = checked_event(self._codec, record.topic, record.value)
        assert isinstance(checked, Rejected)
        return self._dead(record, checked.reason, checked.stage)

    def _dead(self, record: RawRecord, reason: str, stage: str) -> dict[str, Any]:
        return dead_letter(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            reason=reason,
            stage=stage,
            producer=self._producer,
        )
