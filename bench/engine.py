"""Benchmark of the indicator engine: `PartitionEngine.apply` events/s, `partial()` and `indicators()` costs.

Workload: the simulator's event stream (producers.simulator, decoded events, event-time order), so the mix
of types and the state sizes are the demo's. Run: .venv/bin/python bench/engine.py [--hours 120]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="normal")
    parser.add_argument("--hours", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from baystream.producers.simulator import simulate
    from baystream.streams.config import IndicatorConfig
    from baystream.streams.engine import Combiner, PartitionEngine

    events = list(simulate(args.scenario, args.hours, args.seed))
    config = IndicatorConfig()
    gc.collect()
    rates, cpu_rates = [], []
    engine = PartitionEngine(config)
    for _ in range(args.repeat):
        engine = PartitionEngine(config)
        start, cpu = time.perf_counter(), time.process_time()
        for event in events:
            engine.apply(event)
        rates.append(len(events) / (time.perf_counter() - start))
        cpu_rates.append(len(events) / (time.process_time() - cpu))
    start = time.perf_counter()
    for event in events[: len(events) // 2]:
        engine.apply(event)  # every one a duplicate now
    duplicate_rate = (len(events) // 2) / (time.perf_counter() - start)

    def timed(fn: object, n: int = 20) -> float:
        start = time.perf_counter()
        for _ in range(n):
            fn()  # type: ignore[operator]
        return (time.perf_counter() - start) / n * 1000

    partial = engine.partial()
    combiner = Combiner(config)
    combiner.update("p0", partial)

    def indicators() -> None:
        combiner.update("p0", partial)  # drop the cache
        combiner.indicators()

    state_ms = timed(lambda: json.dumps(engine.to_state()), 3)
    result = {
        "scenario": args.scenario,
        "hours": args.hours,
        "events": len(events),
        "apply_events_per_s_median": round(statistics.median(rates)),
        "apply_us_per_event": round(1e6 / statistics.median(rates), 2),
        "apply_events_per_cpu_s_median": round(statistics.median(cpu_rates)),
        "apply_cpu_us_per_event": round(1e6 / statistics.median(cpu_rates), 2),
        "duplicate_events_per_s": round(duplicate_rate),
        "partial_ms": round(timed(engine.partial), 2),
        "partial_json_bytes": len(json.dumps(partial)),
        "indicators_ms": round(timed(indicators), 2),
        "indicator_values": len(combiner.indicators()),
        "to_state_json_ms": round(state_ms, 1),
        "state_json_bytes": len(json.dumps(engine.to_state())),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
