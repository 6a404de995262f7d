"""The worker's fast path: whole fetches of the input topics delivered at once, and the seek epochs.

Faust hands each record to the streams on its own (a task pair and a queue hop per record, ~100 us here);
the engine needs ~25 us per event. The worker's consumer (`BatchingConsumer` in streams/faust_internals.py,
where every use of Faust's private internals lives) keeps Faust's group membership, assignment, offsets,
commits, recovery and every other topic (changelogs, partials) as they are, and only for the topics of
`InputBatches` passes each fetch, as Faust messages, to one coroutine. Acks stay the caller's business
(`Message.ack(consumer)` after a checkpoint), so Faust commits only offsets the saved state covers.

This module holds what that consumer and the worker agree on, without touching Faust: which topics go the
fast way, the seek epoch that tells a fetch taken before a repositioning, and which records of a fetch to
take from the read offset on.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from faust.types import TP, Message

from baystream.streams.processing import RawRecord


class Fetched(NamedTuple):
    """One partition's records of one fetch, as the engine takes them, and the last of them as a Faust message.

    Records stay plain tuples all the way (a Faust message per record cost more than the engine's apply);
    `last` alone is a message: it carries the partition, generation and seek epoch of the whole span, gives
    Faust's tables their context, and acks the span (`CheckpointGate.hold`)."""

    last: Message
    first: int
    """The offset of the first record: the span is `first`..`last.offset`, every offset in it a record or a
    gap (compacted, transaction marker)."""
    records: list[RawRecord]


BatchHandler = Callable[[Sequence[Fetched]], Awaitable[None]]
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


def raw_record(message: Message) -> RawRecord:
    """A Faust message (Faust's per-event path, `--no-fast-path`) as the engine takes records."""
    when = message.timestamp or time.time()
    return RawRecord(message.topic, message.partition, message.offset, message.key, message.value, int(when * 1000))


def _taken_with(message: Message) -> tuple[Any, Any]:
    return getattr(message, "generation_id", None), getattr(message, "seek_epoch", None)


def by_partition(messages: Iterable[Message]) -> list[Fetched]:
    """Messages of Faust's per-event path as spans: a new span wherever a partition's offsets do not rise or
    its messages came in another generation or seek epoch (each span is kept or dropped whole)."""
    runs: list[list[Message]] = []
    open_runs: dict[TP, list[Message]] = {}
    for message in messages:
        run = open_runs.get(message.tp)
        if run is None or message.offset <= run[-1].offset or _taken_with(message) != _taken_with(run[-1]):
            run = open_runs[message.tp] = []
            runs.append(run)
        run.append(message)
    return [Fetched(run[-1], run[0].offset, [raw_record(m) for m in run]) for run in runs]


def current(message: Message, epoch: int) -> bool:
    """Whether `message` came in a fetch taken after the last repositioning (`BatchingConsumer.seek_epoch`);
    one taken before may lie beyond the new position, and applying it would skip the records in between."""
    return getattr(message, "seek_epoch", epoch) == epoch


def from_offset(records: Sequence[Any], start: int | None) -> tuple[list[Any], list[tuple[int, int]], int | None]:
    """The records of one partition's fetch at or after `start` (the read offset a seek asked for; None:
    all), the gaps between their offsets (first, last; compacted or transaction markers: declared to Faust so
    that it still commits past them), and the offset of the last one taken (`start` when none)."""
    if records:
        first, last = records[0].offset, records[-1].offset
        if (start is None or start <= first <= start + 1) and last - first == len(records) - 1:
            return list(records), [], last  # the usual fetch: right after the read offset, no gaps
    previous = start
    taken: list[Any] = []
    gaps: list[tuple[int, int]] = []
    for record in records:
        offset = record.offset
        if start is not None and offset < start:
            continue
        if previous is not None and offset > previous + 1:
            gaps.append((previous + 1, offset - 1))
        taken.append(record)
        previous = offset
    return taken, gaps, previous
