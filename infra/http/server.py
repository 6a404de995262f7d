"""Serving an aiohttp app: bind first (a taken port is one line naming its setting), then start, then serve.

`serve` is what `baystream dashboard` and `baystream gateway` run in the foreground, until SIGINT or SIGTERM;
`start` serves on the current loop and returns the runner (the dashboard's tests); `BackgroundServer`
serves from a thread with its own loop (tests, benchmarks, embedding).
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from aiohttp import web

from baystream.infra.http.app import SERVICE
from baystream.infra.http.ports import PortSetting, listen
from baystream.infra.http.protocol import HEAD_TIMEOUT_S, HeadTimedRunner

ANY_HOST = frozenset({"0.0.0.0", "::", ""})


@dataclass
class Running:
    """An app serving on a port; `url` is its base address (127.0.0.1 when bound to every address)."""

    runner: web.AppRunner
    url: str

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start(
    app: web.Application,
    host: str,
    port: int,
    setting: PortSetting | None,
    shutdown_timeout: float = 60.0,
    head_timeout: float = HEAD_TIMEOUT_S,
) -> Running:
    """Bind host:port (0: a free one), start the app (its startup hooks), and serve it on the current loop.

    The port is bound before the app's startup hooks run (which may connect to a broker), so a taken port
    fails at once with `PortInUse`. A client gets `head_timeout` seconds for each request's line and
    headers (protocol.py), then a 408 and a closed connection.
    """
    sock = listen(host, port, setting)
    runner = HeadTimedRunner(app, head_timeout, app.get(SERVICE, "unnamed"), shutdown_timeout=shutdown_timeout)
    try:
        await runner.setup()
    except BaseException:
        sock.close()
        raise
    try:
        await web.SockSite(runner, sock).start()
    except BaseException:
        sock.close()
        await runner.cleanup()
        raise
    bound = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ANY_HOST else host
    return Running(runner, f"http://{shown}:{bound}")


async def serve(
    app: web.Application,
    host: str,
    port: int,
    setting: PortSetting,
    announce: Callable[[str], None],
    shutdown_timeout: float = 60.0,
    head_timeout: float = HEAD_TIMEOUT_S,
) -> None:
    """Serve `app` until SIGINT or SIGTERM, then stop it cleanly; `announce(url)` once it is listening."""
    running = await start(app, host, port, setting, shutdown_timeout, head_timeout)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Our own handlers: a container's SIGTERM stops it cleanly too, and a SIGINT that a launching shell set to
    # "ignore" (a background job of a script inherits that) is handled anyway.
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        announce(running.url)
        await stopping.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await running.stop()


class BackgroundServer:
    """Serve `app` on host:port (0 = a free port) from a thread with its own loop until `stop()`."""

    def __init__(
        self,
        app: web.Application,
        host: str = "127.0.0.1",
        port: int = 0,
        setting: PortSetting | None = None,
        head_timeout: float = HEAD_TIMEOUT_S,
    ):
        self._app, self._host, self._port = app, host, port
        self._setting, self._head_timeout = setting, head_timeout
        self._loop = asyncio.new_event_loop()
        self._running: Running | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="http-server", daemon=True)
        self.url = ""

    def start(self, timeout: float = 30.0) -> BackgroundServer:
        self._thread.start()
        coroutine = start(self._app, self._host, self._port, self._setting, head_timeout=self._head_timeout)
        self._running = asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)
        self.url = self._running.url
        return self

    def stop(self, timeout: float = 30.0) -> None:
        if self._thread.is_alive():
            if self._running is not None:
                asyncio.run_coroutine_threadsafe(self._running.stop(), self._loop).result(timeout)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
        self._loop.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
