"""The indicator engine: pure Python state machines fed with decoded events (no Kafka in here).

`PartitionEngine` holds the state of some input partitions and reports additive partials; `Combiner`
merges them into indicators and alerts. docs/indicators.md has the definitions as implemented.
"""

from baystream.streams.engine.combiner import Combiner, alert_id
from baystream.streams.engine.partition import PartitionEngine
from baystream.streams.engine.totals import INDICATORS

__all__ = ["INDICATORS", "Combiner", "PartitionEngine", "alert_id"]
