"""The indicator engine: pure Python state machines fed with decoded events (no Kafka in here).

`PartitionEngine` holds the state of some input partitions and reports additive partials; `Combiner`
merges them into indicators and alerts. docs/indicators.md has the definitions as implemented.
"""

from baystream.streams.engine import compiled as _compiled

COMPILED = _compiled.GROUP.enable(__path__)
"""True when the engine runs from its compiled build (compiled.py), before any of its modules is imported."""

from baystream.streams.engine.combiner import Combiner, alert_id  # noqa: E402
from baystream.streams.engine.partition import PartitionEngine  # noqa: E402
from baystream.streams.engine.totals import INDICATORS  # noqa: E402

__all__ = ["COMPILED", "INDICATORS", "Combiner", "PartitionEngine", "alert_id"]
