"""Hostile requests to a served gateway (issue 18.1-3, 5, 6, 7): a 4xx that says why, never a 500.

No broker is needed: nothing here is published. Deeply nested bodies are 400, overflowing times and
oversized strings 422, a key with bytes that are not UTF-8 401, and a body of 10,000 invalid events gets
a bounded answer. NDJSON with U+2028 inside a string is read (here refused by the role: 403, after the
contract accepted it).
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from baystream.infra.http.server import BackgroundServer
from baystream.infra.settings import Settings
from baystream.producers.gateway.app import MAX_ITEMS, GatewayConfig, make_app
from baystream.producers.gateway.identities import Identity, KeyRing, Role, hash_key
from tests.events import event
from tests.producers.gateway.live import post

KEY = "bsk_hostile-requests-test-key-0123456789abcdefXYZ"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    settings = Settings().with_overrides(bootstrap=f"127.0.0.1:{_closed_port()}", embedded=True, metrics_port=0)
    ring = KeyRing([Identity("abcd-trucking", Role.TRUCKER, "ABCD", hash_key(KEY))])
    config = GatewayConfig(idempotency_window_s=0, rate_per_s=1e6, burst=1_000_000, ack_timeout_s=1)
    with BackgroundServer(make_app(settings, ring, config)) as server:
        yield server.url


def raw_request(url: str, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send bytes as they are (headers that are not UTF-8); the status and body of the answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head + b"\r\n" + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize("body", [b"[" * 5000 + b"]" * 5000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000])
def test_deep_nesting_is_a_400(gateway: str, body: bytes) -> None:
    status, _, answer = post(gateway, body, KEY)
    assert status == 400 and "nested deeper" in answer["detail"], answer


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_overflowing_times_are_a_422_naming_the_field(gateway: str, when: str) -> None:
    status, _, answer = post(gateway, event("GateMove", trucker="ABCD", event_time=when), KEY)
    assert status == 422 and [i["field"] for i in answer["items"]] == ["event_time"], answer


@pytest.mark.parametrize("header", [b"X-API-Key: \xff\xfe\xfd", b"Authorization: Bearer \xc3\x28abc"])
def test_a_key_that_is_not_utf8_is_a_401(gateway: str, header: bytes) -> None:
    body = json.dumps(event("GateMove", trucker="ABCD")).encode()
    head = (
        b"POST /v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
        + header
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n"
    )
    status, answer = raw_request(gateway, head, body)
    assert status == 401 and b"not printable ASCII" in answer, answer


@pytest.mark.parametrize(("field", "value"), [("visit_id", "V" * 900_000), ("truck_id", "T\u0000")])
def test_oversized_or_binary_strings_are_a_422(gateway: str, field: str, value: str) -> None:
    status, _, answer = post(gateway, event("GateMove", trucker="ABCD", **{field: value}), KEY)
    assert status == 422 and [i["field"] for i in answer["items"]] == [field]
    assert len(json.dumps(answer)) < 2000


def test_ndjson_with_u2028_in_a_string_is_read(gateway: str) -> None:
    events = [event("GateMove", trucker="WXYZ", truck_id="CA-1"), event("GateMove", trucker="WXYZ")]
    text = "\n".join(json.dumps(e, ensure_ascii=False) for e in events)
    body = text.replace('"CA-1"', '"CA-1"' + ', "\u2028": 1').encode()  # an unknown field, named U+2028
    status, _, answer = post(gateway, body, KEY, "application/x-ndjson")
    assert status == 422 and {i["field"] for i in answer["items"]} == {"\u2028"}, answer
    status, _, answer = post(gateway, text.encode(), KEY, "application/x-ndjson")
    assert status == 403 and {i["index"] for i in answer["items"]} == {0, 1}, answer


def test_an_answer_to_many_bad_events_is_bounded(gateway: str) -> None:
    bad = {"type": "GateMove", "event_id": "x", "port": "x", "extra": "y"}
    body = json.dumps([bad] * 10_000, separators=(",", ":")).encode()
    status, _, answer = post(gateway, body, KEY)
    raw = json.dumps(answer).encode()
    assert status == 422 and "10000 of 10000 event(s)" in answer["detail"], answer["detail"]
    assert len(answer["items"]) == MAX_ITEMS and answer["items_omitted"] > 3 * 10_000 - MAX_ITEMS
    assert len(raw) < 40_000 < len(body)  # smaller than what was sent: no amplification


def test_a_body_sent_one_byte_a_second_is_cut_off(gateway_slow: str) -> None:
    parts = urlsplit(gateway_slow)
    body = json.dumps(event("GateMove", trucker="ABCD")).encode()
    head = (
        f"POST /v1/events HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(head)
        answer = b""
        for byte in body:  # one byte a second, as the probe did, until the server answers
            readable, _, _ = select.select([sock], [], [], 1.0)
            if readable:
                answer = sock.recv(65536)
                break
            sock.sendall(bytes([byte]))
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"slow-body" in answer and time.monotonic() - started < 30


@pytest.fixture(scope="module")
def gateway_slow() -> Iterator[str]:
    settings = Settings().with_overrides(bootstrap=f"127.0.0.1:{_closed_port()}", embedded=True, metrics_port=0)
    ring = KeyRing([Identity("abcd-trucking", Role.TRUCKER, "ABCD", hash_key(KEY))])
    config = GatewayConfig(idempotency_window_s=0, ack_timeout_s=1, body_timeout_s=3)
    with BackgroundServer(make_app(settings, ring, config)) as server:
        yield server.url
