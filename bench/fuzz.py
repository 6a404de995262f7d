"""The long fuzz run (issue 18): every target of tests/fuzz/targets.py fed mutated inputs for a while.

    .venv/bin/python bench/fuzz.py --minutes 2            # each target for 2 minutes
    .venv/bin/python bench/fuzz.py --examples 1000000     # each target for a million inputs

Inputs are valid seeds (events in the JSON form, encoded records, times) with random byte edits: flips,
inserts, deletions, splices of two seeds, repeated brackets. A crash (any exception but the target's
documented refusal) is written to .cache/fuzz/<target>-<n>.bin and counted; the exit status is 1 if any.
Prints inputs tried, per second and crashes per target (docs/reliability.md has a run's figures).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz.targets import TARGETS, seeds

INTERESTING = [b"[", b"{", b'"', b"\\", b"\n", b"\xff", b"\xe2\x80\xa8", b"\x00", b"9" * 40, b"-01:00", b"\\ud800"]


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        at = rng.randint(0, len(out))
        if choice < 0.3 and out:
            out[rng.randrange(len(out))] = rng.randrange(256)
        elif choice < 0.5:
            out[at:at] = rng.choice(INTERESTING) * rng.choice((1, 1, 2, 50))
        elif choice < 0.7 and out:
            del out[at : at + rng.randint(1, 16)]
        elif choice < 0.85:
            other = rng.choice(pool)
            start = rng.randint(0, len(other))
            out[at:at] = other[start : start + rng.randint(1, 64)]
        else:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(out)


def run(name: str, seconds: float | None, examples: int | None, seed: int, crash_dir: Path) -> tuple[int, int, float]:
    target = TARGETS[name]
    rng = random.Random(seed)
    pool = seeds(name)
    tried = crashes = 0
    started = time.monotonic()
    deadline = started + seconds if seconds is not None else float("inf")
    while (examples is None or tried < examples) and (tried % 256 or time.monotonic() < deadline):
        data = mutate(rng, rng.choice(pool), pool)
        tried += 1
        try:
            target(data)
        except Exception:
            crashes += 1
            crash_dir.mkdir(parents=True, exist_ok=True)
            (crash_dir / f"{name}-{crashes}.bin").write_bytes(data)
            if crashes <= 3:
                traceback.print_exc()
    return tried, crashes, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, help="minutes per target")
    parser.add_argument("--examples", type=int, help="inputs per target")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="only these targets")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    if args.minutes is None and args.examples is None:
        args.minutes = 1.0
    crash_dir = Path(__file__).resolve().parent.parent / ".cache" / "fuzz"
    total_crashes = 0
    print(f"{'target':22s} {'inputs':>12s} {'per s':>9s} {'crashes':>8s}")
    for name in args.target or sorted(TARGETS):
        seconds = args.minutes * 60 if args.minutes is not None else None
        tried, crashes, took = run(name, seconds, args.examples, args.seed, crash_dir)
        total_crashes += crashes
        print(f"{name:22s} {tried:12,d} {tried / took:9,.0f} {crashes:8d}", flush=True)
    return 1 if total_crashes else 0


if __name__ == "__main__":
    sys.exit(main())
