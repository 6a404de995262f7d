"""Prometheus metrics for aiohttp services (dashboard, gateway): one middleware, route patterns as labels.

Labels stay bounded: the route is the pattern the request matched (`/api/history`, `/static/{filename}`),
never the raw path, and requests that matched no route count as `unmatched`. The middleware is the
outermost one (`app.web_app`), so it counts every answer with the status the client got, 500s included:
the problem middleware inside it has turned an unexpected exception into a 500 answer by then.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from baystream.infra.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNMATCHED = "unmatched"


_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """The method as a label, with made-up methods folded into `other` so the label set stays bounded."""
    return method if method in _KNOWN_METHODS else "other"


def route_label(request: web.Request) -> str:
    """The pattern of the route `request` matched, or `unmatched` (404s must not grow the label set)."""
    info = request.match_info
    if getattr(info, "http_exception", None) is not None:
        return UNMATCHED
    resource = info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


def metrics_middleware(service: str) -> Middleware:
    """Counts requests by method, route and status, and times them by route, for `service`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            route = route_label(request)
            HTTP_REQUESTS.labels(service, method_label(request.method), route, str(status)).inc()
            HTTP_REQUEST_SECONDS.labels(service, route).observe(time.perf_counter() - started)

    return middleware


def metrics_handler(registry: CollectorRegistry = REGISTRY) -> Handler:
    """A `/metrics` handler serving the process's Prometheus registry from the app's own port."""

    async def handler(request: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(registry))
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        response.charset = "utf-8"
        return response

    return handler
