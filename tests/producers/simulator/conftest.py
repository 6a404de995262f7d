"""One normal run shared by the volume and indicator tests: simulated once, summarised and replayed in one pass."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import pytest

from baystream.producers.simulator import simulation
from baystream.producers.simulator.rendering import to_record
from baystream.producers.simulator.summary import DailyFigures, DayFigures

NORMAL_HOURS = 9 * 24 + 20
"""Nine days and 20 hours from 2024-05-01T00:00Z: ends at 12:00 Pacific, gates busy."""


@dataclass
class NormalRun:
    days: list[DayFigures]
    snapshot: Any
    """streams.replay.Snapshot at the end of the run (None if the engine is not installed)."""
    model: Any
    """The model at the end of the run (model.PortModel)."""
    calls: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    """Per call id: its ACTUAL (location_type, event_time) arrivals, in order."""
    loaded: Counter[str] = field(default_factory=Counter)
    """LOADED boxes by where the stream had them first: 'seen' (discharged or gated in) or 'unseen'."""


@pytest.fixture(scope="session")
def normal_run() -> NormalRun:
    figures = DailyFigures()
    model, chunks = simulation("normal", NORMAL_HOURS, seed=11)
    run = NormalRun([], None, model)
    seen: set[str] = set()

    def tap() -> Iterator[dict[str, Any]]:
        for event in map(to_record, chain.from_iterable(chunks)):
            figures.add(event)
            kind = event["type"]
            if kind == "VesselArrival" and event["classifier"] == "ACTUAL" and event["event_type"] == "ARRIVED":
                run.calls.setdefault(event["call_id"], []).append((event["location_type"], event["event_time"]))
            elif kind == "ContainerEvent":
                if event["event_type"] == "DISCHARGED":
                    seen.add(event["container_id"])
                else:
                    run.loaded["seen" if event["container_id"] in seen else "unseen"] += 1
            elif kind == "GateMove" and event["direction"] == "IN" and event["container_id"]:
                seen.add(event["container_id"])
            yield event

    try:
        from baystream.streams.replay import replay
    except ImportError:
        for _ in tap():
            pass
    else:
        run.snapshot = replay(tap(), check_every_minutes=10**9)
    run.days = figures.days
    return run
