"""Scenario parameters: the normal complex of docs/domain.md and three kinds of trouble.

Every rate and delay the model draws from is here, so a scenario is data, not code. Durations are in
hours or days as named; dwell-like delays are lognormal with the given mean.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    # vessels
    schedule_sd_hours: float = 10.0
    """Spread of a service's arrival around its weekly slot."""
    extra_calls_per_day: float = 0.0
    """Extra loaders on top of the weekly services (Poisson)."""
    initial_queue: int = 0
    """Extra vessels reaching the anchorage in the first 12 hours (a queue already offshore)."""
    moves_factor: float = 1.0
    """Multiplier of the container moves of each call (a cargo surge)."""
    berth_moves_per_hour: float = 58.0
    """Gross berth productivity: container moves per hour of a ship at berth, all cranes (docs/simulator.md)."""
    blank_sailing_per_ship: float = 0.0
    """Feedback of a queue: each ship waiting past `blank_sailing_from` cancels this share of the coming calls."""
    blank_sailing_from: int = 0
    surge_days: float = 0.0
    """The extra loaders fade out linearly over this many days from the model's start (0: they never fade)."""
    recovery: tuple[float, float] | None = None
    """(first day, days), counted from the model's start: the crisis eases, berth productivity and truck dwell
    going back linearly to the normal scenario's over those days (as in 2022: the dwell fee emptied the
    yards, the cranes' rates came back). None: they stay as set."""
    anchorage_spots: int = 0
    """With the offshore queuing system (from Nov 2021): ships waiting beyond this many are held offshore in
    a holding area, not at anchor (0: no queuing system, every waiting ship anchors)."""
    # imports
    on_dock_share: float = 0.28
    near_dock_share: float = 0.10
    """Drayed to the UP ICTF (about 750 k boxes a year with its exports)."""
    off_dock_share: float = 0.22
    """Drayed to an off-dock yard (BNSF Hobart): they leave the model at the gate, and the events call them
    TRUCK (the contract has no off-dock yard). Rail share = on-dock + near-dock + off-dock (docs/domain.md:
    ~60%, 28% on-dock, 32% off-dock); the events' RAIL share is on-dock + near-dock."""
    truck_dwell_days: float = 2.8
    """Mean discharge -> pickup appointment of truck-bound imports (after ~12 h availability)."""
    near_dock_dwell_days: float = 0.7
    off_dock_dwell_days: float = 1.5
    rail_ready_days: float = 2.0
    """Mean discharge -> ready for a train (customs, block building) of on-dock rail imports."""
    rail_capacity_factor: float = 1.5
    """Train capacity / expected rail demand of a yard."""
    rail_disruption: tuple[float, float, float] | None = None
    """(start hour, duration hours, capacity multiplier) of a rail outage; hours count from the run's origin
    (the end of `baystream simulate`'s warm-up: the paced part)."""
    train_boxes: int = 250
    """Longest train (containers): a double-stack train of ~125 wells."""
    rail_export_share: float = 0.6
    """Of the boxes a terminal loads: the share that came by inbound rail (inland exports and the empties of
    rail imports going back), on-dock or drayed from the ICTF."""
    rail_export_laden: float = 0.14
    """Laden share of the boxes inbound rail brings (the rest are empties going back to Asia)."""
    ictf_export_share: float = 0.02
    """Of the boxes a terminal loads: those that came through the ICTF (drayed to the terminal)."""
    # gate and trucks
    gate_queue_minutes: float = 20.0
    """Mean wait in the queue outside the gate before the gate IN (truck visit time = this + the turn time)."""
    turn_base_minutes: float = 44.0
    turn_fill_weight: float = 2.5
    """Turn time multiplier grows by weight * (yard fill - 0.6)^2 above 60% fill."""
    turn_tail_share: float = 0.02
    turn_tail_hours: float = 1.5
    dual_share: float = 0.45
    """Share of drop-offs that also pick up in the same visit."""
    bobtail_share: float = 0.03
    # chassis
    street_dwell_days: float = 3.0
    out_of_service_share: float = 0.08
    """Share of pool chassis returned out of service (they rest `repair_days` and are not available)."""
    repair_days: float = 9.0
    """Mean days out of service (uniform from a third of it to 5/3 of it): with the return rate, 6-13% of
    the fleet is out of service at a time (docs/domain.md)."""
    fleet_factor: float = 1.0
    private_chassis_share: float = 0.4
    """Share of local pickups on the trucker's own chassis (no pool checkout)."""
    chassis_search_minutes: float = 0.0
    """Mean time a pickup that needs a pool chassis spends inside the gate hunting for one (0: none, a chassis
    is where it should be; in a shortage truckers go from stack to stack, which lengthened turns in 2021)."""
    # air and trade
    shore_power_share: float = 0.9
    """Share of container calls plugged into shore power at berth (docs/domain.md: 85-95%)."""
    zero_emission_truck_share: float = 0.02
    """Share of drayage trucks that are battery-electric or fuel-cell (a few per cent at most)."""
    corridor_green_share: float = 0.04
    """Share of calls from Shanghai plugged in and on a low-carbon fuel (the green corridor; a few per cent)."""
    green_rise_per_day: float = 0.0
    """Added each simulated day to the shore-power and corridor shares (capped at 1)."""
    estimates: bool = True
    """Carriers send ESTIMATED berth arrivals of their service calls days ahead and revise them."""

    def replace(self, **changes: object) -> Scenario:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


NORMAL = Scenario(
    "normal", "the normal figures of docs/domain.md: short anchor waits, 2.5-3.5 day truck dwell, 40-70 min turns"
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        NORMAL,
        NORMAL.replace(
            name="congested-2021",
            description="2021 surge: dozens of ships at anchor, truck dwell past 8 days, long turn times",
            schedule_sd_hours=36.0,
            extra_calls_per_day=4.0,
            surge_days=60.0,
            recovery=(25.0, 60.0),
            blank_sailing_per_ship=0.002,
            blank_sailing_from=50,
            anchorage_spots=40,
            initial_queue=100,
            moves_factor=1.15,
            berth_moves_per_hour=35.0,
            truck_dwell_days=10.0,
            near_dock_dwell_days=4.0,
            rail_ready_days=4.0,
            rail_capacity_factor=1.3,
            gate_queue_minutes=45.0,
            turn_base_minutes=50.0,
            turn_tail_share=0.1,
            turn_tail_hours=3.0,
            street_dwell_days=7.5,
            out_of_service_share=0.12,
        ),
        NORMAL.replace(
            name="chassis-shortage",
            description="pool fleet at 25% with 8-day street dwell: dry runs, longer dwell and turns",
            fleet_factor=0.25,
            street_dwell_days=8.0,
            out_of_service_share=0.15,
            private_chassis_share=0.25,
            chassis_search_minutes=30.0,
        ),
        NORMAL.replace(
            name="rail-disruption",
            description="trains cut to 10% of capacity for 6 days from hour 12: the rail backlog builds, then drains",
            rail_disruption=(12.0, 144.0, 0.1),
        ),
        NORMAL.replace(
            name="green-corridor",
            description="the Shanghai corridor goes green: shore power and low-carbon corridor calls rise every day",
            shore_power_share=0.8,
            corridor_green_share=0.15,
            green_rise_per_day=0.06,
            zero_emission_truck_share=0.08,
        ),
    )
}


def scenario_names() -> tuple[str, ...]:
    return tuple(SCENARIOS)


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}") from None
