"""Calibration report: the port complex's published figures beside the simulated ones, for every scenario.

    .venv/bin/python bench/calibration_report.py [--scenario NAME ...] [--seed 11] [--days D]
    .venv/bin/python bench/calibration_report.py --scenario congested-2021 --queue-only   # the queue alone

Each scenario runs as `baystream simulate` does: a 7-day warm-up, then the part a user watches (its origin:
scenario disruptions count from it). The events go through the indicator engine (the `PartitionEngine` and
`Combiner` that `streams.replay.replay` drives), snapshotted every 6 simulated hours; the run is also
tallied from its events for what the engine does not report (TEU, train lengths, time at berth, dwell by
mode, truck visit time, dry runs) and read from the model for what no event carries (chassis under repair,
ships held offshore, blank sailings).

- `normal`: a month after the warm-up. Each figure is the mean of its snapshots (min-max beside it) or of
  the month's days; the year's volume is the month's TEU scaled to 365 days (a scaled count).
- `rail-disruption`, `chassis-shortage`, `congested-2021`: the snapshot where the scenario's own figure
  peaks (rail backlog, chassis street dwell, ships waiting), with the crisis figures and every scope's
  congestion level there. `congested-2021` then runs on without the engine (the model's queue only) for
  about four months, to show its recovery.

Prints Markdown (docs/simulator.md, Calibration, is this output). The published figures are restated here
in our words from docs/domain.md and docs/simulator.md; a mark says whether the simulated value is in range.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from statistics import fmean
from types import MappingProxyType
from typing import Any

from baystream.producers.simulator import DEFAULT_START, simulation
from baystream.producers.simulator.facilities import ICTF
from baystream.producers.simulator.model import PortModel
from baystream.producers.simulator.rendering import to_record
from baystream.producers.simulator.scenarios import get_scenario
from baystream.schemas.complex import COMPLEX_ID
from baystream.streams.config import IndicatorConfig
from baystream.streams.engine import Combiner, PartitionEngine

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
SNAPSHOT_MS = 6 * HOUR_MS
WARMUP_DAYS = 7
TEU_OF_LENGTH = {"2": 1, "4": 2, "L": 2}
"""TEU by the ISO size-type's length code (20 ft, 40 ft, 45 ft)."""


@dataclass(frozen=True)
class Figure:
    """A published figure: what it measures, its range (None: open) and where it comes from, in our words."""

    key: str
    label: str
    published: str
    low: float | None
    high: float | None
    source: str

    def mark(self, value: float | None) -> str:
        if self.low is None and self.high is None:
            return "context"
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        ok = (self.low is None or value >= self.low) and (self.high is None or value <= self.high)
        return "in range" if ok else "OUT"


NORMAL: tuple[Figure, ...] = (
    Figure("teu_year_m", "volume, M TEU a year", "~20 (2021 20.06, 2024 19.94)", 18.0, 22.0, "port statistics"),
    Figure("vessels_waiting", "ships waiting (anchor or offshore)", "0-few", 0, 6, "marine exchange queue"),
    Figure("anchor_wait_hours", "anchor wait of ships that waited, h", "< 1 day", 0, 24, "queue reports"),
    Figure("berth_utilization", "berth utilization", "50-65%", 0.5, 0.65, "terminal planning figures"),
    Figure("berth_moves_per_hour", "berth productivity, moves/ship-hour", "~50-80", 50, 80, "productivity rankings"),
    Figure("days_at_berth", "time at berth, days", "~2-4", 2.0, 4.0, "call-duration reports"),
    Figure("truck_turn_minutes", "truck turn time, min", "40-70", 40, 70, "trucking association"),
    Figure("truck_visit_minutes", "truck visit time (queue to out), min", "70-90", 70, 90, "trucking association"),
    Figure("import_dwell_truck_days", "import dwell, truck, days", "2.5-3.5", 2.5, 3.5, "terminal association"),
    Figure("import_dwell_rail_days", "import dwell, rail, days", "2-6", 2.0, 6.0, "terminal association"),
    Figure("long_dwell_share", "imports on terminal 5+ days", "5-10% (truck)", 0.0, 0.10, "terminal association"),
    Figure("chassis_street_dwell_days", "chassis street dwell, days", "<= 4", 0, 4.0, "pool reports"),
    Figure("out_of_service_share", "pool chassis out of service", "6-13%", 0.06, 0.13, "pool reports"),
    Figure("rail_backlog", "rail backlog (on terminal, for a train)", "~9,000", 5_000, 13_000, "rail reports"),
    Figure("rail_backlog_9d", "of which 9+ days", "none", 0, 200, "rail reports"),
    Figure("rail_share", "rail share of laden imports (with off-dock drays)", "~60% (28% on-dock)", 0.55, 0.65, "2024"),
    Figure("ictf_k_year", "ICTF boxes a year, thousands", "~750", 650, 850, "ICTF figures"),
    Figure("train_boxes", "boxes per outbound train (mean)", "~100-280 (double-stack)", 100, 280, "rail practice"),
    Figure("laden_export_ratio", "laden exports / laden imports", "~0.25-0.35", 0.25, 0.35, "2024 port TEU"),
    Figure("gate_moves_day", "gate moves a day (IN + OUT)", "~21,000 (2016, 15.7 M TEU)", None, None, "2016 study"),
)
"""The normal figures of docs/domain.md and docs/simulator.md."""

