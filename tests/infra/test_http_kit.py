"""The HTTP kit: every error is problem details and is counted; a taken port is one line naming its setting;
a client that sends its request headers slowly is cut off (issue 18.8)."""

from __future__ import annotations

import asyncio
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import ClientSession, web
from prometheus_client import REGISTRY

from baystream.infra.http import server
from baystream.infra.http.app import health_handler, static_handler, web_app
from baystream.infra.http.metrics import UNMATCHED
from baystream.infra.http.ports import PortInUse, PortSetting, is_free
from baystream.infra.http.problems import PROBLEM_JSON, Problem, ProblemType
from baystream.infra.http.protocol import SLOW_HEADERS

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


async def _calls(*calls: tuple[str, str], static: Path | None = None) -> list[tuple[int, str, Any]]:
    app = web_app(SERVICE)
    if static is not None:
        app.router.add_get("/static/{filename:.+}", static_handler(static))
    app.router.add_get("/numbers/{n}", _number)
    app.router.add_get("/health", health_handler(lambda: {"status": "ok"}, lambda: False))
    running = await server.start(app, "127.0.0.1", 0, None)
    answers = []
    try:
        async with ClientSession(running.url) as client:
            for method, path in calls:
                async with client.request(method, path) as response:
                    body = await response.read()
                    shown = await response.json(content_type=None) if response.content_type.endswith("json") else body
                    answers.append((response.status, response.content_type, shown))
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


def test_static_files_are_served_and_what_is_not_one_is_a_404_problem(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sub").mkdir()
    (tmp_path / "site" / "sub" / "app.js").write_text("let a = 1;")
    (tmp_path / "secret.txt").write_text("not to be served")
    paths = ("/static/sub/app.js", "/static/0", "/static/sub", "/static/..%2Fsecret.txt", "/static/%2Fetc%2Fpasswd")
    served, *refused = asyncio.run(_calls(*(("GET", p) for p in paths), static=tmp_path / "site"))
    assert served[0] == 200 and served[1].endswith("javascript") and served[2] == b"let a = 1;"
    for status, content_type, body in refused:
        assert (status, content_type) == (404, PROBLEM_JSON) and body["detail"].startswith("no file"), body


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


HEAD_TIMEOUT_S = 3.0


async def _echo(request: web.Request) -> web.Response:
    return web.json_response({"read": len(await request.read())})


@pytest.fixture(scope="module")
def slow_kit() -> Iterator[str]:
    app = web_app(SERVICE)
    app.router.add_post("/echo", _echo)
    with server.BackgroundServer(app, head_timeout=HEAD_TIMEOUT_S) as running:
        yield running.url


def _trickle(url: str, chunks: list[bytes], interval: float) -> tuple[bytes, float]:
    """Send `chunks` one per `interval` seconds on one connection until the server answers or closes it;
    what it answered (all of it, until it closed or 30 s passed) and after how many seconds."""
    parts = urlsplit(url)
    started = time.monotonic()
    answer = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        for chunk in chunks:
            readable, _, _ = select.select([sock], [], [], interval)
            if readable:
                break
            sock.sendall(chunk)
        while time.monotonic() - started < 60 and (data := sock.recv(65536)):
            answer += data
            if b"Connection: close" not in answer and answer.count(b"}") >= 1:
                break  # a keep-alive answer: the server does not close; its JSON body is whole
    return answer, time.monotonic() - started


def _head(body: bytes) -> bytes:
    return f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode()


def test_headers_sent_one_byte_a_second_are_cut_off_with_a_408(slow_kit: str) -> None:
    before = _count(UNMATCHED, "408", method="other")  # "POS" in 3 s: no whole method yet
    head = _head(b"{}") + b"{}"
    answer, took = _trickle(slow_kit, [bytes([b]) for b in head], 1.0)  # the probe's pace: 30 s for 30 bytes
    status, body = answer.partition(b"\r\n")[0], answer.partition(b"\r\n\r\n")[2]
    assert status == b"HTTP/1.1 408 Request Timeout", answer[:300]
    assert SLOW_HEADERS.uri.encode() in body and b"within 3 s" in body, body
    assert took < HEAD_TIMEOUT_S + 15 < len(head)  # cut off well before the client was done
    assert _count(UNMATCHED, "408", method="other") == before + 1


def test_after_the_408_the_server_lingers_and_drops_what_the_client_still_sends(slow_kit: str) -> None:
    """A client still sending when the deadline fires must get its 408 whole. A socket closed at once
    answers the next bytes with a reset, and a reset that comes before the client has read the 408 costs it
    the answer (the suite saw it: ECONNRESET instead of the 408). So the server shuts its side after the
    answer and drops what follows for `LINGER_S`: the client's bytes are taken, no reset comes back."""
    parts = urlsplit(slow_kit)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(b"P")
        time.sleep(HEAD_TIMEOUT_S + 0.3)  # the 408 is written and the server's side shut
        answer = b""
        while data := sock.recv(65536):
            answer += data
        for _ in range(3):  # closed, the server's socket would reset the first; the next would fail here
            sock.sendall(b"OST /echo HTTP/1.1\r\n")
            time.sleep(0.2)
        assert sock.recv(65536) == b""
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout") and answer.endswith(b"}"), answer[:300]


def test_a_fast_head_then_a_slow_body_or_an_idle_connection_is_not_cut_off(slow_kit: str) -> None:
    """The deadline is on the head only: a body trickling in for longer is the handler's to bound, and an
    idle keep-alive connection is the keep-alive timer's."""
    body = b'{"a": 1, "b": 2}'
    answer, took = _trickle(slow_kit, [_head(body), *(bytes([b]) for b in body)], 0.3)
    assert took > HEAD_TIMEOUT_S and answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert answer.endswith(b'{"read": 16}'), answer
    # One connection, two requests, idle between them for longer than the head deadline.
    parts = urlsplit(slow_kit)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        for request in range(2):
            if request:
                readable, _, _ = select.select([sock], [], [], HEAD_TIMEOUT_S + 1)
                assert not readable  # not closed (a closed socket is readable), no answer it did not ask for
            sock.sendall(_head(b"{}") + b"{}")
            answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'{"read": 2}'), answer
