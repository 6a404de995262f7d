"""Congestion levels over a run: each scope's peak index and level, its level changes (alerts), and the inputs
nearest their crisis value at the peak (docs/indicators.md, "Congestion index and levels").

    .venv/bin/python bench/index_levels.py FILE.jsonl [--skip-hours H] [--fleet-factor F]
    .venv/bin/python bench/index_levels.py SCENARIO:SEED:HOURS [--fleet-factor F]

A JSON-lines file (`baystream simulate --out`) or a scenario simulated in process (`simulate()`, from empty
yards); levels are checked every hour of event time, as a worker's combiner would; changes in the first
`--skip-hours` (a warm-up) are not counted. `--fleet-factor` tells the engine of a smaller chassis pool,
as `chassis-shortage` runs with (bench/calibrate.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from baystream.schemas.complex import COMPLEX_ID, facility_scope
from baystream.schemas.json_form import parse_line
from baystream.streams.config import IndicatorConfig
from baystream.streams.engine import Combiner, PartitionEngine
from baystream.streams.engine.index import input_position
from baystream.streams.engine.totals import Totals

HOUR_MS = 3_600_000


def positions(values: Mapping[str, float | None], config: IndicatorConfig, berth_share: float) -> dict[str, float]:
    """Each index input's position between its normal (0) and crisis (1) value, as the index maps it."""
    out = {}
    for name in config.index:
        value = values.get(name)
        position = None if value is None else input_position(name, value, config, berth_share)
        if position is not None:
            out[name] = round(position, 3)
    return out


def _events(source: str) -> Iterator[Mapping[str, Any]]:
    if source.endswith(".jsonl"):
        with open(source, "rb") as lines:
            for line in lines:
                yield parse_line(line)
        return
    from baystream.producers.simulator import simulate

    scenario, seed, hours = source.split(":")
    yield from simulate(scenario, float(hours), seed=int(seed))


def _worst(combiner: Combiner, watermark: int, config: IndicatorConfig) -> dict[str, list[tuple[str, float]]]:
    """The four inputs nearest their crisis value, per scope (facilities and the complex)."""
    totals, ports = combiner._facility_totals(watermark)
    berths = sum(t.berths for t in totals.values())
    everything = Totals()
    out = {}
    for code, t in totals.items():
        everything.add(t)
        found = positions({**t.values(), **t.index_inputs()}, config, t.berths / berths)
        out[facility_scope(ports[code], code)] = sorted(found.items(), key=lambda item: -item[1])[:4]
    found = positions({**everything.values(), **everything.index_inputs()}, config, 1.0)
    out[COMPLEX_ID] = sorted(found.items(), key=lambda item: -item[1])[:4]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    parser.add_argument("--skip-hours", type=float, default=0.0)
    parser.add_argument("--fleet-factor", type=float, default=1.0)
    parser.add_argument("--hold-hours", type=float, default=None, help="levels.hold_hours (default: the default's)")
    args = parser.parse_args()
    config = IndicatorConfig()
    if args.hold_hours is not None:
        config = replace(config, hold_hours=args.hold_hours)
    if args.fleet_factor != 1.0:
        smaller = {c: replace(f, chassis=round(f.chassis * args.fleet_factor)) for c, f in config.facilities.items()}
        config = replace(config, facilities=MappingProxyType(smaller))
    engine, combiner = PartitionEngine(config), Combiner(config)
    start = next_check = None
    peaks: dict[str, tuple[float, str | None, str, list[tuple[str, float]]]] = {}
    changes: dict[str, list[tuple[str, str, float]]] = {}
    for event in _events(args.source):
        engine.apply(event)
        watermark = engine.watermark
        if watermark is None:
            continue
        if start is None or next_check is None:
            start, next_check = watermark, watermark + HOUR_MS
        if watermark < next_check:
            continue
        next_check += HOUR_MS
        combiner.update("replay", engine.partial())
        alerts = combiner.take_alerts()
        if (watermark - start) / HOUR_MS < args.skip_hours:
            continue
        for alert in alerts:
            changes.setdefault(alert.scope, []).append(
                (alert.as_of.isoformat()[:16], alert.level, round(alert.congestion_index, 1))
            )
        worst: dict[str, list[tuple[str, float]]] | None = None
        for value in combiner.indicators():
            if value.indicator != "congestion_index" or value.value is None:
                continue
            if value.scope not in peaks or value.value > peaks[value.scope][0]:
                worst = worst or _worst(combiner, watermark, config)
                when = value.as_of.isoformat()[:16]
                peaks[value.scope] = (value.value, value.level, when, worst.get(value.scope, []))
    for scope in sorted(peaks):
        index, level, when, inputs = peaks[scope]
        shown = ", ".join(f"{name} {position}" for name, position in inputs)
        print(f"{scope}: peak {index:.1f} {level} at {when} ({shown}); {len(changes.get(scope, []))} changes")
        for change in changes.get(scope, []):
            print(f"    {change[0]} -> {change[1]} ({change[2]})")
    watermark = combiner.watermark
    if watermark is None:
        return
    worst = _worst(combiner, watermark, config)
    for value in combiner.indicators():
        if value.indicator == "congestion_index" and value.value is not None:
            shown = ", ".join(f"{name} {position}" for name, position in worst.get(value.scope, []))
            print(f"end {value.as_of.isoformat()[:16]}: {value.scope} {value.value:.1f} {value.level} ({shown})")


if __name__ == "__main__":
    main()
