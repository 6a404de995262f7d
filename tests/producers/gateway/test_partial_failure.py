"""A broker that acknowledges only part of a batch: 503 names the rest; the retry publishes only those.

The broker side is a stand-in here (a real broker cannot be told to fail one event of a batch); the live
tests cover the real one, including a broker that acknowledges nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

from baystream.producers.gateway.app import Gateway, GatewayConfig
from baystream.producers.gateway.identities import Identity, KeyRing, Role, hash_key
from baystream.schemas.json_form import parse_event
from tests.events import event

TRUCKER = Identity("abcd-trucking", Role.TRUCKER, "ABCD", hash_key("k"))


class FlakyBroker:
    """Acknowledges every event except those whose ids are in `failing`; records what was produced."""

    def __init__(self, failing: set[str]):
        self.failing = failing
        self.produced: list[str] = []

    async def publish(self, records: Sequence[Mapping[str, Any]], timeout: float) -> list[str | None]:
        self.produced += [r["event_id"] for r in records]
        return ["Broker: not enough replicas" if r["event_id"] in self.failing else None for r in records]


def answer(gateway: Gateway, records: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    response = asyncio.run(gateway.publish(TRUCKER, records))
    assert response.text is not None
    return response.status, json.loads(response.text)


def test_only_the_unacknowledged_events_are_published_again() -> None:
    records = [parse_event(event("GateMove")) for _ in range(4)]
    ids = [r["event_id"] for r in records]
    broker = FlakyBroker(failing={ids[1], ids[3]})
    gateway = Gateway(KeyRing([TRUCKER]), GatewayConfig(), clock=lambda: 0.0, wall_clock=lambda: 0.0)
    gateway.publisher = broker  # type: ignore[assignment]

    status, body = answer(gateway, records)
    assert status == 503
    assert [(i["index"], i["event_id"]) for i in body["items"]] == [(1, ids[1]), (3, ids[3])]
    assert body["items"][0]["reason"] == "Broker: not enough replicas"

    broker.failing.clear()
    status, body = answer(gateway, records)  # the client retries the whole batch
    assert status == 202
    assert body == {"event_ids": ids, "published": 2, "duplicates": [ids[0], ids[2]]}
    assert broker.produced == [*ids, ids[1], ids[3]]
    assert gateway.in_flight == {}


def test_the_window_ends() -> None:
    records = [parse_event(event("GateMove"))]
    now = [0.0]
    gateway = Gateway(KeyRing([TRUCKER]), GatewayConfig(idempotency_window_s=60), wall_clock=lambda: now[0])
    broker = FlakyBroker(failing=set())
    gateway.publisher = broker  # type: ignore[assignment]
    assert answer(gateway, records)[1]["published"] == 1
    now[0] = 59.0
    assert answer(gateway, records)[1]["published"] == 0
    now[0] = 61.0  # over 60 s after the acceptance; the duplicate at 59 s did not renew the window
    assert answer(gateway, records)[1]["published"] == 1
