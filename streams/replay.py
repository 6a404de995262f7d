"""Offline replay: one PartitionEngine and one Combiner over a sequence of events, to a final snapshot.

The same two objects the worker runs per partition group, so a replay and the live stream agree. Levels
are checked whenever the watermark enters a new quarter hour (of event time; `check_every_minutes`), so
the alerts a replay prints are the level changes the stream would have seen at that cadence, each with
its deterministic id.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from baystream.streams.config import IndicatorConfig
from baystream.streams.engine import Combiner, PartitionEngine, replaying
from baystream.streams.engine.replaying import SOURCE
from baystream.streams.engine.series import MINUTE_MS, epoch_ms
from baystream.streams.model import Alert, IndicatorValue

QUIET_GC_THRESHOLD = 100_000
"""The collector's first-generation threshold during a replay (Python's default is 700). A replay makes a
dict per event that reference counting frees; every automatic pass over the engine's growing state found
nothing to collect and cost about a tenth of the replay (docs/benchmarks.md)."""


@dataclass
class Snapshot:
    """Where a replay ended: the watermark, every indicator then, and the alerts raised on the way."""

    as_of: datetime | None
    indicators: list[IndicatorValue]
    alerts: list[Alert] = field(default_factory=list)
    applied: int = 0
    skipped: int = 0
    """Events not applied: duplicates and events older than the dedup horizon."""

    def to_json(self) -> dict[str, Any]:
        """The JSON form `baystream indicators replay` prints."""
        from baystream.schemas.json_form import format_time, to_json

        return {
            "as_of": format_time(self.as_of) if self.as_of else None,
            "indicators": [
                {"scope": v.scope, "indicator": v.indicator, "value": v.value, "level": v.level}
                for v in self.indicators
            ],
            "alerts": [to_json(alert.as_record()) for alert in self.alerts],
        }


def replay(
    events: Iterable[Mapping[str, Any]],
    config: IndicatorConfig | None = None,
    until: datetime | None = None,
    check_every_minutes: int = 15,
) -> Snapshot:
    """Apply `events` in order; stop before the first ACTUAL event later than `until` (event time)."""
    with _quiet_gc():
        return _replay(events, config or IndicatorConfig(), until, check_every_minutes)


@contextlib.contextmanager
def _quiet_gc() -> Iterator[None]:
    """Collect garbage cycles rarely while replaying; the thresholds before are restored after."""
    before = gc.get_threshold()
    gc.set_threshold(QUIET_GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _replay(
    events: Iterable[Mapping[str, Any]], config: IndicatorConfig, until: datetime | None, check_every_minutes: int
) -> Snapshot:
    engine, combiner = PartitionEngine(config), Combiner(config)
    until_ms = epoch_ms(until) if until is not None else None
    done = replaying.run(events, engine, combiner, until_ms, max(1, check_every_minutes) * MINUTE_MS)
    combiner.update(SOURCE, engine.partial())
    alerts = [*done.alerts, *combiner.take_alerts()]
    indicators = combiner.indicators()
    as_of = indicators[0].as_of if indicators else None
    return Snapshot(as_of, indicators, alerts, done.applied, done.skipped)
