"""The input side of the worker: the input partitions it holds, their engines, partials and checkpoints.

Each batch of input records is decoded, validated and applied (`InputProcessor`; partition p of every input
topic feeds one engine), the rest dead-lettered. At most every `partial_interval_s` each changed partition
sends its partial to the combiner (`<app_id>-partials`); every `checkpoint_interval_s` its state and offsets
go into the `checkpoints` table, and only then are its records acked (`CheckpointGate`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from faust.types import TP, Message

from baystream.infra.metrics import CONSUMER_LAG, STATE_ENTRIES
from baystream.infra.topics import DEAD_LETTER, INPUT_TOPICS
from baystream.streams import checkpoint, fast_path
from baystream.streams.delivery import Side
from baystream.streams.faust_internals import PartitionContext, on_behalf_of, seek_epoch
from baystream.streams.processing import InputProcessor, RawRecord


@dataclass(eq=False)
class InputSide(Side):
    """The engines of this worker's input partitions, fed a batch at a time. Its table: `checkpoints`, per
    input partition engine state and next offsets (`p<n>`)."""

    processor: InputProcessor
    partials_topic: str
    partial_interval_s: float
    context: dict[int, Message | PartitionContext] = field(default_factory=dict, init=False)
    """A record of each input partition: Faust's tables pick partition and store from it."""
    unreported: set[int] = field(default_factory=set, init=False)
    unsaved: set[int] = field(default_factory=set, init=False)
    reported_at: float = field(default_factory=time.monotonic, init=False)
    reading: int = field(default=-1, init=False)
    """The consumer generation whose first records were applied (said once in the log, per assignment)."""
    entries: dict[int, dict[str, int]] = field(default_factory=dict, init=False)
    """Entries per kind of state, per partition, at its last checkpoint (the STATE_ENTRIES metric)."""

    def handle(self, fetched: Sequence[fast_path.Fetched]) -> None:
        """One batch: apply, dead-letter; the records stay unacked until a checkpoint covers them."""
        assignment = self.app.consumer.assignment()
        generation = self.app.consumer_generation_id
        epoch = seek_epoch(self.app)
        if not self.positioning.ready():
            return  # not yet restored and repositioned for this assignment: fetched again once it is
        taken: list[list[RawRecord]] = []
        for span in fetched:
            last = span.last
            # Fetched before a rebalance or a repositioning (`start_offsets`): applying these on top of the
            # restored state would skip the records between its end and theirs. They are fetched again.
            if last.tp not in assignment or getattr(last, "generation_id", generation) != generation:
                continue
            if not fast_path.current(last, epoch):
                continue
            taken.append(span.records)
            self.gate.hold(last, span.first)
            self.context[last.partition] = last
        if taken and self.reading != generation:
            self.reading = generation
            count = sum(len(records) for records in taken)
            print(f"reading input: a first batch of {count} records since the assignment", flush=True)
        outcome = self.processor.process_runs(taken)
        for letter in outcome.dead_letters:
            self.output.send(DEAD_LETTER, letter["key"], self.codec.encode(letter, DEAD_LETTER))
        self.unreported |= outcome.touched
        self.unsaved |= outcome.touched
        self._report_lag(fetched)

    def restore(self, number: int) -> None:
        """Take input partition `number` over from its checkpoint, and report it: the combiner may hold an
        older partial of it than the checkpoint (the last partial before a crash), and replayed records below
        the checkpoint change nothing, so without this report the combiner would keep the stale one."""
        context = self.context.setdefault(number, PartitionContext(INPUT_TOPICS[0], number))
        with on_behalf_of(context):
            data = checkpoint.read_whole(self.table, f"p{number}")
            self.processor.load(number, None if data is None else checkpoint.decode(data))
        self.unreported.add(number)

    def restore_assigned(self, assignment: set[TP]) -> dict[TP, int]:
        """Restore every assigned input partition; where each input topic partition reads on: the offsets of
        its restored checkpoint (see `IndicatorWorker.start_offsets`). Held records of them are forgotten:
        they are read again from there."""
        restored: dict[int, int | None] = {}
        for number in sorted({tp.partition for tp in assignment if tp.topic in INPUT_TOPICS}):
            self.restore(number)
            partition = self.processor.partitions[number]
            restored[number] = partition.position if partition.offsets else None
        starts = {
            tp: self.processor.partitions[tp.partition].offsets.get(tp.topic, 0)
            for tp in assignment
            if tp.topic in INPUT_TOPICS
        }
        self.gate.forget(starts)
        if restored:
            shown = ", ".join(f"p{n} at {'the start' if at is None else at}" for n, at in restored.items())
            print(f"restored input partitions from their checkpoints: {shown}", flush=True)
        return starts

    def revoke(self, revoked: set[TP]) -> None:
        """Forget revoked partitions: whoever gets them next restores them from the table and replays what
        the last checkpoint does not cover, so their unsaved records must never be acked (committed)."""
        self.gate.forget(revoked)
        for tp in revoked:
            if tp.topic in INPUT_TOPICS:
                self.processor.drop(tp.partition)
                self.context.pop(tp.partition, None)

    async def flush(self, now: float) -> None:
        """Partials at most every `partial_interval_s`; a checkpoint, then the acks, when the gate says so."""
        if self.unreported and now - self.reported_at >= self.partial_interval_s:
            self.reported_at = now
            for number in sorted(self.unreported & self.processor.partitions.keys()):
                partition = self.processor.partitions[number]
                message = checkpoint.encode(partition.partial_message())
                self.output.send(self.partials_topic, partition.source.encode(), message)
            self.unreported = set()
        if self.gate.due(now):
            written = 0
            for number in sorted(self.unsaved & self.processor.partitions.keys()):
                payload = self.processor.partitions[number].checkpoint()
                with on_behalf_of(self.context[number]):
                    written += checkpoint.write(self.table, f"p{number}", payload)
                self.entries[number] = {k: len(v) for k, v in payload["state"].items() if isinstance(v, dict)}
            self.unsaved = set()
            self._report_entries()
            await self.gate.saved(now, written)

    def _report_entries(self) -> None:
        """STATE_ENTRIES per kind (the engine state's tables: open visits, containers on terminal, ids...)."""
        totals: dict[str, int] = {}
        for number, counts in self.entries.items():
            if number in self.processor.partitions:
                for kind, n in counts.items():
                    totals[kind] = totals.get(kind, 0) + n
        for kind, n in totals.items():
            STATE_ENTRIES.labels(kind).set(n)

    def _report_lag(self, fetched: Sequence[fast_path.Fetched]) -> None:
        for span in fetched:
            tp = span.last.tp
            try:
                highwater = self.app.consumer.highwater(tp)
            except Exception:  # not known yet (fetch metadata pending): report next time
                continue
            if highwater is not None:
                CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(0, highwater - span.last.offset - 1))
