"""`baystream simulate`: the port-complex simulator, to Kafka (through the Publisher) or to a JSON-lines file.

Every run starts with a warm-up (`--warmup-days`, 7 by default), so its events begin in the scenario's
steady state; the warm-up's events come first, before `--start` (docs/simulator.md, Warm-up).

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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from baystream.infra.progress import Progress, add_progress_option
from baystream.infra.settings import Settings
from baystream.producers.simulator.scenarios import SCENARIOS

if TYPE_CHECKING:
    from baystream.producers.simulator.output import Sink
    from baystream.producers.simulator.rendering import Raw

HELP = "simulate the San Pedro Bay complex: events to Kafka (paced or as fast as possible) or a JSON-lines file"
WARMUP_DAYS = 7.0
"""Simulated before the start by default: yards, queues, chassis out and dwell reach the scenario's steady
state in about a week (docs/simulator.md, Warm-up)."""


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
        "--format",
        choices=("json", "edifact", "x12", "ais"),
        default="json",
        help="with --out: JSON lines (default), or the run as EDIFACT, X12 322 or AIS feeds (docs/feeds.md)",
    )
    parser.add_argument(
        "--start",
        help="simulated start, ISO-8601 with a timezone (default: now when pacing, else 2024-05-01T00:00Z)",
    )
    parser.add_argument(
        "--warmup-days",
        type=float,
        help=f"simulate this many days before --start first (default {WARMUP_DAYS:g}), so the run starts with "
        "full yards and queues: those events come first, in a file before --start, to Kafka unpaced; "
        "0 starts from an empty complex",
    )
    add_progress_option(parser)


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
    if args.format != "json":  # written by the feeds' writers
        from baystream.producers.feeds.simulated import run_feed

        return run_feed(args)
    from baystream.infra.metrics import SIMULATOR_EVENTS
    from baystream.producers.simulator import simulate_chunks
    from baystream.producers.simulator.output import drain, paused_gc
    from baystream.schemas.json_form import format_time

    if args.hours < 0 or (args.speed is not None and args.speed <= 0) or (args.warmup_days or 0) < 0:
        print("baystream simulate: --hours and --warmup-days must be >= 0, --speed > 0", file=sys.stderr)
        return 2
    try:
        start = _start(args)
    except ValueError as exc:
        print(f"baystream simulate: {exc}", file=sys.stderr)
        return 2
    warmup = WARMUP_DAYS if args.warmup_days is None else args.warmup_days
    begin = start - timedelta(days=warmup)
    hours = args.hours + warmup * 24
    chunks = simulate_chunks(args.scenario, hours, args.seed, begin, origin=start)  # disruptions after the warm-up

    def count(batch: Counter[str]) -> None:
        for event_type, n in batch.items():
            SIMULATOR_EVENTS.labels(event_type).inc(n)

    anchor_ms = round(start.timestamp() * 1000)
    tally = _Tally(round(begin.timestamp() * 1000), anchor_ms)
    # events on a terminal (`--out -`) and a bar on the same terminal would garble each other
    show = False if args.progress is None and args.out == "-" and sys.stdout.isatty() else args.progress
    began = time.perf_counter()
    try:
        with contextlib.ExitStack() as stack:
            sink, where = _open_sink(args, settings, stack)
            if where == "Kafka":
                print(
                    f"simulating {args.scenario} from {begin.isoformat()} for {hours:g} h to {settings.kafka.bootstrap}"
                    + (f" at {args.speed:g}x" if args.speed else ""),
                    file=sys.stderr,
                    flush=True,
                )
            progress = stack.enter_context(Progress(f"simulating {args.scenario}", hours * 3_600_000, enabled=show))
            try:
                with paused_gc():
                    counts = drain(tally.track(chunks, progress), sink, args.speed, anchor_ms, on_batch=count)
            except KeyboardInterrupt:  # keep what was generated: the events so far are a consistent prefix
                with contextlib.suppress(Exception):
                    sink.flush()
                return 130
    except OSError as exc:
        print(f"baystream simulate: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - began
    total = sum(counts.values())
    detail = ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))
    phases = f"{total - tally.warmup} from {format_time(start)}"
    if warmup:
        phases = f"{tally.warmup} of the {warmup:g}-day warm-up before, " + phases
    print(
        f"{total} events to {where} in {elapsed:.1f} s ({total / max(elapsed, 1e-9):,.0f}/s): {phases}; {detail}",
        file=sys.stderr,
    )
    return 0


def _open_sink(args: argparse.Namespace, settings: Settings, stack: contextlib.ExitStack) -> tuple[Sink, str]:
    """Where the events go, and its name for the summary: the one place that chooses the writer (a JSON-lines
    file, or Kafka through the Publisher); what it opens is closed by `stack`."""
    from baystream.producers.simulator.output import FileSink, PublisherSink

    if args.out:
        if args.out == "-":
            return FileSink(sys.stdout), "standard output"
        return FileSink(stack.enter_context(open(args.out, "w", encoding="utf-8"))), args.out
    from baystream.infra.metrics import serve_metrics
    from baystream.producers.publisher import Publisher

    serve_metrics("simulator", settings)
    return PublisherSink(Publisher(settings)), "Kafka"


@dataclass
class _Tally:
    """Follows the chunks as the sink takes them: the progress bar (event time from `begin_ms`) and how many
    events are the warm-up's (before `anchor_ms`, the start)."""

    begin_ms: int
    anchor_ms: int
    warmup: int = 0
    _past_anchor: bool = False
    """An ACTUAL event at or after the start went through: no later event is the warm-up's."""

    def track(self, chunks: Iterable[list[Raw]], progress: Progress) -> Iterator[list[Raw]]:
        for chunk in chunks:
            yield chunk  # the code below runs when the sink asks for the next chunk: this one is through
            if chunk and not self._past_anchor:
                # estimates are stamped ahead of the events around them (docs/simulator.md): count, not bisect
                self.warmup += sum([1 for raw in chunk if raw[2] < self.anchor_ms])
                self._past_anchor = chunk[-1][2] >= self.anchor_ms and chunk[-1][3] == "ACTUAL"
            if chunk:
                progress.advance(len(chunk), chunk[-1][2] - self.begin_ms)
