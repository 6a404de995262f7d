"""Where one `baystream worker` spends its time between the fetch and the engine: py-spy over its busy window.

    .venv/bin/python bench/profile_worker.py [--events 150000] [--py-spy PATH] [--raw FILE]
                                             [--engine {tansu,kafka}]

A fresh broker (`--engine`: the embedded one by default, or a local Kafka cluster) with N congested-2021
events preloaded (bench/worker.py), one worker; py-spy (`pip install py-spy`, any venv: it is a standalone
binary) samples the worker at 200 Hz from its first input records until its `baystream_events_consumed_total`
reaches N. The samples (all threads) are put in categories by the frames they hold, first match wins, and
printed as shares of all and of the busy ones (not waiting in the event loop's select or on a condition).
Timing reads the consumed counter alone from /metrics every 50 ms: the scrape's own cost shows up as
`metrics` and `metrics HTTP server`."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baystream.producers.publisher import Publisher
from baystream.streams.app import ensure_topics
from bench.engines import add_engine_arguments, bench_broker, machine
from bench.worker import Worker, events

IDLE = "idle: event loop select, thread waits"
CATEGORIES: list[tuple[str, str]] = [
    ("batch: decode", r"InputProcessor\.process.*(Codec\.decode|<avro decoder)"),
    ("batch: validate", r"InputProcessor\.process.*validate \("),
    ("batch: engine.apply", r"InputProcessor\.process.*(PartitionEngine\.apply|engine/partition\.py|engine/concerns)"),
    ("batch: InputProcessor's own loop (offsets, counters)", r"InputProcessor\.process"),
    ("checkpoints (state encode, table, changelog)", r"(?i)checkpoint"),
    ("partials", r"partial_message|\.partial \("),
    ("combiner, indicators, board", r"(?i)combin|indicators|board"),
    ("aiokafka: ConsumerRecord per record", r"PartitionRecords\._consumer_record"),
    ("fetch to batch (fast_path, faust_internals)", r"_to_message|BatchingConsumer|fast_path"),
    ("aiokafka: fetch requests, protocol, record batches", r"aiokafka"),
    ("metrics", r"prometheus|metrics"),
    ("metrics HTTP server", r"socketserver|http/server"),
    ("outputs through librdkafka", r"confluent|produce|flush"),
    ("rocksdb store", r"rocksdb|faust/stores"),
    ("faust/mode runtime, other", r"faust|mode/"),
]


def categorise(raw: str) -> Counter[str]:
    """Samples per category from py-spy's raw (collapsed) output."""
    samples: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        leaf = stack.rsplit(";", 1)[-1]
        if re.search(r"select \(selectors|Condition\.wait|_run_once", leaf):
            samples[IDLE] += int(count)
            continue
        name = next((name for name, pattern in CATEGORIES if re.search(pattern, stack)), "other")
        samples[name] += int(count)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=150_000)
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    parser.add_argument("--raw", default=None, help="keep py-spy's raw samples in this file")
    add_engine_arguments(parser)
    args = parser.parse_args()
    preload = events(args.events)
    with tempfile.TemporaryDirectory() as state_dir, bench_broker(args.engine, args.bootstrap) as broker:
        settings = broker.settings
        ensure_topics(settings.with_overrides(app_id="bench-throughput"))
        with Publisher(settings) as publisher:
            publisher.publish_all(preload)
        raw = args.raw or f"{state_dir}/py-spy.txt"
        worker = Worker(settings, "bench-throughput", "rocksdb://", state_dir)
        try:
            while not worker.reading():
                time.sleep(0.05)
            command = [args.py_spy, "record", "--pid", str(worker.process.pid), "--rate", "200"]
            spy = subprocess.Popen([*command, "--format", "raw", "--output", raw, "--nonblocking"], env=os.environ)
            started = time.perf_counter()
            while worker.consumed() < args.events:
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
        finally:
            worker.stop()
        samples = categorise(Path(raw).read_text())
    total = sum(samples.values())
    busy = total - samples[IDLE]
    rate = args.events / elapsed
    print(f"{args.events} events in {elapsed:.1f} s from its first records ({rate:,.0f} events/s, sampled)")
    print(f"{total} samples, {busy} busy; {machine()}")
    for name, count in samples.most_common():
        share = "" if name == IDLE else f"{count / busy:6.1%} of busy"
        print(f"{count / total:6.1%} {share:>14}  {name}")


if __name__ == "__main__":
    main()
