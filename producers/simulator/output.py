"""Where simulated events go: a JSON-lines file or the Kafka topics, optionally paced by the wall clock.

Thin adapters around `schemas.json_form.dumps` and `producers.publisher.Publisher`; the pacing maps event
time to wall time (`speed` simulated seconds per second) from an anchor event time.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol, TextIO

from schemas.json_form import dumps

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
    def send(self, event: Mapping[str, Any]) -> None: ...

    def flush(self) -> None: ...


class FileSink:
    """JSON lines, written in blocks (one `write` per few thousand events)."""

    def __init__(self, handle: TextIO, block: int = 4096):
        self._handle = handle
        self._lines: list[str] = []
        self._block = block

    def send(self, event: Mapping[str, Any]) -> None:
        self._lines.append(dumps(event))
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

    def send(self, event: Mapping[str, Any]) -> None:
        self._publisher.publish(event)

    def flush(self) -> None:
        self._publisher.flush()


def drain(
    events: Iterable[Mapping[str, Any]],
    sink: Sink,
    speed: float | None = None,
    anchor_ms: int | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_batch: Callable[[Counter[str]], None] | None = None,
) -> Counter[str]:
    """Send every event; with `speed`, hold each one until wall time reaches its event time, counting
    event time from `anchor_ms` (events before it go out at once: the warm-up). Returns counts by type."""
    counts: Counter[str] = Counter()
    batch: dict[str, int] = {}
    wall0 = clock()
    pending = 0
    send = sink.send
    for event in events:
        if speed:
            event_ms = round(event["event_time"].timestamp() * 1000)
            due = wall0 + (event_ms - (anchor_ms or 0)) / 1000 / speed
            wait = due - clock()
            if wait > 0:  # caught up with the wall clock: hand over what we have, count it, then wait
                sink.flush()
                _report(counts, batch, on_batch)
                batch, pending = {}, 0
                while wait > 0:
                    sleep(min(wait, 1.0))
                    wait = due - clock()
        send(event)
        kind = event["type"]
        batch[kind] = batch.get(kind, 0) + 1
        pending += 1
        if pending >= METRIC_BATCH:
            _report(counts, batch, on_batch)
            batch = {}
            pending = 0
    sink.flush()
    _report(counts, batch, on_batch)
    return counts


def _report(counts: Counter[str], batch: dict[str, int], on_batch: Callable[[Counter[str]], None] | None) -> None:
    if batch:
        counts.update(batch)
        if on_batch:
            on_batch(Counter(batch))
