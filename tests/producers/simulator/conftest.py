"""One normal run shared by the volume and indicator tests: simulated once, summarised and replayed in one pass."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from baystream.producers.simulator import simulate
from baystream.producers.simulator.summary import DailyFigures, DayFigures

NORMAL_HOURS = 9 * 24 + 20
"""Nine days and 20 hours from 2024-05-01T00:00Z: ends at 12:00 Pacific, gates busy."""


@dataclass
class NormalRun:
    days: list[DayFigures]
    snapshot: Any
    """streams.replay.Snapshot at the end of the run (None if the engine is not installed)."""


@pytest.fixture(scope="session")
def normal_run() -> NormalRun:
    figures = DailyFigures()

    def tap() -> Iterator[dict[str, Any]]:
        for event in simulate("normal", NORMAL_HOURS, seed=11):
            figures.add(event)
            yield event

    try:
        from baystream.streams.replay import replay
    except ImportError:
        for _ in tap():
            pass
        return NormalRun(figures.days, None)
    snapshot = replay(tap(), check_every_minutes=10**9)
    return NormalRun(figures.days, snapshot)
