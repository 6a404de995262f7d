"""A normal simulated week lands in docs/domain.md's ranges: gate moves, vessel calls, rail share, turn times, dwell."""

from __future__ import annotations

from statistics import fmean

import pytest

from baystream.producers.simulator.summary import DayFigures
from tests.producers.simulator.conftest import NormalRun

STEADY = slice(6, 9)
"""Whole days 7-9: yards start empty, imports need ~3 days of dwell and every weekly service a week to call."""


@pytest.fixture(scope="module")
def days(normal_run: NormalRun) -> list[DayFigures]:
    assert len(normal_run.days) == 10
    return normal_run.days[STEADY]


def test_gate_events_a_weekday_fit_about_27000_moves(days: list[DayFigures]) -> None:
    """~21,000 gate moves a day at 15.6 M TEU (2016) is ~27,000 at 20 M; a visit is two events (IN, OUT)."""
    for day in days:  # Tuesday to Thursday
        assert 22_000 <= day.gate_moves <= 40_000, day.means()


def test_a_few_to_a_dozen_vessel_calls_a_day(days: list[DayFigures]) -> None:
    for day in days:
        assert 3 <= day.vessel_calls <= 14, day.means()
    moves = fmean(d.discharged + d.loaded for d in days)
    assert 20_000 <= moves <= 40_000  # ~30,000 a day across the quay: ~20 M TEU a year (docs/simulator.md)


def test_rail_carries_about_60_percent_of_imports(days: list[DayFigures], normal_run: NormalRun) -> None:
    for day in days:  # on-dock 28% + near-dock 12%: RAIL in the events
        assert 0.35 <= day.rail_share <= 0.45, day.means()
    # + off-dock 20%: drayed to Hobart, TRUCK in the events (the contract has no off-dock yard)
    every = normal_run.days
    rail = sum(d.rail_share * d.discharged for d in every) + normal_run.model.off_dock_drays
    assert 0.55 <= rail / (0.97 * sum(d.discharged for d in every)) <= 0.65  # 3% of imports are empties


def test_turn_times_dwell_and_waits_are_normal(days: list[DayFigures]) -> None:
    turns = [t for d in days for t in d.turn_minutes]
    assert 40 <= fmean(turns) <= 70
    assert fmean([w for d in days for w in d.anchor_wait_hours] or [0.0]) < 24  # most calls never wait
    assert 1.5 <= fmean([x for d in days for x in d.truck_dwell_days]) <= 3.5
    assert 2 <= fmean([x for d in days for x in d.rail_dwell_days]) <= 6
    assert fmean([x for d in days for x in d.street_dwell_days]) <= 4
    assert max(d.vessels_waiting_max for d in days) <= 10
