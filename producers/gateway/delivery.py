"""The Publisher seen from asyncio: produce a batch, then await the broker's acknowledgement of each event.

librdkafka runs delivery callbacks inside `poll()`; a background thread keeps polling and each callback
resolves its event's future on the event loop (`call_soon_threadsafe`), so the loop never blocks on acks.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from confluent_kafka import KafkaError, Message

from producers.publisher import Publisher, PublishError


class AsyncPublisher:
    """Wraps a Publisher (made with validate=False: the gateway validated already) and its poll thread."""

    def __init__(self, publisher: Publisher, loop: asyncio.AbstractEventLoop):
        self._publisher = publisher
        self._loop = loop
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="gateway-delivery", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._publisher.poll(0.1)

    async def publish(self, records: Sequence[Mapping[str, Any]], timeout: float) -> list[str | None]:
        """Produce every record; per record None once acknowledged, else why not (error or timeout)."""
        futures: list[asyncio.Future[str | None]] = []
        for record in records:
            future: asyncio.Future[str | None] = self._loop.create_future()
            futures.append(future)
            try:
                self._publisher.publish(record, on_delivery=self._resolver(future))
            except Exception as exc:  # e.g. the producer was closed: report it per event, never crash
                future.set_result(f"not queued: {exc}")
        done, _ = await asyncio.wait(futures, timeout=timeout) if futures else (set(), set())
        return [f.result() if f in done else f"no acknowledgement within {timeout:g}s" for f in futures]

    def _resolver(self, future: asyncio.Future[str | None]) -> Any:
        def resolve(outcome: str | None) -> None:
            if not future.done():
                future.set_result(outcome)

        def on_delivery(error: KafkaError | None, message: Message) -> None:
            with contextlib.suppress(RuntimeError):  # a closed loop (shutdown): nobody is waiting any more
                self._loop.call_soon_threadsafe(resolve, None if error is None else str(error))

        return on_delivery

    def close(self, timeout: float = 10.0) -> None:
        """Stop polling and wait for what is still queued (failures were already answered per request)."""
        self._stop.set()
        self._thread.join(timeout)
        with contextlib.suppress(PublishError):
            self._publisher.flush(timeout)
