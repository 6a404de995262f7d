"""`baystream simulate`: the port-complex simulator, to Kafka (through the Publisher) or to a JSON-lines file.

Examples:
  baystream simulate --scenario normal --hours 24 --out day.jsonl          # as fast as possible, to a file
  baystream simulate --scenario congested-2021 --hours 720 --speed 600     # live: 10 simulated minutes a second
  baystream simulate --scenario rail-disruption --hours 96 --as-fast-as-possible
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from baystream.infra.settings import Settings
from baystream.producers.simulator.scenarios import SCENARIOS

HELP = "simulate the San Pedro Bay complex: events to Kafka (paced or as fast as possible) or a JSON-lines file"
LIVE_WARMUP_DAYS = 7.0


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario",
        default="normal",
        choices=list(SCENARIOS),
        help="; ".join(f"{s.name}: {s.description}" for s in SCENARIOS.values()).replace("%", "%%"),
    )
    parser.add_argument("--hours", type=float, default=24.0, help="simulated hours after the start (default 24)")
    parser.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same events")
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument(
        "--speed", type=float, help="simulated seconds per wall-clock second (60: one simulated minute a second)"
    )
    pace.add_argument("--as-fast-as-possible", action="store_true", help="no pacing (the default)")
    parser.add_argument("--out", metavar="FILE", help="write JSON lines to FILE (- for stdout) instead of Kafka")
    parser.add_argument(
        "--start",
        help="simulated start, ISO-8601 with a timezone (default: now when pacing, else 2024-05-01T00:00Z)",
    )
    parser.add_argument(
        "--warmup-days",
        type=float,
        help="simulate this many days before the start first, sent unpaced, so yards and queues are full "
        f"when pacing begins (default: {LIVE_WARMUP_DAYS:g} when pacing, else 0)",
    )


def _start(args: argparse.Namespace) -> datetime:
    from baystream.producers.simulator import DEFAULT_START

    if args.start:
        start = datetime.fromisoformat(args.start)
        if start.tzinfo is None:
            raise ValueError(f"--start {args.start}: give a timezone, e.g. 2024-05-01T00:00:00Z")
        return start.astimezone(UTC)
    if args.speed:
        return datetime.now(UTC).replace(microsecond=0)
    return DEFAULT_START


def run(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.infra.metrics import SIMULATOR_EVENTS, serve_metrics
    from baystream.producers.simulator import simulate_chunks
    from baystream.producers.simulator.output import FileSink, PublisherSink, Sink, drain, paused_gc

    if args.hours < 0 or (args.speed is not None and args.speed <= 0):
        print("baystream simulate: --hours must be >= 0 and --speed > 0", file=sys.stderr)
        return 2
    try:
        start = _start(args)
    except ValueError as exc:
        print(f"baystream simulate: {exc}", file=sys.stderr)
        return 2
    warmup = args.warmup_days if args.warmup_days is not None else (LIVE_WARMUP_DAYS if args.speed else 0.0)
    begin = start - timedelta(days=warmup)
    events = simulate_chunks(args.scenario, args.hours + warmup * 24, args.seed, begin)

    def count(batch: Counter[str]) -> None:
        for event_type, n in batch.items():
            SIMULATOR_EVENTS.labels(event_type).inc(n)

    anchor_ms = round(start.timestamp() * 1000)
    began = time.perf_counter()
    handle = None
    publisher = None
    sink: Sink
    try:
        if args.out:
            handle = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")  # noqa: SIM115
            sink = FileSink(handle)
        else:
            from baystream.producers.publisher import Publisher

            serve_metrics(settings.metrics_port)
            publisher = Publisher(settings)
            sink = PublisherSink(publisher)
            print(
                f"simulating {args.scenario} from {begin.isoformat()} for {args.hours + warmup * 24:g} h "
                f"to {settings.bootstrap}" + (f" at {args.speed:g}x" if args.speed else ""),
                file=sys.stderr,
                flush=True,
            )
        with paused_gc():
            counts = drain(events, sink, args.speed, anchor_ms, on_batch=count)
    except OSError as exc:
        print(f"baystream simulate: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # keep what was generated: the events so far are a consistent prefix
        with contextlib.suppress(Exception):
            sink.flush()
        return 130
    finally:
        if handle is not None and handle is not sys.stdout:
            handle.close()
    elapsed = time.perf_counter() - began
    total = sum(counts.values())
    where = args.out if args.out else "Kafka"
    detail = ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))
    print(
        f"{total} events to {where} in {elapsed:.1f} s ({total / max(elapsed, 1e-9):,.0f}/s): {detail}",
        file=sys.stderr,
    )
    return 0
