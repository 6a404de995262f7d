"""Worker throughput and event-to-indicator latency, beside the same engine in a plain consumer loop.

    .venv/bin/python bench/worker.py [--events 100000] [--rate 5000] [--seconds 20] [--store rocksdb://]
                                     [--engine {tansu,kafka}] [--bootstrap HOST:PORT,...]

On the embedded broker by default; `--engine kafka`: a local 3-broker Apache Kafka cluster (replication
factor 3, min.insync.replicas 2, acks=all: bench/engines.py). A new broker (cluster) for each part.

1. Throughput: N simulated events (congested-2021 scenario) preloaded on the broker, then
   - the plain loop: a confluent-kafka consumer reading all input partitions, the worker's own
     `InputProcessor` (decode, validate, apply) and a partial per touched partition per batch: the ceiling;
   - one `baystream worker` process (Faust, tables, partials, combiner, publishing), timed by its own
     `baystream_events_consumed_total` from the first event to the last.
2. Latency: a fresh broker and worker, events published at a steady rate; p50 and p99 of the worker's
   `baystream_processing_lag_seconds` histogram (broker timestamp to the publish of the indicators that
   include the event), interpolated within buckets as Prometheus' histogram_quantile does; and the CPU time
   the broker (Tansu, or the three Kafka JVMs), the worker and the publisher used meanwhile (from /proc).

`--only throughput` or `--only latency` runs one part.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from baystream.infra.broker import free_port
from baystream.infra.kafka_config import consumer_config
from baystream.infra.settings import Settings
from baystream.infra.topics import INPUT_TOPICS
from baystream.producers.publisher import Publisher
from baystream.producers.simulator import simulate
from baystream.schemas.wire import Codec
from baystream.streams import checkpoint
from baystream.streams.app import engine_kit, ensure_topics
from baystream.streams.processing import InputProcessor, RawRecord
from bench.engines import add_engine_arguments, bench_broker, child_env, machine

ROOT = Path(__file__).resolve().parents[1]


def events(n: int, seed: int = 1) -> list[dict[str, Any]]:
    return list(itertools.islice(simulate("congested-2021", 24 * 60, seed=seed), n))


def plain_loop(settings: Settings, n: int) -> float:
    """Events/s of the engine behind a plain confluent-kafka consumer (no Faust, no checkpoints); a partial of
    each touched partition on the worker's cadence (`partial_interval_s`), as the worker and the Quix app."""
    kit = engine_kit(settings)
    processor = InputProcessor(Codec(), kit.new_engine, kit.restore_engine, producer="bench")
    for p in range(settings.kafka.partitions):
        processor.load(p, None)
    consumer = Consumer(consumer_config(settings, None, **{"fetch.max.bytes": 64 * 1024 * 1024}))
    consumer.assign(
        [TopicPartition(t, p, OFFSET_BEGINNING) for t in INPUT_TOPICS for p in range(settings.kafka.partitions)]
    )
    seen = 0
    start = None
    every = settings.worker.partial_interval_s
    due: dict[int, float] = {}
    """Per partition: when its next partial is due."""
    while seen < n:
        messages = consumer.consume(5000, 1.0)
        if not messages:
            continue
        if start is None:
            start = time.perf_counter()
        records = [
            RawRecord(m.topic() or "", m.partition() or 0, m.offset() or 0, m.key(), m.value(), m.timestamp()[1])
            for m in messages
            if m.error() is None
        ]
        outcome = processor.process(records)
        now = time.monotonic()
        for number in outcome.touched:
            if now >= due.get(number, 0.0):
                checkpoint.encode(processor.partitions[number].partial_message())
                due[number] = now + every
        seen += len(records)
    elapsed = time.perf_counter() - (start or time.perf_counter())
    consumer.close()
    return seen / elapsed


