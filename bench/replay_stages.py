"""Where an offline replay's time goes: the parse, the engine, the level checks, on the first N lines of a file.

    .venv/bin/python bench/replay_stages.py FILE.jsonl [--lines 1500000] [--check-every 15]

Process CPU time, one stage at a time on the same events, the cyclic collector off (the stages hold every
event at once, which a replay does not: the collector's passes over them would be the bench's cost alone):
1. parse: `validated_events` over the lines (orjson, the converters, validation), as `indicators replay`;
2. engine: `PartitionEngine.apply` over the parsed events;
3. checks: the replay's loop (`streams/replay.py`) again, with its level checks; the engine's time of
   stage 2 taken off, what is left is the checks'.
Prints per-event and per-check costs, and what they come to for a year of events (`--year-events`) and of
checks (one each `--check-every` minutes: 35,040 at 15).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baystream.producers.file_publish import validated_events
from baystream.streams.config import IndicatorConfig
from baystream.streams.engine import PartitionEngine
from baystream.streams.replay import replay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--lines", type=int, default=1_500_000)
    parser.add_argument("--check-every", type=int, default=15, help="minutes of event time between level checks")
    parser.add_argument("--year-events", type=float, default=26_869_566, help="events in the year to scale to")
    args = parser.parse_args()
    with open(args.file, "rb") as handle:
        lines = list(itertools.islice(handle, args.lines))
    gc.disable()
    start = time.process_time()
    events = list(validated_events(lines))
    parse_s = time.process_time() - start
    engine = PartitionEngine(IndicatorConfig())
    start = time.process_time()
    for event in events:
        engine.apply(event)
    apply_s = time.process_time() - start
    start = time.process_time()
    snapshot = replay(events, check_every_minutes=args.check_every)
    replay_s = time.process_time() - start
    gc.enable()
    first, last = events[0]["event_time"], snapshot.as_of or events[-1]["event_time"]
    checks = (last - first).total_seconds() / 60 / args.check_every
    checks_s = max(0.0, replay_s - apply_s)
    year_checks = 365 * 24 * 60 / args.check_every
    n = len(events)
    print(f"{n:,} events over {checks:,.0f} checks ({first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M})")
    print(f"parse  {1e6 * parse_s / n:6.2f} µs/event   year: {args.year_events * parse_s / n:6.0f} s")
    print(f"engine {1e6 * apply_s / n:6.2f} µs/event   year: {args.year_events * apply_s / n:6.0f} s")
    print(f"checks {1e3 * checks_s / checks:6.2f} ms/check   year: {year_checks * checks_s / checks:6.0f} s")


if __name__ == "__main__":
    main()