CRISIS: dict[str, tuple[str, tuple[Figure, ...]]] = {
    "congested-2021": (
        "vessels_waiting",
        (
            Figure("vessels_waiting", "ships waiting", "65 (Sep 2021) - 105-109 (Jan 2022)", 65, 115, "queue"),
            Figure("vessels_held_offshore", "of which held offshore", "most, from Nov 2021", 1, None, "queue"),
            Figure("anchor_wait_hours", "anchor wait, h", "8.7-16.9 days", 5 * 24, 17 * 24, "queue"),
            Figure("berth_utilization", "berth utilization", "> 70%", 0.7, None, "planning"),
            Figure("truck_turn_minutes", "truck turn time, min", "55-100", 55, 100, "truckers"),
            Figure("truck_visit_minutes", "truck visit time, min", "100+", 100, None, "truckers"),
            Figure("import_dwell_truck_days", "import dwell, truck, days", "8.4 (Nov 2021)", 6, 12, "terminals"),
            Figure("long_dwell_truck_share", "truck imports 9+ days", "33% (Apr 2022)", 0.15, 0.5, "terminals"),
            Figure("chassis_street_dwell_days", "chassis street dwell, days", "7-9+", 6, None, "pools"),
            Figure("rail_backlog", "rail backlog", "~29,000 (Jun 2022)", 20_000, 45_000, "rail"),
        ),
    ),
    "chassis-shortage": (
        "chassis_street_dwell_days",
        (
            Figure("chassis_street_dwell_days", "chassis street dwell, days", "7-9+", 6, None, "pools"),
            Figure("dry_runs_day", "dry runs a day (no chassis)", "thousands", 500, None, "truckers"),
            Figure("truck_turn_minutes", "truck turn time, min", "55-100", 55, 100, "truckers"),
            Figure("import_dwell_truck_days", "import dwell, truck, days", "rises", 3.5, None, "terminals"),
        ),
    ),
    "rail-disruption": (
        "rail_backlog",
        (
            Figure("rail_backlog", "rail backlog", "~29,000 (Jun 2022)", 20_000, 45_000, "rail"),
            Figure("rail_backlog_9d", "of which 9+ days", "about half (Jun 2022, months in)", None, None, "rail"),
            Figure(
                "long_dwell_rail_share",
                "rail-bound imports on terminal 6+ days",
                "(the fee plan's 3-6+)",
                None,
                None,
                "terminals",
            ),
            Figure(
                "import_dwell_rail_days",
                "rail dwell of the boxes that left (24 h)",
                "16.5 (Aug 2022, a month's mean)",
                None,
                None,
                "terminals",
            ),
        ),
    ),
}
"""Per crisis scenario: the figure whose peak is reported, and the crisis figures of docs/domain.md."""

HORIZON_DAYS = {"normal": 30.0, "rail-disruption": 8.0, "chassis-shortage": 10.0, "congested-2021": 40.0}
"""Days after the warm-up: a month for `normal`; past each crisis' peak for the others."""