class Worker:
    """`baystream worker` as a child process, with its metrics on a free port."""

    def __init__(self, settings: Settings, app_id: str, store: str, state_dir: str, *args: str):
        self.metrics_port = free_port()
        env = child_env(
            settings,
            BAYSTREAM_APP_ID=app_id,
            BAYSTREAM_TABLE_STORE=store,
            BAYSTREAM_STATE_DIR=state_dir,
            BAYSTREAM_METRICS_PORT=str(self.metrics_port),
            BAYSTREAM_WORKER_WEB_PORT="0",
        )
        self.log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "baystream", "worker", *args],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def metrics(self, only: str | None = None) -> str:
        """Its /metrics; `only`: that series alone (prometheus_client's `name[]`: no other collector runs)."""
        query = "" if only is None else f"?name[]={only}"
        try:
            url = f"http://127.0.0.1:{self.metrics_port}/metrics{query}"
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.read().decode())
        except OSError:
            return ""

    def consumed(self) -> float:
        return sum(
            float(v)
            for v in re.findall(r"^baystream_events_consumed_total\{[^}]*\} (\S+)$", self.metrics(CONSUMED), re.M)
        )

    def ready(self) -> bool:
        return "assigned input partitions" in Path(self.log.name).read_text(errors="replace")

    def reading(self) -> bool:
        """Whether it has its first input records since the assignment (it says so before applying them)."""
        return "reading input: a first batch" in Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


SCRAPE_EVERY_S = 0.05
"""How often the worker's consumed counter is read while it is timed; the end is known to this cadence. Only
that series is asked for: the whole /metrics (every series, the process collector reading /proc) cost the
worker about a tenth of its CPU at this cadence (docs/benchmarks.md)."""
CONSUMED = "baystream_events_consumed_total"


def worker_throughput(settings: Settings, n: int, store: str, state_dir: str, *args: str) -> float:
    """Events/s of one worker over its `n` preloaded events: from its first input records (its log says so,
    before it applies them; read every 10 ms) to the scrape where its consumed counter reaches `n`, as the
    plain loop and Quix Streams are timed from their first record. The counter alone cannot tell when the
    work began: it grows a whole batch at a time, after the batch."""
    worker = Worker(settings, "bench-throughput" + "".join(args), store, f"{state_dir}/{len(args)}", *args)
    try:
        deadline = time.monotonic() + 600
        while not worker.reading():
            if time.monotonic() > deadline:
                raise RuntimeError("worker read no input in time")
            time.sleep(0.01)
        start = time.perf_counter()
        while (count := worker.consumed()) < n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker did not consume {n} events in time ({count:.0f})")
            time.sleep(SCRAPE_EVERY_S)
        return count / (time.perf_counter() - start)
    finally:
        worker.stop()


def quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """histogram_quantile over cumulative (upper bound, count) pairs."""
    total = buckets[-1][1]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / max(count - lower_count, 1e-9)
        lower_bound, lower_count = bound, count
    return buckets[-1][0]


def lag_buckets(metrics: str) -> list[tuple[float, float]]:
    pairs = re.findall(r'^baystream_processing_lag_seconds_bucket\{le="([^"]+)"\} (\S+)$', metrics, re.M)
    return sorted((float(le), float(count)) for le, count in pairs)


def steady(settings: Settings, stream: Iterator[dict[str, Any]], rate: float, seconds: float) -> int:
    """Publish at `rate` events/s for `seconds` (in 10 ms slices), waiting for every acknowledgement."""
    sent = 0
    start = time.perf_counter()
    with Publisher(settings) as publisher:
        while (elapsed := time.perf_counter() - start) < seconds:
            due = int(elapsed * rate)
            for event in itertools.islice(stream, max(0, due - sent)):
                publisher.publish(event)
                sent += 1
            publisher.poll(0)
            time.sleep(0.01)
    return sent


BROKER_COMMANDS = ("tansu", "kafka.Kafka")
"""What a broker's command line holds: the embedded Tansu, the JVM of a local Kafka node."""


def cpu_seconds(worker_pid: int) -> dict[str, float]:
    """CPU time (user + system) so far of the broker processes this process started, the worker, and this
    process (the publisher), read from /proc (Linux; empty elsewhere). An external cluster is not counted."""
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    used = {"broker": 0.0, "worker": 0.0, "publisher": 0.0}
    try:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                command = cmdline.read().decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        if pid == me:
            used["publisher"] += seconds
        elif pid == worker_pid:
            used["worker"] += seconds
        elif int(fields[1]) == me and any(name in command for name in BROKER_COMMANDS):
            used["broker"] += seconds
    return used


