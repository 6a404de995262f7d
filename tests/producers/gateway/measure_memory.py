"""Figures of the gateway's idempotency memory (docs/gateway.md): the read per record, the startup catch-up,
the sync's cost per request. Not a test (pytest does not collect it); run by hand:

    .venv/bin/python -m tests.producers.gateway.measure_memory [--engine tansu|kafka] [--records 200000]

- peek: µs per record of `Peeker.read` (a wanted source, a skipped one) against the full `Codec.decode`.
- catch-up: `--records` gate moves put on the input topics (half of them by a gateway party, half by a source
  no key has), then a gateway app started in process: seconds until it listens (its memory caught up).
- sync: sequential POSTs of 100 events, the request latency with the memory and without (window 0), then
  `--clients` concurrent clients: how many end-offsets queries served how many requests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import timeit
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

from confluent_kafka import Producer

from baystream.infra.http.server import BackgroundServer
from baystream.infra.kafka_config import producer_config
from baystream.infra.settings import Settings
from baystream.infra.topics import GATE_MOVES, create_topics
from baystream.producers.gateway.app import GATEWAY, GatewayConfig, make_app
from baystream.producers.gateway.peek import Peeker
from baystream.schemas.json_form import parse_event
from baystream.schemas.wire import codec_for
from tests.brokers import settings_for, start_broker
from tests.events import event
from tests.producers.gateway.live import keyring_with_fresh_keys

RING, KEYS = keyring_with_fresh_keys()


def peek_costs() -> None:
    codec = codec_for(None)
    data = codec.encode(parse_event(event("GateMove", source="ABCD")))
    kept, skipped = Peeker(codec, wanted={"ABCD"}), Peeker(codec, wanted={"EFGH"})
    for name, call in (
        ("peek, source wanted", lambda: kept.read(data)),
        ("peek, source skipped", lambda: skipped.read(data)),
        ("full decode", lambda: codec.decode(data)),
    ):
        best = min(timeit.repeat(call, number=20_000, repeat=5)) / 20_000
        print(f"{name:22s} {best * 1e6:6.2f} µs/record")


def fill(settings: Settings, records: int) -> None:
    """`records` gate moves, every other one by ABCD (a party of the keys) and by ZZZZ (none)."""
    codec = codec_for(settings.kafka.schema_registry)
    template = parse_event(event("GateMove"))
    producer = Producer(producer_config(settings, **{"linger.ms": 50, "batch.num.messages": 10_000}))
    started = time.monotonic()
    for n in range(records):
        value = codec.encode({**template, "event_id": str(uuid.uuid4()), "source": "ABCD" if n % 2 else "ZZZZ"})
        while True:
            try:
                producer.produce(GATE_MOVES, value, f"F{n % 12}".encode())
                break
            except BufferError:
                producer.poll(0.05)
        if n % 10_000 == 0:
            producer.poll(0)
    producer.flush(120)
    print(f"put {records:,} records on {GATE_MOVES} in {time.monotonic() - started:.1f}s")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def catch_up(settings: Settings) -> None:
    rss = rss_mb()
    started = time.monotonic()
    app = make_app(settings, RING, GatewayConfig(rate_per_s=1e6, burst=1_000_000))
    with BackgroundServer(app) as _server:
        elapsed = time.monotonic() - started
        memory = app[GATEWAY].memory
        assert memory is not None
        grown = rss_mb() - rss
        print(
            f"catch-up: listening after {elapsed:.2f}s; {memory.records_read:,} records read "
            f"({memory.records_read / elapsed:,.0f}/s), {len(app[GATEWAY].window):,} ids remembered, "
            f"RSS +{grown:.0f} MB"
        )


def post(url: str, body: bytes) -> float:
    request = urllib.request.Request(
        f"{url}/v1/events", data=body, method="POST", headers={"X-API-Key": KEYS["abcd-trucking"]}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 202
    return time.perf_counter() - started


def bodies(n: int, size: int = 100) -> list[bytes]:
    return [json.dumps([event("GateMove") for _ in range(size)]).encode() for _ in range(n)]


def sync_cost(settings: Settings, requests: int, clients: int) -> None:
    results: dict[str, list[float]] = {}
    for label, window in (("without memory", 0.0), ("with memory", 900.0)) * 2:
        config = GatewayConfig(rate_per_s=1e6, burst=1_000_000, idempotency_window_s=window)
        app = make_app(settings, RING, config)
        with BackgroundServer(app) as server:
            for body in bodies(10):
                post(server.url, body)  # warm-up
            results.setdefault(label, []).extend(post(server.url, body) for body in bodies(requests))
            if window and label == "with memory" and len(results[label]) > requests:
                memory = app[GATEWAY].memory
                assert memory is not None
                before = memory.catchup.queries
                load = bodies(requests)
                with ThreadPoolExecutor(clients) as pool:
                    list(pool.map(lambda b: post(server.url, b), load))
                print(
                    f"{clients} concurrent clients: {len(load)} requests, "
                    f"{memory.catchup.queries - before} end-offsets queries"
                )
    for label, latencies in results.items():
        latencies.sort()
        p50, p99 = statistics.median(latencies), latencies[int(len(latencies) * 0.99)]
        print(f"sequential, {label:15s}: p50 {p50 * 1000:5.1f} ms, p99 {p99 * 1000:5.1f} ms, {len(latencies)} requests")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", default="tansu", choices=["tansu", "kafka"])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    peek_costs()
    broker = start_broker(args.engine)
    try:
        settings = settings_for(args.engine, broker.bootstrap)
        create_topics(settings)
        catch_up(settings)  # empty topics
        fill(settings, args.records)
        catch_up(settings)
        sync_cost(settings, args.requests, args.clients)
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
