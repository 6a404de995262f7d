"""The offline replay's loop (streams/replay.py): events into one engine, the levels checked on a cadence.

Here, in the engine's package, so `make compiled` compiles it with the engine: per event the loop is a few
comparisons and a call of `apply`, which compiled is a C call, not a Python frame (a year is 26.8 M events;
docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from baystream.streams.engine.combiner import Combiner
from baystream.streams.engine.partition import PartitionEngine
from baystream.streams.engine.series import epoch_ms
from baystream.streams.model import Alert

SOURCE = "replay"
"""The combiner's name for the replay's one engine."""


class Progress:
    """What the loop did: events applied and not applied (duplicates, too late), alerts raised."""

    __slots__ = ("alerts", "applied", "skipped")

    def __init__(self) -> None:
        self.applied = 0
        self.skipped = 0
        self.alerts: list[Alert] = []


def run(
    events: Iterable[Mapping[str, Any]],
    engine: PartitionEngine,
    combiner: Combiner,
    until_ms: int | None,
    step_ms: int,
) -> Progress:
    """Apply `events` in order, until the first ACTUAL one later than `until_ms`; whenever the watermark
    enters a new `step_ms` of event time, the combiner takes the engine's live partial and raises the level
    changes. The last partial (with its air part) is the caller's to give."""
    done = Progress()
    checked = -1
    for event in events:
        if (
            until_ms is not None
            and epoch_ms(event["event_time"]) > until_ms
            and event.get("classifier", "ACTUAL") == "ACTUAL"
        ):
            break  # estimates carry the time they expect: only what happened after `until` ends the replay
        if engine.apply(event):
            done.applied += 1
        else:
            done.skipped += 1
        watermark = engine.watermark
        if watermark is not None and watermark // step_ms > checked:
            checked = watermark // step_ms
            combiner.update(SOURCE, engine.live_partial())  # read before the next apply
            done.alerts.extend(combiner.take_alerts())
    return done
