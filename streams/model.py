"""What the indicator engine hands to its adapters (Faust worker, offline replay, dashboard, tests).

The engine is split in two, so several workers can share the input partitions:
- `PartitionEngine` (streams/engine) holds the entity state of the events of some input partitions and
  reports additive `partial` aggregates (JSON-able dicts, opaque to adapters);
- `Combiner` merges the latest partial of every source into facility, port and complex indicators, and
  remembers levels to raise alerts. The offline replay runs one of each in process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

COMPLEX_SCOPE = "SPB"
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
