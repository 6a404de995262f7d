"""A real webhook receiver for tests: verifies every signature with the `standardwebhooks` package, answers
as the test scripts it, records every call, and can be stopped and started again on the same port."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

Answer = Callable[[int], tuple[int, dict[str, str]]]
"""Call number (0-based) -> (status, headers) to answer with."""


def always(status: int, **headers: str) -> Answer:
    return lambda _n: (status, dict(headers))


def failing_first(n: int, status: int = 500, **headers: str) -> Answer:
    """`status` (with `headers`) to the first n calls, then 204."""
    return lambda call: (status, dict(headers)) if call < n else (204, {})


@dataclass
class Call:
    msg_id: str
    status: int
    verified: bool
    body: dict[str, Any]
    at: float
    """time.monotonic() when the call came in."""


@dataclass
class Receiver:
    secret: str = ""
    """The subscription's secret; every call's signature is checked with it."""
    answer: Answer = field(default_factory=lambda: always(204))
    calls: list[Call] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> str:
        """Listen (on the same port as before, after a stop) and return the URL."""
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        headers = {k: v for k, v in request.headers.items()}
        try:
            Webhook(self.secret).verify(raw, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        status, extra = self.answer(len(self.calls)) if verified else (401, {})
        self.calls.append(
            Call(request.headers.get("webhook-id", ""), status, verified, json.loads(raw), time.monotonic())
        )
        return web.Response(status=status, headers=extra)

    def accepted(self) -> list[Call]:
        return [c for c in self.calls if 200 <= c.status < 300]

    def accepted_alerts(self) -> Counter[str]:
        """alert_id -> how many times it was accepted."""
        return Counter(c.body["data"]["alert_id"] for c in self.accepted())
