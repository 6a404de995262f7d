"""The port-complex simulator: a seeded discrete-event model of San Pedro Bay emitting Baystream events.

`simulate(scenario, hours, seed)` yields decoded events in event-time order; `simulate_raw` the same events
as raw tuples (rendering.py), the cheap form the file and Kafka sinks render themselves, and
`simulate_chunks` those in lists; `scenario_names()`
lists the scenarios. The `baystream simulate` command (command.py) sends them to Kafka or a JSON-lines file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from baystream.producers.simulator import compiled as _compiled

COMPILED = _compiled.enable(__path__)
"""True when the model runs from its compiled build (compiled.py), before any of its modules is imported."""

from baystream.producers.simulator.rendering import Raw, to_record  # noqa: E402
from baystream.producers.simulator.scenarios import get_scenario, scenario_names  # noqa: E402

DEFAULT_START = datetime(2024, 5, 1, tzinfo=UTC)
"""Where a run starts when no start is given: fixed, so a seed alone repeats a run."""

__all__ = ["COMPILED", "DEFAULT_START", "scenario_names", "simulate", "simulate_chunks", "simulate_raw"]


def simulate(scenario: str, hours: float, seed: int = 0, start: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Events of `hours` of simulated time from `start` (the complex starts with empty yards and no
    chassis out; vessels arrive from the first hour), in event-time order, deterministic for a seed."""
    return map(to_record, simulate_raw(scenario, hours, seed, start))


def simulate_raw(scenario: str, hours: float, seed: int = 0, start: datetime | None = None) -> Iterator[Raw]:
    """The events of `simulate`, as raw tuples."""
    return chain.from_iterable(simulate_chunks(scenario, hours, seed, start))


def simulate_chunks(scenario: str, hours: float, seed: int = 0, start: datetime | None = None) -> Iterator[list[Raw]]:
    """The events of `simulate`, as raw tuples in lists of a few thousand (what the sinks take)."""
    from baystream.producers.simulator.model import HOUR, PortModel

    spec = get_scenario(scenario)
    if hours < 0:
        raise ValueError("hours must be >= 0")
    begin = start or DEFAULT_START
    if begin.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    start_ms = int(begin.timestamp() * 1000)
    model = PortModel(spec, seed, start_ms)
    end_ms = start_ms + int(hours * HOUR)
    yield from model.sched.run(end_ms, model.out)
