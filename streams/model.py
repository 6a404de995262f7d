"""What the indicator engine hands to its adapters (Faust worker, offline replay, dashboard, tests).

The engine is split in two, so several workers can share the input partitions:
- `PartitionEngine` (streams/engine) holds the entity state of the events of some input partitions and
  reports additive `partial` aggregates (JSON-able dicts, opaque to adapters);
- `Combiner` merges the latest partial of every source into facility, port and complex indicators, and
  remembers levels to raise alerts. The offline replay runs one of each in process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

LEVELS = ("GREEN", "AMBER", "RED")


@dataclass(frozen=True)
class IndicatorValue:
    """One indicator of one scope: the payload of `congestion-indicators` and `congestion-latest`."""

    scope: str
    indicator: str
    value: float | None
    level: str | None
    as_of: datetime

    def as_record(self, computed_at: datetime) -> dict[str, Any]:
        """The CongestionIndicator record (decoded form) for the wire."""
        return {
            "type": "CongestionIndicator",
            "scope": self.scope,
            "indicator": self.indicator,
            "value": self.value,
            "level": self.level,
            "as_of": self.as_of,
            "computed_at": computed_at,
        }


@dataclass(frozen=True)
class Alert:
    """A change of congestion level of one scope: the payload of `congestion-alerts`."""

    alert_id: str
    scope: str
    previous_level: str | None
    level: str
    congestion_index: float
    as_of: datetime
    message: str

    def as_record(self) -> dict[str, Any]:
        return {"type": "CongestionAlert", **self.__dict__}


class PartitionEngineAPI(Protocol):
    """What `streams.engine.PartitionEngine` offers its adapters (implemented in streams/engine/)."""

    def apply(self, event: Mapping[str, Any]) -> bool:
        """Apply one decoded, validated input event (dict with `type`); False if its event_id was seen."""
        ...

    def partial(self) -> dict[str, Any]:
        """Additive aggregates of this engine's events (JSON-able), with its watermark."""
        ...

    def to_state(self) -> dict[str, Any]:
        """The whole state, JSON-able, for a checkpoint (Faust table); `from_state` restores it."""
        ...


class CombinerAPI(Protocol):
    """What `streams.engine.Combiner` offers (implemented in streams/engine/)."""

    def update(self, source: str, partial: Mapping[str, Any]) -> None:
        """Replace the partial of `source` (e.g. 'gate-moves/2' or 'p2'): idempotent for replays."""
        ...

    def indicators(self) -> list[IndicatorValue]:
        """Every indicator for every facility, port and the complex, as of the newest watermark."""
        ...

    def take_alerts(self) -> list[Alert]:
        """Level changes since the last call (the combiner remembers each scope's level)."""
        ...
