"""Server-sent events to browsers: every client has its own bounded queue; a client that falls behind
is disconnected (its browser reconnects and reloads the snapshot) instead of slowing anyone else."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from baystream.infra.metrics import SSE_CLIENTS

HEARTBEAT_S = 15.0
_CLOSE = None


class LiveHub:
    """Broadcasts named events to the connected EventSource clients."""

    def __init__(self, client_queue: int = 256):
        self._client_queue = client_queue
        self._clients: set[asyncio.Queue[bytes | None]] = set()

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def broadcast(self, event: str, data: Any) -> None:
        """Queue one event for every client; never waits."""
        if not self._clients:
            return
        frame = f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
        for queue in list(self._clients):
            try:
                queue.put_nowait(frame)
            except asyncio.QueueFull:
                self._drop(queue)

    def subscribe(self) -> asyncio.Queue[bytes | None]:
        """A new client's queue: frames to send, then None when it must go."""
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=self._client_queue)
        self._clients.add(queue)
        SSE_CLIENTS.inc()
        return queue

    def unsubscribe(self, queue: asyncio.Queue[bytes | None]) -> None:
        self._clients.discard(queue)
        SSE_CLIENTS.dec()

    def close_all(self) -> None:
        for queue in list(self._clients):
            self._drop(queue)

    def _drop(self, queue: asyncio.Queue[bytes | None]) -> None:
        self._clients.discard(queue)
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(_CLOSE)

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """The `/api/events` handler: `event: indicators` (a list) and `event: alert`, heartbeats between."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        queue = self.subscribe()
        try:
            await response.write(b"retry: 2000\nevent: hello\ndata: {}\n\n")
            while True:
                try:
                    frame = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    frame = b": keep-alive\n\n"
                if frame is _CLOSE:
                    break
                await response.write(frame)
        except ConnectionResetError:
            pass  # the browser went away; it reconnects by itself if it wants more
        finally:
            self.unsubscribe(queue)
        return response
