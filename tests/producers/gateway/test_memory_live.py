"""The idempotency memory survives a killed gateway and is shared by replicas: it is read back from the topics.

Real brokers only (every engine of tests/brokers.py), real `baystream gateway` processes where a kill is
the point. Topics are shared with other tests: every assertion is about the event ids made here.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka import Producer

from baystream.infra.http.server import BackgroundServer
from baystream.infra.kafka_config import producer_config
from baystream.infra.settings import Settings
from baystream.infra.topics import GATE_MOVES
from baystream.producers.gateway.app import GatewayConfig, make_app
from baystream.schemas.json_form import parse_event
from baystream.schemas.wire import codec_for
from tests.events import event
from tests.producers.gateway.live import GatewayProcess, keyring_with_fresh_keys, on_topic, post

RING, KEYS = keyring_with_fresh_keys()
TRUCKER = KEYS["abcd-trucking"]
CONFIG = GatewayConfig(rate_per_s=100_000, burst=100_000, ack_timeout_s=20)


def gate_moves(n: int) -> list[dict[str, Any]]:
    return [event("GateMove", visit_id=f"V-{i}") for i in range(n)]


def ids(events: list[dict[str, Any]]) -> list[str]:
    return [str(e["event_id"]) for e in events]


def copies(settings: Settings, events: list[dict[str, Any]]) -> dict[str, int]:
    """event_id -> how many times it is on gate-moves, for these events only."""
    found = on_topic(settings, GATE_MOVES, ids(events))
    return {i: len(found.get(i, [])) for i in ids(events)}


@pytest.fixture
def in_process(broker_settings: Settings) -> Iterator[BackgroundServer]:
    with BackgroundServer(make_app(broker_settings, RING, CONFIG)) as server:
        yield server


def test_a_restarted_gateway_knows_what_the_killed_one_accepted(broker_settings: Settings):
    batch = gate_moves(5)
    with GatewayProcess(broker_settings, KEYS) as first:
        status, _, answer = post(first.url, batch, TRUCKER)
        assert (status, answer["published"]) == (202, 5), answer
        first.kill()
    with BackgroundServer(make_app(broker_settings, RING, CONFIG)) as second:
        status, _, answer = post(second.url, batch, TRUCKER)
    assert status == 202, answer
    assert answer == {"event_ids": ids(batch), "published": 0, "duplicates": ids(batch)}
    assert copies(broker_settings, batch) == {i: 1 for i in ids(batch)}


def test_two_gateways_share_one_memory(broker_settings: Settings, in_process: BackgroundServer):
    batch = gate_moves(5)
    with BackgroundServer(make_app(broker_settings, RING, CONFIG)) as other:
        assert post(in_process.url, batch, TRUCKER)[2]["published"] == 5
        status, _, answer = post(other.url, batch, TRUCKER)
        assert (status, answer["published"], answer["duplicates"]) == (202, 0, ids(batch))
        mixed = [*batch[:2], *gate_moves(1)]  # and the first one learns what the second accepted
        assert post(other.url, mixed, TRUCKER)[2]["published"] == 1
        assert post(in_process.url, mixed, TRUCKER)[2]["published"] == 0
    assert copies(broker_settings, batch + mixed) == {i: 1 for i in ids(batch + mixed)}


CUT = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.BadStatusLine)
"""How a request in flight ends when the gateway is killed under it (not a refused connection)."""


def test_a_gateway_killed_with_batches_in_flight(broker_settings: Settings):
    batches = [gate_moves(20) for _ in range(36)]
    answers: dict[int, tuple[int, dict[str, Any]]] = {}
    cut: list[int] = []

    def client(lane: int, url: str) -> None:  # three clients, back to back: a request is always in flight
        for index in range(lane, len(batches), 3):
            try:
                status, _, answer = post(url, batches[index], TRUCKER)
            except CUT:
                cut.append(index)
                return
            except OSError:  # refused: the gateway is gone
                return
            answers[index] = (status, answer)

    with GatewayProcess(broker_settings, KEYS) as first:
        clients = [threading.Thread(target=client, args=(lane, first.url)) for lane in range(3)]
        for thread in clients:
            thread.start()
        deadline = time.monotonic() + 60
        while len(answers) < 9 and time.monotonic() < deadline:
            time.sleep(0.01)
        first.kill()
        for thread in clients:
            thread.join(60)
    accepted = [i for i, (status, _) in answers.items() if status == 202]
    assert len(accepted) >= 9 and cut, (len(accepted), cut)
    everything = [e for b in batches for e in b]
    before = copies(broker_settings, everything)
    assert all(before[i] == 1 for b in accepted for i in ids(batches[b])), "a 202 whose events are not on the topic"

    with GatewayProcess(broker_settings, KEYS) as second:  # the client retries every batch, answered or not
        retried = {i: post(second.url, batch, TRUCKER) for i, batch in enumerate(batches)}
    assert {i: status for i, (status, _, _) in retried.items()} == {i: 202 for i in range(len(batches))}
    for index in accepted:
        assert retried[index][2]["published"] == 0, f"batch {index} was accepted before the kill"
    published = sum(answer["published"] for _, _, answer in retried.values())
    assert published == sum(1 for n in before.values() if n == 0)  # exactly what was missing
    assert copies(broker_settings, everything) == {i: 1 for i in ids(everything)}


def test_events_published_in_large_record_batches_are_all_known_at_once(broker_settings: Settings):
    """Events of a party put on the topic by a Kafka client (as `baystream publish` does), in record batches of
    thousands: a gateway started right after knows every one, the last record of the last batch included.

    (Tansu answers the end offset of a partition as the *first* offset of its last record batch plus one:
    reaching it must mean the whole batch is in the memory.)
    """
    sent = [parse_event(event("GateMove", source="ABCD")) for _ in range(6000)]
    codec = codec_for(broker_settings.kafka.schema_registry)
    producer = Producer(producer_config(broker_settings, **{"linger.ms": 200, "batch.num.messages": 10_000}))
    for record in sent:
        producer.produce(GATE_MOVES, codec.encode(record, GATE_MOVES), b"APMT")  # one partition, big batches
    assert producer.flush(30) == 0
    tail_end = [{**r, "event_time": "2024-05-01T12:00:00Z"} for r in sent[-50:]]
    with BackgroundServer(make_app(broker_settings, RING, CONFIG)) as gateway:
        status, _, answer = post(gateway.url, tail_end, TRUCKER)
    assert status == 202, answer
    assert answer["published"] == 0 and answer["duplicates"] == ids(tail_end)
