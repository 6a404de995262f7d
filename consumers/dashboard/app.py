"""The aiohttp application: page, static files, REST API, live stream, metrics; and how to serve it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from baystream.consumers.dashboard.api import DashboardApi, add_routes
from baystream.consumers.dashboard.service import DashboardOptions, DashboardService
from baystream.infra.http import server
from baystream.infra.http.app import static_handler, web_app
from baystream.infra.http.metrics import metrics_handler
from baystream.infra.http.ports import PortSetting
from baystream.infra.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"
SERVICE = "dashboard"
SERVICE_KEY: web.AppKey[DashboardService] = web.AppKey("dashboard", DashboardService)
PORT = PortSetting("dashboard_port", "the dashboard", "--port")
SHUTDOWN_TIMEOUT_S = 2.0
"""Live streams never end by themselves: a stop waits this long for them, not aiohttp's minute."""


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def build_app(service: DashboardService) -> web.Application:
    """The web app around a service; the service starts and stops with the app."""
    app = web_app(SERVICE)
    app.middlewares.append(service.parties.guard())
    app[SERVICE_KEY] = service
    app.router.add_get("/", _index)
    app.router.add_get("/static/{filename:.+}", static_handler(STATIC_DIR), name="static")
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

    running: server.Running
    service: DashboardService

    @property
    def url(self) -> str:
        return self.running.url

    async def stop(self) -> None:
        await self.running.stop()


async def start_dashboard(
    settings: Settings, options: DashboardOptions | None = None, host: str | None = None, port: int | None = None
) -> RunningDashboard:
    """Build and serve the dashboard on the current loop (port 0 picks a free one)."""
    service = DashboardService(settings, options)
    bind_host = host or settings.dashboard.host
    bind_port = settings.dashboard.port if port is None else port
    running = await server.start(build_app(service), bind_host, bind_port, PORT, SHUTDOWN_TIMEOUT_S)
    return RunningDashboard(running, service)


async def serve_forever(settings: Settings, options: DashboardOptions, host: str | None, port: int | None) -> None:
    """`baystream dashboard`: serve until SIGINT or SIGTERM."""
    service = DashboardService(settings, options)
    bind_port = settings.dashboard.port if port is None else port

    def announce(url: str) -> None:
        print(f"baystream dashboard: {url}  (API: {url}/api/openapi.json)", flush=True)

    app = build_app(service)
    await server.serve(app, host or settings.dashboard.host, bind_port, PORT, announce, SHUTDOWN_TIMEOUT_S)
