"""The aiohttp metrics middleware: route patterns (not raw paths) as labels, statuses counted."""

from __future__ import annotations

import asyncio

from aiohttp import ClientSession, web
from prometheus_client import REGISTRY

from baystream.infra.http.metrics import UNMATCHED, metrics_handler, metrics_middleware


def _count(service: str, method: str, route: str, status: str) -> float:
    value = REGISTRY.get_sample_value(
        "baystream_http_requests_total", {"service": service, "method": method, "route": route, "status": status}
    )
    return value or 0.0


async def _hello(request: web.Request) -> web.Response:
    if request.match_info["name"] == "bad":
        raise web.HTTPBadRequest(text="bad name")
    return web.Response(text="hi " + request.match_info["name"])


async def _exercise(service: str) -> str:
    app = web.Application(middlewares=[metrics_middleware(service)])
    app.router.add_get("/hello/{name}", _hello)
    app.router.add_get("/metrics", metrics_handler())
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with ClientSession(f"http://127.0.0.1:{port}") as client:
            for name in ("ann", "bob", "bad"):
                async with client.get(f"/hello/{name}") as response:
                    await response.read()
            async with client.get("/nowhere/at/all") as response:
                assert response.status == 404
            async with client.get("/metrics") as response:
                assert response.headers["Content-Type"].startswith("text/plain")
                return await response.text()
    finally:
        await runner.cleanup()


def test_requests_are_counted_by_route_pattern_and_status() -> None:
    service = "test-http-metrics"
    text = asyncio.run(_exercise(service))
    assert _count(service, "GET", "/hello/{name}", "200") == 2
    assert _count(service, "GET", "/hello/{name}", "400") == 1
    assert _count(service, "GET", UNMATCHED, "404") == 1
    assert _count(service, "GET", "/hello/ann", "200") == 0
    assert f'service="{service}"' in text
    timed = REGISTRY.get_sample_value(
        "baystream_http_request_duration_seconds_count", {"service": service, "route": "/hello/{name}"}
    )
    assert timed == 3


def test_made_up_methods_share_one_label() -> None:
    from baystream.infra.http.metrics import method_label

    assert method_label("GET") == "GET"
    assert method_label("BREW") == method_label("PROPFIND") == "other"
