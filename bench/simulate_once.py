"""One simulated run to a JSON-lines file, for instruction counts that do not drift with the machine.

    valgrind --tool=callgrind .venv/bin/python bench/simulate_once.py 72

Prints whether the compiled build ran and how many events it wrote (`normal`, seed 1, HOURS simulated
hours, cyclic GC off). Subtract a short run (e.g. 12 hours) to leave out the interpreter's start and imports.
"""

from __future__ import annotations

import gc
import sys

from baystream.producers.simulator import COMPILED, simulate_chunks
from baystream.producers.simulator.output import FileSink, drain


def main() -> None:
    hours = float(sys.argv[1]) if len(sys.argv) > 1 else 72.0
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/baystream-simulate-once.jsonl"
    gc.disable()
    with open(out, "w", encoding="utf-8") as handle:
        events = sum(drain(simulate_chunks("normal", hours, 1), FileSink(handle)).values())
    print(COMPILED, events)


if __name__ == "__main__":
    main()
