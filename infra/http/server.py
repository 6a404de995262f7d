"""The gateway app served from a background thread with its own event loop (tests, benchmarks, embedding).

`baystream gateway` uses aiohttp's `run_app` instead; this is for callers that keep their own main thread.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from aiohttp import web


class BackgroundServer:
    """Serve `app` on host:port (0 = a free port) until `stop()`; `url` is its base address."""

    def __init__(self, app: web.Application, host: str = "127.0.0.1", port: int = 0):
        self._app, self._host, self._port = app, host, port
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(app)
        self._thread = threading.Thread(target=self._loop.run_forever, name="gateway-server", daemon=True)
        self.url = ""

    async def _start(self) -> str:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    def start(self, timeout: float = 30.0) -> BackgroundServer:
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
        self._loop.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
