"""The aiohttp application: page, static files, REST API, live stream, metrics; and how to serve it."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from baystream.consumers.dashboard.api import DashboardApi, add_routes
from baystream.consumers.dashboard.service import DashboardOptions, DashboardService
from baystream.infra.http_metrics import metrics_handler, metrics_middleware
from baystream.infra.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"
SERVICE_KEY: web.AppKey[DashboardService] = web.AppKey("dashboard", DashboardService)


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def build_app(service: DashboardService) -> web.Application:
    """The web app around a service; the service starts and stops with the app."""
    app = web.Application(middlewares=[metrics_middleware("dashboard")])
    app[SERVICE_KEY] = service
    app.router.add_get("/", _index)
    app.router.add_static("/static/", STATIC_DIR, name="static")
    app.router.add_get("/metrics", metrics_handler())
    add_routes(app, DashboardApi(service))

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await service.start()
        yield
        await service.stop()

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(lambda app: _close_streams(service))
    return app


async def _close_streams(service: DashboardService) -> None:
    service.hub.close_all()


@dataclass
class RunningDashboard:
    """A dashboard serving on a port; `url` is where to point a browser."""

    runner: web.AppRunner
    service: DashboardService
    url: str

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_dashboard(
    settings: Settings, options: DashboardOptions | None = None, host: str | None = None, port: int | None = None
) -> RunningDashboard:
    """Build and serve the dashboard on the current loop (port 0 picks a free one)."""
    service = DashboardService(settings, options)
    runner = web.AppRunner(build_app(service), shutdown_timeout=2.0)
    await runner.setup()
    bind_host = host or settings.dashboard_host
    site = web.TCPSite(runner, bind_host, settings.dashboard_port if port is None else port)
    await site.start()
    bound = runner.addresses[0][1]
    shown = "127.0.0.1" if bind_host in {"0.0.0.0", "::", ""} else bind_host
    return RunningDashboard(runner, service, f"http://{shown}:{bound}")


async def serve_forever(settings: Settings, options: DashboardOptions, host: str | None, port: int | None) -> None:
    running = await start_dashboard(settings, options, host, port)
    print(f"baystream dashboard: {running.url}  (API: {running.url}/api/openapi.json)", flush=True)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Our own handlers: a container's SIGTERM stops it cleanly too, and a SIGINT that a launching shell set to
    # "ignore" (a background job of a script inherits that) is handled anyway.
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await stopping.wait()
    finally:
        await running.stop()
