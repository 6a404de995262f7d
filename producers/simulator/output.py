"""Where simulated events go: a JSON-lines file or the Kafka topics, optionally paced by the wall clock.

Thin adapters: the file sink renders raw events (rendering.py) to JSON lines, the Kafka sink to records for
`producers.publisher.Publisher`; the pacing maps event time to wall time (`speed` simulated seconds per
second) from an anchor event time.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import Any, Protocol, TextIO

from baystream.producers.simulator.rendering import Raw, line_renderer, to_record
from baystream.schemas.catalog import INPUT_TYPES

METRIC_BATCH = 10_000


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while generating: the model makes no reference cycles (its objects die
    by reference counting) and full collections over its pending actions cost ~15-20% of the run."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Sink(Protocol):
    def send(self, event: Raw) -> None: ...

    def send_many(self, events: list[Raw]) -> None: ...

    def flush(self) -> None: ...


class FileSink:
    """JSON lines, written in blocks (one `write` per few thousand events)."""

    def __init__(self, handle: TextIO, block: int = 4096):
        self._handle = handle
        self._lines: list[str] = []
        self._block = block
        self._render = {type_name: line_renderer(type_name) for type_name in INPUT_TYPES}

    def send(self, event: Raw) -> None:
        self.send_many([event])

    def send_many(self, events: list[Raw]) -> None:
        render = self._render
        self._lines.extend([render[event[0]](event) for event in events])
        if len(self._lines) >= self._block:
            self.flush()

    def flush(self) -> None:
        if self._lines:
            self._handle.write("\n".join(self._lines) + "\n")
            self._lines.clear()
        self._handle.flush()


class PublisherSink:
    """Events onto their topics through the Publisher (validated, keyed by the catalog)."""

    def __init__(self, publisher: Any):
        self._publisher = publisher

    def send(self, event: Raw) -> None:
        self.send_many([event])

    def send_many(self, events: list[Raw]) -> None:
        publish = self._publisher.publish
        for event in events:
            publish(to_record(event))

    def flush(self) -> None:
        self._publisher.flush()


def drain(
    chunks: Iterable[list[Raw]],
    sink: Sink,
    speed: float | None = None,
    anchor_ms: int | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_batch: Callable[[Counter[str]], None] | None = None,
) -> Counter[str]:
    """Send every event of `chunks` (lists of raw events, as `simulate_chunks` yields them); with `speed`,
    hold each one until wall time reaches its event time, counting event time from `anchor_ms` (events
    before it go out at once: the warm-up). Returns counts by type; `on_batch` gets them every
    ~METRIC_BATCH events and before each wait."""
    counts: Counter[str] = Counter()
    batch: Counter[str] = Counter()
    wall0 = clock()
    for chunk in chunks:
        if not speed:
            sink.send_many(chunk)
            batch.update(map(_type_of, chunk))
        else:
            for event in chunk:
                due = wall0 + (event[2] - (anchor_ms or 0)) / 1000 / speed
                # an estimate is stamped with the time it expects, days ahead: it goes out when issued
                wait = due - clock() if event[3] == "ACTUAL" else 0.0
                if wait > 0:  # caught up with the wall clock: hand over what we have, count it, then wait
                    sink.flush()
                    _report(counts, batch, on_batch)
                    batch = Counter()
                    while wait > 0:
                        sleep(min(wait, 1.0))
                        wait = due - clock()
                sink.send(event)
                batch[event[0]] += 1
        if batch.total() >= METRIC_BATCH:
            _report(counts, batch, on_batch)
            batch = Counter()
    sink.flush()
    _report(counts, batch, on_batch)
    return counts


_type_of = itemgetter(0)


def _report(counts: Counter[str], batch: Counter[str], on_batch: Callable[[Counter[str]], None] | None) -> None:
    if batch:
        counts.update(batch)
        if on_batch:
            on_batch(batch)
