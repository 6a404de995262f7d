"""The figures of docs/simulator.md's calibration: a simulated run, its daily figures and the engine's view.

    .venv/bin/python bench/calibrate.py SCENARIO SEED HOURS [--fleet-factor F]

e.g. `normal 11 236` (9 days 20 h, as tests/producers/simulator/conftest.py), `congested-2021 11 308`,
`rail-disruption 5 188`, `chassis-shortage 5 236 --fleet-factor 0.25` (the engine is told of the smaller
fleet). Prints JSON: the complex's indicators and every scope's level at the end of the run (the engine,
via `streams.replay`), and per simulated day `summary.DailyFigures` plus TEU, the p90 turn time and dry runs.
The published figures beside the simulated ones, per scenario: bench/calibration_report.py.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from statistics import fmean
from types import MappingProxyType
from typing import Any

from baystream.producers.simulator import simulate
from baystream.producers.simulator.summary import DailyFigures
from baystream.schemas.complex import COMPLEX_ID
from baystream.streams.config import IndicatorConfig
from baystream.streams.replay import replay

TEU_OF_LENGTH = {"2": 1, "4": 2, "L": 2}
"""TEU by the ISO size-type's length code (20 ft, 40 ft, 45 ft)."""


def _p90(values: list[float]) -> int | None:
    """Nearest-rank 90th percentile of whole minutes."""
    ranked = sorted(round(v) for v in values)
    return ranked[math.ceil(0.9 * len(ranked)) - 1] if ranked else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario")
    parser.add_argument("seed", type=int)
    parser.add_argument("hours", type=float)
    parser.add_argument("--fleet-factor", type=float, default=1.0)
    args = parser.parse_args()
    figures = DailyFigures()
    teu: Counter[str] = Counter()
    dry_runs: Counter[str] = Counter()
    pickups: set[str] = set()
    rail_waiting: set[str] = set()

    def tap() -> Iterator[dict[str, Any]]:
        for e in simulate(args.scenario, args.hours, seed=args.seed):
            figures.add(e)
            day = e["event_time"].date().isoformat()
            if e["type"] == "ContainerEvent":
                teu[day] += TEU_OF_LENGTH[e["iso_type"][0]]
                if e["event_type"] == "DISCHARGED" and e["inland_mode"] == "RAIL":
                    rail_waiting.add(e["container_id"])
            elif e["type"] == "RailDeparture":
                rail_waiting.difference_update(e["container_ids"])
            elif e["type"] == "GateMove":
                if e["direction"] == "IN" and e["move_type"] in ("IMPORT_PICKUP", "EMPTY_PICKUP"):
                    pickups.add(e["visit_id"])
                elif e["direction"] == "OUT" and e["visit_id"] in pickups and e["move_type"] == "BOBTAIL":
                    dry_runs[day] += 1  # a pickup that left with nothing: no chassis
            yield e

    config = IndicatorConfig()
    if args.fleet_factor != 1.0:
        smaller = {c: replace(f, chassis=round(f.chassis * args.fleet_factor)) for c, f in config.facilities.items()}
        config = IndicatorConfig(facilities=MappingProxyType(smaller))
    snapshot = replay(tap(), config=config, check_every_minutes=10**9)
    days = figures.days
    turns = [t for d in days[6:9] for t in d.turn_minutes]
    print(
        json.dumps(
            {
                "as_of": snapshot.as_of,
                "complex": {v.indicator: v.value for v in snapshot.indicators if v.scope == COMPLEX_ID},
                "levels": {v.scope: v.level for v in snapshot.indicators if v.indicator == "congestion_index"},
                "days": [dict(d.means(), teu=teu[d.day], turn_p90=_p90(d.turn_minutes)) for d in days],
                "turn_mean_p90_days_7_9": [round(fmean(turns), 1), _p90(turns)] if turns else None,
                "dry_runs_by_day": dict(sorted(dry_runs.items())),
                "rail_bound_on_terminal": len(rail_waiting),
            },
            indent=1,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
