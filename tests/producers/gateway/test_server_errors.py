"""An unexpected failure answers 500 as problem details and is counted, in both request metrics.

No broker: the publisher is replaced by one that fails as a bug would, after the app has started.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from typing import Any

from prometheus_client import REGISTRY

from baystream.infra.http.server import BackgroundServer
from baystream.infra.settings import Settings
from baystream.producers.gateway.app import GATEWAY, GatewayConfig, make_app
from baystream.producers.gateway.identities import Identity, KeyRing, Role, hash_key
from tests.events import event
from tests.producers.gateway.live import post

KEY = "a-key-for-the-500-test"
PARTY = "broken-trucking"


class BrokenPublisher:
    async def publish(self, records: Sequence[Mapping[str, Any]], timeout: float) -> list[str | None]:
        raise RuntimeError("a bug in the publishing path")

    def close(self) -> None:
        pass


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_500_is_a_problem_and_appears_in_the_request_metrics() -> None:
    settings = Settings().with_overrides(bootstrap=f"127.0.0.1:{_closed_port()}", embedded=True, metrics_port=0)
    ring = KeyRing([Identity(PARTY, Role.TRUCKER, "ABCD", hash_key(KEY))])
    app = make_app(settings, ring, GatewayConfig(idempotency_window_s=0))
    gateway_500 = {"party": PARTY, "status": "500"}
    http_500 = {"service": "gateway", "method": "POST", "route": "/v1/events", "status": "500"}
    before = (
        _sample("baystream_gateway_requests_total", **gateway_500),
        _sample("baystream_http_requests_total", **http_500),
    )
    with BackgroundServer(app) as server:
        started = app[GATEWAY].publisher
        assert started is not None
        started.close()  # no client left trying the closed port
        app[GATEWAY].publisher = BrokenPublisher()  # type: ignore[assignment]
        status, headers, body = post(server.url, [event("GateMove", trucker="ABCD")], KEY)
    assert status == 500 and headers["Content-Type"].startswith("application/problem+json")
    assert (body["type"], body["title"], body["status"]) == ("about:blank", "Internal Server Error", 500)
    assert "a bug" not in body["detail"]  # the traceback stays in the log
    after = (
        _sample("baystream_gateway_requests_total", **gateway_500),
        _sample("baystream_http_requests_total", **http_500),
    )
    assert after == (before[0] + 1, before[1] + 1)