@dataclass
class Tally:
    """What the engine does not report, from the events (and the model)."""

    days: dict[str, Counter[str]] = field(default_factory=dict)
    discharged: dict[str, tuple[int, str]] = field(default_factory=dict)
    """container -> (discharge ms, inland mode)."""
    berthed: dict[str, int] = field(default_factory=dict)
    call_moves: Counter[str] = field(default_factory=Counter)
    berth_hours: list[float] = field(default_factory=list)
    productivity: list[float] = field(default_factory=list)
    train_boxes: list[int] = field(default_factory=list)
    truck_dwell: list[float] = field(default_factory=list)
    rail_dwell: list[float] = field(default_factory=list)
    visits: list[tuple[int, float, float | None]] = field(default_factory=list)
    """(gate OUT ms, turn minutes, visit minutes or None) of the visits ended after the origin."""
    gated_in: dict[str, int] = field(default_factory=dict)
    queued: dict[str, int] = field(default_factory=dict)
    pickups: set[str] = field(default_factory=set)
    from_ms: int = 0
    """Durations and daily counts from here on (the origin)."""
    off_dock_at_origin: int | None = None
    model: PortModel | None = None

    def day(self, ms: int) -> Counter[str]:
        key = datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()
        counts = self.days.get(key)
        if counts is None:
            counts = self.days[key] = Counter()
        return counts

    def add(self, e: dict[str, Any]) -> None:
        if e["classifier"] != "ACTUAL":
            return
        ms = round(e["event_time"].timestamp() * 1000)
        counting = ms >= self.from_ms
        if counting and self.off_dock_at_origin is None and self.model is not None:
            self.off_dock_at_origin = self.model.off_dock_drays
        kind = e["type"]
        if kind == "ContainerEvent":
            if counting:
                d = self.day(ms)
                d["teu"] += TEU_OF_LENGTH[e["iso_type"][0]]
                d["laden_" + e["event_type"]] += not e["empty"]
                if e["event_type"] == "DISCHARGED" and not e["empty"]:
                    d["rail_bound"] += e["inland_mode"] == "RAIL"
            self.call_moves[e["call_id"]] += 1
            if e["event_type"] == "DISCHARGED":
                self.discharged[e["container_id"]] = (ms, e["inland_mode"] or "TRUCK")
        elif kind == "GateMove":
            if counting:
                self.day(ms)["gate_moves"] += 1
            visit = e["visit_id"]
            if e["direction"] == "IN":
                self.gated_in[visit] = ms
                if e.get("queue_arrival_time") is not None:
                    self.queued[visit] = round(e["queue_arrival_time"].timestamp() * 1000)
                if e["move_type"] in ("IMPORT_PICKUP", "EMPTY_PICKUP"):
                    self.pickups.add(visit)
                return
            queued, gated_in = self.queued.pop(visit, None), self.gated_in.pop(visit, None)
            if gated_in is not None and counting:
                minutes = (ms - queued) / 60_000 if queued is not None else None
                self.visits.append((ms, (ms - gated_in) / 60_000, minutes))
            if visit in self.pickups:
                self.pickups.discard(visit)
                if e["move_type"] == "BOBTAIL" and counting:
                    self.day(ms)["dry_runs"] += 1
            box = e["container_id"]
            if box in self.discharged and e["move_type"] == "IMPORT_PICKUP":
                since, mode = self.discharged.pop(box)
                if mode == "TRUCK" and counting:
                    self.truck_dwell.append((ms - since) / DAY_MS)
        elif kind == "RailDeparture":
            if counting:
                self.train_boxes.append(len(e["container_ids"]))
                if e["facility"] == ICTF:
                    self.day(ms)["ictf"] += len(e["container_ids"])
            for box in e["container_ids"]:
                found = self.discharged.pop(box, None)
                if found is not None and counting:
                    self.rail_dwell.append((ms - found[0]) / DAY_MS)
        elif kind == "VesselArrival" and e["location_type"] == "BERTH":
            call = e["call_id"]
            if e["event_type"] == "ARRIVED":
                self.berthed[call] = ms
            elif call in self.berthed:
                hours = (ms - self.berthed.pop(call)) / HOUR_MS
                if counting:
                    self.berth_hours.append(hours)
                    self.productivity.append(self.call_moves[call] / hours)
                self.call_moves.pop(call, None)

    def figures(self, model: PortModel, days: int) -> dict[str, float | None]:
        """The tallied figures over the counted days (the first `days` whole days after the origin)."""
        keys = sorted(self.days)[:days]
        total = Counter[str]()
        for key in keys:
            total.update(self.days[key])
        n = max(1, len(keys))
        elapsed = max(1.0, (model.sched.now - self.from_ms) / DAY_MS)
        ictf_drays = model.ictf_drays * n / elapsed
        off_dock = (model.off_dock_drays - (self.off_dock_at_origin or 0)) * n / elapsed

        def mean(values: list[float]) -> float | None:
            return fmean(values) if values else None

        return {
            "teu_year_m": total["teu"] / n * 365 / 1e6,
            "gate_moves_day": total["gate_moves"] / n,
            "rail_share": (total["rail_bound"] + off_dock) / max(1, total["laden_DISCHARGED"]),
            "laden_export_ratio": total["laden_LOADED"] / max(1, total["laden_DISCHARGED"]),
            "ictf_k_year": (total["ictf"] + ictf_drays) / n * 365 / 1e3,
            "train_boxes": mean([float(b) for b in self.train_boxes]),
            "days_at_berth": (mean(self.berth_hours) or 0) / 24 or None,
            "berth_moves_per_hour": mean(self.productivity),
            **visit_means(self.visits, self.from_ms, model.sched.now),
            "import_dwell_truck_days": mean(self.truck_dwell),
            "import_dwell_rail_days": mean(self.rail_dwell),
            "dry_runs_day": total["dry_runs"] / n,
        }


