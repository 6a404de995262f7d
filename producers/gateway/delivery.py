"""The Publisher seen from asyncio: produce a batch, then await the broker's acknowledgement of each event.

librdkafka runs delivery callbacks inside `poll()`; a background thread keeps polling, each callback records
its event's outcome, and the batch's last one wakes the request on the event loop (`call_soon_threadsafe`),
so the loop never blocks on acknowledgements and is woken once per batch, not once per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from confluent_kafka import KafkaError, Message

from baystream.producers.publisher import Publisher, PublishError

DRAIN_EVERY_S = 30.0


class _Batch:
    """The outcomes of one batch; the last delivery report wakes the waiting request (one wake-up per batch)."""

    def __init__(self, size: int, loop: asyncio.AbstractEventLoop):
        self._pending: list[str | None] = [_PENDING] * size
        self._left = size
        self._lock = threading.Lock()
        self._loop = loop
        self.done: asyncio.Future[None] = loop.create_future()

    def settle(self, index: int, outcome: str | None) -> None:
        """Record one event's outcome (from the poll thread, or the loop's own thread)."""
        with self._lock:
            if self._pending[index] is not _PENDING:
                return
            self._pending[index] = outcome
            self._left -= 1
            finished = self._left == 0
        if finished:
            with contextlib.suppress(RuntimeError):  # a closed loop (shutdown): nobody is waiting any more
                self._loop.call_soon_threadsafe(_finish, self.done)

    def callback(self, index: int) -> Callable[[KafkaError | None, Message], None]:
        def on_delivery(error: KafkaError | None, message: Message) -> None:
            self.settle(index, None if error is None else str(error))

        return on_delivery

    def outcomes(self, missing: str) -> list[str | None]:
        with self._lock:
            return [missing if o is _PENDING else o for o in self._pending]


_PENDING = "\0pending"


def _finish(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class AsyncPublisher:
    """Wraps a Publisher (made with validate=False: the gateway validated already) and its poll thread."""

    def __init__(self, publisher: Publisher, loop: asyncio.AbstractEventLoop):
        self._publisher = publisher
        self._loop = loop
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="gateway-delivery", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        drained = time.monotonic()
        while not self._stop.is_set():
            self._publisher.poll(0.1)
            if time.monotonic() - drained > DRAIN_EVERY_S:
                # The Publisher also keeps failures for its next flush(); they were answered per request
                # already, so drop them now and then rather than let them pile up while the broker is down.
                drained = time.monotonic()
                with contextlib.suppress(PublishError):
                    self._publisher.flush(0)

    async def publish(self, records: Sequence[Mapping[str, Any]], timeout: float) -> list[str | None]:
        """Produce every record; per record None once acknowledged, else why not (error or timeout)."""
        if not records:
            return []
        batch = _Batch(len(records), self._loop)
        for index, record in enumerate(records):
            try:
                self._publisher.publish(record, on_delivery=batch.callback(index))
            except Exception as exc:  # e.g. the producer was closed: report it per event, never crash
                batch.settle(index, f"not queued: {exc}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(batch.done), timeout)
        return batch.outcomes(f"no acknowledgement within {timeout:g}s")

    def close(self, timeout: float = 10.0) -> None:
        """Stop polling and wait for what is still queued (failures were already answered per request)."""
        self._stop.set()
        self._thread.join(timeout)
        with contextlib.suppress(PublishError):
            self._publisher.close(timeout)
