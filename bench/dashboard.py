"""Dashboard benchmarks: warm-up from a long latest topic, REST latency, broker-to-browser-stream latency.

Tansu does not compact, so `congestion-latest` grows by every publication of every indicator (256 records
every `publish_interval_s`); warm-up must read all of it. Usage:
.venv/bin/python bench/dashboard.py [--records 200000] [--requests 1000] [--samples 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from consumers.dashboard.feed import FeedTopics
from consumers.dashboard.service import DashboardOptions
from infra.broker import EmbeddedBroker
from infra.settings import Settings
from infra.topics import create_topics
from tests.consumers.dashboard.helpers import Publisher, indicator, served_dashboard
from tests.consumers.dashboard.scenario import scenario


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000, help="records on congestion-latest before start")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    with EmbeddedBroker() as broker:
        settings = Settings(bootstrap=broker.bootstrap, embedded=True, metrics_port=0)
        create_topics(settings)
        topics = FeedTopics()
        publisher = Publisher(settings, topics)
        end = datetime(2024, 5, 1, 18, 0, tzinfo=UTC)
        records, _ = scenario(end, hours=args.records / 240 * 5 / 60, step_minutes=5)
        records = records[: args.records]
        started = time.perf_counter()
        for n in range(0, len(records), 20_000):
            chunk = records[n : n + 20_000]
            for record in chunk:
                publisher.producer.produce(
                    topics.latest, publisher.codec.encode(record), key=f"{record['scope']}|{record['indicator']}"
                )
            publisher.producer.flush(60)
        print(f"setup: {len(records)} records on {topics.latest} in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        with served_dashboard(settings, DashboardOptions(topics=topics)) as dash:
            health = dash.wait_ready(300)
            warm = time.perf_counter() - started
            print(
                f"warm-up: {len(records)} records -> ready in {warm:.2f} s "
                f"({len(records) / warm:,.0f} records/s); {health}"
            )
            rest = asyncio.run(rest_latency(dash.url, args.requests))
            print(
                f"GET /api/indicators ({health['indicators']} values), {args.requests} sequential requests: "
                f"p50 {percentile(rest, 50) * 1000:.2f} ms, p99 {percentile(rest, 99) * 1000:.2f} ms, "
                f"{len(rest) / sum(rest):,.0f} req/s"
            )
            live = asyncio.run(stream_latency(dash.url, publisher, args.samples))
            print(
                f"produce -> broker ack -> dashboard -> SSE client, {args.samples} samples: "
                f"p50 {statistics.median(live) * 1000:.1f} ms, p90 {percentile(live, 90) * 1000:.1f} ms, "
                f"max {max(live) * 1000:.1f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
