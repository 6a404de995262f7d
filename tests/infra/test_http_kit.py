"""The HTTP kit: every error is problem details and is counted; a taken port is one line naming its setting."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from aiohttp import ClientSession, web
from prometheus_client import REGISTRY

from baystream.infra.http import server
from baystream.infra.http.app import health_handler, web_app
from baystream.infra.http.metrics import UNMATCHED
from baystream.infra.http.ports import PortInUse, PortSetting, is_free
from baystream.infra.http.problems import PROBLEM_JSON, Problem, ProblemType

SERVICE = "test-http-kit"
ODD = ProblemType("odd-number", "Odd numbers are refused")


async def _number(request: web.Request) -> web.Response:
    number = int(request.match_info["n"])
    if number == 0:
        raise ZeroDivisionError("the bug a test plants")
    if number % 2:
        raise Problem(422, f"{number} is odd", ODD, number=number)
    if number > 100:
        raise web.HTTPRequestEntityTooLarge(max_size=100, actual_size=number)
    return web.json_response({"half": number // 2})


async def _calls(*calls: tuple[str, str]) -> list[tuple[int, str, Any]]:
    app = web_app(SERVICE)
    app.router.add_get("/numbers/{n}", _number)
    app.router.add_get("/health", health_handler(lambda: {"status": "ok"}, lambda: False))
    running = await server.start(app, "127.0.0.1", 0, None)
    answers = []
    try:
        async with ClientSession(running.url) as client:
            for method, path in calls:
                async with client.request(method, path) as response:
                    answers.append((response.status, response.content_type, await response.json(content_type=None)))
    finally:
        await running.stop()
    return answers


def _count(route: str, status: str, method: str = "GET") -> float:
    labels = {"service": SERVICE, "method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("baystream_http_requests_total", labels) or 0.0


def test_every_error_is_problem_details_and_every_answer_is_counted() -> None:
    route = "/numbers/{n}"
    before = {s: _count(route, s) for s in ("200", "413", "422", "500")}
    answers = asyncio.run(
        _calls(
            ("GET", "/numbers/4"),
            ("GET", "/numbers/3"),
            ("GET", "/numbers/0"),
            ("GET", "/numbers/104"),
            ("GET", "/nowhere"),
            ("POST", "/numbers/4"),
            ("GET", "/health"),
        )
    )
    ok, odd, bug, large, nowhere, wrong_method, health = answers
    assert ok == (200, "application/json", {"half": 2})
    assert odd == (
        422,
        PROBLEM_JSON,
        {"type": ODD.uri, "title": ODD.title, "status": 422, "detail": "3 is odd", "number": 3},
    )
    assert bug[:2] == (500, PROBLEM_JSON) and bug[2]["title"] == "Internal Server Error"
    assert "bug a test plants" not in bug[2]["detail"]
    assert large[:2] == (413, PROBLEM_JSON) and large[2]["type"] == "about:blank"
    assert nowhere[:2] == (404, PROBLEM_JSON) and nowhere[2]["detail"] == "nothing at /nowhere"
    assert wrong_method[:2] == (405, PROBLEM_JSON) and "allowed: GET" in wrong_method[2]["detail"]
    assert health == (503, "application/json", {"status": "ok"})
    for status in ("200", "413", "422", "500"):
        assert _count(route, status) == before[status] + 1, status
    assert _count(UNMATCHED, "404") >= 1


def test_a_taken_port_is_one_line_naming_the_setting_and_flag() -> None:
    setting = PortSetting("dashboard_port", "the dashboard", "--port")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert not is_free("127.0.0.1", port)
        with pytest.raises(PortInUse) as caught:
            asyncio.run(server.start(web_app(SERVICE), "127.0.0.1", port, setting))
    assert str(caught.value) == (
        f"port {port} on 127.0.0.1 is in use, so the dashboard cannot listen there: choose another with --port "
        "or BAYSTREAM_DASHBOARD_PORT (setting dashboard_port)"
    )
    assert is_free("127.0.0.1", port)
