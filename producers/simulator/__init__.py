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
from typing import TYPE_CHECKING, Any

from baystream.producers.simulator import compiled as _compiled

COMPILED = _compiled.GROUP.enable(__path__)
"""True when the model runs from its compiled build (compiled.py), before any of its modules is imported."""

from baystream.producers.simulator.rendering import Raw, to_record  # noqa: E402
from baystream.producers.simulator.scenarios import get_scenario, scenario_names  # noqa: E402

if TYPE_CHECKING:
    from baystream.producers.simulator.model import PortModel

DEFAULT_START = datetime(2024, 5, 1, tzinfo=UTC)
"""Where a run starts when no start is given: fixed, so a seed alone repeats a run."""

__all__ = ["COMPILED", "DEFAULT_START", "scenario_names", "simulate", "simulate_chunks", "simulate_raw", "simulation"]


def simulate(
    scenario: str, hours: float, seed: int = 0, start: datetime | None = None, origin: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Events of `hours` of simulated time from `start` (the complex starts with empty yards and no
    chassis out; vessels arrive from the first hour), in event-time order, deterministic for a seed.
    `origin` (default: `start`) is where the scenario's disruptions count their hours from: the end of a
    warm-up, so that they fall in the part a user watches."""
    return map(to_record, simulate_raw(scenario, hours, seed, start, origin))


def simulate_raw(
    scenario: str, hours: float, seed: int = 0, start: datetime | None = None, origin: datetime | None = None
) -> Iterator[Raw]:
    """The events of `simulate`, as raw tuples."""
    return chain.from_iterable(simulate_chunks(scenario, hours, seed, start, origin))


def simulate_chunks(
    scenario: str, hours: float, seed: int = 0, start: datetime | None = None, origin: datetime | None = None
) -> Iterator[list[Raw]]:
    """The events of `simulate`, as raw tuples in lists of a few thousand (what the sinks take)."""
    return simulation(scenario, hours, seed, start, origin)[1]


def simulation(
    scenario: str, hours: float, seed: int = 0, start: datetime | None = None, origin: datetime | None = None
) -> tuple[PortModel, Iterator[list[Raw]]]:
    """The model of a run and its chunks (`simulate_chunks`): what calibration reads besides the events
    (chassis under repair, ships held, blank sailings) is the model's state as the chunks go by."""
    from baystream.producers.simulator.model import HOUR, PortModel

    spec = get_scenario(scenario)
    if hours < 0:
        raise ValueError("hours must be >= 0")
    begin = start or DEFAULT_START
    if begin.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    start_ms = int(begin.timestamp() * 1000)
    origin_ms = int(origin.timestamp() * 1000) if origin is not None else None
    model = PortModel(spec, seed, start_ms, origin_ms)
    end_ms = start_ms + int(hours * HOUR)
    return model, model.sched.run(end_ms, model.out)
