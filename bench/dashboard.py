"""Dashboard benchmarks: warm-up from a long latest topic, REST latency, broker-to-browser-stream latency.

.venv/bin/python bench/dashboard.py [--records 200000] [--requests 1000] [--samples 50] [--settle 90]
                                    [--settle-timeout 240] [--engine {tansu,kafka}] [--bootstrap HOST:PORT,...]

1. `--records` indicator records (about an hour of worker output: 240 keys) written to `congestion-latest` at
   once, then a dashboard started and timed until `/healthz` is 200 (every record the latest and alerts
   topics held at its start read); then REST and live-stream latency on that dashboard.
2. Then what a dashboard starting later finds: one value per key every 5 s, as the worker publishes them,
   for `--settle` seconds and, on Kafka, on until the log cleaner has compacted the records of part 1 (or
   `--settle-timeout`); then a new dashboard is timed again. Kafka's `congestion-latest` is compacted with
   1-minute segments and min.cleanable.dirty.ratio 0.01 (infra/topics.py): the values of part 1 go once a
   value arrives a minute after them (the active segment rolls) and the cleaner's 15 s back-off has passed.
   Tansu does not compact: it keeps every record. `--settle 0` skips this part.

Each warm-up prints how many records it read (the dashboard's `baystream_events_consumed_total`) beside
how many keys the topic holds. On the embedded broker by default; `--engine kafka`: a local 3-broker Apache
Kafka cluster (replication factor 3, min.insync.replicas 2, acks=all: bench/engines.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from prometheus_client import REGISTRY

from baystream.consumers.dashboard.feed import FeedTopics
from baystream.consumers.dashboard.service import DashboardOptions
from baystream.infra.reader import read_topic
from baystream.infra.settings import Settings
from bench.engines import add_engine_arguments, bench_broker, machine
from tests.consumers.dashboard.helpers import Publisher, ServedDashboard, indicator, served_dashboard
from tests.consumers.dashboard.scenario import scenario

WORKER_INTERVAL_S = 5.0
"""The worker's publish_interval_s: every value of every key again on this cadence."""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def rest_latency(url: str, requests: int) -> list[float]:
    timings = []
    async with aiohttp.ClientSession() as client:
        for _ in range(requests):
            started = time.perf_counter()
            async with client.get(url + "/api/indicators") as response:
                body = await response.read()
            timings.append(time.perf_counter() - started)
    assert json.loads(body)["indicators"]
    return timings


async def stream_latency(url: str, publisher: Publisher, samples: int) -> list[float]:
    timings = []
    async with aiohttp.ClientSession() as client, client.get(url + "/api/events") as stream:
        await stream.content.readuntil(b"\n\n")  # hello
        at = datetime(2030, 1, 1, tzinfo=UTC)
        for n in range(samples):
            value = 1000.0 + n
            started = time.perf_counter()
            await asyncio.to_thread(
                publisher.indicators,
                [indicator("USLAX/APMT", "truck_turn_minutes", value, None, at + timedelta(minutes=n))],
            )
            while True:
                frame = (await stream.content.readuntil(b"\n\n")).decode()
                if frame.startswith("event: indicators") and f'"value":{value}' in frame:
                    break
            timings.append(time.perf_counter() - started)
    return timings


def key_of(record: Mapping[str, Any]) -> str:
    return f"{record['scope']}|{record['indicator']}"


def consumer_total(topic: str) -> float:
    """Records this process's readers took from `topic` so far (the dashboard's own counter)."""
    return REGISTRY.get_sample_value("baystream_events_consumed_total", {"topic": topic}) or 0.0


@dataclass
class Census:
    """What a topic holds now, read from its start to its end."""

    records: int = 0
    keys: int = 0
    ends: dict[int, int] = field(default_factory=dict)
    """partition -> offset after its last record (read, not the high watermark: Tansu understates that)."""
    older: int = 0
    """Records at offsets below the `ends` of an earlier census (`below`)."""


def census(settings: Settings, topic: str, below: Mapping[int, int] | None = None) -> Census:
    found = Census()
    keys: set[bytes | None] = set()
    for message in read_topic(settings, topic):
        partition, offset = message.partition() or 0, message.offset() or 0
        found.records += 1
        keys.add(message.key())
        found.ends[partition] = max(found.ends.get(partition, 0), offset + 1)
        if below is not None and offset < below.get(partition, 0):
            found.older += 1
    found.keys = len(keys)
    return found


class WorkerCadence:
    """One value per key every 5 s on the latest topic, as the worker publishes, in a thread until stop()."""

    def __init__(self, publisher: Publisher, latest: list[dict[str, Any]]):
        self.publisher = publisher
        self.latest = latest
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-cadence", daemon=True)

    def start(self) -> WorkerCadence:
        self._thread.start()
        return self

    def _run(self) -> None:
        producer, codec, topic = self.publisher.producer, self.publisher.codec, self.publisher.topics.latest
        round_ = 0
        while not self._stop.is_set():
            round_ += 1
            for record in self.latest:
                value = dict(record, as_of=record["as_of"] + timedelta(seconds=WORKER_INTERVAL_S * round_))
                producer.produce(topic, codec.encode(value), key=key_of(record))
            self.sent += len(self.latest)
            producer.flush(30)
            self._stop.wait(WORKER_INTERVAL_S)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)


