"""A seed repeats a run exactly; another seed gives another run; a start shifts it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baystream.producers.simulator import simulate
from baystream.schemas.json_form import dumps


def _run(seed: int, start: datetime | None = None, scenario: str = "normal") -> list[str]:
    return [dumps(e) for e in simulate(scenario, 30, seed, start)]


def test_same_seed_same_events() -> None:
    first = _run(42)
    assert first == _run(42)
    assert len(first) > 1000


def test_another_seed_other_events() -> None:
    assert _run(1)[:50] != _run(2)[:50]


def test_start_sets_the_clock() -> None:
    start = datetime(2021, 9, 1, 6, tzinfo=UTC)
    events = list(simulate("congested-2021", 2, 5, start))
    assert events and events[0]["event_time"] >= start
    assert all(e["event_time"].tzinfo is UTC for e in events)


def test_unknown_scenario_and_naive_start_are_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown scenario 'busy'.*normal"):
        next(simulate("busy", 1))
    with pytest.raises(ValueError, match="aware"):
        next(simulate("normal", 1, 0, datetime(2024, 1, 1)))
