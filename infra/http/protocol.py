"""A deadline on request headers, which aiohttp does not have (issue 18.8, the headers half).

aiohttp's keep-alive timer closes a connection only while it waits for a request with no byte of one
received, and nothing bounds the time a client takes over the request line and headers: one byte a second
keeps a connection (and its buffers) forever. `HeadTimedHandler` arms a timer at the first byte of each
request head and disarms it when aiohttp's parser has the whole head; when it fires, the client gets a
408 problem (`slow-headers`) and the connection is closed (lingering: our side shut first, the client's
further bytes dropped for `LINGER_S`), and `baystream_http_requests_total` counts it
(route `unmatched`). Bytes of a body are not timed here (a handler bounds its own body reads: the
gateway's `body_timeout_s`), nor is a connection kept idle between requests (the keep-alive timer).

The subclass reads three attributes of aiohttp's `RequestHandler` (`_messages`, `_request_count`,
`_payload_parser`), pinned by tests/infra/test_http_kit.py against the installed version.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_server import Server

from baystream.infra.http.metrics import UNMATCHED, method_label
from baystream.infra.http.problems import PROBLEM_JSON, ProblemType, problem_body
from baystream.infra.metrics import HTTP_REQUESTS

HEAD_TIMEOUT_S = 10.0
SLOW_HEADERS = ProblemType("slow-headers", "Request headers not received in time")
_METHOD_BYTES = 8  # enough of the request line to name any method we count
LINGER_S = 2.0
"""How long a connection cut off with a 408 still takes (and drops) the client's bytes before it closes."""


class HeadTimedHandler(RequestHandler):
    """aiohttp's connection protocol with a deadline from the first byte of a request head to its end."""

    __slots__ = ("_body", "_deadline", "_head_start", "_head_timeout", "_lingering", "_service")

    def __init__(self, manager: Server, head_timeout: float, service: str, **kwargs: Any):
        super().__init__(manager, **kwargs)
        self._head_timeout, self._service = head_timeout, service
        self._deadline: asyncio.TimerHandle | None = None
        self._body: StreamReader | None = None  # the payload of the last request whose head was complete
        self._head_start = b""
        self._lingering = False

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # the 408 is sent and our side shut: what the client still sends is dropped, not reset
        if data and self._deadline is None and self._reading_heads():
            self._deadline = self._loop.call_later(self._head_timeout, self._head_too_slow)
            self._head_start = b""
        if self._deadline is not None and len(self._head_start) < _METHOD_BYTES:
            self._head_start += data[: _METHOD_BYTES - len(self._head_start)]
        parsed = self._request_count
        super().data_received(data)
        if self._request_count != parsed and self._messages:
            self._body = self._messages[-1][1]
            self._cancel_deadline()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _reading_heads(self) -> bool:
        """True while the bytes arriving belong to a request head, not to a body or an upgraded stream."""
        if self._upgraded or self._payload_parser is not None:
            return False
        return self._body is None or self._body.is_eof()

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_too_slow(self) -> None:
        self._deadline = None
        transport = self.transport
        if self._force_close or transport is None:
            return
        method = self._head_start.partition(b" ")[0].decode("ascii", "replace")
        HTTP_REQUESTS.labels(self._service, method_label(method), UNMATCHED, "408").inc()
        if self._request_in_progress or not transport.can_write_eof():  # never interleave with an answer
            self.force_close()
            return
        detail = f"request headers not received within {self._head_timeout:g} s"
        transport.write(_raw_problem(408, "Request Timeout", detail, SLOW_HEADERS))
        # A lingering close: shut our side after the answer and read on for a moment. Closed at once, the
        # socket would answer the client's next byte with a reset, which can cost the client the 408 itself.
        transport.write_eof()
        self._lingering = True
        self._loop.call_later(LINGER_S, self.force_close)


def _raw_problem(status: int, reason: str, detail: str, kind: ProblemType) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection: written outside aiohttp's request cycle."""
    body = json.dumps(problem_body(status, detail, kind), separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {PROBLEM_JSON}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class HeadTimedServer(Server):
    """aiohttp's protocol factory, making `HeadTimedHandler`s."""

    def __init__(self, plain: Server, head_timeout: float, service: str):
        super().__init__(
            plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            loop=plain._loop,
            **plain._kwargs,
        )
        self._head_timeout, self._service = head_timeout, service

    def __call__(self) -> RequestHandler:
        return HeadTimedHandler(self, self._head_timeout, self._service, loop=self._loop, **self._kwargs)


class HeadTimedRunner(web.AppRunner):
    """An `AppRunner` whose connections have a deadline on request heads; metrics name `service`."""

    def __init__(self, app: web.Application, head_timeout: float, service: str, **kwargs: Any):
        super().__init__(app, **kwargs)
        self._head_timeout, self._service = head_timeout, service

    async def _make_server(self) -> Server:
        return HeadTimedServer(await super()._make_server(), self._head_timeout, self._service)
