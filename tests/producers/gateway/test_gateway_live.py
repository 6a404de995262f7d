"""The running gateway against the embedded broker: what is accepted comes back, what is refused never lands.

Topics are shared with other tests: every assertion is about the event ids made here, never about counts.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client import REGISTRY

from baystream.infra.http.server import BackgroundServer
from baystream.infra.settings import Settings
from baystream.infra.topics import GATE_MOVES, VESSEL_ARRIVALS
from baystream.producers.gateway.app import (
    FORBIDDEN_EVENTS,
    INVALID_EVENTS,
    RATE_LIMITED,
    UNAUTHENTICATED,
    GatewayConfig,
    make_app,
)
from tests.events import event
from tests.producers.gateway.live import get, keyring_with_fresh_keys, on_topic, post

pytestmark = pytest.mark.integration

BODY_LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    return _KEYS


_RING, _KEYS = keyring_with_fresh_keys()


@pytest.fixture(scope="module")
def gateway(broker_settings: Settings) -> Iterator[str]:
    config = GatewayConfig(max_body_bytes=BODY_LIMIT, rate_per_s=10_000, burst=10_000, ack_timeout_s=20)
    with BackgroundServer(make_app(broker_settings, _RING, config)) as server:
        yield server.url


def gate_moves(n: int, **fields: object) -> list[dict[str, object]]:
    return [event("GateMove", visit_id=f"V-{i}", **fields) for i in range(n)]


def ids(events: list[dict[str, object]]) -> list[str]:
    return [str(e["event_id"]) for e in events]


def counter(party: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("baystream_gateway_events_total", {"party": party, "outcome": outcome}) or 0.0


def test_accepted_events_come_back_from_the_topic(broker_settings: Settings, gateway: str, keys: dict[str, str]):
    batch = gate_moves(3, facility="LBCT", port="USLGB")
    batch[1]["source"] = "EVIL"  # never taken from the body
    before = counter("abcd-trucking", "accepted")
    status, _, answer = post(gateway, batch, keys["abcd-trucking"])
    assert status == 202, answer
    assert answer == {"event_ids": ids(batch), "published": 3, "duplicates": []}
    assert counter("abcd-trucking", "accepted") == before + 3
    found = on_topic(broker_settings, GATE_MOVES, ids(batch))
    assert sorted(found) == sorted(ids(batch))
    for sent in batch:
        [(key, record)] = found[str(sent["event_id"])]
        assert key == "LBCT"  # keyed by facility, per the catalog
        assert record["source"] == "ABCD"
        assert record["visit_id"] == sent["visit_id"]


def test_ndjson_from_a_terminal(broker_settings: Settings, gateway: str, keys: dict[str, str]):
    arrivals = [event("VesselArrival", location_type=t) for t in ("ANCHORAGE", "BERTH")]
    body = "\n".join(json.dumps(a) for a in arrivals).encode()
    status, _, answer = post(gateway, body, keys["apm-terminals"], "application/x-ndjson")
    assert status == 202, answer
    found = on_topic(broker_settings, VESSEL_ARRIVALS, ids(arrivals))
    assert {i: [r["location_type"] for _, r in v] for i, v in found.items()} == {
        ids(arrivals)[0]: ["ANCHORAGE"],
        ids(arrivals)[1]: ["BERTH"],
    }
    assert {r["source"] for v in found.values() for _, r in v} == {"APMT"}


def test_a_rejected_batch_leaves_nothing_on_the_topic(broker_settings: Settings, gateway: str, keys: dict[str, str]):
    batch = gate_moves(3)
    batch[2]["container_id"] = "CSQU3054384"  # wrong check digit
    status, _, answer = post(gateway, batch, keys["abcd-trucking"])
    assert status == 422
    assert (answer["type"], answer["status"]) == (INVALID_EVENTS.uri, 422)
    assert answer["detail"] == "1 of 3 event(s) break the contract; nothing published"
    assert [(i["index"], i["field"]) for i in answer["items"]] == [(2, "container_id")]
    assert "check digit" in answer["items"][0]["reason"]
    assert on_topic(broker_settings, GATE_MOVES, ids(batch)) == {}


def test_a_trucker_cannot_publish_for_another_scac(broker_settings: Settings, gateway: str, keys: dict[str, str]):
    batch = [*gate_moves(1), *gate_moves(1, trucker="EFGH")]
    status, _, answer = post(gateway, batch, keys["abcd-trucking"])
    assert status == 403 and answer["type"] == FORBIDDEN_EVENTS.uri
    assert [(i["index"], i["field"], i["got"]) for i in answer["items"]] == [(1, "trucker", "EFGH")]
    status, _, answer = post(gateway, [event("RailDeparture")], keys["abcd-trucking"])
    assert status == 403 and answer["items"][0]["field"] == "type"
    assert on_topic(broker_settings, GATE_MOVES, ids(batch)) == {}


def test_a_retried_batch_appears_once(broker_settings: Settings, gateway: str, keys: dict[str, str]):
    batch = gate_moves(3)
    first = post(gateway, batch, keys["abcd-trucking"])
    again = post(gateway, batch, keys["abcd-trucking"])
    assert (first[0], first[2]["published"]) == (202, 3)
    assert again[0] == 202
    assert again[2] == {"event_ids": ids(batch), "published": 0, "duplicates": ids(batch)}
    extra = gate_moves(1)
    mixed = post(gateway, [*batch[:2], *extra, extra[0]], keys["abcd-trucking"])
    assert mixed[0] == 202
    assert mixed[2]["published"] == 1
    assert mixed[2]["duplicates"] == [*ids(batch[:2]), *ids(extra)]
    found = on_topic(broker_settings, GATE_MOVES, ids(batch + extra))
    assert {i: len(v) for i, v in found.items()} == {i: 1 for i in ids(batch + extra)}


def test_concurrent_retries_appear_once(broker_settings: Settings, gateway: str, keys: dict[str, str]):
    batch = gate_moves(20)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: post(gateway, batch, keys["abcd-trucking"]), range(4)))
    assert [a[0] for a in answers] == [202] * 4
    assert sum(a[2]["published"] for a in answers) == 20
    found = on_topic(broker_settings, GATE_MOVES, ids(batch))
    assert {i: len(v) for i, v in found.items()} == {i: 1 for i in ids(batch)}


def test_the_same_event_id_from_two_parties_is_not_a_retry(gateway: str, keys: dict[str, str]):
    shared = event("GateMove", trucker="ABCD")
    other = {**shared, "trucker": "EFGH"}
    assert post(gateway, [shared], keys["abcd-trucking"])[2]["published"] == 1
    assert post(gateway, [other], keys["efgh-trucking"])[2]["published"] == 1


def test_keys_and_body_size(gateway: str, keys: dict[str, str]):
    status, headers, answer = post(gateway, gate_moves(1))
    assert status == 401 and "API key" in answer["detail"] and answer["title"] == UNAUTHENTICATED.title
    assert headers["Content-Type"].startswith("application/problem+json")
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert post(gateway, gate_moves(1), "not-a-key")[0] == 401
    big = gate_moves(1)[0] | {"visit_id": "V" * BODY_LIMIT}
    status, _, answer = post(gateway, big, keys["abcd-trucking"])
    assert status == 413, answer
    assert post(gateway, b"not json", keys["abcd-trucking"])[0] == 400


def test_openapi_and_health(gateway: str):
    status, doc = get(f"{gateway}/v1/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    assert "/v1/events" in doc["paths"]
    assert get(f"{gateway}/v1/health") == (200, {"status": "ok"})


def test_rate_limit_per_key(broker_settings: Settings, keys: dict[str, str]):
    config = GatewayConfig(rate_per_s=0.25, burst=2)
    with BackgroundServer(make_app(broker_settings, _RING, config)) as server:
        statuses = [post(server.url, b"[]", keys["abcd-trucking"])[0] for _ in range(2)]
        status, headers, answer = post(server.url, b"[]", keys["abcd-trucking"])
        other = post(server.url, b"[]", keys["apm-terminals"])[0]
    assert statuses == [400, 400]  # let through (and refused for the empty body)
    assert status == 429 and "rate limit" in answer["detail"] and answer["type"] == RATE_LIMITED.uri
    assert 1 <= int(headers["Retry-After"]) <= 4
    assert other == 400  # another key has its own bucket


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("window_s", "reason"),
    [
        (0.0, "no acknowledgement within 1s"),  # no memory to ask: the broker's silence answers
        (900.0, "cannot tell which events were accepted before"),  # the memory cannot read: nothing produced
    ],
)
def test_unacknowledged_events_answer_503_and_stay_retryable(keys: dict[str, str], window_s: float, reason: str):
    dead = Settings().with_overrides(bootstrap=f"127.0.0.1:{_closed_port()}", embedded=True, metrics_port=0)
    batch = gate_moves(2)
    config = GatewayConfig(ack_timeout_s=1.0, idempotency_window_s=window_s)
    with BackgroundServer(make_app(dead, _RING, config)) as server:
        first = post(server.url, batch, keys["abcd-trucking"])
        again = post(server.url, batch, keys["abcd-trucking"])
    for status, headers, answer in (first, again):  # failed ids are not remembered as accepted
        assert status == 503 and headers["Retry-After"] == "1"
        assert [(i["index"], i["event_id"]) for i in answer["items"]] == list(enumerate(ids(batch)))
        assert all(i["reason"].startswith(reason) for i in answer["items"]), answer["items"]
        assert "retry the whole batch" in answer["detail"] and answer["status"] == 503
