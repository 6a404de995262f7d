"""The application every HTTP service starts from, and its health endpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from baystream.infra.http.metrics import Handler, metrics_middleware
from baystream.infra.http.problems import Problem, problem_middleware

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


def static_handler(directory: Path) -> Handler:
    """Files under `directory` for a route `/prefix/{filename:.+}`: a file, or a 404 problem (missing, a folder,
    or outside `directory`). aiohttp's `add_static` answers a missing file with an empty 404 of type
    `application/octet-stream`, which no client reading problem details expects (schemathesis found it)."""
    root = directory.resolve()

    async def handler(request: web.Request) -> web.FileResponse:
        name = request.match_info["filename"]
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise Problem(404, f"no file {name!r} here")
        return web.FileResponse(path)

    return handler