@dataclass
class Latency:
    p50: float
    p99: float
    observed: int
    achieved: float
    """Events/s the publisher kept up."""
    wall: float
    """Seconds from the first event published until the histogram was read."""
    cpu: dict[str, float]
    """CPU seconds of the broker(s), the worker and the publisher over `wall`."""


def worker_latency(settings: Settings, rate: float, seconds: float, store: str, state_dir: str) -> Latency:
    ensure_topics(settings.with_overrides(app_id="bench-latency"))
    worker = Worker(settings, "bench-latency", store, state_dir)
    try:
        while not worker.ready():
            time.sleep(0.2)
        time.sleep(2.0)  # let the recovery finish and the fetchers start
        stream = iter(events(int(rate * seconds) + 1000, seed=2))
        cpu0 = cpu_seconds(worker.process.pid)
        started = time.perf_counter()
        sent = steady(settings, stream, rate, seconds)
        achieved = sent / (time.perf_counter() - started)
        time.sleep(3.0)
        buckets = lag_buckets(worker.metrics())
        cpu1 = cpu_seconds(worker.process.pid)
        cpu = {role: cpu1[role] - cpu0.get(role, 0.0) for role in cpu1}
        wall = time.perf_counter() - started
        return Latency(quantile(0.5, buckets), quantile(0.99, buckets), int(buckets[-1][1]), achieved, wall, cpu)
    finally:
        worker.stop()


def throughput(args: argparse.Namespace) -> None:
    preload = events(args.events)
    print(f"{len(preload)} simulated events (congested-2021)", flush=True)
    with tempfile.TemporaryDirectory() as state_dir, bench_broker(args.engine, args.bootstrap) as broker:
        settings = broker.settings
        print(f"{broker.describe()}; {machine()}", flush=True)
        ensure_topics(settings.with_overrides(app_id="bench-throughput"))
        with Publisher(settings) as publisher:
            publisher.publish_all(preload)
        ceiling = plain_loop(settings, len(preload))
        print(f"plain confluent-kafka loop, same engine: {ceiling:,.0f} events/s; {machine()}", flush=True)
        through = worker_throughput(settings, len(preload), args.store, state_dir)
        print(
            f"one worker ({args.store}): {through:,.0f} events/s = {through / ceiling:.0%} of the plain loop; "
            f"{machine()}",
            flush=True,
        )
        if args.standard_path:
            standard = worker_throughput(settings, len(preload), args.store, state_dir, "--no-fast-path")
            print(f"one worker, Faust's per-event streams (--no-fast-path): {standard:,.0f} events/s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=5000.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--store", default="rocksdb://", help="worker table store (default rocksdb://)")
    parser.add_argument("--standard-path", action="store_true", help="also time the worker with --no-fast-path")
    parser.add_argument("--only", choices=("throughput", "latency"), default=None, help="run one part only")
    add_engine_arguments(parser)
    args = parser.parse_args()
    if args.only != "latency":
        throughput(args)
    if args.only == "throughput":
        return
    with tempfile.TemporaryDirectory() as state_dir, bench_broker(args.engine, args.bootstrap) as broker:
        if args.only == "latency":
            print(f"{broker.describe()}; {machine()}", flush=True)
        latency = worker_latency(broker.settings, args.rate, args.seconds, args.store, state_dir)
    print(
        f"latency at {latency.achieved:,.0f} events/s for {args.seconds:g}s: p50 {latency.p50 * 1000:.0f} ms, "
        f"p99 {latency.p99 * 1000:.0f} ms ({latency.observed} events observed); {machine()}",
        flush=True,
    )
    if latency.cpu:
        used = ", ".join(f"{role} {seconds:.1f} s" for role, seconds in latency.cpu.items())
        print(f"CPU time over those {latency.wall:.1f} s: {used}", flush=True)


if __name__ == "__main__":
    main()
