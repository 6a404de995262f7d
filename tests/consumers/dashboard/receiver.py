"""A local webhook receiver for tests: fails its first calls on purpose, can be slow, records everything."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    alert_id: str
    attempt: int
    status: int
    body: dict[str, Any]


@dataclass
class Receiver:
    """Answers 500 to its first `fail_first` calls, then 204 (after `delay_s`); `calls` lists every call."""

    fail_first: int = 0
    delay_s: float = 0.0
    calls: list[Call] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        status = 500 if len(self.calls) < self.fail_first else 204
        self.calls.append(
            Call(request.headers["X-Baystream-Delivery"], int(request.headers["X-Baystream-Attempt"]), status, body)
        )
        return web.Response(status=status)

    def accepted_ids(self) -> list[str]:
        return [c.alert_id for c in self.calls if 200 <= c.status < 300]