def visit_means(visits: list[tuple[int, float, float | None]], after_ms: int, until_ms: int) -> dict[str, float | None]:
    """Turn and visit minutes of the visits ended in (after_ms, until_ms], every visit alike (the published
    averages' way), where the engine's are means of 60-minute windows."""
    turns = [t for ms, t, _ in visits if after_ms < ms <= until_ms]
    queued = [v for ms, _, v in visits if after_ms < ms <= until_ms and v is not None]
    return {
        "truck_turn_minutes": fmean(turns) if turns else None,
        "truck_visit_minutes": fmean(queued) if queued else None,
    }


@dataclass
class Run:
    scenario: str
    snapshots: list[tuple[int, dict[str, float | None], dict[str, str | None]]]
    """(ms, complex indicators, level per scope) every 6 hours after the origin."""
    model: dict[str, float]
    """Model state sampled at each snapshot: chassis out of service share, ships held, blank sailings."""
    tally: dict[str, float | None]
    seconds: float
    events: int
    origin_ms: int
    visits: list[tuple[int, float, float | None]]


def run(
    scenario: str,
    seed: int,
    days: float,
    config: IndicatorConfig,
    queue: list[tuple[int, int]],
    after: Callable[[PortModel], None],
) -> Run:
    """Simulate warm-up + `days`, through the engine, appending (day of the run, ships waiting) to `queue`
    daily; `after` then gets the model (to run on without the engine)."""
    origin = DEFAULT_START + timedelta(days=WARMUP_DAYS)
    model, chunks = simulation(scenario, WARMUP_DAYS * 24 + days * 24, seed, DEFAULT_START, origin)
    origin_ms = round(origin.timestamp() * 1000)
    engine, combiner = PartitionEngine(config), Combiner(config)
    tally = Tally(from_ms=origin_ms, model=model)
    snapshots: list[tuple[int, dict[str, float | None], dict[str, str | None]]] = []
    sampled: list[tuple[float, float]] = []
    fleet = max(1, len(model.pool.fleet))
    next_ms = origin_ms + SNAPSHOT_MS
    began, count = time.perf_counter(), 0

    def take(at_ms: int) -> None:
        combiner.update("report", engine.partial())
        values = combiner.indicators()
        snapshots.append(
            (
                at_ms,
                {v.indicator: v.value for v in values if v.scope == COMPLEX_ID},
                {v.scope: v.level for v in values if v.indicator == "congestion_index"},
            )
        )
        sampled.append((model.pool.out_of_service / fleet, float(model.held_offshore)))
        if (at_ms - origin_ms) % DAY_MS == 0:
            queue.append(((at_ms - origin_ms) // DAY_MS + WARMUP_DAYS, model.waiting))

    events: Iterator[dict[str, Any]] = map(to_record, chain.from_iterable(chunks))
    for event in events:
        count += 1
        if event["classifier"] == "ACTUAL":
            ms = round(event["event_time"].timestamp() * 1000)
            while ms >= next_ms:
                take(next_ms)
                next_ms += SNAPSHOT_MS
        engine.apply(event)
        tally.add(event)
    seconds = time.perf_counter() - began
    state = {
        "out_of_service_share": fmean(s[0] for s in sampled) if sampled else float("nan"),
        "blank_sailings": float(model.blank_sailings),
    }
    figures = tally.figures(model, int(days))
    after(model)
    return Run(scenario, snapshots, state, figures, seconds, count, origin_ms, tally.visits)


def _fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _value(run: Run, key: str, at: dict[str, float | None] | None) -> tuple[float | None, str]:
    """A figure's value: the engine's (at a snapshot, or the mean of all), else the model's, else the tally's."""
    if at is not None and at.get(key) is not None:
        return at[key], ""
    values = [s[1][key] for s in run.snapshots if s[1].get(key) is not None]
    if at is None and values:
        return fmean(v for v in values if v is not None), f" ({_fmt(min(values))}-{_fmt(max(values))})"  # type: ignore[type-var]
    if key in run.model:
        return run.model[key], ""
    return run.tally.get(key), " (events)"


def _levels(levels: dict[str, str | None]) -> str:
    complex_and_ports = [f"{scope} {levels[scope]}" for scope in sorted(levels) if "/" not in scope]
    hot = [f"{scope} {level}" for scope, level in sorted(levels.items()) if "/" in scope and level != "GREEN"]
    return ", ".join(complex_and_ports) + (
        "; facilities not GREEN: " + ", ".join(hot) if hot else "; every facility GREEN"
    )


def report_normal(r: Run) -> None:
    print(f"### normal: {HORIZON_DAYS['normal']:g} days after the {WARMUP_DAYS}-day warm-up\n")
    print("| figure | published (docs/domain.md) | simulated: mean (min-max) | |")
    print("|---|---|---|---|")
    for f in NORMAL:
        value, extra = _value(r, f.key, None)
        mark = f.mark(value)
        print(f"| {f.label} | {f.published} | {_fmt(value)}{extra} | {mark} |")
    turn, visit = r.tally.get("truck_turn_minutes"), r.tally.get("truck_visit_minutes")
    print(f"\nEvery truck visit of the month alike (from the events): turn {_fmt(turn)} min, visit {_fmt(visit)} min. "
          "The engine's rows above are means of its 60-minute windows at the 6-hourly snapshots, one of them "
          "at 05:00 Pacific (04:00 in winter), inside the 03:00-07:00 closure, where only the few long visits "
          "still inside end: those weigh like a busy hour's.")  # fmt: skip
    levels = Counter(lv for s in r.snapshots for scope, lv in s[2].items() if scope == COMPLEX_ID)
    print(f"\nComplex congestion level over {len(r.snapshots)} snapshots: {dict(levels)}; at the end: "
          f"{_levels(r.snapshots[-1][2])}.")  # fmt: skip


def report_crisis(r: Run, queue: list[tuple[int, int]]) -> None:
    key, figures = CRISIS[r.scenario]
    peak = max(r.snapshots, key=lambda s: s[1].get(key) or 0)
    when = datetime.fromtimestamp(peak[0] / 1000, UTC)
    day = (peak[0] - r.origin_ms) / DAY_MS
    print(f"### {r.scenario}: peak of {key} on day {day:.1f} after the warm-up ({when:%Y-%m-%d %H:%M} UTC)\n")
    print("| figure | published crisis value (docs/domain.md) | simulated at the peak | |")
    print("|---|---|---|---|")
    for f in figures:
        value, extra = _value(r, f.key, peak[1])
        print(f"| {f.label} | {f.published} | {_fmt(value)}{extra} | {f.mark(value)} |")
    day_visits = visit_means(r.visits, peak[0] - DAY_MS, peak[0])
    print(f"\nEvery truck visit of the 24 h before the peak alike (from the events; the engine's rows are its last "
          f"60 minutes): turn {_fmt(day_visits['truck_turn_minutes'])} min, visit "
          f"{_fmt(day_visits['truck_visit_minutes'])} min.")  # fmt: skip
    print(f"\nCongestion index at the peak: {_fmt(peak[1].get('congestion_index'))}; levels: {_levels(peak[2])}.")
    if queue and r.scenario == "congested-2021":
        engine_days = HORIZON_DAYS[r.scenario] + WARMUP_DAYS
        print(f"\n{queue_line(queue, f'no engine after day {engine_days:g}')} Blank sailings by day {engine_days:g}: "
              f"{r.model['blank_sailings']:g}.")  # fmt: skip


def run_queue(model: PortModel, until_day: int, queue: list[tuple[int, int]]) -> None:
    """Run the model alone (no engine, its events dropped) to day `until_day` of its run, warm-up included,
    appending (day, ships waiting) each day: cheap, for a crisis' whole course."""
    start = model.origin_ms - WARMUP_DAYS * DAY_MS
    done = (model.sched.now - start) // DAY_MS
    for day in range(done + 1, until_day + 1):
        for _chunk in model.sched.run(start + day * DAY_MS, model.out):
            pass
        queue.append((day, model.waiting))


def queue_line(queue: list[tuple[int, int]], how: str) -> str:
    top = max(queue, key=lambda q: q[1])
    weekly = ", ".join(f"{d}: {n}" for d, n in queue if d % 7 == 0)
    return (f"Ships waiting by day of the run, warm-up included (the model's queue; {how}): peak {top[1]} on "
            f"day {top[0]}; {weekly}.")  # fmt: skip


def report_queue_only(scenario: str, seed: int, days: int) -> None:
    """The model's queue alone over `days` (no engine): the recovery line of a long crisis, in a minute."""
    origin = DEFAULT_START + timedelta(days=WARMUP_DAYS)
    model, _ = simulation(scenario, days * 24, seed, DEFAULT_START, origin)
    queue: list[tuple[int, int]] = []
    run_queue(model, days, queue)
    print(f"### {scenario}: the model alone, {days} days\n")
    print(queue_line(queue, "no engine") + f" Blank sailings: {model.blank_sailings}; held offshore at the end: "
          f"{model.held_offshore}.\n")  # fmt: skip


def _config(scenario: str) -> IndicatorConfig:
    """The engine's configuration for a scenario: its facilities' pool chassis scaled to the scenario's fleet
    (the defaults are the full pool; `chassis-shortage` runs a quarter of it); the levels as the defaults
    have them (hysteresis and hold, docs/indicators.md)."""
    config = IndicatorConfig()  # the default levels: hysteresis and the hold as a worker runs them
    factor = get_scenario(scenario).fleet_factor
    if factor == 1.0:
        return config
    smaller = {c: replace(f, chassis=round(f.chassis * factor)) for c, f in config.facilities.items()}
    return replace(config, facilities=MappingProxyType(smaller))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", action="append", choices=["normal", *CRISIS], help="default: all four")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--recovery-days", type=float, default=120.0, help="congested-2021's whole run, days")
    parser.add_argument(
        "--queue-only", action="store_true", help="the model's queue by day alone, to --recovery-days (no engine)"
    )
    parser.add_argument(
        "--days", type=float, help="days after the warm-up, instead of each scenario's own (a smoke run)"
    )
    args = parser.parse_args()
    for scenario in args.scenario or ["normal", *CRISIS]:
        if args.queue_only:
            report_queue_only(scenario, args.seed, int(args.recovery_days))
            continue
        config = _config(scenario)
        queue: list[tuple[int, int]] = []

        def run_on(model: PortModel, scenario: str = scenario, queue: list[tuple[int, int]] = queue) -> None:
            if scenario == "congested-2021":
                run_queue(model, int(args.recovery_days), queue)

        r = run(scenario, args.seed, args.days or HORIZON_DAYS[scenario], config, queue, run_on)
        if scenario == "normal":
            report_normal(r)
        else:
            report_crisis(r, queue)
        print(f"\n({r.events:,} events through the engine in {r.seconds:.0f} s, seed {args.seed}.)\n", flush=True)


if __name__ == "__main__":
    main()
