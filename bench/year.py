"""A whole file of events (the simulated year) through the broker, then through one worker and three workers.

    .venv/bin/python bench/year.py FILE.jsonl [--workers 1 3] [--store rocksdb://] [--engine {tansu,kafka}]

1. Publish: every line of FILE, validated, published with the Python publisher (one pass: the file is the
   simulator's, already valid; `baystream publish` would read it twice). Wall time and events/s.
2. For each count of workers: that many `baystream worker` processes in one consumer group (an app id of
   their own, so each count starts from offset 0 with empty state), timed from the start of the processes
   (so the figure includes their start and their rebalance) to the second their consumed counters add up
   to N (over N would mean records read twice across a rebalance; the engine's dedup keeps those out of the
   indicators), and to the second the group's committed offsets reach the end of every input partition
   (offsets are committed with the checkpoints, whose cadence stretches with the state's size:
   docs/worker.md). Both are read every second.

Each line of the output says what it measured and the machine's load; docs/benchmarks.md has the runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from confluent_kafka import Consumer, TopicPartition

from baystream.infra.kafka_config import consumer_config
from baystream.infra.settings import Settings
from baystream.infra.topics import INPUT_TOPICS
from baystream.producers.file_publish import open_events, validated_events
from baystream.producers.publisher import Publisher
from baystream.streams.app import ensure_topics
from bench.engines import add_engine_arguments, bench_broker, machine
from bench.worker import Worker

DEADLINE_S = 3 * 3600
"""A run that has not caught up by then has failed."""


def publish(settings: Settings, path: str) -> int:
    """Publish every event of `path`; prints the wall time and rate; returns the count."""
    start = time.perf_counter()
    with open_events(path) as handle, Publisher(settings, validate=False) as publisher:
        count = publisher.publish_all(validated_events(handle))
    seconds = time.perf_counter() - start
    print(f"published {count:,} events in {seconds:,.0f} s = {count / seconds:,.0f} events/s; {machine()}", flush=True)
    return count


def input_ends(settings: Settings) -> list[TopicPartition]:
    """The end offset of every partition of every input topic."""
    reader = Consumer(consumer_config(settings, None))
    try:
        ends = []
        for topic in INPUT_TOPICS:
            for partition in reader.list_topics(topic, timeout=15).topics[topic].partitions:
                _, high = reader.get_watermark_offsets(TopicPartition(topic, partition), timeout=15)
                ends.append(TopicPartition(topic, partition, high))
        return ends
    finally:
        reader.close()


def lag(reader: Consumer, ends: list[TopicPartition]) -> int:
    """Records of the input topics that `reader`'s group (which it never joins) has not committed yet."""
    committed = reader.committed([TopicPartition(tp.topic, tp.partition) for tp in ends], timeout=15)
    return sum(end.offset - max(0, done.offset) for end, done in zip(ends, committed, strict=True))


def through_workers(settings: Settings, count: int, events: int, store: str, state_dir: str) -> None:
    """Start `count` workers in one group; print the time until the group has committed every input record."""
    group = f"bench-year-{count}"
    ends = input_ends(settings)
    start = time.perf_counter()
    workers = [Worker(settings, group, store, f"{state_dir}/{count}-{n}") for n in range(count)]
    reading = applied = None
    reader = Consumer(consumer_config(settings, group, **{"enable.auto.commit": False}))  # one, not one a second
    try:
        while (left := lag(reader, ends)) > 0:
            now = time.perf_counter() - start
            if now > DEADLINE_S:
                raise RuntimeError(f"{count} worker(s) left {left:,} records after {DEADLINE_S} s")
            if any(worker.process.poll() is not None for worker in workers):
                raise RuntimeError(f"a worker of {count} stopped: see its log")
            if reading is None and any(worker.reading() for worker in workers):
                reading = now
            if applied is None and sum(worker.consumed() for worker in workers) >= events:
                applied = now
            time.sleep(1)
        seconds = time.perf_counter() - start
        consumed = sum(worker.consumed() for worker in workers)
    finally:
        reader.close()
        for worker in workers:
            worker.stop()
    done = applied or seconds
    print(
        f"{count} worker(s): {events:,} events consumed {done:,.0f} s after their start = {events / done:,.0f} "
        f"events/s (first records read at {reading or 0:,.0f} s; every offset committed at {seconds:,.0f} s; "
        f"consumed counters: {consumed:,.0f}); {machine()}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="JSON-lines file of events (baystream simulate --out)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3], help="counts of workers to time")
    parser.add_argument("--store", default="rocksdb://", help="worker table store (default rocksdb://)")
    add_engine_arguments(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state_dir, bench_broker(args.engine, args.bootstrap) as broker:
        settings = broker.settings
        print(f"{broker.describe()}; {machine()}", flush=True)
        for count in args.workers:
            ensure_topics(settings.with_overrides(app_id=f"bench-year-{count}"))
        events = publish(settings, args.file)
        for count in args.workers:
            through_workers(settings, count, events, args.store, state_dir)


if __name__ == "__main__":
    main()
