"""The application every HTTP service starts from, and its health endpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from baystream.infra.http.metrics import Handler, metrics_middleware
from baystream.infra.http.problems import problem_middleware

SERVICE = web.AppKey("baystream_service", str)


def web_app(service: str, **options: Any) -> web.Application:
    """An aiohttp application for `service` with the shared middleware: metrics outermost (so it counts the
    status the client got, 500s included), then problem details for every error; `options` go to aiohttp.
    `app[SERVICE]` names the service for what the server counts outside the app (slow request heads)."""
    app = web.Application(middlewares=[metrics_middleware(service), problem_middleware], **options)
    app[SERVICE] = service
    return app


def health_handler(report: Callable[[], Mapping[str, Any]], ready: Callable[[], bool] = lambda: True) -> Handler:
    """A health endpoint: `report()` as JSON, 200 when `ready()`, else 503 (a load balancer stops sending)."""

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(dict(report()), status=200 if ready() else 503)

    return handler
