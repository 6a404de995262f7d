"""Benchmark: simulated events written to a JSON-lines file, events per second (target: 100,000/s).

    .venv/bin/python bench/simulate.py [--scenario normal] [--hours 168] [--seed 1] [--out /tmp/bench.jsonl]

Reports the end-to-end rate (model + JSON + write, what `baystream simulate --out` does) and, for the same
events, the model alone and the JSON encoding alone, so a regression can be placed.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from producers.simulator import simulate
from producers.simulator.output import FileSink, drain
from schemas.json_form import dumps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="normal")
    parser.add_argument("--hours", type=float, default=168.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="/tmp/baystream-bench-simulate.jsonl")
    args = parser.parse_args()

    began = time.perf_counter()
    with open(args.out, "w", encoding="utf-8") as handle:
        counts = drain(simulate(args.scenario, args.hours, args.seed), FileSink(handle))
    end_to_end = time.perf_counter() - began
    total = sum(counts.values())
    size = os.path.getsize(args.out)
    os.remove(args.out)

    began = time.perf_counter()
    events = list(simulate(args.scenario, args.hours, args.seed))
    model = time.perf_counter() - began
    began = time.perf_counter()
    for event in events:
        dumps(event)
    encode = time.perf_counter() - began

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"scenario {args.scenario}, {args.hours:g} simulated hours, seed {args.seed}: "
        f"{total:,} events, {size / 1e6:.0f} MB"
    )
    print(f"to file (model + JSON + write): {total / end_to_end:10,.0f} events/s  ({end_to_end:.1f} s)")
    print(f"model alone:                    {total / model:10,.0f} events/s")
    print(f"json_form.dumps alone:          {total / encode:10,.0f} events/s")


if __name__ == "__main__":
    main()