@contextmanager
def warmed_up(
    settings: Settings, topics: FeedTopics, label: str, on_topic: int
) -> Iterator[tuple[ServedDashboard, dict[str, Any]]]:
    """A new dashboard, timed until /healthz is 200 and until it has read all `on_topic` records of the latest
    topic (the same on Kafka; Tansu understates high watermarks, so its dashboards are ready a little early)."""
    before = consumer_total(topics.latest)
    started = time.perf_counter()
    with served_dashboard(settings, DashboardOptions(topics=topics)) as dash:
        health = dash.wait_ready(300)
        ready = time.perf_counter() - started
        read = consumer_total(topics.latest) - before
        deadline = time.monotonic() + 120
        while consumer_total(topics.latest) - before < on_topic and time.monotonic() < deadline:
            time.sleep(0.005)
        done, total = time.perf_counter() - started, consumer_total(topics.latest) - before
        print(
            f"warm-up {label}: ready in {ready:.2f} s having read {read:,.0f} records of {topics.latest} "
            f"({read / ready:,.0f} records/s) for {health['indicators']} values; all {total:,.0f} of its "
            f"{on_topic:,} records read in {done:.2f} s; {machine()}",
            flush=True,
        )
        yield dash, health


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000, help="records on congestion-latest before start")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--settle", type=float, default=90.0, help="seconds of worker-like output before part 2")
    parser.add_argument("--settle-timeout", type=float, default=240.0, help="Kafka: wait for the cleaner up to this")
    add_engine_arguments(parser)
    args = parser.parse_args()
    with bench_broker(args.engine, args.bootstrap) as broker:
        settings = broker.settings
        print(f"{broker.describe()}; {machine()}", flush=True)
        topics = FeedTopics()
        publisher = Publisher(settings, topics)
        end = datetime(2024, 5, 1, 18, 0, tzinfo=UTC)
        records, _ = scenario(end, hours=args.records / 240 * 5 / 60, step_minutes=5)
        records = records[: args.records]
        started = time.perf_counter()
        for n in range(0, len(records), 20_000):
            chunk = records[n : n + 20_000]
            for record in chunk:
                publisher.producer.produce(topics.latest, publisher.codec.encode(record), key=key_of(record))
            publisher.producer.flush(60)
        written_at = time.monotonic()
        keys = len({key_of(r) for r in records})
        print(
            f"setup: {len(records)} records ({keys} keys) on {topics.latest} in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        with warmed_up(settings, topics, "right after", len(records)) as (dash, health):
            print(f"/healthz: {health}", flush=True)
            rest = asyncio.run(rest_latency(dash.url, args.requests))
            print(
                f"GET /api/indicators ({health['indicators']} values), {args.requests} sequential requests: "
                f"p50 {percentile(rest, 50) * 1000:.2f} ms, p99 {percentile(rest, 99) * 1000:.2f} ms, "
                f"{len(rest) / sum(rest):,.0f} req/s",
                flush=True,
            )
            live = asyncio.run(stream_latency(dash.url, publisher, args.samples))
            print(
                f"produce -> broker ack -> dashboard -> SSE client, {args.samples} samples: "
                f"p50 {statistics.median(live) * 1000:.1f} ms, p90 {percentile(live, 90) * 1000:.1f} ms, "
                f"max {max(live) * 1000:.1f} ms; {machine()}",
                flush=True,
            )
        if args.settle > 0:
            settle(settings, broker.engine, topics, publisher, records, written_at, args.settle, args.settle_timeout)
        publisher.producer.flush(30)
        del publisher  # its client disconnects before the broker stops
    return 0


def settle(
    settings: Settings,
    engine: str,
    topics: FeedTopics,
    publisher: Publisher,
    records: list[dict[str, Any]],
    written_at: float,
    seconds: float,
    timeout: float,
) -> None:
    """Part 2: the worker's cadence for `seconds` (Kafka: until part 1's records are compacted), a new warm-up."""
    part1 = census(settings, topics.latest).ends
    newest: dict[str, dict[str, Any]] = {key_of(r): r for r in records}
    cadence = WorkerCadence(publisher, list(newest.values())).start()
    try:
        time.sleep(max(0.0, written_at + seconds - time.monotonic()))
        while True:
            now = census(settings, topics.latest, part1)
            waited = time.monotonic() - written_at
            if engine == "tansu" or now.older <= now.keys or waited > timeout:
                break
            time.sleep(5.0)
    finally:
        cadence.stop()
    now = census(settings, topics.latest, part1)
    verdict = "compacted" if now.older <= now.keys else "not compacted"
    print(
        f"{waited:.0f} s after part 1's records were written ({cadence.sent:,} worker-like values since): "
        f"{topics.latest} holds {now.records:,} records for {now.keys} keys, {now.older:,} of them from part 1 "
        f"({verdict})",
        flush=True,
    )
    with warmed_up(settings, topics, f"{waited:.0f} s after", now.records):
        pass


if __name__ == "__main__":
    sys.exit(main())
