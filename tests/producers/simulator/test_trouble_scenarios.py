"""The trouble scenarios do what they say, measured from their events against `normal` with the same seed."""

from __future__ import annotations

from collections import Counter

from baystream.producers.simulator import simulate


def _rail_backlog(scenario: str, hours: float) -> int:
    """Rail-bound imports discharged and not yet on a train (on-dock or at the ICTF)."""
    waiting: set[str] = set()
    for e in simulate(scenario, hours, seed=5):
        if e["type"] == "ContainerEvent" and e["event_type"] == "DISCHARGED" and e["inland_mode"] == "RAIL":
            waiting.add(e["container_id"])
        elif e["type"] == "RailDeparture":
            waiting.difference_update(e["container_ids"])
    return len(waiting)


def test_rail_disruption_builds_a_backlog() -> None:
    normal, disrupted = _rail_backlog("normal", 100), _rail_backlog("rail-disruption", 100)
    # 88 hours at 10% of train capacity: most of ~6,000 rail imports a day stay behind
    assert normal > 0 and disrupted - normal >= 4_000


def _dry_runs_by_day(scenario: str, hours: float) -> Counter[int]:
    """Pickup visits that left without their box (no pool chassis), by day of the run."""
    pickups: set[str] = set()
    dry: Counter[int] = Counter()
    for e in simulate(scenario, hours, seed=5):
        if e["type"] != "GateMove":
            continue
        if e["direction"] == "IN" and e["move_type"] in ("IMPORT_PICKUP", "EMPTY_PICKUP"):
            pickups.add(e["visit_id"])
        elif e["direction"] == "OUT" and e["visit_id"] in pickups and e["move_type"] == "BOBTAIL":
            dry[e["event_time"].day] += 1
    return dry


def test_chassis_shortage_means_dry_runs() -> None:
    normal, short = _dry_runs_by_day("normal", 24 * 8), _dry_runs_by_day("chassis-shortage", 24 * 8)
    last_day = max(short)
    assert short[last_day] >= 500
    assert normal[last_day] * 10 < short[last_day]
