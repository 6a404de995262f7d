"""Feed adapters' throughput: messages (and events) read per second, per adapter, no broker.

    .venv/bin/python bench/feeds.py [--hours 48] [--seed 1] [--rounds 3]

Writes a simulated run as each feed first (not timed: producers/feeds/*_writer.py), then times the reader
alone over the whole text, `--rounds` times, and prints the median: EDIFACT (`read_edifact`, pydifact's
parser; a message is one UNH..UNT), X12 322 (`read_x12`, ansi-x12's tokenizer; a message is one ST..SE)
and AIS (`AisFeed.feed` per sentence, pyais; a message is one sentence, geofences and tracking included).
Every event read is validated as any publication is. Results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baystream.producers.feeds.ais import calls_of, read_ais
from baystream.producers.feeds.ais_writer import write_ais
from baystream.producers.feeds.edifact import read_edifact
from baystream.producers.feeds.edifact_writer import write_edifact
from baystream.producers.feeds.x12 import read_x12
from baystream.producers.feeds.x12_writer import write_x12
from baystream.producers.simulator import simulate
from bench.engines import machine


def _median_seconds(work: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=48, help="simulated hours written as feeds (48)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    events = list(simulate("normal", args.hours, args.seed))
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["type"] in ("GateMove", "ContainerEvent", "RailDeparture"):
            by_source[e["source"]].append(e)
    edi = "".join(
        write_edifact([e for e in evs if e["type"] != "RailDeparture"], src, str(i))
        for i, (src, evs) in enumerate(by_source.items(), start=1)
        if any(e["type"] != "RailDeparture" for e in evs)
    )
    x12 = "".join(write_x12(evs, src, i) for i, (src, evs) in enumerate(by_source.items(), start=1))
    vessels = [e for e in events if e["type"] == "VesselArrival"]
    ais, calls = write_ais(vessels), calls_of(vessels)
    print(machine())
    print(f"simulated: normal, {args.hours:g} h, seed {args.seed}; median of {args.rounds} rounds")
    cases: list[tuple[str, int, Callable[[], Any]]] = [
        ("EDIFACT CODECO/COARRI", edi.count("UNH+"), lambda: read_edifact(edi)),
        ("X12 322", x12.count("ST*322*"), lambda: read_x12(x12)),
        ("AIS !AIVDM", len(ais), lambda: read_ais(ais, calls)),
    ]
    print(f"{'adapter':<24}{'messages':>10}{'events':>10}{'seconds':>10}{'messages/s':>12}{'events/s':>10}")
    for name, messages, work in cases:
        result = work()
        count = len(result[0]) if isinstance(result, tuple) else len(result)
        seconds = _median_seconds(work, args.rounds)
        print(
            f"{name:<24}{messages:>10}{count:>10}{seconds:>10.2f}{messages / seconds:>12,.0f}{count / seconds:>10,.0f}"
        )


if __name__ == "__main__":
    main()
