"""Alerts that mean something: no alert for a scope's first level, no flapping at a bound, real changes alert.

The index here is the truck turn alone (normal 0, crisis 100 minutes: index = the mean turn of the last
hour), so each step, one visit two hours after the last, sets the APMT index to that visit's turn.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from baystream.streams.config import Bound, IndicatorConfig
from baystream.streams.engine import Combiner, PartitionEngine
from baystream.streams.model import Alert
from tests.streams.engine_events import HOUR, gate

APMT = "USLAX/APMT"
TURN_ONLY = MappingProxyType({"truck_turn_minutes": Bound(0.0, 100.0, 1.0)})
BANDS = IndicatorConfig(index=TURN_ONLY, hold_hours=0)
"""The bands and the hysteresis alone, without the hold (each step is two hours)."""


class Terminal:
    """One engine and its combiner; `turn(minutes)` adds a visit of that turn and takes the alerts."""

    def __init__(self, config: IndicatorConfig):
        self.engine, self.combiner = PartitionEngine(config), Combiner(config)
        self.steps = 0

    def turn(self, minutes: float) -> list[Alert]:
        self.steps += 1
        start = self.steps * 2 * HOUR
        self.engine.apply(gate(start - minutes, f"V{self.steps}", "IN"))
        self.engine.apply(gate(start, f"V{self.steps}", "OUT"))
        self.combiner.update("p0", self.engine.partial())
        index = {v.scope: v for v in self.combiner.indicators() if v.indicator == "congestion_index"}[APMT]
        assert index.value == pytest.approx(minutes)
        return [a for a in self.combiner.take_alerts() if a.scope == APMT]


def _changes(terminal: Terminal, turns: list[float]) -> list[tuple[str | None, str]]:
    return [(a.previous_level, a.level) for minutes in turns for a in terminal.turn(minutes)]


HOVERING = [38.0, 42.0, 37.0, 41.0, 36.0, 43.0, 39.0, 44.0, 35.5, 40.5]
"""An index wandering 4-5 points either side of AMBER's bound (40)."""


def test_an_index_hovering_at_a_bound_alerts_once_with_the_default_hysteresis() -> None:
    assert IndicatorConfig().hysteresis > 0  # on by default
    terminal = Terminal(BANDS)
    assert _changes(terminal, HOVERING) == [("GREEN", "AMBER")]  # up at 42, then held down to 35


def test_without_hysteresis_the_same_index_flaps() -> None:
    terminal = Terminal(replace(BANDS, hysteresis=0))
    assert len(_changes(terminal, HOVERING)) == len(HOVERING) - 1  # every crossing: what hysteresis prevents


def test_the_first_level_of_a_scope_is_no_alert() -> None:
    terminal = Terminal(IndicatorConfig(index=TURN_ONLY))
    assert terminal.turn(85.0) == []  # starts RED: where it stands, not a change
    levels = {v.scope: v.level for v in terminal.combiner.indicators() if v.indicator == "congestion_index"}
    assert levels[APMT] == "RED"
    assert terminal.combiner.take_alerts() == []  # no other scope raised one either


def test_every_scope_starts_without_alerts_on_the_default_config() -> None:
    config = IndicatorConfig()
    engine, combiner = PartitionEngine(config), Combiner(config)
    for facility in ("APMT", "TTI", "ETS", "LBCT"):
        engine.apply(gate(0, "V1", "IN", facility=facility))
        engine.apply(gate(45, "V1", "OUT", facility=facility))
    combiner.update("p0", engine.partial())
    levels = {v.scope: v.level for v in combiner.indicators() if v.indicator == "congestion_index"}
    assert len([scope for scope, level in levels.items() if level is not None]) == 16  # the ICTF too: its chassis
    assert combiner.take_alerts() == []


def test_real_changes_still_alert_both_ways() -> None:
    terminal = Terminal(BANDS)
    assert _changes(terminal, [20.0, 80.0, 72.0, 66.0, 50.0, 20.0]) == [
        ("GREEN", "RED"),  # 80: straight to RED
        ("RED", "AMBER"),  # 72 and 66 hold RED (within 5 of 70); 50 does not
        ("AMBER", "GREEN"),
    ]
    assert _changes(terminal, [41.0]) == [("GREEN", "AMBER")]  # going up needs no margin


def test_a_restored_combiner_keeps_its_levels_and_alerts_on_the_next_change() -> None:
    config = BANDS
    terminal = Terminal(config)
    assert _changes(terminal, [20.0, 45.0]) == [("GREEN", "AMBER")]
    terminal.combiner = Combiner.from_state(terminal.combiner.to_state(), config)
    assert _changes(terminal, [38.0, 30.0]) == [("AMBER", "GREEN")]  # 38 holds AMBER; 30 is a real change


DAILY_SWING = [80.0, 80.0, 80.0, 80.0, 55.0, 55.0, 55.0, 55.0, 80.0, 80.0, 80.0, 80.0, 55.0, 55.0, 55.0, 55.0]
"""A crisis whose index swings with the gates' day: 8 h at 80 (RED), 8 h at 55 (AMBER), twice."""


def test_the_hold_keeps_a_daily_swing_at_its_level_and_a_lasting_drop_still_alerts() -> None:
    assert IndicatorConfig().hold_hours == 24  # on by default: longer than a daily dip
    swinging = [("RED", "AMBER"), ("AMBER", "RED"), ("RED", "AMBER")]  # (starting RED is no alert)
    assert _changes(Terminal(BANDS), DAILY_SWING) == swinging
    held = Terminal(IndicatorConfig(index=TURN_ONLY, hold_hours=12))
    assert _changes(held, [*DAILY_SWING, 80.0]) == []  # 8 h below is not 12: RED throughout
    # 55 for 12 h (six steps of 2 h from the first): RED is left at the seventh step, at 12 h
    assert _changes(held, [55.0] * 6) == []
    assert _changes(held, [55.0]) == [("RED", "AMBER")]
    assert _changes(held, [80.0]) == [("AMBER", "RED")]  # going up needs no hold


def test_the_hold_waits_only_while_the_partials_are_aligned() -> None:
    """A partial hours behind the others (a worker catching up) makes the merged index one the events never
    had: its peaks are not held, the level follows the index at once."""
    held = Terminal(IndicatorConfig(index=TURN_ONLY))  # the default hold, 12 h
    assert _changes(held, [80.0, 55.0]) == []  # one source is aligned: 2 h below RED is held
    behind = PartitionEngine(held.combiner.config)
    behind.apply(gate(1.0, "B1", "IN", facility="TTI"))  # another partition, stopped near the start
    held.combiner.update("p1", behind.partial())
    assert not held.combiner.aligned
    assert _changes(held, [55.0]) == [("RED", "AMBER")]  # not aligned: no hold
    assert _changes(held, [80.0]) == [("AMBER", "RED")]
    behind.apply(gate((held.steps + 1) * 2 * HOUR, "B1", "OUT", facility="TTI"))  # it catches up to the next step
    held.combiner.update("p1", behind.partial())
    assert _changes(held, [55.0]) == []  # aligned again: the hold keeps RED
    assert held.combiner.aligned
