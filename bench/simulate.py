"""Benchmark: simulated events written to a JSON-lines file, events per second (target: 100,000/s).

    .venv/bin/python bench/simulate.py [--scenario normal] [--hours 168] [--seed 1] [--repeat 3]

Times what `baystream simulate --out FILE` does (model + line rendering + buffered writes, cyclic GC
paused), then the model alone (raw tuples) and the line rendering alone on the same events, so a
regression can be placed; and, for comparison, the decoded records (`simulate`) that Kafka and the tests
use. Reports wall-clock rates and rates per CPU-second of this process (the machine is shared: the CPU
rate is what one core does); the best of `--repeat` rounds of all rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

from baystream.producers.simulator import simulate, simulate_chunks, simulate_raw
from baystream.producers.simulator.output import FileSink, drain, paused_gc
from baystream.producers.simulator.rendering import to_line


def _timed(rows: list[tuple[str, Callable[[], int]]], repeat: int) -> dict[str, tuple[int, float, float]]:
    """(events, best wall seconds, best CPU seconds) of each row over `repeat` rounds. The rounds run every
    row in turn, so a slow spell of the (shared, virtual) machine hits all rows alike."""
    best: dict[str, tuple[int, float, float]] = {}
    for _ in range(repeat):
        for label, work in rows:
            wall, cpu = time.perf_counter(), time.process_time()
            count = work()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            _, best_wall, best_cpu = best.get(label, (0, float("inf"), float("inf")))
            best[label] = (count, min(best_wall, wall), min(best_cpu, cpu))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="normal")
    parser.add_argument("--hours", type=float, default=168.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="/tmp/baystream-bench-simulate.jsonl")
    args = parser.parse_args()

    def to_file() -> int:
        with open(args.out, "w", encoding="utf-8") as handle, paused_gc():
            return sum(drain(simulate_chunks(args.scenario, args.hours, args.seed), FileSink(handle)).values())

    def model() -> int:
        with paused_gc():
            return sum(len(chunk) for chunk in simulate_chunks(args.scenario, args.hours, args.seed))

    def records() -> int:
        with paused_gc():
            return sum(1 for _ in simulate(args.scenario, args.hours, args.seed))

    events = list(simulate_raw(args.scenario, args.hours, args.seed))

    def render() -> int:
        with paused_gc():
            for event in events:
                to_line(event)
        return len(events)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average before: {os.getloadavg()[0]:.1f}"
    )
    rows = [
        ("to file (model + lines + write)", to_file),
        ("model alone (raw events)", model),
        ("line rendering alone", render),
        ("decoded records (simulate)", records),
    ]
    for label, (count, wall, cpu) in _timed(rows, args.repeat).items():
        print(
            f"{label:32} {count / wall:10,.0f} events/s wall   {count / cpu:10,.0f} events/CPU-s   ({count:,} events)"
        )
    size = os.path.getsize(args.out)
    os.remove(args.out)
    print(f"scenario {args.scenario}, {args.hours:g} simulated hours, seed {args.seed}: file {size / 1e6:.0f} MB")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
