"""The combiner's side of the worker: partials in, changed indicators and alerts out. No Kafka here.

Every input partition reports its partial after each batch; `Board` keeps the newest partial of each source
(by position: a replay after a restart may resend older ones, which are ignored), asks the engine's
`Combiner` for the indicators, and tells which values changed since they were last published. Values are
compared without their `as_of`, which moves with every event: a value is republished when it or its level
changes, and all of them at the worker's steady cadence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from baystream.streams.model import Alert, CombinerAPI, IndicatorValue


class Combiner(CombinerAPI, Protocol):
    """The engine's Combiner as the worker uses it: with its state, for the combiner's checkpoint."""

    def to_state(self) -> dict[str, Any]: ...


CombinerRestorer = Callable[[Mapping[str, Any]], Combiner]
Key = tuple[str, str]


class Board:
    """The newest partial of every source, the indicators they add up to, and what was last published."""

    def __init__(self, combiner: Combiner):
        self.combiner = combiner
        self.positions: dict[str, int] = {}
        self.published: dict[Key, tuple[float | None, str | None]] = {}
        self.arrivals: Counter[int] = Counter()
        """Broker timestamps (ms) of the events in the partials accepted since the last publish."""
        self.covered = 0
        """Next offset of the partials topic: every partial before it is in this board (where a restored
        board resumes reading)."""

    def offer(self, message: Mapping[str, Any]) -> bool:
        """Take a partial message unless this source already sent a newer one; True if taken."""
        source, position = str(message["source"]), int(message["position"])
        if position < self.positions.get(source, -1):
            return False
        self.positions[source] = position
        self.combiner.update(source, message["partial"])
        for timestamp_ms, count in message.get("arrivals", ()):
            self.arrivals[int(timestamp_ms)] += int(count)
        return True

    def changes(self) -> list[IndicatorValue]:
        """Indicators whose value or level differs from the last published one (and marks them published)."""
        return self._mark(
            v for v in self.combiner.indicators() if self.published.get((v.scope, v.indicator)) != (v.value, v.level)
        )

    def everything(self) -> list[IndicatorValue]:
        """Every indicator (the steady-cadence publication), marked published."""
        return self._mark(self.combiner.indicators())

    def alerts(self) -> list[Alert]:
        return self.combiner.take_alerts()

    def take_arrivals(self) -> Counter[int]:
        arrivals, self.arrivals = self.arrivals, Counter()
        return arrivals

    def _mark(self, values: Iterable[IndicatorValue]) -> list[IndicatorValue]:
        result = list(values)
        for v in result:
            self.published[(v.scope, v.indicator)] = (v.value, v.level)
        return result

    def to_state(self) -> dict[str, Any]:
        return {
            "combiner": self.combiner.to_state(),
            "positions": self.positions,
            "covered": self.covered,
            "published": [[s, i, v, lv] for (s, i), (v, lv) in self.published.items()],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], restore: CombinerRestorer) -> Board:
        board = cls(restore(state["combiner"]))
        board.positions = {str(k): int(v) for k, v in state["positions"].items()}
        board.published = {(s, i): (v, lv) for s, i, v, lv in state["published"]}
        board.covered = int(state.get("covered", 0))
        return board
