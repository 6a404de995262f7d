"""Publish throughput: validate + serialize + produce + delivery report.

    .venv/bin/python bench/publish.py [--events 200000] [--registry mock://bench] [--engine {tansu,kafka}]
                                      [--bootstrap HOST:PORT,...]

Builds the events first (not timed), then times Publisher.publish over all of them plus the final flush,
so every event counted was acknowledged by the broker (acks=all, idempotent producer). On the embedded
broker by default; `--engine kafka`: a local 3-broker Apache Kafka cluster, where acks=all means the leader
and at least one follower (min.insync.replicas 2) have the record (bench/engines.py).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baystream.producers.publisher import Publisher
from baystream.schemas.complex import TERMINALS
from baystream.schemas.identifiers import with_check_digit
from baystream.schemas.json_form import parse_event
from baystream.schemas.wire import codec_for
from bench.engines import add_engine_arguments, bench_broker, machine


def make_events(n: int) -> list[dict[str, Any]]:
    """A gate-heavy mix like the simulator's: gate moves, discharges, chassis checkouts."""
    start = datetime(2024, 5, 1, tzinfo=UTC)
    events = []
    for i in range(n):
        terminal = TERMINALS[i % len(TERMINALS)]
        when = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        common = {
            "event_id": str(uuid.uuid4()),
            "event_time": when,
            "source": terminal.code,
            "port": terminal.port,
            "facility": terminal.code,
        }
        container = with_check_digit(f"MSCU{i % 1_000_000:06d}")
        if i % 3 == 0:
            obj = {
                "type": "ContainerEvent",
                **common,
                "container_id": container,
                "event_type": "DISCHARGED",
                "vessel_imo": "9321483",
                "call_id": "C1",
                "iso_type": "45G1",
                "empty": False,
                "inland_mode": "RAIL",
            }
        elif i % 7 == 0:
            obj = {
                "type": "ChassisCheckout",
                **common,
                "chassis_id": f"DCLZ{i % 1_000_000:06d}",
                "action": "CHECKOUT",
                "provider": "DCLI",
                "location": terminal.code,
                "size": "40",
                "trucker": "ABCD",
            }
        else:
            obj = {
                "type": "GateMove",
                **common,
                "visit_id": f"V{i}",
                "direction": "IN",
                "move_type": "IMPORT_PICKUP",
                "truck_id": f"T{i % 5000}",
                "trucker": "ABCD",
                "container_id": container,
            }
        events.append(parse_event(obj))
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--registry", default=None, help="Schema Registry URL (mock:// for the Confluent format)")
    parser.add_argument("--profile", action="store_true", help="print the top functions by own time")
    add_engine_arguments(parser)
    args = parser.parse_args()
    events = make_events(args.events)
    # The prebuilt events are bench input, not publisher work: keep the cyclic GC from rescanning them.
    gc.freeze()
    with bench_broker(args.engine, args.bootstrap) as broker:
        settings = broker.settings
        print(f"{broker.describe()}; {machine()}", flush=True)
        with Publisher(settings, codec=codec_for(args.registry)) as warm:
            warm.publish_all(events[:1000])
        publisher = Publisher(settings, codec=codec_for(args.registry))
        profiler = cProfile.Profile() if args.profile else None
        cpu0, thread0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for record in events:
            publisher.publish(record)
        publisher.flush(120)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        thread = time.thread_time() - thread0
        assert publisher.delivered == len(events), publisher.delivered
        del warm, publisher  # their clients disconnect before the broker stops (else librdkafka logs it)
        load = machine()
    fmt = "Confluent (registry)" if args.registry else "single-object"
    print(
        f"{len(events)} events, {fmt}: {len(events) / wall:,.0f} events/s wall; "
        f"{len(events) / thread:,.0f} events/s per CPU-second of the publishing thread (one core); "
        f"{wall:.2f}s wall, {thread:.2f}s CPU in that thread, {cpu:.2f}s CPU in the whole process; "
        f"after the run: {load}"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
